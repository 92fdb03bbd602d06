"""The audit year as its policy files say it (R-10 to R-12): which months run an audit cycle or a
Practice Observation Week (processes/audit_calendar.dmn), the minimum of audits per auditor
(processes/auditor_minimum.dmn), and when an audit year's first allocation list is due and why.

The decisions are evaluated as the deployed audit_cycle process evaluates them (its business rule
tasks' tables), so a process owner's edit of a table shows here once deployed. Python knows only
where they sit in the diagram (the ids below), never which month does what.
"""
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from engine.calendar import LONDON, parse_instant
from engine.errors import NotFound
from engine.instances import store

AUDIT_YEAR_PROCESS = "audit_cycle"
CALENDAR_TASK = "check_audit_calendar"  # its business rule task of audit_calendar.dmn
MINIMUM_TASK = "decide_auditor_minimum"  # its business rule task of auditor_minimum.dmn
FIRST_DAY_TIMER = "timer_first_working_day"  # where it waits for a month to open
LIST_TASK = "prepare_allocation_list"  # the month's allocation list
FIRST_MONTH = 4  # an audit year is April to March (its diagram's plan_audit_year walks from March)


@dataclass
class _Probe:
    """What a decision table reads of a task: its data and its workflow's script engine."""
    data: dict
    script_engine: object

    @property
    def workflow(self):
        return self


def audit_year_of(day: date) -> int:
    """The audit year a day falls in, by the year its April is in."""
    return day.year if day.month >= FIRST_MONTH else day.year - 1


def months_of(year: int) -> list[tuple[int, int]]:
    """(year, month) of an audit year's twelve months, April first."""
    return [(year + (FIRST_MONTH - 1 + n) // 12, (FIRST_MONTH - 1 + n) % 12 + 1) for n in range(12)]


def decide(session: Session, ctx, element_id: str, data: dict) -> dict:
    """What the newest deployed audit_cycle's business rule task `element_id` decides for `data`."""
    version = store.dao_get_process_version(session, AUDIT_YEAR_PROCESS, None)
    _info, spec, deps = ctx.specs.get(version)
    for owner in (spec, *deps.values()):
        task_spec = owner.task_specs.get(element_id)
        if task_spec is not None and hasattr(task_spec, "dmnEngine"):
            return task_spec.dmnEngine.result(_Probe(dict(data), ctx.script_engine))
    raise NotFound(f"the process '{AUDIT_YEAR_PROCESS}' has no decision at '{element_id}'")


def calendar_of(session: Session, ctx, year: int) -> list[dict]:
    """The audit year's months as the audit calendar says them: each with runs_cycle,
    practice_week, its label and when its first working day starts."""
    months = []
    for y, m in months_of(year):
        said = decide(session, ctx, CALENDAR_TASK, {"cycle_year": y, "cycle_month": m})
        months.append({"year": y, "month": m, "cycle": f"{y:04d}-{m:02d}", "label": f"{date(y, m, 1):%B %Y}",
                       "runs_cycle": said.get("runs_cycle") is True and said.get("practice_week") is not True,
                       "practice_week": said.get("practice_week") is True,
                       "first_working_day": ctx.calendar.first_working_day(y, m)})
    return months


def minimum_audits(session: Session, ctx) -> int | None:
    """The minimum of case audits per auditor in a year, as the table says it at the year's end (March)."""
    return decide(session, ctx, MINIMUM_TASK, {"cycle_month": FIRST_MONTH - 1}).get("minimum_audits")


def first_list_note(session: Session, ctx, row, timers: list[dict], tasks: list[dict]) -> str | None:
    """For an audit year waiting for its first allocation list: when it is due and why not sooner,
    e.g. "Started on 3 December 2026. December 2026 has no audit cycle (audit calendar); the first
    allocation list is due on Monday 4 January 2027." None once a list has been asked for."""
    if (row.process_id != AUDIT_YEAR_PROCESS or row.status != "running"
            or any(t["element_id"] == LIST_TASK for t in tasks)):
        return None
    waiting = [t for t in timers if t["element_id"] == FIRST_DAY_TIMER]
    if not waiting:
        return None
    opens = parse_instant(waiting[0]["due_at"]).astimezone(LONDON).date()
    started = row.created_at.astimezone(LONDON).date()
    reasons = []
    for y, m in _months_from(started, opens):
        said = _month_said(session, ctx, y, m)
        if said:
            reasons.append(said)
    month, skipped = next_cycle_month(session, ctx, opens)
    reasons += skipped
    due = list_due(ctx, month) if month else None
    start_words = f"Started on {_day(started)}."
    if due is None:
        return (f"{start_words} No month of the next twelve runs an audit cycle (audit calendar), "
                "so no allocation list is due.")
    why = "; ".join(reasons)
    return f"{start_words} {why + '; the' if why else 'The'} first allocation list is due on {due:%A} {_day(due)}."


def next_cycle_month(session: Session, ctx, day: date) -> tuple[tuple[int, int] | None, list[str]]:
    """The first month from `day`'s that runs an audit cycle, (year, month) or None within a year,
    and why each month before it does not, in words."""
    skipped: list[str] = []
    for y, m in _months_from(day, None):
        said = _month_said(session, ctx, y, m)
        if not said:
            return (y, m), skipped
        skipped.append(said)
    return None, skipped


def list_due(ctx, month: tuple[int, int]) -> date:
    """The day a month's allocation list is due: its first working day (R-11)."""
    return parse_instant(ctx.calendar.first_working_day(*month)).astimezone(LONDON).date()


def _month_said(session, ctx, y: int, m: int) -> str | None:
    """Why a month asks for no allocation list, in words; None when it runs an audit cycle."""
    said = decide(session, ctx, CALENDAR_TASK, {"cycle_year": y, "cycle_month": m})
    label = f"{date(y, m, 1):%B %Y}"
    if said.get("practice_week") is True:
        return f"{label} is a Practice Observation Week (audit calendar)"
    if said.get("runs_cycle") is not True:
        return f"{label} has no audit cycle (audit calendar)"
    return None


def _months_from(first: date, before: date | None, most: int = 12):
    """(year, month) from `first`'s month up to, not including, `before`'s (or twelve of them)."""
    y, m = first.year, first.month
    for _ in range(most):
        if before is not None and (y, m) >= (before.year, before.month):
            return
        yield y, m
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)


def _day(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def as_of(at: datetime) -> int:
    """The audit year an instant falls in (London)."""
    return audit_year_of(at.astimezone(LONDON).date())
