"""Clock times. Due sets start a fortnight before the background instances, so at FIRE_AT only
their timers are past, for the timer table and for SpiffWorkflow's own check alike."""
from datetime import datetime, timedelta, timezone

from engine.calendar import WorkingCalendar

from .diagram import DAYS

DUE_SET_START = datetime(2026, 11, 2, 9, tzinfo=timezone.utc)  # a Monday
BACKGROUND_START = datetime(2026, 11, 16, 9, tzinfo=timezone.utc)


def deadline(started: datetime) -> datetime:
    return datetime.fromisoformat(WorkingCalendar().add_working_days(started, DAYS))


FIRE_AT = deadline(DUE_SET_START) + timedelta(hours=1)
assert FIRE_AT < deadline(BACKGROUND_START), "due sets must fall due before the background"
