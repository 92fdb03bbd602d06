"""Helpers for flow tests: every flow runs straight through and with a save/JSON/restore inside."""
import pytest

from engine.instances.runtime import InstanceRuntime
from engine.serialization import FULL_SERIALIZER


def save_restore(engine, instance_id: int) -> None:
    """Round-trip the instance through SpiffWorkflow's own full JSON (spec included) and save it; the
    workflow read back must be the one written, state and task tree, as SpiffWorkflow's own tests check."""
    with engine.db.transaction() as session:
        runtime = InstanceRuntime.load(session, engine.ctx, instance_id)
        before, before_dump = FULL_SERIALIZER.to_dict(runtime.workflow), runtime.workflow.get_dump()
        restored = FULL_SERIALIZER.deserialize_json(FULL_SERIALIZER.serialize_json(runtime.workflow))
        assert FULL_SERIALIZER.to_dict(restored) == before
        assert restored.get_dump() == before_dump
        runtime.workflow = restored
        runtime.workflow.script_engine = engine.ctx.script_engine
        runtime.save("test")


@pytest.fixture(params=["straight", "save_restore"])
def checkpoint(request, engine):
    """Call checkpoint(instance_id) mid-flow; it restores from JSON in the second run."""
    if request.param == "straight":
        return lambda instance_id: None
    return lambda instance_id: save_restore(engine, instance_id)


def only_ready(engine, instance_id: int) -> dict:
    [task] = engine.reads.ready_tasks(instance_id=instance_id)
    return task
