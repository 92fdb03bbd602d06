"""The rows one step reads and writes, as a fixed few Core statements (issue 28): one SELECT loads an
instance with what its save compares against, and the save writes each table in one statement,
whatever the step did. No ORM unit of work here: no object is added to the session or flushed.
No commits either: the caller's transaction (Database.transaction) decides."""
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from types import SimpleNamespace

from sqlalchemy import (
    JSON,
    Table,
    and_,
    bindparam,
    case,
    delete,
    exists,
    func,
    insert,
    or_,
    select,
    type_coerce,
    update,
)
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, aliased
from sqlalchemy.orm.util import identity_key

from engine.errors import NotFound
from engine.instances.projection import PendingTimer
from engine.models import (
    HistoryEvent,
    InstanceParticipant,
    ProcessInstance,
    TaskCandidate,
    TaskDraft,
    UserTask,
    WaitingTimer,
    WebhookSubscription,
)

# What the task upsert answers of each row it wrote: the row as it now stands.
TASK_COLUMNS = (UserTask.id, UserTask.instance_id, UserTask.process_id, UserTask.element_id, UserTask.name,
                UserTask.role, UserTask.candidates, UserTask.case_ref, UserTask.due_at, UserTask.state,
                UserTask.completed_by)


@dataclass
class Known:
    """What the instance's rows held when it was loaded, read in the same statement as the instance."""
    ready_task_ids: set[str] = field(default_factory=set)
    participants: set[str] = field(default_factory=set)
    has_drafts: bool = False  # a draft of one of its ready tasks exists
    task: tuple[str, str | None] | None = None  # (state, assignee) of the task loaded with it


def dao_load_instance(session: Session, instance_id: int | None = None, task_id: str | None = None,
                      lock: bool = False) -> tuple[ProcessInstance, Known]:
    """The instance (by its id, or by the id of one of its tasks) and what its rows hold, in one
    SELECT; with `lock`, the instance row is held (FOR UPDATE) until the transaction ends. It also
    reads the active webhook subscriptions once for the transaction (outbox._subscribers)."""
    query = _load_query(session.get_bind().dialect.name, task_id is not None, lock)
    found = session.execute(query, {"instance_id": instance_id, "task_id": task_id}).first()
    if found is None:
        raise NotFound(f"task {task_id} does not exist" if task_id is not None
                       else f"process instance {instance_id} does not exist")
    task = (found[5], found[6]) if task_id is not None else None
    return found[0], _known(session, found[1:5], task)


@cache
def _load_query(dialect: str, by_task: bool, lock: bool):
    """dao_load_instance's SELECT, built once (building it costs more than running it)."""
    other = aliased(UserTask)  # not the task the instance may be loaded by
    ready = _json_list(dialect, other.id, other.instance_id == ProcessInstance.id, other.state == "ready")
    people = _json_list(dialect, InstanceParticipant.username, InstanceParticipant.instance_id == ProcessInstance.id)
    drafts = exists(select(TaskDraft.task_id).join(other, other.id == TaskDraft.task_id)
                    .where(other.instance_id == ProcessInstance.id, other.state == "ready")).correlate(ProcessInstance)
    query = select(ProcessInstance, ready, people, drafts, _subscriptions(dialect))
    if by_task:
        query = (query.add_columns(UserTask.state, UserTask.assignee)
                 .join(UserTask, UserTask.instance_id == ProcessInstance.id)
                 .where(UserTask.id == bindparam("task_id", type_=UserTask.id.type)))
    else:
        query = query.where(ProcessInstance.id == bindparam("instance_id", type_=ProcessInstance.id.type))
    query = query.execution_options(populate_existing=True)
    return query.with_for_update(of=ProcessInstance) if lock else query


def _known(session: Session, found, task: tuple[str, str | None] | None) -> Known:
    ready_ids, usernames, has_drafts, subscriptions = found
    session.info.setdefault("webhook_subscriptions", sorted(
        (SimpleNamespace(id=s[0], events=s[1]) for s in subscriptions or []), key=lambda s: s.id))
    return Known(set(ready_ids or []), set(usernames or []), bool(has_drafts), task)


