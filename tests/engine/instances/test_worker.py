"""The worker runs its jobs by itself, tick after tick, and survives a failing job (R-71)."""
import threading

import doors
from engine.instances.worker import run_worker
from tests.fixtures.diagrams import chain_bundle

CASE = {"case_ref": "C-1", "auditor": "ann", "practitioner": "pat"}


def timers(engine) -> list:
    return [("timers", engine.fire_due_timers)]


def test_a_tick_fires_what_is_due_and_nothing_early(engine, clock):
    engine.deploy(chain_bundle(), "olive")
    engine.start_instance("chain", CASE, "ann")
    assert run_worker(timers(engine), interval=0, ticks=1) == {"timers": 0}
    clock.advance(days=10)
    assert run_worker(timers(engine), interval=0, ticks=1) == {"timers": 1}
    assert engine.reads.waiting_timers() == []


def test_a_failing_job_is_logged_the_others_run_and_the_next_tick_retries(engine, clock, caplog):
    engine.deploy(chain_bundle(), "olive")
    engine.start_instance("chain", CASE, "ann")
    clock.advance(days=10)
    calls = []

    def flaky():
        calls.append(1)
        if len(calls) == 1:
            raise ConnectionError("receiver's database away")
        return 2
    totals = run_worker([("deliveries", flaky), *timers(engine)], interval=0, ticks=2)
    assert totals == {"deliveries": 2, "timers": 1}  # the timers fired in the tick where the other job failed
    assert "worker job deliveries failed" in caplog.text


def test_the_worker_stops_when_asked(engine):
    stop = threading.Event()
    stop.set()
    assert run_worker(timers(engine), interval=60, stop=stop) == {"timers": 0}  # returns at once, no tick, no wait


def test_the_cli_worker_runs_one_tick(engine, clock):
    from app import create_app
    engine.deploy(chain_bundle(), "olive")
    engine.start_instance("chain", CASE, "ann")
    clock.advance(days=10)
    app = create_app({"DATABASE_URL": engine.db.url})
    result = app.test_cli_runner().invoke(args=["worker", "--once"])
    doors.engine(app).db.dispose()
    assert "1 timer(s) fired, 0 event(s) delivered" in result.output
