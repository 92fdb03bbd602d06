"""Every event a step produces lands in the outbox in that step's transaction, with a pending
delivery for each subscription of its type and each person a notification names; a step that
fails writes none of it."""
import pytest
from sqlalchemy import select

from engine.clock import now
from engine.errors import InvalidDefinition
from engine.models import Delivery, OutboxMessage
from tests.fixtures.diagrams import NOTE_FORM, chain_bundle, scripted
from webhooks.subscriptions import dao_add_subscription

CASE = {"case_ref": "C-1001", "practitioner": "pat", "auditor": "ann"}


def outbox(engine) -> list[OutboxMessage]:
    with engine.db.transaction() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def deliveries(engine) -> list[Delivery]:
    with engine.db.transaction() as session:
        return list(session.scalars(select(Delivery).order_by(Delivery.id)))


def subscribe(engine, events: list[str]) -> int:
    with engine.db.transaction() as session:
        return dao_add_subscription(session, "http://127.0.0.1:9/hook", events, "k" * 32, None, "root", now()).id


def deploy_script(engine, script: str) -> None:
    engine.deploy({"scripted.bpmn": scripted(script=script), "note.json": NOTE_FORM}, "olive")


def test_task_events_follow_the_steps_in_order(org, checkpoint):
    subscribe(org, ["task.ready", "task.completed"])
    org.deploy(chain_bundle(), "olive")
    instance_id = org.start_instance("chain", CASE, "quinn")
    checkpoint(instance_id)
    [task] = org.reads.ready_tasks(instance_id=instance_id)
    org.complete_task(task["id"], {"note": "seen"}, "ann")
    events = [(m.event_type, m.payload["element_id"]) for m in outbox(org)]
    assert events == [("task.ready", "step_1"), ("task.completed", "step_1"), ("task.ready", "step_2")]
    completed = outbox(org)[1]
    assert (completed.payload["completed_by"], completed.payload["case_ref"], completed.instance_id) == (
        "ann", "C-1001", instance_id)
    assert completed.payload["candidates"] == ["ann"] and "note" not in completed.payload  # no case data
    assert len({m.event_id for m in outbox(org)}) == 3


def test_task_events_nobody_subscribes_to_are_not_kept(org):
    """Every step makes them and the history records them: stored only for a subscriber."""
    subscribe(org, ["task.completed"])
    org.deploy(chain_bundle(), "olive")
    instance_id = org.start_instance("chain", CASE, "quinn")
    assert outbox(org) == []
    [task] = org.reads.ready_tasks(instance_id=instance_id)
    org.complete_task(task["id"], {"note": "seen"}, "ann")
    assert [m.event_type for m in outbox(org)] == ["task.completed"]


def test_each_subscription_and_each_recipient_gets_a_delivery_in_the_same_step(org):
    subscribe(org, ["notification"])
    subscribe(org, ["task.ready"])
    deploy_script(org, 'notify(["practitioner", "team_manager"], "Audit of {case_ref}")')
    instance_id = org.start_instance("scripted", CASE, "quinn")
    notification, ready = outbox(org)
    assert (notification.event_type, ready.event_type) == ("notification", "task.ready")
    assert notification.payload["recipients"] == ["pat", "tom"] and notification.payload["subject"] == "Audit of C-1001"
    assert [(d.message_id, d.channel, d.subscription_id, d.recipient, d.status) for d in deliveries(org)] == [
        (notification.id, "webhook", 1, None, "pending"), (notification.id, "email", None, "pat", "pending"),
        (notification.id, "email", None, "tom", "pending"), (ready.id, "webhook", 2, None, "pending")]
    assert deliveries(org)[0].stream == f"webhook:1:instance:{instance_id}"


def test_a_failed_step_writes_no_event_and_no_delivery(org):
    subscribe(org, ["notification", "task.ready"])
    deploy_script(org, 'notify(["team_manager"], "First")\nboom = 1 / 0')
    instance_id = org.start_instance("scripted", CASE, "quinn")
    assert org.reads.instance(instance_id)["status"] == "error"
    assert outbox(org) == [] and deliveries(org) == []


def test_a_diagram_publishes_alert_events_with_its_instance_and_names_withheld(org):  # R-40 R-81
    deploy_script(org, 'publish("alert.raised", stage=1, child_name="Jo Bloggs", raised_from="case_audit")')
    instance_id = org.start_instance("scripted", CASE, "quinn")
    [raised] = [m for m in outbox(org) if m.event_type == "alert.raised"]
    assert raised.payload | {"link": None} == {
        "stage": 1, "child_name": "[withheld]", "raised_from": "case_audit", "instance_id": instance_id,
        "process_id": "scripted", "case_ref": "C-1001", "element_id": "run", "link": None}
    assert raised.payload["link"].endswith(f"/instances/{instance_id}")


def test_publishing_an_unknown_event_type_is_refused_at_deploy_with_its_line(org):
    with pytest.raises(InvalidDefinition) as refused:
        deploy_script(org, 'x = 1\npublish("alert.rasied", stage=1)')
    [problem] = refused.value.errors
    assert (problem["file"], problem["element_id"]) == ("scripted.bpmn", "run")
    assert "alert.rasied" in problem["message"] and "alert.raised" in problem["message"]
    assert problem["line"] == 8  # the script starts on line 7 of the file: its second line


@pytest.mark.parametrize("script, message", [
    ('kind = "task.ready"\npublish(kind)', "'task.ready' is not an event a diagram publishes"),
    ('publish("alert.raised", when=[1, {2, 3}])', "must be JSON values"),
])
def test_a_publish_that_cannot_be_sent_puts_the_instance_in_error(org, script, message):
    deploy_script(org, script)
    instance_id = org.start_instance("scripted", CASE, "quinn")
    view = org.reads.instance(instance_id)
    assert view["status"] == "error" and message in view["error"]["message"]
    assert outbox(org) == []
