"""Outgoing events through the API: an administrator subscribes a URL to event types, events of
case work reach it signed, every attempt is listed, a dead delivery is replayed, and the outbox
shows notifications waiting for a mail service."""
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

import doors
from app import create_app
from engine.models import HistoryEvent
from tests.api.conftest import bearer
from tests.fixtures.diagrams import NOTE_FORM, chain_bundle, scripted
from tests.fixtures.servers import SECRET, receiver  # noqa: F401  (fixture)
from webhooks.signing import verify

SUBSCRIPTIONS, DELIVERIES = "/api/webhook-subscriptions", "/api/webhook-deliveries"
CASE = {"case_ref": "C-1", "auditor": "ann", "practitioner": "pat"}


def subscribe(client, auth, url: str, events=("task.ready", "task.completed")) -> dict:
    response = client.post(SUBSCRIPTIONS, json={"url": url, "events": list(events), "secret": SECRET,
                                                "description": "case-record system"}, headers=auth("root"))
    assert response.status_code == 201, response.json
    return response.json


def test_an_admin_subscribes_and_the_secret_is_never_shown(client, auth, engine_of):
    created = subscribe(client, auth, "https://mosaic.council.example/hooks/qa")
    assert set(created) == {"id", "url", "events", "description", "active", "created_at", "created_by"}
    assert (created["events"], created["active"], created["created_by"]) == (
        ["task.ready", "task.completed"], True, "root")
    listed = client.get(SUBSCRIPTIONS, headers=auth("root")).json
    one = client.get(f"{SUBSCRIPTIONS}/{created['id']}", headers=auth("root")).json
    assert listed == [created] and one == created
    assert SECRET not in str(listed) + str(one)
    with engine_of.db.transaction() as session:
        [event] = session.scalars(select(HistoryEvent).where(HistoryEvent.event == "webhook_subscribed"))
        assert (event.actor, event.detail["url"]) == ("root", "https://mosaic.council.example/hooks/qa")


@pytest.mark.parametrize("body, field", [
    ({"url": "https://x.example/h", "events": ["alert.rasied"], "secret": SECRET}, "events.0"),
    ({"url": "https://x.example/h", "events": [], "secret": SECRET}, "events"),
    ({"url": "ftp://x.example/h", "events": ["task.ready"], "secret": SECRET}, "url"),
    ({"url": "not a url", "events": ["task.ready"], "secret": SECRET}, "url"),
    ({"url": "https://x.example/h", "events": ["task.ready"], "secret": "short"}, "secret"),
    ({"url": "https://x.example/h", "events": ["task.ready"]}, "secret"),
])
def test_an_invalid_subscription_is_422_naming_the_field_and_nothing_is_stored(client, auth, body, field):
    response = client.post(SUBSCRIPTIONS, json=body, headers=auth("root"))
    assert response.status_code == 422 and field in response.json["errors"], response.json
    assert client.get(SUBSCRIPTIONS, headers=auth("root")).json == []


def test_in_production_a_subscription_needs_https(org):
    app = create_app({"DATABASE_URL": org.db.url, "ENVIRONMENT": "production", "SECRET_KEY": "k" * 32})
    response = app.test_client().post(SUBSCRIPTIONS, headers=bearer(app, "root"), json={
        "url": "http://mosaic.council.example/hooks", "events": ["task.ready"], "secret": SECRET})
    doors.engine(app).db.dispose()
    assert response.status_code == 422 and "https" in response.json["errors"]["url"][0]


