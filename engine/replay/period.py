"""The cases a process owner asks to replay: those started in the last 3, 6 or 12 months up to now,
or in a period they give, [started_from, started_to)."""
from calendar import monthrange
from datetime import datetime

from engine.errors import InvalidData
from engine.replay.run import Selection

MONTHS = (3, 6, 12)


def months_before(at: datetime, months: int) -> datetime:
    """The same day and time `months` calendar months earlier (the month's last day when it is shorter)."""
    year, month = divmod(at.year * 12 + at.month - 1 - months, 12)
    return at.replace(year=year, month=month + 1, day=min(at.day, monthrange(year, month + 1)[1]))


def selection(process_id: str, at: datetime, months: int | None = None, started_from: datetime | None = None,
              started_to: datetime | None = None, service_area: str | None = None) -> Selection:
    """The selection asked for, or InvalidData naming the field that is wrong."""
    if months is not None:
        if started_from is not None or started_to is not None:
            raise InvalidData("give either months or started_from and started_to, not both",
                              {"months": ["give either months or started_from and started_to, not both"]})
        if months not in MONTHS:
            raise InvalidData(f"months must be one of {', '.join(map(str, MONTHS))}",
                              {"months": [f"must be one of {', '.join(map(str, MONTHS))}"]})
        return Selection(process_id, months_before(at, months), at, service_area)
    for name, value in (("started_from", started_from), ("started_to", started_to)):
        if value is None:
            raise InvalidData(f"{name} is required without months", {name: ["required without months"]})
        if value.tzinfo is None or value.utcoffset() is None:
            raise InvalidData(f"{name} needs a time zone", {name: ["give a time zone, e.g. +00:00"]})
    assert started_from is not None and started_to is not None  # for mypy: checked just above
    if started_from >= started_to:
        raise InvalidData("started_from must be before started_to", {"started_to": ["must be after started_from"]})
    return Selection(process_id, started_from, started_to, service_area)
