"""Item 2: no script or expression can hang or exhaust the service. Each runs on its step's budget
(engine/scripts/budget.py); going over puts that instance in `error` naming element, line and "exceeded
its budget", while /health, and everyone else, keeps being served."""
import statistics
import threading
import time

import pytest
import requests

from engine.errors import InvalidDefinition
from tests.api.conftest import bearer
from tests.fixtures.diagrams import NOTE_FORM, chain, scripted

# The three scripts that froze or bloated the server, written so that only the data shows what they do.
RUNAWAYS = {
    "a loop that never ends": ("while go:\n    pass", {"go": True}, 1, "loop iterations"),
    "a C call holding the GIL": ("total = sum(range(n))", {"n": 10**12}, 1, "a range of 1,000,000,000,000 items"),
    "a two-gigabyte string": ("text = 'a' * 2 * n", {"n": 10**9}, 1, "a repeated value of 2,000,000,000 items"),
}
CASE = {"case_ref": "C-1001", "auditor": "ann", "practitioner": "pat"}


def health_while(action) -> tuple[object, list[float]]:
    """Run `action` in a thread and time /health answers until it is done (at least three)."""
    outcome, timings = {}, []
    worker = threading.Thread(target=lambda: outcome.setdefault("value", action()))
    worker.start()
    while worker.is_alive() or len(timings) < 3:
        began = time.monotonic()
        answer = requests.get(HEALTH[0], timeout=HEALTH_SLOWEST)
        timings.append(time.monotonic() - began)
        assert answer.status_code == 200
    worker.join()
    return outcome.get("value"), timings


HEALTH = [""]
# /health answers within 1 s while a step runs (issue 25): the median of its answers. The served app
# here shares one process, and its GIL, with the step, and the suite's other worker shares the two
# cores, so one answer may wait longer on a busy machine (a CI run saw 1.0 s): at most 2 s.
HEALTH_SLOWEST = 2.0


def kept_up(timings: list[float]) -> bool:
    return statistics.median(timings) < 1.0 and max(timings) < HEALTH_SLOWEST


@pytest.fixture
def health(served):
    HEALTH[0] = f"{served}/health"
    return served


@pytest.mark.parametrize("kind", list(RUNAWAYS))
def test_a_runaway_script_puts_only_its_instance_in_error_and_health_answers(app, engine_of, health, kind):
    script, data, line, what = RUNAWAYS[kind]
    engine_of.deploy({"runaway.bpmn": scripted(pid="runaway", script=script), "note.json": NOTE_FORM}, "olive")
    started, timings = health_while(lambda: requests.post(
        f"{health}/api/process-instances", json={"process_id": "runaway", "data": CASE | data},
        headers=bearer(app, "quinn"), timeout=30))
    assert kept_up(timings), timings
    assert started.status_code == 201
    view = started.json()
    assert view["status"] == "error"
    assert (view["error"]["element_id"], view["error"]["line"]) == ("run", line)
    assert "exceeded its budget" in view["error"]["message"] and what in view["error"]["message"]
    # Everyone else is still served: another instance starts and runs.
    engine_of.deploy({"fine.bpmn": scripted(pid="fine", script="x = 1"), "note.json": NOTE_FORM}, "olive")
    assert engine_of.reads.instance(engine_of.start_instance("fine", CASE, "quinn"))["status"] == "running"


def test_a_runaway_after_a_timer_stops_the_instance_not_the_worker(engine_of, clock, health):
    script, data, _line, _what = RUNAWAYS["a loop that never ends"]
    engine_of.deploy({"late.bpmn": chain(pid="late", steps=1, days=1, script=script), "note.json": NOTE_FORM},
                     "olive")
    iid = engine_of.start_instance("late", CASE | data, "quinn")
    clock.advance(days=3)
    fired, timings = health_while(engine_of.fire_due_timers)
    assert fired == 0 and kept_up(timings), timings  # the timer's step failed: it rolled back, nothing fired
    view = engine_of.reads.instance(iid)
    assert view["status"] == "error" and view["error"]["element_id"] == "escalate_1"
    assert "exceeded its budget" in view["error"]["message"]
    assert engine_of.fire_due_timers() == 0  # the next sweep (or a restarted worker) does not run it again
    assert engine_of.reads.instance(iid)["revision"] == view["revision"]


def test_catching_every_exception_does_not_escape_the_budget(engine_of):
    script = "try:\n    while go:\n        pass\nexcept Exception:\n    escaped = True"
    engine_of.deploy({"sly.bpmn": scripted(pid="sly", script=script), "note.json": NOTE_FORM}, "olive")
    view = engine_of.reads.instance(engine_of.start_instance("sly", CASE | {"go": True}, "quinn"))
    assert view["status"] == "error" and "exceeded its budget" in view["error"]["message"]
    bare = "try:\n    x = 1\nexcept:\n    pass"
    with pytest.raises(InvalidDefinition, match="bare 'except:'"):
        engine_of.deploy({"bare.bpmn": scripted(pid="bare", script=bare), "note.json": NOTE_FORM}, "olive")


@pytest.mark.parametrize("script, message", [
    ("while True:\n    pass", "never ends"),
    ("total = sum(range(10**12))", "exceeded its budget: a range of 1,000,000,000,000 items"),
    ("text = 'a' * 2 * 10**9", "exceeded its budget: a repeated value of 2,000,000,000 items"),
    ("text = f'{1:>1000000000}'", "exceeded its budget: a formatted value"),
    ("big = 10 ** 10 ** 10", "exceeded its budget: an integer"),
])
def test_the_deploy_refuses_what_it_can_see(engine_of, script, message):
    with pytest.raises(InvalidDefinition) as refused:
        engine_of.deploy({"seen.bpmn": scripted(pid="seen", script=script), "note.json": NOTE_FORM}, "olive")
    [problem] = refused.value.errors
    assert problem["element_id"] == "run" and problem["line"] and message in problem["message"]


def test_a_step_saving_more_data_than_an_instance_may_hold_goes_to_error(engine_of):
    script = "pages = ['x' * 900000 for _ in range(12)]"  # 10.8 MB, more than the 8 MB an instance may save
    engine_of.deploy({"hoard.bpmn": scripted(pid="hoard", script=script), "note.json": NOTE_FORM}, "olive")
    view = engine_of.reads.instance(engine_of.start_instance("hoard", CASE, "quinn"))
    assert view["status"] == "error" and "exceeded its budget: the instance's data would take" in view["error"][
        "message"]


def test_answers_larger_than_a_task_takes_are_refused(client, auth, engine_of):
    engine_of.deploy({"scripted.bpmn": scripted(lane="Practitioner"), "note.json": NOTE_FORM}, "olive")
    iid = engine_of.start_instance("scripted", CASE, "quinn")
    [task] = engine_of.reads.ready_tasks(instance_id=iid)
    response = client.post(f"/api/tasks/{task['id']}/complete", json={"data": {"note": "x" * 300_000}},
                           headers=auth("pat"))
    assert response.status_code == 422 and "at most 262,144" in response.json["errors"]["data"][0]