def _json_list(dialect: str, value, *where):
    """A correlated subquery answering `value` of every matching row as one JSON array (None: no rows)."""
    postgres = dialect == "postgresql"
    aggregate = func.json_agg(value) if postgres else func.json_group_array(value)
    return type_coerce(select(aggregate).where(*where).correlate(ProcessInstance).scalar_subquery(), JSON)


def _subscriptions(dialect: str):
    """The active webhook subscriptions as a JSON array of [id, events]."""
    if dialect == "postgresql":
        pair = func.json_build_array(WebhookSubscription.id, WebhookSubscription.events)
    else:
        pair = func.json_array(WebhookSubscription.id, func.json(WebhookSubscription.events))
    return _json_list(dialect, pair, WebhookSubscription.active.is_(True))


def dao_add_instance(session: Session, values: dict) -> ProcessInstance:
    """A new instance row (INSERT ... RETURNING its id); answers it as an object outside the session."""
    instance_id = session.execute(insert(ProcessInstance).values(values).returning(ProcessInstance.id)).scalar_one()
    return ProcessInstance(id=instance_id, **values)


def dao_write_tasks(session: Session, ended: list[dict], added: list[dict]) -> list:
    """End the rows of tasks no longer ready and add the rows of new ones, in one INSERT ... ON
    CONFLICT (id) DO UPDATE; answers each row written as it now stands (RETURNING). An ended row is
    given in full only because an INSERT's row must be whole: it exists, so only its end is written.
    An ended row naming an assignee (the person completing it through complete_in) is ended only if
    it is still ready and free for or held by them, and is then held by them: the caller checks
    that it came back."""
    if not ended and not added:
        return []
    # Executed with the rows as parameters (SQLAlchemy's "insertmanyvalues": still one multi-row
    # statement), not .values(rows): a statement built around its rows is compiled anew every time.
    written = list(session.execute(_task_upsert(session.get_bind().dialect.name), ended + added))
    _expire_tasks(session, [row.id for row in written])
    return written


@cache
def _task_upsert(dialect: str):
    upsert = (postgres_insert if dialect == "postgresql" else sqlite_insert)(_table(UserTask))
    new = upsert.excluded
    return upsert.on_conflict_do_update(
        index_elements=[UserTask.id],
        set_={"state": new.state, "ended_at": new.ended_at, "completed_by": new.completed_by,
              "assignee": case((new.assignee.is_not(None), new.assignee), else_=UserTask.assignee)},
        where=and_(UserTask.state == "ready", or_(new.assignee.is_(None), UserTask.assignee.is_(None),
                                                  UserTask.assignee == new.assignee))).returning(*TASK_COLUMNS)


def dao_hold_ready_task(session: Session, task_id: str, holder: str) -> None:
    """Hold a ready task for `holder` if it is free: what a completion that failed keeps of itself."""
    session.execute(update(UserTask).where(UserTask.id == task_id, UserTask.state == "ready",
                                           UserTask.assignee.is_(None)).values(assignee=holder))
    _expire_tasks(session, [task_id])


def _expire_tasks(session: Session, task_ids: list[str]) -> None:
    """Task objects the session holds for rows written here are read again when next used (a
    caller's access check may have loaded one before the step)."""
    for task_id in task_ids:
        held = session.identity_map.get(identity_key(UserTask, task_id))
        if held is not None:
            session.expire(held)


def dao_add_candidates(session: Session, rows: list[dict]) -> None:
    if rows:
        session.execute(insert(_table(TaskCandidate)), rows)


def dao_add_participants(session: Session, instance_id: int, usernames: set[str]) -> None:
    """One INSERT ... ON CONFLICT DO NOTHING; sorted, so concurrent writers lock keys in one order."""
    rows = [{"instance_id": instance_id, "username": u} for u in sorted(usernames)]
    if rows:
        session.execute(_dialect_insert(session, InstanceParticipant).on_conflict_do_nothing(), rows)


