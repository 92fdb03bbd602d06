"""The periods a report covers (R-60): a month, a quarter or an audit year, which runs April to
March (the council's financial year), so quarter 1 is April to June and quarter 4 January to
March. Each is written the way a page's query string and a file name give it:

    "2026-11"   November 2026
    "2026-Q3"   quarter 3 of the audit year 2026/27: October to December 2026
    "2026"      the audit year 2026/27: 1 April 2026 to 31 March 2027
"""
import re
from dataclasses import dataclass
from datetime import date, timedelta

YEAR_STARTS = 4  # April
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
PATTERN = re.compile(r"^(?P<year>\d{4})(?:-(?:Q(?P<quarter>[1-4])|(?P<month>0[1-9]|1[0-2])))?$")


@dataclass(frozen=True)
class Period:
    kind: str  # month | quarter | year
    year: int  # the calendar year of a month; the year an audit year or its quarter starts in
    number: int = 0  # the month (1-12) or the quarter (1-4); 0 for a year

    @classmethod
    def parse(cls, text: str) -> "Period":
        """ValueError naming the forms it takes when `text` is none of them."""
        match = PATTERN.match(text or "")
        if not match or not 1900 <= int(match["year"]) <= 9998:
            raise ValueError("must be a month (2026-11), a quarter of an audit year (2026-Q3) or an audit year (2026)")
        year = int(match["year"])
        if match["month"]:
            return cls("month", year, int(match["month"]))
        if match["quarter"]:
            return cls("quarter", year, int(match["quarter"]))
        return cls("year", year)

    @classmethod
    def containing(cls, day: date, kind: str) -> "Period":
        audit_year = day.year if day.month >= YEAR_STARTS else day.year - 1
        if kind == "month":
            return cls("month", day.year, day.month)
        if kind == "quarter":
            return cls("quarter", audit_year, (day.month - YEAR_STARTS) % 12 // 3 + 1)
        return cls("year", audit_year)

    @property
    def token(self) -> str:
        return {"month": f"{self.year}-{self.number:02d}", "quarter": f"{self.year}-Q{self.number}"}.get(
            self.kind, str(self.year))

    @property
    def first(self) -> date:
        if self.kind == "month":
            return date(self.year, self.number, 1)
        return _month_start(self.year, YEAR_STARTS + 3 * (self.number - 1 if self.kind == "quarter" else 0))

    @property
    def last(self) -> date:
        return self.after.first - timedelta(days=1)

    @property
    def after(self) -> "Period":
        return self.shifted(1)

    @property
    def before(self) -> "Period":
        return self.shifted(-1)

    @property
    def year_before(self) -> "Period":
        return Period(self.kind, self.year - 1, self.number)

    def shifted(self, steps: int) -> "Period":
        """The period `steps` months, quarters or years later (earlier when negative)."""
        if self.kind == "year":
            return Period("year", self.year + steps)
        per_year = 12 if self.kind == "month" else 4
        index = self.year * per_year + self.number - 1 + steps
        return Period(self.kind, index // per_year, index % per_year + 1)

    @property
    def label(self) -> str:
        if self.kind == "month":
            return f"{MONTHS[self.number - 1]} {self.year}"
        audit_year = f"{self.year}/{(self.year + 1) % 100:02d}"
        if self.kind == "quarter":
            return f"Quarter {self.number} {audit_year}"
        return f"Audit year {audit_year}"

    @property
    def span(self) -> str:
        """The months it covers, e.g. "October to December 2026"."""
        first, last = self.first, self.last
        if self.kind == "month":
            return self.label
        start = MONTHS[first.month - 1] + ("" if first.year == last.year else f" {first.year}")
        return f"{start} to {MONTHS[last.month - 1]} {last.year}"

    def months(self) -> list["Period"]:
        """The months of the period, in order: its audit cycles."""
        month = Period.containing(self.first, "month")
        return [month.shifted(i) for i in range({"month": 1, "quarter": 3, "year": 12}[self.kind])]


def _month_start(year: int, month: int) -> date:
    return date(year + (month - 1) // 12, (month - 1) % 12 + 1, 1)


def choices(today: date, years: int = 3) -> dict[str, list[Period]]:
    """The periods a person can pick, newest first: the audit years, quarters and months from
    `years` audit years ago up to the one containing today."""
    newest = {kind: Period.containing(today, kind) for kind in ("year", "quarter", "month")}
    counts = {"year": years, "quarter": 4 * years, "month": 12 * years}
    return {kind: [newest[kind].shifted(-i) for i in range(counts[kind])] for kind in newest}
