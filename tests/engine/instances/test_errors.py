"""A script failing at run time: the instance goes to `error` with element, message and line,
nothing half-saved, and an admin retries once the definition is fixed."""
import pytest

from engine.errors import Conflict
from tests.engine.flow import only_ready
from tests.fixtures.diagrams import chain_bundle

START = {"case_ref": "C-1001", "auditor": "ann"}
BROKEN = "escalated = True\nratio = 1 / 0"


def test_failing_script_puts_instance_in_error_with_element_and_line(engine, clock):
    engine.deploy(chain_bundle(script=BROKEN), "olive")
    instance_id = engine.start_instance("chain", START, "ann")
    before = engine.reads.instance(instance_id)
    clock.advance(days=10)
    assert engine.fire_due_timers() == 0
    view = engine.reads.instance(instance_id)
    assert view["status"] == "error"
    assert (view["error"]["element_id"], view["error"]["line"]) == ("escalate_1", 2)
    assert "ZeroDivisionError" in view["error"]["message"]
    # nothing half-saved: same tasks, same waiting timer, same data
    assert (view["tasks"], view["timers"], view["data"]) == (before["tasks"], before["timers"], before["data"])
    assert engine.reads.history(instance_id)[-1]["event"] == "instance_error"


def test_instance_in_error_refuses_work_and_is_not_swept_again(engine, clock):
    engine.deploy(chain_bundle(script=BROKEN), "olive")
    instance_id = engine.start_instance("chain", START, "ann")
    clock.advance(days=10)
    engine.fire_due_timers()
    with pytest.raises(Conflict):
        engine.complete_task(only_ready(engine, instance_id)["id"], {"note": "late"}, "ann")
    engine.fire_due_timers()
    assert [e["event"] for e in engine.reads.history(instance_id)].count("instance_error") == 1


def test_retry_after_the_definition_is_fixed(engine, clock, checkpoint):
    engine.deploy(chain_bundle(script=BROKEN), "olive")
    instance_id = engine.start_instance("chain", START, "ann")
    clock.advance(days=10)
    engine.fire_due_timers()
    engine.deploy(chain_bundle(script="escalated = True"), "olive")
    engine.migrate(instance_id, 2, "root")
    checkpoint(instance_id)
    assert engine.reads.instance(instance_id)["status"] == "error"
    engine.retry(instance_id, "root")
    view = engine.reads.instance(instance_id)
    assert (view["status"], view["version"], view["data"]["escalated"]) == ("completed", 2, True)
    events = [e["event"] for e in engine.reads.history(instance_id)]
    assert events[-5:] == ["instance_migrated", "instance_retried", "instance_completed", "task_cancelled",
                           "timer_fired"]


def test_failed_start_is_replayed_after_the_fix(engine):
    engine.deploy(chain_bundle(steps=1, timer="add_working_days(now(), int('five'))"), "olive")
    instance_id = engine.start_instance("chain", START, "ann")
    view = engine.reads.instance(instance_id)
    assert view["status"] == "error" and view["error"]["element_id"] == "timer_1"
    assert view["error"]["action"] == {"action": "run"}
    engine.deploy(chain_bundle(steps=1), "olive")
    engine.migrate(instance_id, 2, "root")
    engine.retry(instance_id, "root")
    assert engine.reads.instance(instance_id)["status"] == "running"
    assert only_ready(engine, instance_id)["element_id"] == "step_1"


def test_retry_of_a_healthy_instance_is_a_conflict(engine):
    engine.deploy(chain_bundle(), "olive")
    instance_id = engine.start_instance("chain", START, "ann")
    with pytest.raises(Conflict):
        engine.retry(instance_id, "root")


def test_failed_completion_is_replayed_with_its_data(engine, checkpoint):
    from tests.fixtures.diagrams import GRADE_FORM, decision, with_decision
    graded = {"graded.bpmn": with_decision(), "grade.json": GRADE_FORM}
    engine.deploy(graded | {"reaudit.dmn": decision(output_text="1 / 0")}, "olive")
    instance_id = engine.start_instance("graded", START, "ann")
    task = only_ready(engine, instance_id)
    engine.complete_task(task["id"], {"overall_grade": "inadequate"}, "ann")
    view = engine.reads.instance(instance_id)
    assert (view["status"], view["error"]["element_id"]) == ("error", "decide")
    assert only_ready(engine, instance_id)["id"] == task["id"]  # the completion did not half-happen
    engine.deploy({"reaudit.dmn": decision()}, "olive")
    engine.migrate(instance_id, 2, "root")
    checkpoint(instance_id)
    engine.retry(instance_id, "root")
    view = engine.reads.instance(instance_id)
    assert (view["status"], view["data"]["overall_grade"], view["data"]["reaudit"]) == ("completed", "inadequate", True)
    assert view["tasks"][0]["completed_by"] == "root"
