"""Timers fire from the timer table at their working-day deadline, moved by the clock (R-70, R-71)."""
from datetime import datetime, timedelta, timezone

import pytest

from engine.instances import runtime as runtime_module
from tests.engine.flow import only_ready
from tests.fixtures.diagrams import chain_bundle
from tests.security.test_unticked_work import _cycling

START = {"case_ref": "C-1001", "auditor": "ann"}


@pytest.fixture
def chain_engine(engine):
    engine.deploy(chain_bundle(), "olive")
    return engine


def test_timer_fires_at_its_working_day_deadline_not_a_second_before(chain_engine, clock, checkpoint):  # R-70 R-71
    instance_id = chain_engine.start_instance("chain", START, "ann")
    [timer] = chain_engine.reads.instance(instance_id)["timers"]
    due = datetime.fromisoformat(timer["due_at"])
    assert due == datetime(2026, 11, 9, 23, 59, 59, tzinfo=timezone.utc)  # Monday + 5 working days, GMT
    checkpoint(instance_id)
    clock.set(due - timedelta(seconds=1))
    assert chain_engine.fire_due_timers() == 0
    assert only_ready(chain_engine, instance_id)["element_id"] == "step_1"
    clock.set(due + timedelta(seconds=1))
    assert chain_engine.fire_due_timers() == 1
    view = chain_engine.reads.instance(instance_id)
    assert view["status"] == "completed" and view["data"]["escalated"] is True
    assert [t["state"] for t in view["tasks"]] == []  # the late task was cancelled, not completed
    events = [(e["event"], e["element_id"]) for e in chain_engine.reads.history(instance_id)]
    assert ("timer_fired", "timer_1") in events and ("task_cancelled", "step_1") in events


def test_a_fired_timer_does_not_fire_again(chain_engine, clock):
    instance_id = chain_engine.start_instance("chain", START, "ann")
    clock.advance(days=10)
    assert chain_engine.fire_due_timers() == 1
    assert chain_engine.fire_due_timers() == 0
    assert [e["event"] for e in chain_engine.reads.history(instance_id)].count("timer_fired") == 1


def test_deadline_across_christmas_2026(chain_engine, clock):
    clock.set(datetime(2026, 12, 23, 15, 0, tzinfo=timezone.utc))  # Wednesday
    instance_id = chain_engine.start_instance("chain", START, "ann")
    # working days 24, 29, 30, 31 Dec and 4 Jan: 25, 26, 28 Dec (Boxing Day observed) and 1 Jan are
    # bank holidays, 27 Dec and 2-3 Jan weekends
    assert chain_engine.reads.instance(instance_id)["timers"][0]["due_at"] == "2027-01-04T23:59:59+00:00"
    assert only_ready(chain_engine, instance_id)["due_at"] == "2027-01-04T23:59:59+00:00"


def test_completing_in_time_cancels_the_timer_and_starts_the_next(chain_engine, clock):
    instance_id = chain_engine.start_instance("chain", START, "ann")
    clock.advance(days=3)  # Thursday 5 Nov
    chain_engine.complete_task(only_ready(chain_engine, instance_id)["id"], {"note": "on time"}, "ann")
    [timer] = chain_engine.reads.instance(instance_id)["timers"]
    assert (timer["element_id"], timer["due_at"]) == ("timer_2", "2026-11-12T23:59:59+00:00")


def test_sweep_loads_only_instances_with_due_timers(chain_engine, clock, monkeypatch):
    early = [chain_engine.start_instance("chain", START | {"case_ref": f"E-{i}"}, "ann") for i in range(3)]
    clock.advance(days=2)
    late = [chain_engine.start_instance("chain", START | {"case_ref": f"L-{i}"}, "ann") for i in range(5)]
    loaded = []
    original = runtime_module.load_state
    monkeypatch.setattr(runtime_module, "load_state", lambda *a, **k: loaded.append(1) or original(*a, **k))
    clock.set(datetime(2026, 11, 10, 12, 0, tzinfo=timezone.utc))  # past the early deadline only
    assert chain_engine.fire_due_timers() == 3
    assert len(loaded) == 3
    assert {chain_engine.reads.instance(i)["status"] for i in early} == {"completed"}
    assert {chain_engine.reads.instance(i)["status"] for i in late} == {"running"}


def test_sweep_works_through_more_than_one_batch(chain_engine, clock):
    for i in range(7):
        chain_engine.start_instance("chain", START | {"case_ref": f"C-{i}"}, "ann")
    clock.advance(days=10)
    assert chain_engine.fire_due_timers(batch=3) == 7
    assert chain_engine.reads.waiting_timers() == []


def test_a_sweep_dying_mid_way_loses_nothing_and_the_next_fires_each_timer_once(chain_engine, clock, monkeypatch):
    """The database going away (or the worker being killed) half-way through a sweep keeps what
    fired before (each instance fires in its own transaction) and rolls back the instance it was
    on: the rest are still due, and the next sweep fires each of them exactly once."""
    from sqlalchemy.exc import OperationalError
    ids = [chain_engine.start_instance("chain", START | {"case_ref": f"C-{i}"}, "ann") for i in range(4)]
    clock.advance(days=10)
    real, loaded = runtime_module.InstanceRuntime.load, []

    def dies_at_the_third(session, ctx, instance_id, lock=False):
        loaded.append(instance_id)
        if len(loaded) == 3:
            raise OperationalError("SELECT ...", {}, ConnectionError("server closed the connection"))
        return real(session, ctx, instance_id, lock)
    monkeypatch.setattr(runtime_module.InstanceRuntime, "load", dies_at_the_third)
    with pytest.raises(OperationalError):
        chain_engine.fire_due_timers()
    monkeypatch.undo()
    assert len(chain_engine.reads.waiting_timers()) == 2  # the two fired before the failure stay fired
    assert chain_engine.fire_due_timers() == 2
    assert [sum(e["event"] == "timer_fired" for e in chain_engine.reads.history(i)) for i in ids] == [1, 1, 1, 1]


def test_one_instance_failing_unexpectedly_does_not_hold_up_the_others(chain_engine, clock, monkeypatch, caplog):
    ids = [chain_engine.start_instance("chain", START | {"case_ref": f"C-{i}"}, "ann") for i in range(3)]
    clock.advance(days=10)
    real = runtime_module.InstanceRuntime.load

    def broken_second(session, ctx, instance_id, lock=False):
        if instance_id == ids[1]:
            raise KeyError("a bug in loading this one")
        return real(session, ctx, instance_id, lock)
    monkeypatch.setattr(runtime_module.InstanceRuntime, "load", broken_second)
    assert chain_engine.fire_due_timers() == 2
    assert f"process instance {ids[1]} could not fire" in caplog.text
    monkeypatch.undo()
    assert chain_engine.fire_due_timers() == 1  # the next sweep tries it again


def test_a_counted_cycle_caught_up_fires_once_for_what_is_left_and_then_stops(engine, clock):
    engine.deploy(_cycling('"R3/PT1H"'), "olive")
    iid = engine.start_instance("cyc", {"case_ref": "C-1001", "auditor": "ann"}, "quinn")
    clock.advance(hours=10)
    assert engine.fire_due_timers() == 1
    clock.advance(hours=10)
    assert engine.fire_due_timers() == 0  # its three cycles are spent
    fired = [h for h in engine.reads.history(iid) if h["event"] == "timer_fired"]
    assert [(h["detail"]["due_at"], h["detail"]["cycles"]) for h in fired] == [("2026-11-02T12:00:00+00:00", 3)]
