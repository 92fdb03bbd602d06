"""Every read the faces of the service make: instances, their tasks, timers and history from the
projection tables, and what is deployed. Functions take a session and, where the reader is a
person, the access clauses of engine/people/access.py; `Reads` runs them in read-only transactions for
callers with no person behind them (the system, tests, the CLI).
"""
from collections import defaultdict
from datetime import datetime, timezone

from sqlalchemy import func, select
from sqlalchemy.orm import Session, defer

from engine.db import Database
from engine.errors import NotFound
from engine.instances import store
from engine.instances.messages import messages_taken
from engine.instances.runtime import EngineContext, InstanceRuntime, find_task
from engine.models import DefinitionFile, HistoryEvent, ProcessInstance, ProcessVersion, UserTask, WaitingTimer
from engine.reporting.actions import dao_list_actions
from engine.reporting.audit_report import Scope, audit_report, audit_report_rows
from engine.reporting.labels import dao_report_labels
from engine.views.case_list import place_names

UNENDED = ("running", "suspended", "error")  # an instance that may still move on
# Tasks made ready in one step (the two sides of a parallel gateway) share ready_at: the one ended
# first comes first, open ones last, then by element so the order never depends on the database.
TASK_ORDER = (UserTask.ready_at, UserTask.ended_at.is_(None), UserTask.ended_at, UserTask.element_id)

# --- instances ----------------------------------------------------------------------------------

def instance_view(session: Session, instance_id: int, data: dict, version: int | None = None,
                  timers: list[WaitingTimer] | None = None) -> dict:
    """The instance as the API shows it; `version` and `timers` when the caller has them already."""
    row = store.dao_get_instance(session, instance_id)
    version = version or store.dao_get_version(session, row.process_version_id).version
    timers = sorted(timers, key=lambda t: t.due_at) if timers is not None else timers_of(session, instance_id)
    tasks = session.scalars(select(UserTask).where(UserTask.instance_id == instance_id).order_by(*TASK_ORDER))
    children = session.scalars(select(ProcessInstance.id).where(ProcessInstance.parent_id == instance_id)
                               .order_by(ProcessInstance.id))
    return {
        "id": row.id, "process_id": row.process_id, "version": version, "status": row.status,
        "case_ref": row.case_ref, "data": data, "error": row.error, "revision": row.revision,
        "tasks": [task_view(t) for t in tasks if t.state in ("ready", "completed")],
        "timers": [timer_view(t) for t in timers],
        "children": list(children),
    }


def loaded_instance_view(session: Session, ctx: EngineContext, instance_id: int) -> dict:
    """instance_view with the data the instance holds now (its workflow is loaded to read it)."""
    runtime = InstanceRuntime.load(session, ctx, instance_id)
    return instance_view(session, instance_id, runtime.current_data())


def instance_summary(row: ProcessInstance, version: int) -> dict:
    return {"id": row.id, "process_id": row.process_id, "version": version, "status": row.status,
            "case_ref": row.case_ref, "parent_id": row.parent_id, "started_by": row.started_by,
            "created_at": _iso(row.created_at), "updated_at": _iso(row.updated_at)}


def summary(session: Session, instance_id: int) -> dict:
    """instance_summary of one instance (no case data); 404 if it does not exist."""
    row = store.dao_get_instance(session, instance_id)
    return instance_summary(row, store.dao_get_version(session, row.process_version_id).version)


def history(session: Session, instance_id: int) -> list[dict]:
    store.dao_get_instance(session, instance_id)
    query = select(HistoryEvent).where(HistoryEvent.instance_id == instance_id).order_by(HistoryEvent.id)
    return [{"at": _iso(e.at), "actor": e.actor, "event": e.event, "element_id": e.element_id, "detail": e.detail}
            for e in session.scalars(query)]


# --- tasks and timers -----------------------------------------------------------------------------

def task_view(task: UserTask) -> dict:
    return {"id": task.id, "instance_id": task.instance_id, "process_id": task.process_id,
            "element_id": task.element_id, "name": task.name, "role": task.role, "candidates": task.candidates,
            "assignee": task.assignee, "due_at": _iso(task.due_at), "case_ref": task.case_ref,
            "state": task.state, "completed_by": task.completed_by, "urgent": task.urgent}


def task_detail(session: Session, ctx: EngineContext, task: UserTask) -> dict:
    """A task with its form and UI schema from its instance's process version, and its data (what
    it was completed with, once done)."""
    runtime = InstanceRuntime.load(session, ctx, task.instance_id)
    spiff_task = find_task(runtime.workflow, task.id)
    form = (runtime.version.forms or {}).get(task.form_key) or {}
    process = store.dao_get_version(session, runtime.row.process_version_id)
    return task_view(task) | {"form": form.get("schema"), "ui": form.get("ui"),
                              "data": dict(spiff_task.data) if spiff_task else {},
                              "process_name": process.name, "started_by": runtime.row.started_by,
                              "messages": sorted(messages_taken(runtime.workflow)),
                              "ready_at": _iso(task.ready_at), "instance_status": runtime.row.status}


