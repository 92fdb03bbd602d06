"""Working-day calendar for deadlines (rule R-70).

Monday to Friday in Europe/London, excluding England and Wales bank holidays and council closure days.
"""
import re
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import holidays

LONDON = ZoneInfo("Europe/London")
END_OF_DAY = time(23, 59, 59)
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
# Deadlines run to days and weeks; these bounds keep a script's call from counting for ever.
MAX_WORKING_DAYS = 2_600  # about ten years
MAX_SPAN = timedelta(days=3_660)


class WorkingCalendar:
    def __init__(self, closure_days: Iterable[date] = ()) -> None:
        self._closure_days = frozenset(closure_days)
        # England and Wales share bank holidays; the package loads each year on first lookup.
        self._bank_holidays = holidays.country_holidays("GB", subdiv="ENG")

    def is_working_day(self, day: date) -> bool:
        return (
            day.weekday() < 5
            and day not in self._bank_holidays
            and day not in self._closure_days
        )

    def add_working_days(self, start: datetime | str, n: int) -> str:
        """End (23:59:59 London) of the nth working day after start's London date, as UTC ISO-8601.

        n == 0 means the end of that date if it is a working day, else of the next working day.
        """
        if not 0 <= n <= MAX_WORKING_DAYS:
            raise ValueError(f"number of working days must be between 0 and {MAX_WORKING_DAYS}: {n}")
        day = london_date(start)
        if n == 0 and not self.is_working_day(day):
            day = self._next_working_day(day)
        for _ in range(n):
            day = self._next_working_day(day)
        return end_of_day(day)

    def working_days_between(self, a: datetime | str, b: datetime | str) -> int:
        """Working days d with date(a) < d <= date(b) in London; negative if b is before a."""
        first, last = london_date(a), london_date(b)
        if abs(last - first) > MAX_SPAN:
            raise ValueError(f"working days are counted over at most {MAX_SPAN.days} days: {a} to {b}")
        if last < first:
            return -self._working_days_after(last, until=first)
        return self._working_days_after(first, until=last)

    def working_days_before(self, end: datetime | str, n: int) -> str:
        """End (23:59:59 London) of the nth working day before end's London date, as UTC ISO-8601:
        the inverse of add_working_days for an end on a working day (a reminder n working days
        before a deadline)."""
        if not 0 <= n <= MAX_WORKING_DAYS:
            raise ValueError(f"number of working days must be between 0 and {MAX_WORKING_DAYS}: {n}")
        day = london_date(end)
        for _ in range(n):
            day -= timedelta(days=1)
            while not self.is_working_day(day):
                day -= timedelta(days=1)
        return end_of_day(day)

    def end_of(self, day: str) -> str:
        """The end (23:59:59 London) of a date as a form gives it ("2026-12-24"), as UTC ISO-8601."""
        if not isinstance(day, str) or not _ISO_DAY.fullmatch(day):
            raise ValueError(f"end_of_day: {day!r} is not a date in YYYY-MM-DD form")
        return end_of_day(date.fromisoformat(day))

    def first_working_day(self, year: int, month: int) -> str:
        """The start (00:00 London) of the month's first working day, as UTC ISO-8601."""
        day = date(year, month, 1)
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return datetime.combine(day, time(0, 0), tzinfo=LONDON).astimezone(timezone.utc).isoformat()

    def last_working_day(self, year: int, month: int) -> str:
        """The end (23:59:59 London) of the month's last working day, as UTC ISO-8601."""
        day = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
        while not self.is_working_day(day):
            day -= timedelta(days=1)
        return end_of_day(day)

    def _working_days_after(self, start: date, until: date) -> int:
        days = (start + timedelta(days=offset) for offset in range(1, (until - start).days + 1))
        return sum(1 for day in days if self.is_working_day(day))

    def _next_working_day(self, day: date) -> date:
        day += timedelta(days=1)
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day


def parse_instant(value: datetime | str) -> datetime:
    """ISO string or datetime -> aware UTC datetime; naive values are ambiguous and refused."""
    instant = datetime.fromisoformat(value) if isinstance(value, str) else value
    if not isinstance(instant, datetime):
        raise TypeError(f"expected a datetime or ISO string, got {value!r}")
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"naive time refused, give a timezone: {value!r}")
    return instant.astimezone(timezone.utc)


def london_date(value: datetime | str) -> date:
    return parse_instant(value).astimezone(LONDON).date()


def end_of_day(day: date) -> str:
    return datetime.combine(day, END_OF_DAY, tzinfo=LONDON).astimezone(timezone.utc).isoformat()


def parse_closure_days(text: str) -> list[date]:
    """"2026-12-24, 2026-12-31" -> dates (commas or whitespace separate); blank -> []."""
    items = re.split(r"[,\s]+", text.strip())
    return [_parse_day(item) for item in items if item]


def _parse_day(item: str) -> date:
    try:
        if not _ISO_DAY.fullmatch(item):
            raise ValueError
        return date.fromisoformat(item)
    except ValueError:
        raise ValueError(f"closure day {item!r} is not a date in YYYY-MM-DD form") from None
