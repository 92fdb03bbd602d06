"""Deadlines as people read them: "Due Friday 4 December", "Overdue by 2 working days"."""
from datetime import datetime

from engine.calendar import LONDON, WorkingCalendar, parse_instant


def due_in_words(due_at: str | None, now: datetime, calendar: WorkingCalendar) -> tuple[str, str]:
    """(the words, a GOV.UK tag colour); the words carry the meaning, the colour only repeats it."""
    if not due_at:
        return "No deadline", "grey"
    due = parse_instant(due_at)
    if due < now:
        late = _working_days(calendar, due, now)
        if late is None:
            return f"Overdue since {_day(due.astimezone(LONDON).date())} {due.astimezone(LONDON).year}", "red"
        if late < 1:
            return "Overdue since today", "red"
        return f"Overdue by {late} working day{'s' if late != 1 else ''}", "red"
    day, today = due.astimezone(LONDON).date(), now.astimezone(LONDON).date()
    if day == today:
        return "Due today", "orange"
    away = _working_days(calendar, now, due)
    if away is not None and away <= 1:
        return f"Due tomorrow, {_day(day)}" if (day - today).days == 1 else f"Due {_day(day)}", "yellow"
    return f"Due {_day(day)}", "blue"


def _working_days(calendar: WorkingCalendar, a: datetime, b: datetime) -> int | None:
    """Working days from a to b, or None when further apart than the calendar counts (a deadline
    ten years off, a timer set for 9999): the date alone says enough then."""
    try:
        return calendar.working_days_between(a, b)
    except ValueError:
        return None


def _day(day) -> str:
    return f"{day:%A} {day.day} {day:%B}"
