"""The one clock the service reads (rule R-71).

Inject a SettableClock with set_clock() to test deadlines by moving time instead of waiting.

The settable clock (QA_CLOCK=settable, demos and acceptance checks) across processes: `make run`
serves from one process and fires timers from another, each with its own clock object. PUT
/api/clock writes the time to the shared_clock row; the server reads it before each request and
the worker before each tick, so both read one time. The first process to look when no one has set
it writes its own time.
"""
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta, timezone, tzinfo

from SpiffWorkflow.bpmn.specs.event_definitions import timer as spiff_timer
from sqlalchemy.exc import IntegrityError

from engine.db import Database
from engine.errors import Conflict
from engine.models import SharedClock


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
# A replay (engine/replay/) runs past cases under a clock of its own, in its own context only: the
# service's clock, which every other request and the worker read meanwhile, does not move.
_replay_clock: ContextVar[Clock | None] = ContextVar("replay_clock", default=None)


def get_clock() -> Clock:
    return _clock


def set_clock(clock: Clock) -> None:
    global _clock
    _clock = clock


def now() -> datetime:
    return (_replay_clock.get() or get_clock()).now()


@contextmanager
def replaying_on(clock: Clock) -> Iterator[Clock]:
    """Within this block (this thread or task only), now() and SpiffWorkflow's timers read `clock`."""
    token = _replay_clock.set(clock)
    try:
        yield clock
    finally:
        _replay_clock.reset(token)


class _EngineDatetime(datetime):
    """datetime whose now() reads our clock; every other classmethod is inherited."""

    @classmethod
    def now(cls, tz: tzinfo | None = None) -> datetime:  # type: ignore[override]  # a plain datetime (our clock's), not cls
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


# --- shared between processes (QA_CLOCK=settable) ------------------------------------------
ROW = 1  # the shared_clock table holds one row


def dao_save_clock(session, at: datetime) -> None:
    row = session.get(SharedClock, ROW)
    if row is None:
        session.add(SharedClock(id=ROW, now=at))
    else:
        row.now = at


def share_clock(db: Database, at: datetime) -> None:
    """Write the time a settable clock was moved to, for every process of the service."""
    with db.transaction() as session:
        dao_save_clock(session, at)


def sync_clock(db: Database, clock: SettableClock) -> None:
    """Set `clock` to the shared time (writing this clock's time when none is shared yet)."""
    try:
        with db.transaction() as session:
            row = session.get(SharedClock, ROW)
            if row is None:
                dao_save_clock(session, clock.now())
            else:
                clock.set(row.now)
    except (IntegrityError, Conflict):  # another process wrote the first row at the same moment
        with db.transaction() as session:
            clock.set(session.get(SharedClock, ROW).now)
