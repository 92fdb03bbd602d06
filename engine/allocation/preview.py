"""Every row of an allocation list as it will start, before anything starts: errors per row and
field that stop the list (the form's rules, who may be named, a case twice in the list or already
allocated in this cycle, a formula where a value belongs) and warnings the QA team may accept (a
case audited in the last 12 months). It reads and never writes."""
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.allocation.sheet import COLUMNS, choice_options, row_schema, sheet_field
from engine.calendar import LONDON
from engine.definitions.forms import validation_errors
from engine.definitions.naming import naming_errors
from engine.models import AuditOutcome, ProcessInstance, Team

REAUDITS = ("re_audit", "re_re_audit")  # a re-audit follows an audit of the same case by design: no warning
RECENT = timedelta(days=365)
OPEN = ("running", "suspended", "error")
TITLES = {column.field: column.title for column in COLUMNS}


@dataclass
class RowPreview:
    number: int  # 1 for the first allocation (the first row under the headers)
    allocation: dict
    errors: dict[str, list[str]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def named_errors(session: Session, form: dict, allocation: dict) -> dict[str, list[str]]:
    """Who a row names that may not be named there: the one check every start and step goes through
    (engine/definitions/naming.py), on this row as the list's form declares it, keyed by the row's own fields."""
    prefix = f"{sheet_field(form)}.0."
    errors = naming_errors(session, form, {sheet_field(form): [allocation]})
    return {path.removeprefix(prefix): messages for path, messages in errors.items()}


def preview(session: Session, form: dict, allocations: list, cycle: str | None, at: datetime) -> list[RowPreview]:
    """Each allocation with its errors and warnings; `cycle` ("2026-11") is the month the list is for."""
    rows = [RowPreview(n, a if isinstance(a, dict) else {}) for n, a in enumerate(allocations, 1)]
    teams = _team_ids(session)
    for row in rows:
        _resolve_team(row.allocation, teams)
        row.errors = _merged(_formula_errors(row.allocation), _form_errors(form, row.allocation),
                             named_errors(session, form, row.allocation))
    _twice_in_list(rows)
    _allocated_in_cycle(session, rows, cycle)
    _audited_recently(session, rows, cycle, at)
    return rows


def cycle_of(data: dict) -> str | None:
    """The month an allocation task's list is for, from the audit cycle's data ("2026-11")."""
    year, month = data.get("cycle_year"), data.get("cycle_month")
    return f"{year:04d}-{month:02d}" if isinstance(year, int) and isinstance(month, int) else None


# --- one row ------------------------------------------------------------------------------------

def _formula_errors(allocation: dict) -> dict[str, list[str]]:
    # A spreadsheet formula is never worked out here, and must not reach a case (or a CSV export) as text.
    return {key: [f"{TITLES.get(key, key)} is a spreadsheet formula ({value[:40]}), which is not worked out: "
                  "type the value itself"]
            for key, value in allocation.items() if isinstance(value, str) and value.startswith(("=", "+", "@"))}


def _form_errors(form: dict, allocation: dict) -> dict[str, list[str]]:
    """The form's own rules for one row (required fields, choices, a re-audit's previous grade),
    worded with the column's name."""
    prefix = f"{sheet_field(form)}.0."
    errors = validation_errors(form, {sheet_field(form): [allocation]})
    worded = {}
    for path, messages in errors.items():
        key = path.removeprefix(prefix) if path.startswith(prefix) else path
        worded[key] = [_worded(form, key, allocation, m) for m in messages]
    return worded


def _worded(form: dict, key: str, allocation: dict, message: str) -> str:
    title = TITLES.get(key, key)
    if key not in allocation:
        if key == "previous_grade":
            return "Previous grade is missing: a re-audit needs the overall grade of the audit before"
        return f"{title} is missing"
    options = choice_options(form, key)
    if options:
        return f"“{allocation[key]}” is not a {title.lower()}: write one of " + ", ".join(t for _, t in options)
    if key not in row_schema(form).get("properties", {}):
        return f"{title} is not a column of the list"
    return f"{title}: {message}"


def _resolve_team(allocation: dict, teams: dict[str, str]) -> None:
    """A team may be written by its name ("SAS 1") or its id ("sas_1"): the id is what the case keeps."""
    team = allocation.get("team")
    if isinstance(team, str):
        allocation["team"] = teams.get(team.strip().lower(), team)


def _team_ids(session: Session) -> dict[str, str]:
    found = {}
    for team in session.scalars(select(Team)):
        found[team.name.lower()] = team.id
        found[team.id.lower()] = team.id
    return found


def _merged(*parts: dict[str, list[str]]) -> dict[str, list[str]]:
    merged: dict[str, list[str]] = {}
    for part in parts:
        for key, messages in part.items():
            merged.setdefault(key, []).extend(m for m in messages if m not in merged.get(key, []))
    return merged


# --- across rows and cases ------------------------------------------------------------------------

def _ref(row: RowPreview) -> str | None:
    value = row.allocation.get("case_ref")
    return value.strip().upper() if isinstance(value, str) and value.strip() else None


def _twice_in_list(rows: list[RowPreview]) -> None:
    by_ref: dict[str, list[RowPreview]] = {}
    for row in rows:
        ref = _ref(row)
        if ref:
            by_ref.setdefault(ref, []).append(row)
    for same in (same for same in by_ref.values() if len(same) > 1):
        numbers = ", ".join(str(r.number) for r in same[:-1]) + " and " + str(same[-1].number)
        for row in same:
            row.errors.setdefault("case_ref", []).append(
                f"Case {row.allocation['case_ref']} is on the list more than once: rows {numbers}")


def _allocated_in_cycle(session: Session, rows: list[RowPreview], cycle: str | None) -> None:
    refs = {_ref(r) for r in rows} - {None}
    if not cycle or not refs:
        return
    query = select(ProcessInstance.case_ref).where(ProcessInstance.cycle == cycle,
                                                   ProcessInstance.case_ref.is_not(None))
    taken = {ref.strip().upper() for ref in session.scalars(query)} & refs  # type: ignore[union-attr]  # is_not(None)
    for row in rows:
        if _ref(row) in taken:
            row.errors.setdefault("case_ref", []).append(
                f"Case {row.allocation['case_ref']} is already allocated in this cycle ({_cycle_words(cycle)})")


def _audited_recently(session: Session, rows: list[RowPreview], cycle: str | None, at: datetime) -> None:
    """Warnings: an audit of the case completed in the last 12 months, or one still open from an
    earlier cycle (its case reference as stored, compared without case)."""
    refs = {_ref(r) for r in rows if r.allocation.get("audit_kind") not in REAUDITS} - {None}
    if not refs:
        return
    since = at - RECENT
    completed: dict[str, datetime] = {}
    for ref, when in session.execute(select(AuditOutcome.case_ref, AuditOutcome.completed_at)
                                     .where(AuditOutcome.completed_at >= since, AuditOutcome.case_ref.is_not(None))):
        key = ref.strip().upper()  # type: ignore[union-attr]  # is_not(None)
        if key in refs and (key not in completed or when > completed[key]):
            completed[key] = when
    opened: dict[str, datetime] = {}
    query = select(ProcessInstance.case_ref, ProcessInstance.created_at).where(
        ProcessInstance.process_id == "case_audit", ProcessInstance.status.in_(OPEN),
        ProcessInstance.created_at >= since, ProcessInstance.case_ref.is_not(None),
        (ProcessInstance.cycle != cycle) | ProcessInstance.cycle.is_(None))
    for ref, when in session.execute(query):
        key = ref.strip().upper()  # type: ignore[union-attr]  # is_not(None)
        if key in refs:
            opened[key] = min(when, opened.get(key, when))
    for row in rows:
        key = _ref(row)
        if key in completed:
            row.warnings.append(f"Case {row.allocation['case_ref']} was audited in the last 12 months: "
                                f"an audit completed on {_day(completed[key])}")
        if key in opened:
            row.warnings.append(f"Case {row.allocation['case_ref']} has an audit still open, "
                                f"started on {_day(opened[key])}")


def _day(instant: datetime) -> str:
    local = instant.astimezone(LONDON)
    return f"{local.day} {local:%B %Y}"


def _cycle_words(cycle: str) -> str:
    year, month = cycle.split("-")
    return f"{datetime(int(year), int(month), 1):%B} {year}"
