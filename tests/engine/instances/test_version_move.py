"""Migrating running instances to a newer version of their process."""
from datetime import datetime, timezone

import pytest

from engine.errors import MigrationRefused, NotFound
from tests.engine.flow import only_ready
from tests.fixtures.diagrams import chain_bundle

START = {"case_ref": "C-1001", "auditor": "ann"}


def test_migration_keeps_the_ready_task_and_the_running_deadline(engine, clock, checkpoint):
    engine.deploy(chain_bundle(days=5), "olive")
    instance_id = engine.start_instance("chain", START, "ann")
    task = only_ready(engine, instance_id)
    clock.advance(days=2)
    engine.deploy(chain_bundle(days=7), "olive")  # version 2: later deadlines
    engine.migrate(instance_id, 2, "olive")
    checkpoint(instance_id)
    view = engine.reads.instance(instance_id)
    assert view["version"] == 2
    assert only_ready(engine, instance_id)["id"] == task["id"]
    assert view["timers"][0]["due_at"] == "2026-11-09T23:59:59+00:00"  # not restarted
    engine.complete_task(task["id"], {"note": "done"}, "ann")  # the next step uses version 2's 7 days
    assert engine.reads.instance(instance_id)["timers"][0]["due_at"] == "2026-11-13T23:59:59+00:00"
    assert engine.reads.history(instance_id)[2]["event"] == "instance_migrated"
    assert engine.reads.history(instance_id)[2]["detail"] == {"from_version": 1, "to_version": 2}


def test_migrated_timer_still_fires_at_its_original_deadline(engine, clock):
    engine.deploy(chain_bundle(days=5), "olive")
    instance_id = engine.start_instance("chain", START, "ann")
    engine.deploy(chain_bundle(days=7), "olive")
    engine.migrate(instance_id, 2, "olive")
    clock.set(datetime(2026, 11, 10, 0, 0, tzinfo=timezone.utc))
    assert engine.fire_due_timers() == 1


def test_migration_that_would_lose_a_ready_task_is_refused(engine):
    engine.deploy(chain_bundle(steps=3), "olive")
    instance_id = engine.start_instance("chain", START, "ann")
    for _ in range(2):
        engine.complete_task(only_ready(engine, instance_id)["id"], {"note": "ok"}, "ann")
    engine.deploy(chain_bundle(steps=2), "olive")  # step_3 is gone in version 2
    before = engine.reads.instance(instance_id)
    with pytest.raises(MigrationRefused, match="step_3"):
        engine.migrate(instance_id, 2, "olive")
    assert engine.reads.instance(instance_id) == before


def test_migration_that_would_lose_a_completed_task_is_refused(engine):
    engine.deploy(chain_bundle(steps=2), "olive")
    instance_id = engine.start_instance("chain", START, "ann")
    engine.complete_task(only_ready(engine, instance_id)["id"], {"note": "ok"}, "ann")
    renamed = chain_bundle(steps=2)
    renamed["chain.bpmn"] = renamed["chain.bpmn"].replace(b"step_1", b"first_step")
    engine.deploy(renamed, "olive")
    with pytest.raises(MigrationRefused, match="step_1.*COMPLETED"):
        engine.migrate(instance_id, 2, "olive")


def test_migration_to_a_missing_or_same_version_is_refused(engine):
    engine.deploy(chain_bundle(), "olive")
    instance_id = engine.start_instance("chain", START, "ann")
    with pytest.raises(NotFound):
        engine.migrate(instance_id, 9, "olive")
    with pytest.raises(MigrationRefused):
        engine.migrate(instance_id, 1, "olive")
