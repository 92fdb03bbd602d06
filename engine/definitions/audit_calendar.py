"""Every audit belongs to a cycle (issue 22, item 5; R-10, R-11): a start whose form asks for the
cycle (cycle_year, cycle_month) and names none is placed in the cycle its start date falls in, or
the next month that runs one. Which months run a cycle is the deployed decision table
`audit_calendar` (processes/audit_calendar.dmn), evaluated here as a business rule task would:
the months are policy, never copied into Python.
"""
from datetime import date
from types import SimpleNamespace

from SpiffWorkflow.camunda.parser import CamundaParser
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.calendar import LONDON
from engine.clock import now
from engine.definitions.xml import parse_xml
from engine.models import DefinitionFile

CALENDAR = "audit_calendar"  # the decision's id: a process owner edits its rows, not its name
CYCLE_FIELDS = ("cycle_year", "cycle_month")
_decisions: dict[str, object] = {}  # a file's SHA-256 -> its decision engine (None: not the calendar)


def with_cycle(session: Session, script_engine, form: dict | None, data: dict) -> dict:
    """The start data, placed in a cycle when its start form asks for one and the data names none."""
    asked = ((form or {}).get("properties") or {}).keys()
    if not all(field in asked for field in CYCLE_FIELDS) or any(data.get(field) for field in CYCLE_FIELDS):
        return data
    cycle = cycle_of_day(session, script_engine, now().astimezone(LONDON).date())
    return data | dict(zip(CYCLE_FIELDS, cycle)) if cycle else data


def cycle_of_day(session: Session, script_engine, day: date) -> tuple[int, int] | None:
    """(year, month) of the cycle a day belongs to: its month's, or the next month's that runs one
    by the calendar; None when no calendar is deployed or no month of the year ahead runs one."""
    decision = _calendar(session)
    if decision is None:
        return None
    year, month = day.year, day.month
    for _ in range(12):
        if runs_cycle(decision, script_engine, year, month):
            return year, month
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return None


def runs_cycle(decision, script_engine, year: int, month: int) -> bool:
    """The calendar's answer for one month, as its business rule task gets it (a Practice Week runs none)."""
    task = SimpleNamespace(data={"cycle_year": year, "cycle_month": month},
                           workflow=SimpleNamespace(script_engine=script_engine))
    return bool(decision.result(task).get("runs_cycle"))


def _calendar(session: Session):
    """The decision engine of the newest deployed file that holds the calendar decision."""
    # Keyed by content, not row id: ids start again in another database (each test's own).
    rows = session.execute(select(DefinitionFile.id, DefinitionFile.sha256)
                           .where(DefinitionFile.kind == "dmn").order_by(DefinitionFile.id.desc())).all()
    for row_id, digest in rows:
        if digest not in _decisions:
            row = session.get_one(DefinitionFile, row_id)
            _decisions[digest] = _decision_of(row.file_name, row.content)
        if _decisions[digest] is not None:
            return _decisions[digest]
    return None


def _decision_of(file_name: str, content: str):
    xml = parse_xml(file_name, content.encode())
    if not any(isinstance(e.tag, str) and e.tag.endswith("}decision") and e.get("id") == CALENDAR
               for e in xml.root.iter()):
        return None
    parser = CamundaParser()
    parser.add_dmn_xml(xml.root, filename=file_name)
    return parser.get_engine(CALENDAR, None)
