"""Live instances in bulk: a few started (and advanced) through the engine, the rest cloned from
their rows with fresh task ids and case references (and, when asked, another auditor each).

Starting 10,000 through the engine took ~2.5 minutes on PostgreSQL; a clone holds the same rows
the engine wrote, and the completion bench then loads and completes clones like any instance.
"""
import json
import re
from collections import defaultdict
from dataclasses import dataclass
from uuid import uuid4

from sqlalchemy import Table, func, select, text

from engine.db import Database, is_postgres
from engine.models import HistoryEvent, InstanceParticipant, ProcessInstance, TaskCandidate, UserTask, WaitingTimer
from engine.workflow_engine import WorkflowEngine

from .diagram import ACTOR, NOTE, PROCESS_ID, STEPS, case_ref, start_data

INSTANCE = ProcessInstance.__table__
CANDIDATES = TaskCandidate.__table__
# In insert order (foreign keys); the candidates and participants are what access checks read.
CHILDREN = [UserTask.__table__, WaitingTimer.__table__, HistoryEvent.__table__, CANDIDATES,
            InstanceParticipant.__table__]
GENERATED_IDS = {"waiting_timer", "history_event"}  # the database numbers these
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
BATCH = 500


@dataclass
class Template:
    case_ref: str
    rows: dict[Table, list[dict]]


def populate(engine: WorkflowEngine, db: Database, count: int, auditors: list[str] | None = None) -> None:
    """`count` more running instances, spread evenly over the chain's steps and, with `auditors`
    (people of the directory), over those auditors in turn instead of all being ACTOR's."""
    templates = [_template(engine, db, step, number=step) for step in range(1, STEPS + 1)]
    with db.transaction() as session:
        first_id = session.scalar(select(func.max(ProcessInstance.id))) + 1
    numbers = range(len(templates) + 1, count + 1)
    for start in range(0, len(numbers), BATCH):
        batch = numbers[start:start + BATCH]
        with db.engine.begin() as connection:
            insert_clones([INSTANCE, *CHILDREN], [_clone(templates[n % len(templates)], first_id + n - numbers[0], n,
                            _auditor(auditors, n)) for n in batch], connection)
    after_bulk_insert(db)


def _auditor(auditors: list[str] | None, number: int) -> str:
    """Runs of STEPS numbers (one instance at each step) per auditor, so each has every step."""
    return auditors[number // STEPS % len(auditors)] if auditors else ACTOR


def _template(engine: WorkflowEngine, db: Database, step: int, number: int) -> Template:
    """An instance started through the engine, with `step` ready."""
    instance_id = engine.start_instance(PROCESS_ID, start_data(number), "bench")
    for _ in range(step - 1):
        engine.complete_task(_ready_task(db, instance_id), NOTE, ACTOR)
    with db.engine.connect() as connection:
        rows = {INSTANCE: _rows(connection, INSTANCE, INSTANCE.c.id, instance_id)}
        rows |= {table: _rows(connection, table, table.c.instance_id, instance_id)
                 for table in CHILDREN if table is not CANDIDATES}
        task_ids = select(UserTask.id).where(UserTask.instance_id == instance_id).scalar_subquery()
        rows[CANDIDATES] = _rows(connection, CANDIDATES, CANDIDATES.c.task_id, task_ids, among=True)
    return Template(case_ref(number), rows)


def _ready_task(db: Database, instance_id: int) -> str:
    with db.transaction() as session:
        return session.scalar(select(UserTask.id).where(UserTask.instance_id == instance_id,
                                                        UserTask.state == "ready"))


def _rows(connection, table: Table, key, value, among: bool = False) -> list[dict]:
    # None stays out, so the clone gets SQL NULL whatever the column type's idea of None.
    where = key.in_(value) if among else key == value
    return [{k: v for k, v in row.items() if v is not None}
            for row in connection.execute(select(table).where(where)).mappings()]


def _clone(template: Template, instance_id: int, number: int, auditor: str) -> dict[Table, list[dict]]:
    fresh_ids = defaultdict(lambda: str(uuid4()))
    # ACTOR is a whole value (a username column) or a quoted JSON string (the state, history, candidates).
    quoted, as_quoted = json.dumps(ACTOR), json.dumps(auditor)

    def remap(text_: str) -> str:
        if text_ == ACTOR:
            return auditor
        text_ = UUID.sub(lambda m: fresh_ids[m[0]], text_).replace(template.case_ref, case_ref(number))
        return text_.replace(quoted, as_quoted) if auditor != ACTOR else text_

    return {table: [_clone_row(table, row, instance_id, remap) for row in rows]
            for table, rows in template.rows.items()}


def _clone_row(table: Table, row: dict, instance_id: int, remap) -> dict:
    values = {k: remapped(v, remap) for k, v in row.items() if not (k == "id" and table.name in GENERATED_IDS)}
    if table is INSTANCE or "instance_id" in table.c:
        values["id" if table is INSTANCE else "instance_id"] = instance_id
    return values


def remapped(value, remap):
    """A cloned row's value with its ids and references remapped (strings, and inside JSON)."""
    if isinstance(value, str):
        return remap(value)
    if isinstance(value, (dict, list)):
        return json.loads(remap(json.dumps(value)))
    return value


def insert_clones(tables: list[Table], clones: list[dict[Table, list[dict]]], connection) -> None:
    """The clones' rows, table by table in `tables`' order (foreign keys first)."""
    for table in tables:
        by_columns = defaultdict(list)  # one executemany per column set: rows leave out their NULLs
        for row in (row for clone in clones for row in clone[table]):
            by_columns[frozenset(row)].append(row)
        for rows in by_columns.values():
            connection.execute(table.insert(), rows)


def after_bulk_insert(db: Database, tables: tuple[str, ...] = ("process_instance",)) -> None:
    """PostgreSQL: move the id sequences of `tables` past the explicit ids, then vacuum and analyze as
    autovacuum would on a live system, so the planner has statistics and no vacuum runs mid-measurement."""
    if not is_postgres(db.engine):
        return
    with db.engine.begin() as connection:
        for table in tables:
            connection.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                    f"(SELECT max(id) FROM {table}))"))
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))
