"""Operating the service (administrators): the people directory, the settable clock, firing due
timers."""
from datetime import datetime

from engine.caller.base import Door
from engine.clock import SettableClock, now, share_clock
from engine.people import access
from engine.people.directory import PeopleDirectory


class OperatingVerbs(Door):
    def people_directory(self) -> PeopleDirectory:
        """Everyone's accounts and roles, for administrators (R-81)."""
        access.require(self.user, *access.ADMINISTRATORS)
        return PeopleDirectory(self.db)

    def share_clock(self, clock: SettableClock, at: datetime) -> None:
        """Move the settable clock, for every process of the service (demos and acceptance checks)."""
        access.require(self.user, *access.ADMINISTRATORS)
        clock.set(at)
        share_clock(self.db, now())

    def fire_due_timers(self) -> int:
        access.require(self.user, *access.ADMINISTRATORS)
        return self.engine.fire_due_timers()
