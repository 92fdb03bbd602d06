"""Instances: start, complete with validated data, history, projections, errors and retry."""
import pytest
from sqlalchemy import text

from engine.errors import Conflict, InvalidData, NotFound
from tests.engine.flow import only_ready
from tests.fixtures.diagrams import GRADE_FORM, chain_bundle, decision, with_decision

START = {"case_ref": "C-1001", "auditor": "ann", "practitioner": "pat"}


@pytest.fixture
def chain_engine(engine):
    engine.deploy(chain_bundle(), "olive")
    return engine


def test_start_projects_the_first_ready_task_with_role_candidates_and_due_date(chain_engine, checkpoint):
    instance_id = chain_engine.start_instance("chain", START, "ann")
    checkpoint(instance_id)
    task = only_ready(chain_engine, instance_id)
    assert (task["element_id"], task["role"], task["candidates"], task["case_ref"]) == (
        "step_1", "auditor", ["ann"], "C-1001")
    assert task["due_at"] == "2026-11-09T23:59:59+00:00"  # 5 working days after Monday 2 Nov


def test_completing_every_step_completes_the_instance(chain_engine, checkpoint):
    instance_id = chain_engine.start_instance("chain", START, "ann")
    for step in range(1, 4):
        task = only_ready(chain_engine, instance_id)
        assert task["element_id"] == f"step_{step}"
        chain_engine.complete_task(task["id"], {"note": f"step {step} done"}, "ann")
        if step == 2:
            checkpoint(instance_id)
    view = chain_engine.reads.instance(instance_id)
    assert view["status"] == "completed" and view["timers"] == []
    assert view["data"]["note"] == "step 3 done"
    assert [t["completed_by"] for t in view["tasks"]] == ["ann", "ann", "ann"]


def test_history_records_actor_event_element_and_time(chain_engine, clock):
    instance_id = chain_engine.start_instance("chain", START, "ann")
    task = only_ready(chain_engine, instance_id)
    clock.advance(hours=2)
    chain_engine.complete_task(task["id"], {"note": "drafted"}, "ann")
    events = [(e["actor"], e["event"], e["element_id"]) for e in chain_engine.reads.history(instance_id)]
    assert events == [("ann", "instance_started", None), ("system", "task_ready", "step_1"),
                      ("ann", "task_completed", "step_1"), ("system", "task_ready", "step_2")]
    completed = chain_engine.reads.history(instance_id)[2]
    assert completed["at"] == "2026-11-02T11:00:00+00:00" and completed["detail"]["data"] == {"note": "drafted"}


def test_history_cannot_be_altered(chain_engine):
    chain_engine.start_instance("chain", START, "ann")
    for statement in ("UPDATE history_event SET actor = 'mallory'", "DELETE FROM history_event"):
        with pytest.raises(Exception, match="append-only"):
            with chain_engine.db.transaction() as session:
                session.execute(text(statement))


def test_data_failing_the_form_is_refused_with_field_paths_and_changes_nothing(engine):
    engine.deploy({"graded.bpmn": with_decision(), "reaudit.dmn": decision(), "grade.json": GRADE_FORM}, "olive")
    instance_id = engine.start_instance("graded", START, "ann")
    task = only_ready(engine, instance_id)
    before = engine.reads.instance(instance_id)
    with pytest.raises(InvalidData) as caught:
        engine.complete_task(task["id"], {"overall_grade": "brilliant", "domains": {"risk": {"grade": "good"}}}, "ann")
    assert set(caught.value.errors) == {"overall_grade", "domains.risk.rationale"}
    assert engine.reads.instance(instance_id) == before


def test_decision_table_and_gateway_choose_the_path(engine):
    engine.deploy({"graded.bpmn": with_decision(), "reaudit.dmn": decision(), "grade.json": GRADE_FORM}, "olive")
    instance_id = engine.start_instance("graded", START, "ann")
    engine.complete_task(only_ready(engine, instance_id)["id"], {"overall_grade": "inadequate"}, "ann")
    view = engine.reads.instance(instance_id)
    assert view["status"] == "completed" and view["data"]["reaudit"] is True


def test_completing_a_task_twice_is_a_conflict(chain_engine):
    instance_id = chain_engine.start_instance("chain", START, "ann")
    task = only_ready(chain_engine, instance_id)
    chain_engine.complete_task(task["id"], {"note": "once"}, "ann")
    with pytest.raises(Conflict):
        chain_engine.complete_task(task["id"], {"note": "twice"}, "ann")


def test_unknown_task_and_process_are_not_found(chain_engine):
    with pytest.raises(NotFound):
        chain_engine.complete_task("00000000-0000-0000-0000-000000000000", {}, "ann")
    with pytest.raises(NotFound):
        chain_engine.start_instance("nowhere", {}, "ann")


def test_suspended_instance_refuses_work_until_resumed(chain_engine, clock):
    instance_id = chain_engine.start_instance("chain", START, "ann")
    task = only_ready(chain_engine, instance_id)
    chain_engine.suspend(instance_id, "root", "case transferred")
    with pytest.raises(Conflict):
        chain_engine.complete_task(task["id"], {"note": "x"}, "ann")
    clock.advance(days=30)
    assert chain_engine.fire_due_timers() == 0  # a suspended instance's timers wait
    chain_engine.resume(instance_id, "root", "back")
    chain_engine.complete_task(task["id"], {"note": "x"}, "ann")
    events = [e["event"] for e in chain_engine.reads.history(instance_id)]
    assert "instance_suspended" in events and "instance_resumed" in events


def test_terminate_cancels_tasks_and_timers(chain_engine):
    instance_id = chain_engine.start_instance("chain", START, "ann")
    chain_engine.terminate(instance_id, "root", "opened in error")
    view = chain_engine.reads.instance(instance_id)
    assert view["status"] == "terminated" and view["timers"] == [] and view["tasks"] == []
    with pytest.raises(Conflict):
        chain_engine.terminate(instance_id, "root", "again")