def _dialect_insert(session: Session, model):
    """An INSERT that can say ON CONFLICT, in the dialect of the session's database."""
    postgres = session.get_bind().dialect.name == "postgresql"
    return postgres_insert(_table(model)) if postgres else sqlite_insert(_table(model))


def _table(model) -> Table:
    """A model's table: Core statements on it skip the ORM's bulk path (which splits rows by the
    columns they leave empty)."""
    return model.__table__


def dao_add_history(session: Session, rows: list[dict]) -> None:
    if rows:
        session.execute(insert(_table(HistoryEvent)), rows)


def history_row(instance_id: int, actor: str, event: str, at: datetime, element_id: str | None = None,
                **detail) -> dict:
    """A history row as engine/history.py writes it, for dao_add_history."""
    return {"instance_id": instance_id, "actor": actor, "event": event, "at": at, "element_id": element_id,
            "detail": detail}


def dao_write_timers(session: Session, instance_id: int, before: list[PendingTimer],
                     after: list[PendingTimer]) -> None:
    """Bring the instance's waiting-timer rows from `before` (what its saved state waited for) to
    `after`: nothing when they are the same; else a timer that ended and one that began share a row
    (one UPDATE: a chain step's deadline moving to the next step), and the rest are deleted or added."""
    old, new = {t.task_id: t for t in before}, {t.task_id: t for t in after}
    gone = [t for key, t in old.items() if key not in new or new[key].due_at != t.due_at]
    came = [t for key, t in new.items() if key not in old or old[key].due_at != t.due_at]
    pairs = list(zip(gone, came))
    if pairs and not _move_timers(session, instance_id, pairs):
        return _rewrite_timers(session, instance_id, after)  # the rows were not what the state said
    if gone[len(pairs):]:
        session.execute(delete(WaitingTimer).where(WaitingTimer.instance_id == instance_id,
                                                   WaitingTimer.task_id.in_([t.task_id for t in gone[len(pairs):]])))
    if came[len(pairs):]:
        session.execute(insert(_table(WaitingTimer)), [_timer_row(instance_id, t) for t in came[len(pairs):]])


def _move_timers(session: Session, instance_id: int, pairs: list[tuple[PendingTimer, PendingTimer]]) -> bool:
    """Re-point each ended timer's row at a new timer; False unless every row was there to move."""
    result = session.connection().execute(_timer_move(), [
        {"instance": instance_id, "old_task": was.task_id, "new_task": now.task_id, "new_element": now.element_id,
         "new_name": now.name, "new_due": now.due_at} for was, now in pairs])
    sane = len(pairs) == 1 or session.get_bind().dialect.supports_sane_multi_rowcount
    return sane and result.rowcount == len(pairs)


@cache
def _timer_move():
    return (update(WaitingTimer)
            .where(WaitingTimer.instance_id == bindparam("instance"), WaitingTimer.task_id == bindparam("old_task"))
            .values(task_id=bindparam("new_task"), element_id=bindparam("new_element"),
                    name=bindparam("new_name"), due_at=bindparam("new_due", type_=WaitingTimer.due_at.type)))


def _rewrite_timers(session: Session, instance_id: int, timers: list[PendingTimer]) -> None:
    session.execute(delete(WaitingTimer).where(WaitingTimer.instance_id == instance_id))
    if timers:
        session.execute(insert(_table(WaitingTimer)), [_timer_row(instance_id, t) for t in timers])


def _timer_row(instance_id: int, timer: PendingTimer) -> dict:
    return {"instance_id": instance_id, "task_id": timer.task_id, "element_id": timer.element_id,
            "name": timer.name, "due_at": timer.due_at}


def timer_objects(instance_id: int, timers: list[PendingTimer]) -> list[WaitingTimer]:
    """The waiting timers as the views show them, without reading the rows back."""
    return [WaitingTimer(**_timer_row(instance_id, t)) for t in timers]


def dao_drop_drafts(session: Session, task_ids: list[str]) -> None:
    """The drafts of tasks no longer ready: nobody can come back to them."""
    if task_ids:
        session.execute(delete(TaskDraft).where(TaskDraft.task_id.in_(task_ids)))
