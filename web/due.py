"""Deadlines as people read them: "Due Friday 4 December", "Overdue by 2 working days"."""
from datetime import datetime

from engine.calendar import LONDON, WorkingCalendar, parse_instant


def due_in_words(due_at: str | None, now: datetime, calendar: WorkingCalendar) -> tuple[str, str]:
    """(the words, a GOV.UK tag colour); the words carry the meaning, the colour only repeats it."""
    if not due_at:
        return "No deadline", "grey"
    due = parse_instant(due_at)
    if due < now:
        late = calendar.working_days_between(due, now)
        if late < 1:
            return "Overdue since today", "red"
        return f"Overdue by {late} working day{'s' if late != 1 else ''}", "red"
    day, today = due.astimezone(LONDON).date(), now.astimezone(LONDON).date()
    if day == today:
        return "Due today", "orange"
    if calendar.working_days_between(now, due) <= 1:
        return f"Due tomorrow, {_day(day)}" if (day - today).days == 1 else f"Due {_day(day)}", "yellow"
    return f"Due {_day(day)}", "blue"


def _day(day) -> str:
    return f"{day:%A} {day.day} {day:%B}"
