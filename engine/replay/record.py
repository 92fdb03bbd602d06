"""The recorded side of a replay: the past instances selected, what their history says happened to
them (the actions to replay, the timer sweeps), and what they did (their notifications, outcome rows,
final data and path), in the same shape a replayed case takes (CaseRun). Reads only."""
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from SpiffWorkflow.bpmn.specs.mixins.script_task import ScriptTask
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.instances.projection import completed_tasks
from engine.instances.runtime import EngineContext, current_data
from engine.models import AlertOutcome, AuditDeadline, AuditOutcome, HistoryEvent, OutboxMessage, ProcessInstance
from engine.serialization import SERIALIZER_VERSION, load_state

ACTIONS = ("task_completed", "message_received")  # what people did, replayed as they did it
CHUNK = 500  # instance ids per IN (...)


@dataclass(frozen=True)
class Notice:
    """One notification a step sent: from which element, to whom (as the diagram names them, and the
    people they resolved to), what it said, when."""
    element_id: str
    to: list[str]
    recipients: list[str]
    subject: str
    body: str
    at: datetime

    def as_dict(self) -> dict:
        return {"element_id": self.element_id, "to": self.to, "recipients": self.recipients,
                "subject": self.subject, "body": self.body, "at": self.at.isoformat()}


@dataclass
class CaseRun:
    """What one case did, as recorded or as replayed."""
    instance_id: int
    case_ref: str | None
    started_at: datetime
    status: str = "open"  # completed | open | diverged | failed | skipped
    completed_at: datetime | None = None
    notifications: list[Notice] = field(default_factory=list)
    outcome: dict | None = None  # the audit_outcome row's columns (or the alert_outcome's), JSON values
    deadlines: dict[str, dict] = field(default_factory=dict)  # name -> {"met", "due_at"}
    started: list[str] = field(default_factory=list)  # the processes its steps started
    data: dict = field(default_factory=dict)  # its data at the end
    path: list[str] = field(default_factory=list)  # the elements it completed, in order
    element_id: str | None = None  # diverged or failed: where
    reason: str | None = None  # and why
    steps: int = 0  # replayed: the engine steps it took (a completion, a message, a timer sweep); the bench's unit

    def as_dict(self) -> dict:
        return {"instance_id": self.instance_id, "case_ref": self.case_ref, "status": self.status,
                "started_at": self.started_at.isoformat(),
                "completed_at": self.completed_at.isoformat() if self.completed_at else None,
                "notifications": [n.as_dict() for n in self.notifications], "outcome": self.outcome,
                "deadlines": self.deadlines, "started": self.started, "element_id": self.element_id,
                "reason": self.reason}


@dataclass(frozen=True)
class Action:
    """A recorded task completion or message, to replay."""
    kind: str  # task_completed | message_received
    at: datetime
    order: int  # its history row's id: what happened first at the same instant
    element_id: str | None
    data: dict
    message: str | None = None


@dataclass
class RecordedCase:
    row: ProcessInstance
    start_data: dict
    actions: list[Action]
    sweeps: dict[tuple[str, str], list[tuple[datetime, int]]]  # (timer element, due ISO) -> (when, order) it fired
    run: CaseRun
    specs: list  # its version's process spec and those it calls
    ready_elements: set[str]  # every user task that was ever ready in the record
    forms: dict  # its version's forms: {key: {"schema", "ui"}}, as its answers were checked against them
    migrated: bool  # it moved to another version on the way: its earlier answers were checked against another's




def recorded_cases(session: Session, ctx: EngineContext, rows: list[ProcessInstance]) -> Iterator[RecordedCase]:
    """Each selected instance as its history, outbox and outcome rows recorded it."""
    for chunk in _chunks(rows):
        ids = [row.id for row in chunk]
        history, notices, outcomes = _history(session, ids), _notifications(session, ids), _outcomes(session, ids)
        for row in chunk:
            yield _recorded(session, ctx, row, history[row.id], notices[row.id], outcomes.get(row.id))


def _recorded(session, ctx, row: ProcessInstance, history: list[HistoryEvent], notices: list[Notice],
              outcome: tuple[dict, dict] | None) -> RecordedCase:
    info, spec, deps = ctx.specs.by_id(session, row.process_version_id)
    scripts = script_elements([spec, *deps.values()])
    run = CaseRun(row.id, row.case_ref, row.created_at, status=_status(row.status))
    run.notifications = [n for n in notices if n.element_id in scripts]
    run.outcome, run.deadlines = outcome or (None, {})
    run.started = [str(e.detail.get("process_id")) for e in history if e.event == "process_started"]
    run.completed_at = next((e.at for e in history if e.event == "instance_completed"), None)
    if row.state and run.status != "skipped":
        run.data, run.path = _data_and_path(row, spec, deps)
    started = next((e for e in history if e.event == "instance_started"), None)
    return RecordedCase(row, dict(started.detail.get("data") or {}) if started else {}, _actions(history),
                        _sweeps(history), run, [spec, *deps.values()],
                        {e.element_id for e in history if e.event == "task_ready" and e.element_id}, info.forms,
                        any(e.event == "instance_migrated" for e in history))