def test_case_work_reaches_the_subscriber_and_every_attempt_is_listed(client, auth, engine_of, clock,
                                                                      receiver):  # noqa: F811
    subscription = subscribe(client, auth, receiver.url + "/hook")
    engine_of.deploy(chain_bundle(), "olive")
    instance_id = engine_of.start_instance("chain", CASE, "quinn")
    [task] = client.get(f"/api/tasks?instance_id={instance_id}", headers=auth("ann")).json
    receiver.answers = [502]
    assert client.post(f"/api/tasks/{task['id']}/complete", json={"data": {"note": "ok"}},
                       headers=auth("ann")).status_code == 200
    assert client.post(f"{DELIVERIES}/run", headers=auth("root")).json == {"delivered": 0}  # 502: it waits
    page = client.get(f"{DELIVERIES}?instance_id={instance_id}", headers=auth("root")).json
    assert page["total"] == 3 and [d["status"] for d in page["items"]] == ["pending"] * 3
    first = page["items"][-1]  # newest first
    assert (first["event_type"], first["attempt_count"], first["subscription_id"]) == (
        "task.ready", 1, subscription["id"])
    assert [(a["outcome"], a["status_code"]) for a in first["attempts"]] == [("failed", 502)]

    clock.advance(hours=2)  # past the back-off; the receiver now answers 204
    assert client.post(f"{DELIVERIES}/run", headers=auth("root")).json == {"delivered": 3}
    assert [r.json["type"] for r in receiver.taken()] == ["task.ready", "task.completed", "task.ready"]
    for request in receiver.taken():
        verify(SECRET, request.headers, request.body, [datetime.now(timezone.utc)])
    one = client.get(f"{DELIVERIES}/{first['id']}", headers=auth("root")).json
    assert one["status"] == "delivered" and [a["outcome"] for a in one["attempts"]] == ["failed", "delivered"]
    delivered = client.get(f"{DELIVERIES}?status=delivered&event_type=task.completed", headers=auth("root")).json
    assert delivered["total"] == 1 and delivered["items"][0]["case_ref"] == "C-1"


def test_replaying_is_for_dead_or_delivered_deliveries(client, auth, engine_of, receiver):  # noqa: F811  R-80
    subscribe(client, auth, receiver.url + "/hook", ["task.ready"])
    engine_of.deploy(chain_bundle(), "olive")
    instance_id = engine_of.start_instance("chain", CASE, "quinn")
    [pending] = client.get(DELIVERIES, headers=auth("root")).json["items"]
    refused = client.post(f"{DELIVERIES}/{pending['id']}/replay", headers=auth("root"))
    assert refused.status_code == 409 and "pending" in refused.json["detail"]
    client.post(f"{DELIVERIES}/run", headers=auth("root"))
    replayed = client.post(f"{DELIVERIES}/{pending['id']}/replay", headers=auth("root"))
    assert replayed.status_code == 200 and (replayed.json["status"], replayed.json["attempt_count"]) == ("pending", 0)
    assert client.post(f"{DELIVERIES}/run", headers=auth("root")).json == {"delivered": 1}
    assert len(receiver.taken()) == 2 and len({r.headers["X-Event-Id"] for r in receiver.taken()}) == 1  # same event
    history = client.get(f"/api/process-instances/{instance_id}/history", headers=auth("quinn")).json
    assert [e["actor"] for e in history if e["event"] == "delivery_replayed"] == ["root"]
    assert client.post(f"{DELIVERIES}/999999/replay", headers=auth("root")).status_code == 404


def test_removing_a_subscription_stops_it_and_keeps_its_record(client, auth, engine_of):
    subscription = subscribe(client, auth, "http://127.0.0.1:9/hook", ["task.ready"])
    engine_of.deploy(chain_bundle(), "olive")
    engine_of.start_instance("chain", CASE, "quinn")
    path = f"{SUBSCRIPTIONS}/{subscription['id']}"
    assert client.delete(path, headers=auth("root")).status_code == 204
    assert client.get(SUBSCRIPTIONS, headers=auth("root")).json == []
    assert client.get(path, headers=auth("root")).json["active"] is False
    assert client.get(DELIVERIES, headers=auth("root")).json["items"][0]["status"] == "cancelled"
    assert client.delete(path, headers=auth("root")).status_code == 404


def test_without_a_mail_service_notifications_wait_in_the_outbox(client, auth, engine_of):
    script = 'notify(["practitioner", "team_manager"], "Audit of {case_ref}")'
    engine_of.deploy({"scripted.bpmn": scripted(script=script), "note.json": NOTE_FORM}, "olive")
    instance_id = engine_of.start_instance("scripted", CASE, "quinn")
    client.post(f"{DELIVERIES}/run", headers=auth("root"))
    page = client.get("/api/outbox?type=notification&pending=true", headers=auth("quinn")).json
    [message] = page["items"]
    assert (message["instance_id"], message["recipients"], message["subject"]) == (instance_id, ["pat", "tom"],
                                                                                   "Audit of C-1")
    assert [(d["channel"], d["recipient"], d["status"], d["attempt_count"]) for d in message["deliveries"]] == [
        ("email", "pat", "pending", 0), ("email", "tom", "pending", 0)]
    everything = client.get(f"/api/outbox?instance_id={instance_id}", headers=auth("quinn")).json
    assert [m["type"] for m in everything["items"]] == ["notification"]  # task events: none, nobody subscribes
    assert client.get("/api/outbox?pending=false&type=notification", headers=auth("quinn")).json["total"] == 0
