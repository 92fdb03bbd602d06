"""Rows of instances, their user tasks, timers and history. No commits here: the caller's
transaction (Database.transaction) decides."""
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, defer
from sqlalchemy.orm.attributes import set_committed_value

from .errors import Conflict, NotFound
from .models import (HistoryEvent, InstanceParticipant, ProcessInstance, ProcessVersion, TaskCandidate, UserTask,
                     WaitingTimer)
from .projection import PendingTimer

SYSTEM = "system"


def dao_get_instance(session: Session, instance_id: int, lock: bool = False) -> ProcessInstance:
    """The instance row; with `lock`, held (FOR UPDATE) until the transaction ends."""
    row = session.get(ProcessInstance, instance_id, with_for_update=lock or None)
    if row is None:
        raise NotFound(f"process instance {instance_id} does not exist")
    return row


def dao_get_version(session: Session, version_id: int) -> ProcessVersion:
    # The specs text (tens of KB) loads only when the spec cache misses.
    return session.get(ProcessVersion, version_id, options=[defer(ProcessVersion.specs)])


def dao_get_process_version(session: Session, process_id: str, version: int | None) -> ProcessVersion:
    query = select(ProcessVersion).options(defer(ProcessVersion.specs)).where(ProcessVersion.process_id == process_id)
    query = query.where(ProcessVersion.version == version) if version else query.order_by(ProcessVersion.version.desc())
    row = session.scalars(query.limit(1)).first()
    if row is None:
        which = f"version {version} of " if version else ""
        raise NotFound(f"{which}process '{process_id}' is not deployed")
    return row


def dao_get_user_task(session: Session, task_id: str) -> UserTask:
    row = session.get(UserTask, task_id)
    if row is None:
        raise NotFound(f"task {task_id} does not exist")
    return row


def dao_write_instance(session: Session, row: ProcessInstance, loaded_revision: int, **values) -> None:
    """Write only if nobody wrote since we loaded: the row lock taken here also orders writers."""
    result = session.execute(
        update(ProcessInstance)
        .where(ProcessInstance.id == row.id, ProcessInstance.revision == loaded_revision)
        .values(revision=loaded_revision + 1, **values)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise Conflict(f"process instance {row.id} was changed by someone else; reload and try again")
    # Mirror the write on the loaded object without marking it dirty (no second UPDATE).
    for key, value in [*values.items(), ("revision", loaded_revision + 1)]:
        set_committed_value(row, key, value)


def dao_ready_user_tasks(session: Session, instance_id: int) -> dict[str, UserTask]:
    rows = session.scalars(select(UserTask).where(UserTask.instance_id == instance_id, UserTask.state == "ready"))
    return {row.id: row for row in rows}


def dao_replace_timers(session: Session, instance_id: int, timers: list[PendingTimer], delete_old=True) -> None:
    if delete_old:
        session.execute(delete(WaitingTimer).where(WaitingTimer.instance_id == instance_id))
    session.add_all(WaitingTimer(instance_id=instance_id, task_id=t.task_id, element_id=t.element_id,
                                 name=t.name, due_at=t.due_at) for t in timers)


def dao_end_user_tasks(session: Session, instance_id: int, state: str, at: datetime) -> None:
    session.execute(update(UserTask).where(UserTask.instance_id == instance_id, UserTask.state == "ready")
                    .values(state=state, ended_at=at))


def dao_add_candidates(session: Session, task_id: str, usernames: list[str]) -> None:
    session.add_all(TaskCandidate(task_id=task_id, username=u) for u in dict.fromkeys(usernames))


def dao_add_participants(session: Session, instance_id: int, usernames: set[str]) -> None:
    """Add the people not yet recorded as participants of the instance."""
    known = set(session.scalars(select(InstanceParticipant.username)
                                .where(InstanceParticipant.instance_id == instance_id)))
    session.add_all(InstanceParticipant(instance_id=instance_id, username=u) for u in sorted(usernames - known))


def dao_append_history(session: Session, instance_id: int | None, actor: str, event: str, at: datetime,
                       element_id: str | None = None, **detail) -> None:
    session.add(HistoryEvent(instance_id=instance_id, actor=actor, event=event, at=at,
                             element_id=element_id, detail=detail))
