"""One database's bench, in an order that keeps each measurement's conditions exact:
the small sweep on an empty database, then the background, then everything measured beside it."""
import random
import sys
import time
from dataclasses import dataclass

from engine.clock import SettableClock, SystemClock, install_engine_clock, set_clock
from engine.db import Database
from engine.workflow_engine import WorkflowEngine

from . import measurements
from .config import Sizes
from .diagram import bundle, seed_people
from .measurements import Comparison, Sweep
from .population import populate
from .raw import RawSpiff
from .timeline import BACKGROUND_START

# Case numbers per phase, so every instance has its own case reference.
STARTS, SMALL_SWEEP, LARGE_SWEEP = 700_000, 800_000, 900_000


@dataclass
class Results:
    live_instances: int
    completion: Comparison
    start: Comparison
    small_sweep: Sweep
    large_sweep: Sweep


def run_database(url: str, sizes: Sizes) -> Results:
    clock = SettableClock(BACKGROUND_START)
    set_clock(clock)
    install_engine_clock()
    db = Database(url)
    try:
        return _measure(WorkflowEngine(db), db, clock, sizes)
    finally:
        db.dispose()
        set_clock(SystemClock())


def _measure(engine: WorkflowEngine, db: Database, clock: SettableClock, sizes: Sizes) -> Results:
    engine.deploy(bundle(), "bench")
    seed_people(engine)
    log("timer sweep with only the due instances waiting")
    small = measurements.sweep(engine, db, clock, sizes, SMALL_SWEEP)
    log(f"populating {sizes.instances - sizes.due_per_round:,} background instances")
    clock.set(BACKGROUND_START)
    populate(engine, db, sizes.instances - sizes.due_per_round)
    log(f"timer sweep with {sizes.instances:,} waiting")
    large = measurements.sweep(engine, db, clock, sizes, LARGE_SWEEP)
    raw = RawSpiff()
    log("starting instances")
    start = measurements.starts(engine, raw, db, clock, sizes, STARTS)
    live = measurements.live_instances(db)
    log(f"completing tasks among {live:,} live instances")
    completion = measurements.completions(engine, raw, db, clock, sizes, random.Random(20261116))
    return Results(live, completion, start, small, large)


_began = time.perf_counter()


def log(message: str) -> None:
    print(f"[{time.perf_counter() - _began:6.1f}s] {message}", file=sys.stderr, flush=True)