def ready_tasks(session: Session, *clauses, running_only: bool = True, **filters) -> list[dict]:
    """Ready user tasks that satisfy `clauses`, of running instances only unless told otherwise,
    oldest first; filters are equalities on user-task columns (None: not filtered)."""
    if running_only:
        clauses = (ProcessInstance.status == "running", *clauses)
    query = (select(UserTask).join(ProcessInstance, ProcessInstance.id == UserTask.instance_id)
             .where(UserTask.state == "ready", *clauses).order_by(UserTask.ready_at, UserTask.id))
    for column, value in filters.items():
        if value is not None:
            query = query.where(getattr(UserTask, column) == value)
    return [task_view(t) for t in session.scalars(query)]


def timers_of(session: Session, instance_id: int) -> list[WaitingTimer]:
    query = select(WaitingTimer).where(WaitingTimer.instance_id == instance_id).order_by(WaitingTimer.due_at)
    return list(session.scalars(query))


def timer_view(timer: WaitingTimer) -> dict:
    return {"instance_id": timer.instance_id, "element_id": timer.element_id, "name": timer.name,
            "due_at": _iso(timer.due_at.astimezone(timezone.utc))}  # as read back, for a row just written


def waiting_timers(session: Session, due_before: datetime | None = None, *clauses, limit: int = 1000) -> list[dict]:
    """Waiting timers of the instances `clauses` let through, soonest first."""
    query = (select(WaitingTimer).join(ProcessInstance, ProcessInstance.id == WaitingTimer.instance_id)
             .where(*clauses).order_by(WaitingTimer.due_at))
    if due_before is not None:
        query = query.where(WaitingTimer.due_at < due_before)
    return [timer_view(t) for t in session.scalars(query.limit(limit))]


# --- definitions ---------------------------------------------------------------------------------

def definitions(session: Session, process_id: str | None = None) -> list[dict]:
    """Every deployed process (or one) with its latest version and, oldest first, every version."""
    query = select(ProcessVersion).options(defer(ProcessVersion.specs)).order_by(
        ProcessVersion.process_id, ProcessVersion.version)
    if process_id is not None:
        query = query.where(ProcessVersion.process_id == process_id)
    grouped: dict[str, list[ProcessVersion]] = defaultdict(list)
    for row in session.scalars(query):
        grouped[row.process_id].append(row)
    files = dict(session.execute(select(DefinitionFile.id, DefinitionFile.file_name).where(
        DefinitionFile.id.in_({v.bpmn_file_id for vs in grouped.values() for v in vs}))).all())
    running = running_counts(session)
    return [_definition(versions) | {"versions": [_version(v, files[v.bpmn_file_id], running.get(v.id, 0))
                                                  for v in versions]}
            for versions in grouped.values()]


def process_names(session: Session) -> dict[str, str]:
    """Each deployed process's name, by id: its latest version's (what `definitions` calls it), without
    counting instances, for the pages that only name processes."""
    query = select(ProcessVersion.process_id, ProcessVersion.name).order_by(ProcessVersion.process_id,
                                                                            ProcessVersion.version)
    return dict(session.execute(query).all())


def definition(session: Session, process_id: str) -> dict:
    found = definitions(session, process_id)
    if not found:
        raise NotFound(f"process '{process_id}' is not deployed")
    return found[0]


def bpmn(session: Session, process_id: str, version: int) -> str:
    """The BPMN file a version was deployed from."""
    row = store.dao_get_process_version(session, process_id, version)
    return session.get_one(DefinitionFile, row.bpmn_file_id).content


def instances_before(session: Session, process_id: str, version: int) -> list[dict]:
    """The instances of a process on a version older than `version` that have not ended, with their
    ready tasks' names (a migration preview), oldest first."""
    query = (select(ProcessInstance, ProcessVersion.version)
             .join(ProcessVersion, ProcessVersion.id == ProcessInstance.process_version_id)
             .where(ProcessInstance.process_id == process_id, ProcessVersion.version < version,
                    ProcessInstance.status.in_(UNENDED)).order_by(ProcessInstance.id))
    rows = session.execute(query).all()
    ready = defaultdict(list)
    for instance_id, name in session.execute(select(UserTask.instance_id, UserTask.name).where(
            UserTask.instance_id.in_([row.id for row, _ in rows]), UserTask.state == "ready")
            .order_by(UserTask.ready_at, UserTask.id)):
        ready[instance_id].append(name)
    return [{"id": row.id, "case_ref": row.case_ref, "version": number, "status": row.status,
             "ready_tasks": ready[row.id]} for row, number in rows]


def running_counts(session: Session) -> dict[int, int]:
    """How many instances that have not ended each process version has, by version row id."""
    query = (select(ProcessInstance.process_version_id, func.count()).where(ProcessInstance.status.in_(UNENDED))
             .group_by(ProcessInstance.process_version_id))
    return dict(session.execute(query).all())


