"""Issue 25, item 1: memory through shared references. `[s] * 5000` holds one `s` 5,000 times: it
passes every per-item limit and costs nothing to build, but written out it is 5,000 copies. The
data a step leaves is weighed per distinct object (engine/scripts/data_weight.py) before anything writes
it out, in scripts, expressions and decision cells alike; over the instance's limit, the instance
goes to `error` once and the worker does not run it again."""
import pytest
import requests

from tests.api.conftest import bearer
from tests.fixtures.diagrams import GRADE_FORM, NOTE_FORM, chain, decision, scripted, with_decision
from tests.security.child_probe import measure_in_child
from tests.security.test_script_budget import health, health_while, kept_up  # noqa: F401  (fixture)

SHARED = "s = 'a' * 100000\nbig = [s] * 5000"  # 100 KB held once, 500 MB written out
CASE = {"case_ref": "C-1001", "auditor": "ann", "practitioner": "pat"}
MEGABYTE = 1 << 20


def _in_child(engine, action):
    """`action` in a forked child, on connections of its own; answers the instance's view there."""
    def run():
        engine.db.engine.dispose(close=False)  # the parent's pooled connections stay the parent's
        return engine.reads.instance(action())
    return measure_in_child(run)


def _start_shared_script(engine):
    engine.deploy({"shared.bpmn": scripted(pid="shared", script=SHARED), "note.json": NOTE_FORM}, "olive")
    return lambda: engine.start_instance("shared", CASE, "quinn")


def _decide_with_a_shared_cell(engine):
    engine.deploy({"graded.bpmn": with_decision(), "reaudit.dmn": decision(output_text="['a' * 100000] * 3000"),
                   "grade.json": GRADE_FORM}, "olive")
    iid = engine.start_instance("graded", {"case_ref": "C-1001", "auditor": "ann"}, "ann")
    [task] = engine.reads.ready_tasks(instance_id=iid)
    return lambda: (engine.complete_task(task["id"], {"overall_grade": "inadequate"}, "ann"), iid)[1]


@pytest.mark.parametrize("arrange, element", [(_start_shared_script, "run"), (_decide_with_a_shared_cell, "decide")])
def test_shared_references_are_weighed_not_written_out(engine_of, arrange, element):
    measured = _in_child(engine_of, arrange(engine_of))
    assert measured.error is None, measured.error  # before: MemoryError under the child's 1 GB cap
    view = measured.value
    assert view["status"] == "error" and view["error"]["element_id"] == element
    assert "exceeded its budget: the instance's data would take more than" in view["error"]["message"]
    assert measured.peak_growth < 64 * MEGABYTE, measured.peak_growth


def test_a_timer_step_holding_shared_references_stops_once_and_is_not_retried(engine_of, clock):
    engine_of.deploy({"late.bpmn": chain(pid="late", steps=1, days=1, script=SHARED),
                      "note.json": NOTE_FORM}, "olive")
    iid = engine_of.start_instance("late", CASE, "quinn")
    clock.advance(days=3)
    measured = _in_child(engine_of, lambda: (engine_of.fire_due_timers(), iid)[1])
    assert measured.error is None, measured.error
    assert measured.peak_growth < 64 * MEGABYTE, measured.peak_growth
    view = engine_of.reads.instance(iid)
    assert view["status"] == "error" and view["error"]["element_id"] == "escalate_1"
    assert engine_of.fire_due_timers() == 0  # the next sweep, or a restarted worker, leaves it alone
    assert engine_of.reads.instance(iid)["revision"] == view["revision"]


def test_health_answers_while_a_step_holds_shared_references(app, engine_of, health):  # noqa: F811
    engine_of.deploy({"shared.bpmn": scripted(pid="shared", script=SHARED), "note.json": NOTE_FORM}, "olive")
    started, timings = health_while(lambda: requests.post(
        f"{health}/api/process-instances", json={"process_id": "shared", "data": CASE},
        headers=bearer(app, "quinn"), timeout=30))
    assert kept_up(timings), timings
    assert started.status_code == 201 and started.json()["status"] == "error"
