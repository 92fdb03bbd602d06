"""Read-only views of instances, their tasks, timers and history, from the projection tables."""
from datetime import datetime

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from . import store
from .models import HistoryEvent, ProcessInstance, ProcessVersion, UserTask, WaitingTimer


def instance_view(session: Session, instance_id: int, data: dict) -> dict:
    row = store.dao_get_instance(session, instance_id)
    version = store.dao_get_version(session, row.process_version_id)
    tasks = session.scalars(select(UserTask).where(UserTask.instance_id == instance_id).order_by(UserTask.ready_at))
    children = session.scalars(select(ProcessInstance.id).where(ProcessInstance.parent_id == instance_id))
    return {
        "id": row.id, "process_id": row.process_id, "version": version.version, "status": row.status,
        "case_ref": row.case_ref, "data": data, "error": row.error, "revision": row.revision,
        "tasks": [task_view(t) for t in tasks if t.state in ("ready", "completed")],
        "timers": [timer_view(t) for t in timers_of(session, instance_id)],
        "children": list(children),
    }


def task_view(task: UserTask) -> dict:
    return {"id": task.id, "instance_id": task.instance_id, "process_id": task.process_id,
            "element_id": task.element_id, "name": task.name, "role": task.role, "candidates": task.candidates,
            "assignee": task.assignee, "due_at": _iso(task.due_at), "case_ref": task.case_ref,
            "state": task.state, "completed_by": task.completed_by}


def timers_of(session: Session, instance_id: int) -> list[WaitingTimer]:
    query = select(WaitingTimer).where(WaitingTimer.instance_id == instance_id).order_by(WaitingTimer.due_at)
    return list(session.scalars(query))


def timer_view(timer: WaitingTimer) -> dict:
    return {"instance_id": timer.instance_id, "element_id": timer.element_id, "name": timer.name,
            "due_at": _iso(timer.due_at)}


def waiting_timers(session: Session, due_before: datetime | None = None) -> list[dict]:
    query = select(WaitingTimer).order_by(WaitingTimer.due_at)
    if due_before is not None:
        query = query.where(WaitingTimer.due_at < due_before)
    return [timer_view(t) for t in session.scalars(query)]


def ready_tasks(session: Session, **filters) -> list[dict]:
    query = select(UserTask).where(UserTask.state == "ready").order_by(UserTask.ready_at, UserTask.id)
    for column, value in filters.items():
        if value is not None:
            query = query.where(getattr(UserTask, column) == value)
    return [task_view(t) for t in session.scalars(query)]


def history(session: Session, instance_id: int) -> list[dict]:
    store.dao_get_instance(session, instance_id)
    query = select(HistoryEvent).where(HistoryEvent.instance_id == instance_id).order_by(HistoryEvent.id)
    return [{"at": _iso(e.at), "actor": e.actor, "event": e.event, "element_id": e.element_id, "detail": e.detail}
            for e in session.scalars(query)]


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


# --- views for the HTTP API: each takes the caller's access clauses (api/policy.py) -------------

def task_access(session: Session, task_id: str, may_see, may_act) -> tuple[UserTask, bool] | None:
    """The task and whether the caller may act on it, if they may see it (act on it, or see its
    instance); None otherwise, whether or not it exists."""
    query = (select(UserTask, case((may_act, True), else_=False))
             .join(ProcessInstance, ProcessInstance.id == UserTask.instance_id)
             .where(UserTask.id == task_id, or_(may_act, may_see)))
    found = session.execute(query).first()
    return (found[0], bool(found[1])) if found else None


def inbox(session: Session, *clauses, **filters) -> list[dict]:
    """Ready user tasks of running instances that satisfy `clauses`, oldest first; filters are
    equalities on user-task columns (None: not filtered)."""
    query = (select(UserTask).join(ProcessInstance, ProcessInstance.id == UserTask.instance_id)
             .where(UserTask.state == "ready", ProcessInstance.status == "running", *clauses)
             .order_by(UserTask.ready_at, UserTask.id))
    for column, value in filters.items():
        if value is not None:
            query = query.where(getattr(UserTask, column) == value)
    return [task_view(t) for t in session.scalars(query)]


def instance_visible(session: Session, instance_id: int, may_see) -> bool:
    found = session.scalar(select(ProcessInstance.id).where(ProcessInstance.id == instance_id, may_see))
    return found is not None


def instance_page(session: Session, may_see, page: int, page_size: int, **filters) -> dict:
    """One page of the instances `may_see` lets through, newest first, with the total."""
    where = [may_see, *(getattr(ProcessInstance, column) == value
                        for column, value in filters.items() if value is not None)]
    total = session.scalar(select(func.count()).select_from(ProcessInstance).where(*where))
    query = (select(ProcessInstance, ProcessVersion.version)
             .join(ProcessVersion, ProcessVersion.id == ProcessInstance.process_version_id)
             .where(*where).order_by(ProcessInstance.created_at.desc(), ProcessInstance.id.desc())
             .offset((page - 1) * page_size).limit(page_size))
    items = [instance_summary(row, version) for row, version in session.execute(query)]
    return {"items": items, "page": page, "page_size": page_size, "total": total}


def instance_summary(row: ProcessInstance, version: int) -> dict:
    return {"id": row.id, "process_id": row.process_id, "version": version, "status": row.status,
            "case_ref": row.case_ref, "parent_id": row.parent_id, "started_by": row.started_by,
            "created_at": _iso(row.created_at), "updated_at": _iso(row.updated_at)}


def starter_roles(session: Session, process_id: str) -> list[str] | None:
    """Who may start the process, from its newest version (None: the default); 404 if not deployed."""
    return store.dao_get_process_version(session, process_id, None).starter_roles


def task_detail(session: Session, task: UserTask, data: dict) -> dict:
    """A task with its form and UI schema from its instance's process version, and its data."""
    row = store.dao_get_instance(session, task.instance_id)
    form = (store.dao_get_version(session, row.process_version_id).forms or {}).get(task.form_key) or {}
    return task_view(task) | {"form": form.get("schema"), "ui": form.get("ui"), "data": data}


def summary(session: Session, instance_id: int) -> dict:
    """instance_summary of one instance (no case data); 404 if it does not exist."""
    row = store.dao_get_instance(session, instance_id)
    return instance_summary(row, store.dao_get_version(session, row.process_version_id).version)
