"""The worker fires due timers by itself, tick after tick, and survives a failing tick (R-71)."""
import threading

from engine.worker import run_worker
from tests.fixtures.diagrams import chain_bundle

CASE = {"case_ref": "C-1", "auditor": "ann", "practitioner": "pat"}


def test_a_tick_fires_what_is_due_and_nothing_early(engine, clock):
    engine.deploy(chain_bundle(), "olive")
    engine.start_instance("chain", CASE, "ann")
    assert run_worker(engine, interval=0, ticks=1) == 0
    clock.advance(days=10)
    assert run_worker(engine, interval=0, ticks=1) == 1
    assert engine.waiting_timers() == []


def test_a_failing_tick_is_logged_and_the_next_one_fires(engine, clock, monkeypatch, caplog):
    engine.deploy(chain_bundle(), "olive")
    engine.start_instance("chain", CASE, "ann")
    clock.advance(days=10)
    real, calls = engine.fire_due_timers, []

    def flaky():
        calls.append(1)
        if len(calls) == 1:
            raise ConnectionError("database away")
        return real()
    monkeypatch.setattr(engine, "fire_due_timers", flaky)
    assert run_worker(engine, interval=0, ticks=2) == 1
    assert "worker tick failed" in caplog.text


def test_the_worker_stops_when_asked(engine):
    stop = threading.Event()
    stop.set()
    assert run_worker(engine, interval=60, stop=stop) == 0  # returns at once, no tick, no wait


def test_the_cli_worker_runs_one_tick(engine, clock):
    from app import create_app
    engine.deploy(chain_bundle(), "olive")
    engine.start_instance("chain", CASE, "ann")
    clock.advance(days=10)
    app = create_app({"DATABASE_URL": engine.db.url})
    result = app.test_cli_runner().invoke(args=["worker", "--once"])
    app.extensions["qa_engine"].db.dispose()
    assert "1 timer(s) fired" in result.output
