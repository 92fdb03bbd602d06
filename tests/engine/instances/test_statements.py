"""The write path's statements (issue 28): a completion of a chain step is a fixed few statements,
counted with bench/statements.py, so a change that adds a query to it fails here; and what the
batched writes replace still happens (drafts dropped, timers moved, a racing claim refused)."""
import pytest
from sqlalchemy import select, update

from bench.statements import counting
from engine.errors import Conflict
from engine.instances import store
from engine.instances.commands import Complete
from engine.instances.runtime import InstanceRuntime
from engine.models import HistoryEvent, TaskDraft, UserTask, WaitingTimer
from tests.engine.flow import only_ready
from tests.fixtures.diagrams import GRADE_FORM, chain_bundle, decision, with_decision

START = {"case_ref": "C-1001", "auditor": "ann"}
NOTE = {"note": "checked"}
# What the issue asks of a completion, and what a start takes now: change them only on purpose.
MOST_PER_COMPLETION = 6
MOST_PER_START = 12


@pytest.fixture
def started(engine):
    """An instance of the three-step chain, its first step completed (the engine's caches are warm)."""
    engine.deploy(chain_bundle(), "olive")
    instance_id = engine.start_instance("chain", START, "ann")
    engine.complete_task(only_ready(engine, instance_id)["id"], NOTE, "ann")
    return instance_id


def test_completing_a_chain_step_takes_at_most_six_statements(engine, started):
    task_id = only_ready(engine, started)["id"]
    with counting(engine.db.engine) as counter:
        engine.complete_task(task_id, NOTE, "ann")
    assert counter.count <= MOST_PER_COMPLETION, "\n".join(counter.statements)
    with engine.db.reading() as session:
        ended = session.get_one(UserTask, task_id)
        assert (ended.state, ended.completed_by, ended.assignee) == ("completed", "ann", "ann")
        [timer] = session.scalars(select(WaitingTimer).where(WaitingTimer.instance_id == started))
        assert timer.element_id == "timer_3"  # the deadline moved on to the next step
        events = session.scalars(select(HistoryEvent.event).where(HistoryEvent.instance_id == started)
                                 .order_by(HistoryEvent.id)).all()
    assert events[-2:] == ["task_completed", "task_ready"]


def test_starting_an_instance_takes_at_most_twelve_statements(engine, started):
    with counting(engine.db.engine) as counter:
        engine.start_instance("chain", START | {"case_ref": "C-1002"}, "ann")
    assert counter.count <= MOST_PER_START, "\n".join(counter.statements)


def test_a_completion_drops_the_drafts_of_the_task_it_ends(engine, started, clock):
    task_id = only_ready(engine, started)["id"]
    with engine.db.transaction() as session:
        store.dao_save_draft(session, task_id, "ann", {"note": "half"}, clock.now())
    engine.complete_task(task_id, NOTE, "ann")
    with engine.db.reading() as session:
        assert session.scalars(select(TaskDraft)).all() == []


def test_a_claim_between_the_load_and_the_save_refuses_the_completion(engine, db, started):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("needs two writers at once: PostgreSQL (DATABASE_URL)")
    task_id = only_ready(engine, started)["id"]
    with pytest.raises(Conflict, match="taken or ended by someone else"):
        with db.transaction() as session:
            runtime = InstanceRuntime.load_by_task(session, engine.ctx, task_id)
            runtime.require_free(task_id, "ann")
            with db.transaction() as other:  # bob takes it meanwhile (a claim's UPDATE alone)
                other.execute(update(UserTask).where(UserTask.id == task_id).values(assignee="bob"))
            engine._act(runtime, Complete(task_id, NOTE), "ann")
    with db.reading() as session:
        task = session.get_one(UserTask, task_id)
        assert (task.state, task.assignee) == ("ready", "bob")



def test_a_failed_step_records_its_error_without_a_savepoint_and_keeps_the_claim(engine):
    engine.deploy({"graded.bpmn": with_decision(), "grade.json": GRADE_FORM,
                   "reaudit.dmn": decision(output_text="1 / 0")}, "olive")
    instance_id = engine.start_instance("graded", START, "ann")
    task_id = only_ready(engine, instance_id)["id"]
    with counting(engine.db.engine) as counter:
        engine.complete_task(task_id, {"overall_grade": "inadequate"}, "ann")
    assert not [s for s in counter.statements if "SAVEPOINT" in s.upper()]
    with engine.db.reading() as session:
        task = session.get_one(UserTask, task_id)
        assert (task.state, task.assignee) == ("ready", "ann")  # held by its completer, as a claim
        last = session.execute(select(HistoryEvent.event, HistoryEvent.element_id)
                               .where(HistoryEvent.instance_id == instance_id).order_by(HistoryEvent.id.desc())).first()
    assert tuple(last) == ("instance_error", "decide")
    assert engine.reads.instance(instance_id)["status"] == "error"
