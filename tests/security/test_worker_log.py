"""Issue 25 item 6: the worker writes one line per sweep that did something (none when idle), and
a line for each job that failed; the engine library's step-by-step chatter (SpiffWorkflow's
`spiff.*` INFO: a dozen lines per timer) stays out of the log. What happened is in the history (R-80)."""
import logging
import threading

import pytest

import doors
from app import create_app
from tests.fixtures.diagrams import chain_bundle

CASE = {"case_ref": "C-1", "auditor": "ann", "practitioner": "pat"}


@pytest.fixture
def worker(engine, clock, caplog):
    """Runs `flask worker --once` with two timers due; answers the log records it wrote."""
    engine.deploy(chain_bundle(), "olive")
    for ref in ("C-1", "C-2"):
        engine.start_instance("chain", CASE | {"case_ref": ref}, "ann")
    app = create_app({"DATABASE_URL": engine.db.url})
    caplog.set_level(logging.INFO)  # as the command's basicConfig sets the root logger

    def run():
        caplog.clear()
        result = app.test_cli_runner().invoke(args=["worker", "--once"])
        assert result.exit_code == 0, result.output
        return [(r.name, r.levelname, r.getMessage()) for r in caplog.records]
    yield run
    doors.engine(app).db.dispose()


def test_a_sweep_firing_timers_writes_one_line(worker, clock):
    clock.advance(days=10)
    assert worker() == [("engine.instances.worker", "INFO", "sweep: timers 2, deliveries 0, sign-ins purged 0")]


def test_an_idle_sweep_writes_nothing(worker):
    assert worker() == []


def test_a_failing_job_is_logged_with_its_error(worker, clock, monkeypatch):
    clock.advance(days=10)
    from webhooks.dispatcher import Dispatcher
    monkeypatch.setattr(Dispatcher, "deliver_due", lambda self: 1 / 0)
    lines = worker()
    assert lines[0][:2] == ("engine.instances.worker", "ERROR") and "deliveries failed" in lines[0][2]
    assert lines[1:] == [("engine.instances.worker", "INFO", "sweep: timers 2, deliveries 0, sign-ins purged 0")]


def test_a_replay_under_way_holds_up_no_timer(worker, clock, monkeypatch):
    """A replay takes up to a minute (issue 29): it runs in a loop of its own, so due timers fire
    while it runs. Each job waits for the other: run one after the other, the first would give up."""
    clock.advance(days=10)
    from engine.workflow_engine import WorkflowEngine
    replay_started, timers_fired = threading.Event(), threading.Event()
    fire_due_timers = WorkflowEngine.fire_due_timers

    def replay(self):
        replay_started.set()
        return int(timers_fired.wait(10))

    def timers(self, *args, **kwargs):
        assert replay_started.wait(10), "the timers waited for the replay to start"
        fired = fire_due_timers(self, *args, **kwargs)
        timers_fired.set()
        return fired
    monkeypatch.setattr(WorkflowEngine, "run_queued_replays", replay)
    monkeypatch.setattr(WorkflowEngine, "fire_due_timers", timers)
    lines = {message for _, _, message in worker()}
    assert lines == {"sweep: timers 2, deliveries 0, sign-ins purged 0", "sweep: replays run 1"}