def _data_and_path(row: ProcessInstance, spec, deps: dict) -> tuple[dict, list[str]]:
    """Its data and the elements it completed, in order. A completed instance's are read from its saved
    state as they are (the workflow's data, its completed tasks by when they completed), without restoring
    the workflow: that was the costliest part of reading a case. Anything else is restored."""
    state = json.loads(row.state)
    workflows = [(state["tasks"], spec),
                 *((sub["tasks"], deps.get(sub["spec"])) for sub in state["subprocesses"].values())]
    restore = row.serializer_version != SERIALIZER_VERSION or any(process is None for _, process in workflows)
    if restore or not state.get("completed"):
        workflow = load_state(row.state, row.serializer_version, spec, deps)
        return current_data(workflow), element_path(workflow)
    done = [(task["last_state_change"], process.task_specs[task["task_spec"]].bpmn_id)
            for tasks, process in workflows for task in tasks.values() if task["state"] == TaskState.COMPLETED]
    return dict(state["data"]), [bpmn_id for _, bpmn_id in sorted(done, key=lambda d: d[0]) if bpmn_id]


def _status(status: str) -> str:
    return {"completed": "completed", "running": "open"}.get(status, "skipped")


def _actions(history: list[HistoryEvent]) -> list[Action]:
    return [Action(e.event, e.at, e.id, e.element_id, dict(e.detail.get("data") or {}), e.detail.get("message"))
            for e in history if e.event in ACTIONS]


def _sweeps(history: list[HistoryEvent]) -> dict[tuple[str, str], list[tuple[datetime, int]]]:
    sweeps = defaultdict(list)
    for event in history:
        if event.event == "timer_fired" and event.element_id and event.detail.get("due_at"):
            sweeps[(event.element_id, event.detail["due_at"])].append((event.at, event.id))
    return dict(sweeps)


def element_path(workflow) -> list[str]:
    """The elements a workflow completed, in the order it completed them (SpiffWorkflow's own record)."""
    done = [t for t in completed_tasks(workflow) if t.task_spec.bpmn_id]
    return [t.task_spec.bpmn_id for t in sorted(done, key=lambda t: t.last_state_change)]


def script_elements(specs: Iterable) -> set[str]:
    return {s.bpmn_id for spec in specs for s in spec.task_specs.values() if isinstance(s, ScriptTask)}


def _chunks(rows: list) -> Iterator[list]:
    for start in range(0, len(rows), CHUNK):
        yield rows[start:start + CHUNK]


def _history(session: Session, ids: list[int]) -> dict[int, list[HistoryEvent]]:
    found: dict[int, list[HistoryEvent]] = defaultdict(list)
    query = select(HistoryEvent).where(HistoryEvent.instance_id.in_(ids)).order_by(HistoryEvent.at, HistoryEvent.id)
    for event in session.scalars(query):
        found[event.instance_id or 0].append(event)
    return found


def _notifications(session: Session, ids: list[int]) -> dict[int, list[Notice]]:
    found: dict[int, list[Notice]] = defaultdict(list)
    query = (select(OutboxMessage).where(OutboxMessage.instance_id.in_(ids),
                                         OutboxMessage.event_type == "notification").order_by(OutboxMessage.id))
    for message in session.scalars(query):
        payload = message.payload or {}
        found[message.instance_id or 0].append(Notice(payload.get("element_id") or "", list(payload.get("to") or []),
                                                      list(message.recipients or []), message.subject, message.body,
                                                      message.created_at))
    return found


def _outcomes(session: Session, ids: list[int]) -> dict[int, tuple[dict, dict]]:
    """The audit outcome rows of these instances with their deadlines, and the alert outcome rows."""
    outcomes = {row.id: row for row in session.scalars(select(AuditOutcome).where(AuditOutcome.instance_id.in_(ids)))}
    deadlines: dict[int, dict] = defaultdict(dict)
    if outcomes:
        query = select(AuditDeadline).where(AuditDeadline.outcome_id.in_(list(outcomes))).order_by(AuditDeadline.id)
        for row in session.scalars(query):
            deadlines[row.outcome_id][row.name] = deadline_dict(row.met, row.due_at)
    found = {row.instance_id: (outcome_dict(row), deadlines[row.id]) for row in outcomes.values()}
    alerts = session.scalars(select(AlertOutcome).where(AlertOutcome.instance_id.in_(ids)))
    return found | {row.instance_id: (outcome_dict(row), {}) for row in alerts}


def outcome_dict(row: AuditOutcome | AlertOutcome) -> dict:
    """An outcome row's columns (but its ids) as JSON values: the replay builds the same rows and
    stores none of them."""
    return {column.name: _json(getattr(row, column.name)) for column in row.__table__.columns
            if column.name not in ("id", "instance_id")}


def deadline_dict(met: bool, due_at: datetime | None) -> dict:
    return {"met": bool(met), "due_at": due_at.isoformat() if due_at else None}


def _json(value):
    return value.isoformat() if isinstance(value, datetime) else value
