"""The one clock the service reads (rule R-71).

Inject a SettableClock with set_clock() to test deadlines by moving time instead of waiting.
"""
from datetime import datetime, timedelta, timezone, tzinfo

from SpiffWorkflow.bpmn.specs.event_definitions import timer as spiff_timer


class Clock:
    def now(self) -> datetime:
        """Current time as an aware UTC datetime."""
        raise NotImplementedError


class SystemClock(Clock):
    def now(self) -> datetime:
        return datetime.now(timezone.utc)


class SettableClock(Clock):
    def __init__(self, start: datetime | None = None) -> None:
        self._now = datetime.now(timezone.utc)
        if start is not None:
            self.set(start)

    def now(self) -> datetime:
        return self._now

    def set(self, dt: datetime) -> None:
        if dt.tzinfo is None or dt.utcoffset() is None:
            raise ValueError(f"naive datetime refused, give a timezone: {dt!r}")
        self._now = dt.astimezone(timezone.utc)

    def advance(self, **timedelta_kwargs: float) -> datetime:
        self._now += timedelta(**timedelta_kwargs)
        return self._now


_clock: Clock = SystemClock()


def get_clock() -> Clock:
    return _clock


def set_clock(clock: Clock) -> None:
    global _clock
    _clock = clock


def now() -> datetime:
    return get_clock().now()


class _EngineDatetime(datetime):
    """datetime whose now() reads our clock; every other classmethod is inherited."""

    @classmethod
    def now(cls, tz: tzinfo | None = None) -> datetime:
        current = now()
        if tz is None:
            # Same contract as datetime.now(): naive local time.
            return current.astimezone().replace(tzinfo=None)
        return current.astimezone(tz)


def install_engine_clock() -> None:
    """Make SpiffWorkflow's timer events read our clock.

    Its timer module calls datetime.now(timezone.utc) on a module global with no hook,
    so we swap that global. No other SpiffWorkflow 3.2 module reads the time for timers.
    """
    spiff_timer.datetime = _EngineDatetime
