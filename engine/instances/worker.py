"""The worker: every few seconds, run its jobs (fire the timers that are due, deliver the outbox).
`make run` starts one beside the server; in production run one or more `flask --app app worker`
processes beside gunicorn. On PostgreSQL they share the work: instance rows are locked with SKIP
LOCKED while their timers fire, and deliveries are leased (webhooks/delivery.py).
"""
import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from engine.clock import now

log = logging.getLogger(__name__)
LIBRARY_LOGGERS = ("spiff",)  # SpiffWorkflow logs each task's state change at INFO: a dozen lines a timer

Job = tuple[str, Callable[[], int]]  # (name, a callable answering how many things it did)


def run_worker(jobs: list[Job], interval: float = 5.0, stop: threading.Event | None = None,
               ticks: int | None = None) -> dict[str, int]:
    """Tick until `stop` is set (or `ticks` ticks have run); answers each job's total."""
    stop = stop or threading.Event()
    totals, done = dict.fromkeys((name for name, _ in jobs), 0), 0
    while not stop.is_set() and (ticks is None or done < ticks):
        for name, count in tick(jobs).items():
            totals[name] += count
        done += 1
        if ticks is None or done < ticks:
            stop.wait(interval)
    return totals


def every(period: timedelta, job: Callable[[], int]) -> Callable[[], int]:
    """`job` at most once per `period` of the engine's clock (housekeeping that need not run each tick)."""
    last: list[datetime] = []

    def maybe() -> int:
        if last and now() - last[0] < period:
            return 0
        last[:] = [now()]
        return job()
    return maybe


def configure_logging() -> None:
    """The worker's log: its own line per sweep at INFO, and only warnings from the libraries (what
    each step did is in the instance's history, R-80)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    for name in LIBRARY_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


def tick(jobs: list[Job]) -> dict[str, int]:
    """Run each job once. A job that fails (the database away, a receiver's bug) is logged and
    tried again at the next tick; the others still run. Nothing is lost: a due timer stays in its
    table and an undelivered event stays pending. One line says what the sweep did, if anything."""
    counts = {}
    for name, job in jobs:
        try:
            counts[name] = job()
        except Exception:
            log.exception("worker job %s failed; retrying at the next tick", name)
            counts[name] = 0
    if any(counts.values()):
        log.info("sweep: %s", ", ".join(f"{name} {count}" for name, count in counts.items()))
    return counts
