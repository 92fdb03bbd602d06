"""A year of recorded case audits for the replay bench: a few walked through the real case_audit
(processes/, forms/) by the replay tests' own case helpers (tests/engine/replay/cases.py), the rest
cloned from their rows.

A clone holds what a replay reads of a case (engine/replay/record.py): its process_instance row, its
history, its notifications in the outbox, its audit_outcome row and deadlines. Each has a fresh id,
event ids and case reference, and every date in its rows, history and state moved back a whole number
of weeks (so each step falls on the same weekday and time of day), starts spread over the 52 weeks
up to the templates' own (Monday 2 November 2026). A week's working days differ only where a bank
holiday falls, and London's summer time moves a deadline's 23:59:59 by an hour in UTC: a replay of such
a clone answers what its diagram gives for those dates, which can differ from the moved record (the
bench counts the cases that ended, diverged and changed path).
"""
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from uuid import uuid4

from sqlalchemy import Table, func, select

from engine.db import Database
from engine.models import AuditDeadline, AuditOutcome, HistoryEvent, OutboxMessage, ProcessInstance
from engine.workflow_engine import WorkflowEngine
from tests.engine.replay import cases
from tests.flows.conftest import definition_files
from tests.flows.test_case_audit import FILES

from .diagram import seed_people
from .population import after_bulk_insert, insert_clones, remapped

INSTANCE, HISTORY, OUTBOX = ProcessInstance.__table__, HistoryEvent.__table__, OutboxMessage.__table__
OUTCOME, DEADLINE = AuditOutcome.__table__, AuditDeadline.__table__
GENERATED_IDS = {HISTORY, OUTBOX, DEADLINE}  # the database numbers these
DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})(?=T|\b)")
WEEKS = 52
BATCH = 200


def record_templates(engine: WorkflowEngine, clock) -> list[int]:
    """Case audits walked through the engine, each by another path (tests/engine/replay/cases.py)."""
    seed_people(engine)
    engine.deploy(definition_files(*FILES), "olive")
    return [cases.qa_on_time(engine, clock), cases.qa_on_time(engine, clock, "requires_improvement"),
            cases.qa_on_time(engine, clock, "inadequate"), cases.qa_late(engine, clock, "2026-11-04T10:00:00+00:00"),
            cases.qa_late(engine, clock, "2026-11-05T10:00:00+00:00"), cases.qa_returned_and_late(engine, clock),
            cases.disputed(engine, clock), cases.reaudit_due(engine, clock), cases.with_concern(engine, clock)]


@dataclass
class Template:
    case_ref: str
    rows: dict[Table, list[dict]]


def clone_year(db: Database, template_ids: list[int], count: int) -> None:
    """`count` - len(templates) clones, template by template in turn, week by week back from theirs."""
    templates = [_template(db, iid) for iid in template_ids]
    with db.engine.connect() as connection:
        next_instance = connection.scalar(select(func.max(ProcessInstance.id))) + 1
        next_outcome = (connection.scalar(select(func.max(AuditOutcome.id))) or 0) + 1
    for start in range(0, count - len(templates), BATCH):
        clones = []
        for number in range(start, min(start + BATCH, count - len(templates))):
            weeks = number * WEEKS // (count - len(templates))  # spread evenly over the year
            clones.append(_clone(templates[number % len(templates)], next_instance + number, next_outcome + number,
                                 number, timedelta(weeks=-weeks)))
        with db.engine.begin() as connection:
            insert_clones([INSTANCE, HISTORY, OUTBOX, OUTCOME, DEADLINE], clones, connection)
    after_bulk_insert(db, ("process_instance", "audit_outcome"))


def _template(db: Database, instance_id: int) -> Template:
    with db.engine.connect() as connection:
        rows = {table: _rows(connection, table, table.c.instance_id == instance_id)
                for table in (HISTORY, OUTBOX, OUTCOME)}
        rows[INSTANCE] = _rows(connection, INSTANCE, INSTANCE.c.id == instance_id)
        outcome_ids = [row["id"] for row in rows[OUTCOME]]
        rows[DEADLINE] = _rows(connection, DEADLINE, DEADLINE.c.outcome_id.in_(outcome_ids))
    return Template(rows[INSTANCE][0]["case_ref"], rows)


def _rows(connection, table: Table, where) -> list[dict]:
    # None stays out, so the clone gets SQL NULL whatever the column type's idea of None.
    return [{k: v for k, v in row.items() if v is not None}
            for row in connection.execute(select(table).where(where).order_by(table.c.id)).mappings()]


def _clone(template: Template, instance_id: int, outcome_id: int, number: int,
           shift: timedelta) -> dict[Table, list[dict]]:
    case_ref = f"REPLAY-{number:06d}"

    def remap(text_: str) -> str:
        return DATE.sub(lambda m: (date(*map(int, m.groups())) + shift).isoformat(),
                        text_.replace(template.case_ref, case_ref))

    clone: dict[Table, list[dict]] = {}
    for table, rows in template.rows.items():
        clone[table] = []
        for row in rows:
            values = {k: _remapped(v, remap, shift) for k, v in row.items()
                      if not (k == "id" and table in GENERATED_IDS)}
            if table is INSTANCE:
                values["id"] = instance_id
            elif table is DEADLINE:
                values["outcome_id"] = outcome_id
            else:
                values["instance_id"] = instance_id
            if table is OUTCOME:
                values["id"] = outcome_id
            if table is OUTBOX:
                values["event_id"] = str(uuid4())
            clone[table].append(values)
    return clone


def _remapped(value, remap, shift: timedelta):
    if isinstance(value, datetime):
        return value + shift
    if isinstance(value, date):
        return value + shift
    return remapped(value, remap)
