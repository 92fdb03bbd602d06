"""Rows of instances, their user tasks, timers and history. No commits here: the caller's
transaction (Database.transaction) decides."""
from datetime import datetime

from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, defer
from sqlalchemy.orm.attributes import set_committed_value

from engine.errors import Conflict, NotFound
from engine.instances.projection import PendingTimer
from engine.models import (
    InstanceParticipant,
    ProcessInstance,
    ProcessVersion,
    TaskCandidate,
    TaskDraft,
    UserTask,
    WaitingTimer,
)

SYSTEM = "system"


def dao_get_instance(session: Session, instance_id: int, lock: bool = False) -> ProcessInstance:
    """The instance row; with `lock`, held (FOR UPDATE) until the transaction ends."""
    row = session.get(ProcessInstance, instance_id, with_for_update=lock or None)
    if row is None:
        raise NotFound(f"process instance {instance_id} does not exist")
    return row


def dao_get_version(session: Session, version_id: int) -> ProcessVersion:
    # The specs text (tens of KB) loads only when the spec cache misses.
    return session.get_one(ProcessVersion, version_id, options=[defer(ProcessVersion.specs)])


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


def cycle_of(data: dict) -> str | None:
    """The audit cycle ("2026-11") a start's data names with cycle_year and cycle_month, if any."""
    year, month = data.get("cycle_year"), data.get("cycle_month")
    if isinstance(year, int) and isinstance(month, int) and 1 <= month <= 12 and 1000 <= year <= 9999:
        return f"{year:04d}-{month:02d}"
    return None


def dao_hold_task(session: Session, task: UserTask, holder: str | None, expected: str | None) -> None:
    """Set who holds a ready task, only if it is still ready and held by `expected` (None: free) or
    already by `holder`: one conditional UPDATE, so of two racing claims exactly one wins."""
    held = UserTask.assignee.is_(None) if expected is None else UserTask.assignee == expected
    if holder is not None:
        held = or_(held, UserTask.assignee == holder)
    result = session.execute(update(UserTask).where(UserTask.id == task.id, UserTask.state == "ready", held)
                             .values(assignee=holder).execution_options(synchronize_session=False))
    if result.rowcount == 1:  # type: ignore[attr-defined]  # an UPDATE's result is a CursorResult
        set_committed_value(task, "assignee", holder)
        return
    session.refresh(task)
    if task.state != "ready":
        raise Conflict(f"task {task.id} is {task.state}, no longer ready")
    raise Conflict(f"task {task.id} is held by {task.assignee or 'nobody'}")


def dao_write_instance(session: Session, row: ProcessInstance, loaded_revision: int, **values) -> None:
    """Write only if nobody wrote since we loaded: the row lock taken here also orders writers."""
    result = session.execute(
        update(ProcessInstance)
        .where(ProcessInstance.id == row.id, ProcessInstance.revision == loaded_revision)
        .values(revision=loaded_revision + 1, **values)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:  # type: ignore[attr-defined]  # an UPDATE's result is a CursorResult
        raise Conflict(f"process instance {row.id} was changed by someone else; reload and try again")
    # Mirror the write on the loaded object without marking it dirty (no second UPDATE).
    for key, value in [*values.items(), ("revision", loaded_revision + 1)]:
        set_committed_value(row, key, value)


def dao_replace_timers(session: Session, instance_id: int, timers: list[PendingTimer],
                       delete_old=True) -> list[WaitingTimer]:
    """The instance's waiting timers become `timers`; answers their new rows."""
    if delete_old:
        session.execute(delete(WaitingTimer).where(WaitingTimer.instance_id == instance_id))
    rows = [WaitingTimer(instance_id=instance_id, task_id=t.task_id, element_id=t.element_id, name=t.name,
                         due_at=t.due_at) for t in timers]
    session.add_all(rows)
    return rows


def dao_end_user_tasks(session: Session, instance_id: int, state: str, at: datetime) -> None:
    ready = select(UserTask.id).where(UserTask.instance_id == instance_id, UserTask.state == "ready")
    session.execute(delete(TaskDraft).where(TaskDraft.task_id.in_(ready)))
    session.execute(update(UserTask).where(UserTask.instance_id == instance_id, UserTask.state == "ready")
                    .values(state=state, ended_at=at))


def dao_add_candidates(session: Session, task_id: str, usernames: list[str]) -> None:
    """One INSERT for all of a new task's candidates (its row is flushed already)."""
    rows = [{"task_id": task_id, "username": u} for u in dict.fromkeys(usernames)]
    if rows:
        session.execute(insert(TaskCandidate), rows)


def dao_add_participants(session: Session, instance_id: int, usernames: set[str]) -> None:
    """Add the people not yet recorded as participants of the instance: one INSERT that leaves out
    those already there (ON CONFLICT DO NOTHING), instead of reading them first. Sorted, so that
    concurrent writers take the key locks in the same order."""
    rows = [{"instance_id": instance_id, "username": u} for u in sorted(usernames)]
    if rows:
        session.execute(_insert_new(session, InstanceParticipant), rows)


def _insert_new(session: Session, model):
    """INSERT ... ON CONFLICT DO NOTHING, in the dialect of the session's database."""
    dialect = session.get_bind().dialect.name
    return (postgres_insert if dialect == "postgresql" else sqlite_insert)(model).on_conflict_do_nothing()


def dao_save_draft(session: Session, task_id: str, username: str, data: dict, at: datetime) -> TaskDraft:
    draft = session.get(TaskDraft, (task_id, username))
    if draft is None:
        draft = TaskDraft(task_id=task_id, username=username, data=data, saved_at=at)
        session.add(draft)
    else:
        draft.data, draft.saved_at = data, at
    return draft


def dao_get_draft(session: Session, task_id: str, username: str) -> TaskDraft | None:
    return session.get(TaskDraft, (task_id, username))
