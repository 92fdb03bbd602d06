"""Concurrent writers: one wins, the other gets a conflict; timer workers never fire twice."""
import threading
from collections import Counter

import pytest
from sqlalchemy import select

from engine.db import Database
from engine.errors import Conflict
from engine.instances.runtime import InstanceRuntime
from engine.models import ProcessInstance
from engine.workflow_engine import WorkflowEngine
from tests.engine.flow import only_ready
from tests.fixtures.diagrams import chain_bundle

START = {"case_ref": "C-1001", "auditor": "ann"}


@pytest.fixture
def postgres(db):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("needs two real connections to PostgreSQL (DATABASE_URL)")
    return db


def test_interleaved_completions_on_two_connections_one_wins(engine, postgres):
    engine.deploy(chain_bundle(), "olive")
    instance_id = engine.start_instance("chain", START, "ann")
    task_id = only_ready(engine, instance_id)["id"]
    first, second = postgres.sessions(), postgres.sessions()
    try:
        a = InstanceRuntime.load(first, engine.ctx, instance_id)
        b = InstanceRuntime.load(second, engine.ctx, instance_id)
        a.complete_task(task_id, {"note": "from A"}, "ann")
        a.save("ann")
        first.commit()
        b.complete_task(task_id, {"note": "from B"}, "tom")
        with pytest.raises(Conflict):
            b.save("tom")
        second.rollback()
    finally:
        first.close(), second.close()
    history = engine.reads.history(instance_id)
    assert [e["detail"]["data"] for e in history if e["event"] == "task_completed"] == [{"note": "from A"}]
    assert engine.reads.instance(instance_id)["revision"] == 3  # started, completed by A: no lost update


def test_two_threads_completing_one_task_exactly_one_succeeds(engine, db):
    engine.deploy(chain_bundle(), "olive")
    instance_id = engine.start_instance("chain", START, "ann")
    task_id = only_ready(engine, instance_id)["id"]
    engines = [WorkflowEngine(Database(db.url)) for _ in range(2)]
    start, outcomes = threading.Barrier(2), []

    def complete(worker: WorkflowEngine, who: str):
        start.wait()
        try:
            worker.complete_task(task_id, {"note": who}, who)
            outcomes.append("ok")
        except Conflict:
            outcomes.append("conflict")

    threads = [threading.Thread(target=complete, args=(e, who)) for e, who in zip(engines, ["ann", "tom"])]
    [t.start() for t in threads]
    [t.join() for t in threads]
    [e.db.dispose() for e in engines]
    assert sorted(outcomes) == ["conflict", "ok"]
    assert [e["event"] for e in engine.reads.history(instance_id)].count("task_completed") == 1


def test_two_timer_workers_fire_each_timer_once(engine, db, clock):
    engine.deploy(chain_bundle(), "olive")
    ids = [engine.start_instance("chain", START | {"case_ref": f"C-{i}"}, "ann") for i in range(30)]
    clock.advance(days=10)
    workers = [WorkflowEngine(Database(db.url)) for _ in range(2)]
    start, fired = threading.Barrier(2), []

    def sweep(worker: WorkflowEngine):
        start.wait()
        fired.append(worker.fire_due_timers(batch=4))

    threads = [threading.Thread(target=sweep, args=(w,)) for w in workers]
    [t.start() for t in threads]
    [t.join() for t in threads]
    [w.db.dispose() for w in workers]
    assert sum(fired) == 30
    per_instance = Counter(i for i in ids for e in engine.reads.history(i) if e["event"] == "timer_fired")
    assert set(per_instance.values()) == {1} and len(per_instance) == 30


def test_a_sweep_goes_past_instances_another_worker_holds(engine, postgres, clock):
    """While one worker holds the first due instances (its batch mid-way), another sweeping at the
    same time fires the rest instead of stopping at the locked rows."""
    engine.deploy(chain_bundle(), "olive")
    ids = [engine.start_instance("chain", START | {"case_ref": f"C-{i}"}, "ann") for i in range(6)]
    clock.advance(days=10)
    holder = postgres.sessions()
    try:
        held = holder.scalars(select(ProcessInstance.id).where(ProcessInstance.id.in_(ids[:3]))
                              .with_for_update()).all()
        assert engine.fire_due_timers(batch=3) == 3
    finally:
        holder.rollback(), holder.close()
    fired = {i for i in ids for e in engine.reads.history(i) if e["event"] == "timer_fired"}
    assert fired == set(ids[3:]) and set(held) == set(ids[:3])
    assert engine.fire_due_timers() == 3  # released: the next sweep takes them
