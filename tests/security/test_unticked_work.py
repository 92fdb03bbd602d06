"""Issue 25, item 2: work outside the budget's ticks. The nesting check walked shared references one
by one, `sum(lists, [])` joined lists in one C call, and a cycle timer caught up every missed cycle
in one transaction. Now the check weighs each distinct object once on the step's budget, `sum`
joins through the budget's guards, and a missed cycle fires once, saying how many it stood for;
a deploy refuses cycles shorter than a minute."""
import pytest
import requests

from engine.errors import InvalidDefinition
from engine.people.accounts import dao_set_password
from tests.api.conftest import bearer
from tests.fixtures.diagrams import GRADE_FORM, NOTE_FORM, decision, scripted, sketch, with_decision
from tests.security.child_probe import measure_in_child
from tests.security.test_script_budget import health, health_while, kept_up  # noqa: F401  (fixture)
from tests.web.conftest import PASSWORD, signed_in

CASE = {"case_ref": "C-1001", "auditor": "ann", "practitioner": "pat"}
# 31 lists, but 1000**30 paths through them: walked path by path the check never ends.
SHARED_NESTING = "a = [0]\nfor _ in range(30):\n    a = [a] * 1000"
FLATTEN = "rows = [[0] * 1000] * 4000\nflat = sum(rows, [])"  # 4,000,000 items, quadratically in C
JOINED = "exceeded its budget: a joined value of 1,001,000 items; at most 1,000,000"


def _started_in_child(engine, process_id: str, timeout: float = 20.0):
    def run():
        engine.db.engine.dispose(close=False)  # the parent's pooled connections stay the parent's
        return engine.reads.instance(engine.start_instance(process_id, CASE, "quinn"))
    return measure_in_child(run, timeout=timeout)


@pytest.mark.parametrize("script, message", [
    (SHARED_NESTING, "exceeded its budget: the instance's data would take more than"),
    (FLATTEN, JOINED),
])
def test_work_in_one_call_is_on_the_steps_budget(engine_of, script, message):
    engine_of.deploy({"heavy.bpmn": scripted(pid="heavy", script=script), "note.json": NOTE_FORM}, "olive")
    measured = _started_in_child(engine_of, "heavy")
    assert measured.error is None, measured.error  # before: "timed out" (the walk), or 17 s in sum()
    view = measured.value
    assert view["status"] == "error" and view["error"]["element_id"] == "run"
    assert message in view["error"]["message"]
    assert measured.cpu_seconds < 2.5, measured.cpu_seconds  # the step's budget is 2 s of processor time


def test_a_decision_cell_flattening_lists_is_on_the_budget(engine_of):
    engine_of.deploy({"graded.bpmn": with_decision(), "reaudit.dmn": decision(
        output_text="len(sum([[0] * 1000] * 4000, [])) > 0"), "grade.json": GRADE_FORM}, "olive")
    iid = engine_of.start_instance("graded", {"case_ref": "C-1001", "auditor": "ann"}, "ann")
    [task] = engine_of.reads.ready_tasks(instance_id=iid)

    def decide():
        engine_of.db.engine.dispose(close=False)
        engine_of.complete_task(task["id"], {"overall_grade": "inadequate"}, "ann")
        return engine_of.reads.instance(iid)
    measured = measure_in_child(decide, timeout=30.0)
    assert measured.error is None, measured.error
    assert measured.value["status"] == "error" and JOINED in measured.value["error"]["message"]
    assert measured.cpu_seconds < 2.5, measured.cpu_seconds


def test_health_answers_while_a_step_walks_shared_nesting(app, engine_of, health):  # noqa: F811
    engine_of.deploy({"nest.bpmn": scripted(pid="nest", script=SHARED_NESTING), "note.json": NOTE_FORM}, "olive")
    started, timings = health_while(lambda: requests.post(
        f"{health}/api/process-instances", json={"process_id": "nest", "data": CASE},
        headers=bearer(app, "quinn"), timeout=30))
    assert kept_up(timings), timings
    assert started.status_code == 201 and started.json()["status"] == "error"


CYCLE = ('<bpmn:boundaryEvent id="tick" attachedToRef="wait" cancelActivity="false">'
         '<bpmn:timerEventDefinition><bpmn:timeCycle xsi:type="bpmn:tFormalExpression">{}</bpmn:timeCycle>'
         '</bpmn:timerEventDefinition></bpmn:boundaryEvent>')


def _cycling(expression: str) -> dict[str, bytes]:
    """A user task with a non-interrupting cycle timer; each firing runs `remind` once."""
    return {"cyc.bpmn": sketch("cyc", {"wait": "user: note", "tick": CYCLE.format(expression),
                                       "remind": "script: reminded = True"}, "start > wait > end, tick > remind"),
            "note.json": NOTE_FORM}


def test_a_cycle_missed_for_hours_fires_once_saying_how_many_it_stood_for(app, engine_of, clock):
    engine_of.deploy(_cycling('"R/PT1M"'), "olive")
    iid = engine_of.start_instance("cyc", {"case_ref": "C-1001", "auditor": "ann"}, "quinn")
    clock.advance(hours=10)  # the worker was down
    engine_of.fire_due_timers()
    history = engine_of.reads.history(iid)
    fired = [h for h in history if h["event"] == "timer_fired"]
    assert [(h["element_id"], h["detail"]["cycles"]) for h in fired] == [("tick", 599)]  # 09:01 to 18:59
    assert sum(1 for h in history if h["event"] == "task_completed" and h["element_id"] == "remind") <= 1
    assert engine_of.fire_due_timers() == 0  # caught up: the next firing is a minute ahead
    with engine_of.db.transaction() as session:
        dao_set_password(session, "quinn", PASSWORD)
    page = signed_in(app, "quinn").get(f"/instances/{iid}").text
    assert "Deadline reached: tick (once for 599 cycles missed)" in page


def test_a_cycle_shorter_than_a_minute_is_refused(engine_of, clock):
    with pytest.raises(InvalidDefinition) as refused:
        engine_of.deploy(_cycling('"R/PT1S"'), "olive")
    [problem] = refused.value.errors
    assert problem["element_id"] == "tick" and "at most once a minute" in problem["message"]
    engine_of.deploy(_cycling("every"), "olive")  # computed: checked when it runs
    iid = engine_of.start_instance("cyc", {"case_ref": "C-1001", "auditor": "ann", "every": "R/PT1S"}, "quinn")
    clock.advance(seconds=5)
    engine_of.fire_due_timers()
    view = engine_of.reads.instance(iid)
    assert view["status"] == "error" and view["error"]["element_id"] == "tick"
    assert "at most once a minute" in view["error"]["message"]
