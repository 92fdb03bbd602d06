"""The settable clock (QA_CLOCK=settable, demos and acceptance checks) across processes.

`make run` serves from one process and fires timers from another: each has its own clock object.
PUT /api/clock writes the time to the shared_clock row; the server reads it before each request
and the worker before each tick, so both read one time. The first process to look when no one has
set it writes its own time.
"""
from datetime import datetime

from sqlalchemy.exc import IntegrityError

from .clock import SettableClock
from .db import Database
from .errors import Conflict
from .models import SharedClock

ROW = 1


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
