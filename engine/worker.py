"""The worker: every few seconds, fire the timers that are due. `make run` starts one beside the
server; in production run one or more `flask --app app worker` processes beside gunicorn — on
PostgreSQL they share the work without firing a timer twice (row locks with SKIP LOCKED).
"""
import logging
import threading

from .workflow_engine import WorkflowEngine

log = logging.getLogger(__name__)


def run_worker(engine: WorkflowEngine, interval: float = 5.0, stop: threading.Event | None = None,
               ticks: int | None = None) -> int:
    """Tick until `stop` is set (or `ticks` ticks have run); returns how many timers fired.

    A tick that fails (the database away, say) is logged and the next tick tries again: a timer
    that was due stays in the table, so nothing is lost.
    """
    stop = stop or threading.Event()
    fired, done = 0, 0
    while not stop.is_set() and (ticks is None or done < ticks):
        fired += tick(engine)
        done += 1
        if ticks is None or done < ticks:
            stop.wait(interval)
    return fired


def tick(engine: WorkflowEngine) -> int:
    try:
        fired = engine.fire_due_timers()
    except Exception:
        log.exception("worker tick failed; retrying at the next tick")
        return 0
    if fired:
        log.info("fired %d timer(s)", fired)
    return fired