def started_counts(session: Session, process_ids: list[str]) -> dict[str, int]:
    """How many instances of each of these processes were ever started, by process id."""
    query = (select(ProcessInstance.process_id, func.count()).where(ProcessInstance.process_id.in_(process_ids))
             .group_by(ProcessInstance.process_id))
    return dict(session.execute(query).all())


def definition_files(session: Session, kinds: tuple[str, ...] = ("dmn", "form", "defs")) -> list[dict]:
    """Every deployed decision table and form file with its versions (each deploy that changed it),
    newest last; by file name."""
    query = (select(DefinitionFile).options(defer(DefinitionFile.content)).where(DefinitionFile.kind.in_(kinds))
             .order_by(DefinitionFile.file_name, DefinitionFile.id))
    grouped: dict[str, list[DefinitionFile]] = defaultdict(list)
    for row in session.scalars(query):
        grouped[row.file_name].append(row)
    return [{"file_name": name, "kind": rows[-1].kind, "versions": [
        {"id": r.id, "number": n, "deployed_at": r.deployed_at, "deployed_by": r.deployed_by, "sha256": r.sha256}
        for n, r in enumerate(rows, 1)]} for name, rows in grouped.items()]


def definition_file(session: Session, file_name: str, number: int | None = None) -> dict:
    """One version of a deployed file (the newest unless numbered, 1 the first) with its content."""
    rows = list(session.scalars(select(DefinitionFile).where(DefinitionFile.file_name == file_name)
                                .order_by(DefinitionFile.id)))
    if not rows or (number is not None and not 1 <= number <= len(rows)):
        raise NotFound(f"{file_name} {'version ' + str(number) + ' ' if number else ''}is not deployed")
    row = rows[(number or len(rows)) - 1]
    return {"file_name": row.file_name, "kind": row.kind, "number": number or len(rows), "latest": len(rows),
            "content": row.content, "deployed_at": row.deployed_at, "deployed_by": row.deployed_by}


def _definition(versions: list[ProcessVersion]) -> dict:
    latest = versions[-1]
    return {"process_id": latest.process_id, "name": latest.name, "latest_version": latest.version,
            "deployed_at": latest.deployed_at, "deployed_by": latest.deployed_by}


def _version(row: ProcessVersion, bpmn_file: str, running: int) -> dict:
    return {"version": row.version, "name": row.name, "deployed_at": row.deployed_at,
            "deployed_by": row.deployed_by, "bpmn_file": bpmn_file, "change_note": row.change_note,
            "running_instances": running, "starter_roles": row.starter_roles, "forms": sorted(row.forms),
            "content_hash": row.content_hash}


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


class Reads:
    """The reads above, each in a read-only transaction, for callers with no person behind them;
    a person's reads go through engine/caller/, which adds their access clauses."""

    def __init__(self, db: Database, ctx: EngineContext):
        self.db, self.ctx = db, ctx

    def instance(self, instance_id: int) -> dict:
        """The instance with its user tasks, waiting timers, children and current data."""
        with self.db.reading() as session:
            return loaded_instance_view(session, self.ctx, instance_id)

    def history(self, instance_id: int) -> list[dict]:
        with self.db.reading() as session:
            return history(session, instance_id)

    def task(self, task_id: str) -> dict:
        with self.db.reading() as session:
            return task_detail(session, self.ctx, store.dao_get_user_task(session, task_id))

    def ready_tasks(self, **filters) -> list[dict]:
        """Every ready user task, whatever its instance's status (a suspended instance keeps its tasks)."""
        with self.db.reading() as session:
            return ready_tasks(session, running_only=False, **filters)

    def waiting_timers(self, due_before: datetime | None = None) -> list[dict]:
        with self.db.reading() as session:
            return waiting_timers(session, due_before)

    def definitions(self) -> list[dict]:
        with self.db.reading() as session:
            return definitions(session)

    def process_names(self) -> dict[str, str]:
        with self.db.reading() as session:
            return process_names(session)

    def definition(self, process_id: str) -> dict:
        with self.db.reading() as session:
            return definition(session, process_id)

    def bpmn(self, process_id: str, version: int) -> str:
        with self.db.reading() as session:
            return bpmn(session, process_id, version)

    def places(self) -> dict[str, dict[str, str]]:
        """The names of the teams and service areas, by id."""
        with self.db.reading() as session:
            return place_names(session)

    def report_labels(self) -> dict[str, dict[str, str]]:
        with self.db.reading() as session:
            return dao_report_labels(session)

    def audit_report(self, first, last, service_area=None, audit_kind=None) -> dict:
        with self.db.reading() as session:
            return audit_report(session, first, last, service_area, audit_kind)

    def audit_report_rows(self, first, last, service_area=None, audit_kind=None) -> list[dict]:
        with self.db.reading() as session:
            return audit_report_rows(session, first, last, service_area, audit_kind)

    def action_report_rows(self, first, last, service_area=None, audit_kind=None) -> list[dict]:
        """One row per action agreed from first to last (London days), of the area and kind if given."""
        with self.db.reading() as session:
            return dao_list_actions(session, Scope(first, last, service_area, audit_kind).action_clauses())
