"""Read-only views of instances, their tasks, timers and history, from the projection tables."""
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import store
from .models import HistoryEvent, ProcessInstance, UserTask, WaitingTimer


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
