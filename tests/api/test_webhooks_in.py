"""POST /api/webhooks/case-record: a need-to-know notification from the case-record system, signed
with WEBHOOK_SECRET, starts a need_to_know_audit once per event id (R-50); anything unsigned, stale,
oversized or invalid starts nothing. The signature is the only credential (R-81)."""
import json
import threading
import time

import pytest
from sqlalchemy import func, select, text

import doors
from api.webhooks_in import MAX_BODY_BYTES
from app import create_app
from engine.models import InboundEvent, ProcessInstance
from tests.flows.conftest import definition_files
from tests.flows.test_need_to_know_audit import FILES as NEED_TO_KNOW_FILES
from webhooks.signing import signature

URL = "/api/webhooks/case-record"
SECRET = "test-webhook-secret"
EVENT = {"type": "need_to_know.notified", "case_ref": "C-2002", "summary": "Serious incident reported by the police",
         "notification_type": "serious_incident", "practitioner": "pat", "assistant_director": "ada",
         "mosaic_person_id": "P-77"}


@pytest.fixture
def app(org):
    app = create_app({"DATABASE_URL": org.db.url, "TESTING": True, "WEBHOOK_SECRET": SECRET})
    doors.engine(app).deploy(definition_files(*NEED_TO_KNOW_FILES), "olive")
    yield app
    doors.engine(app).db.dispose()


def signed(body, event_id: str = "evt-1", at: int | None = None, secret: str = SECRET) -> dict:
    """post() keyword arguments: the raw body and the signing headers of API.md "Webhooks"."""
    from engine.clock import now
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    timestamp = str(int(now().timestamp()) if at is None else at)
    return {"data": raw, "content_type": "application/json", "headers": {
        "X-Event-Id": event_id, "X-Timestamp": timestamp, "X-Signature": signature(secret, timestamp, raw)}}


def counts(engine) -> tuple[int, int]:
    """(process instances, logged events)"""
    with engine.db.transaction() as session:
        return (session.scalar(select(func.count()).select_from(ProcessInstance)),
                session.scalar(select(func.count()).select_from(InboundEvent)))


def refused(response, status: int, engine) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.content_type == "application/problem+json"
    assert counts(engine) == (0, 0)  # nothing started, nothing logged
    return response.json


def test_a_signed_notification_starts_a_need_to_know_audit(client, engine_of, auth):  # R-50 R-80
    response = client.post(URL, **signed(EVENT))
    assert response.status_code == 201, response.json
    assert response.json == {"event_id": "evt-1", "instance_id": response.json["instance_id"], "replayed": False}
    instance_id = response.json["instance_id"]
    view = engine_of.reads.instance(instance_id)
    assert (view["process_id"], view["case_ref"], view["status"]) == ("need_to_know_audit", "C-2002", "running")
    assert {k: view["data"][k] for k in ("summary", "notification_type", "practitioner", "assistant_director")} == {
        "summary": EVENT["summary"], "notification_type": "serious_incident", "practitioner": "pat",
        "assistant_director": "ada"}  # the AD who shared it, to whom the findings go back
    assert "mosaic_person_id" not in view["data"]  # only what the audit needs is kept
    [task] = engine_of.reads.ready_tasks(instance_id=instance_id)
    assert (task["element_id"], task["candidates"]) == ("allocate_audit", ["quinn"])  # the audit team allocates it
    history = engine_of.reads.history(instance_id)
    started = next(e for e in history if e["event"] == "instance_started")
    received = next(e for e in history if e["event"] == "event_received")
    assert started["actor"] == received["actor"] == "case-record-system"
    assert received["detail"] == {"event_id": "evt-1", "event_type": "need_to_know.notified"}
    inbox = client.get("/api/tasks", headers=auth("quinn")).json  # the QA team sees it to act on
    assert [t["instance_id"] for t in inbox] == [instance_id]


def test_the_notification_type_defaults_and_the_practitioner_is_optional(client, engine_of):
    body = {"type": "need_to_know.notified", "case_ref": "C-3003", "summary": "Escalated by the IRO"}
    response = client.post(URL, **signed(body))
    assert response.status_code == 201, response.json
    data = engine_of.reads.instance(response.json["instance_id"])["data"]
    assert data["notification_type"] == "urgent_escalation" and data["practitioner"] is None
    [task] = engine_of.reads.ready_tasks(instance_id=response.json["instance_id"])
    assert (task["element_id"], task["candidates"]) == ("place_notification", ["quinn"])  # placed first


def test_the_notification_may_name_the_team_and_the_ad_who_shared_it(client, engine_of):  # R-50 R-03
    body = EVENT | {"team": "sas_1"}
    response = client.post(URL, **signed(body))
    assert response.status_code == 201, response.json
    view = engine_of.reads.instance(response.json["instance_id"])
    assert (view["data"]["team"], view["data"]["assistant_director"]) == ("sas_1", "ada")
    for field, value in (("team", "no_team"), ("assistant_director", "ghost")):
        refused = client.post(URL, **signed(EVENT | {field: value}, event_id=f"evt-{field}"))
        assert refused.status_code == 422 and list(refused.json["errors"]) == [field]


def test_a_replayed_event_id_is_answered_again_and_does_nothing(client, engine_of, clock):
    first = client.post(URL, **signed(EVENT))
    again = client.post(URL, **signed(EVENT))
    other_body = client.post(URL, **signed(EVENT | {"case_ref": "C-9999"}))  # same id, signed anew
    assert first.status_code == 201
    for response in (again, other_body):
        assert response.status_code == 200
        assert response.json == {"event_id": "evt-1", "instance_id": first.json["instance_id"], "replayed": True}
    assert counts(engine_of) == (1, 1)
    clock.advance(seconds=1)
    assert client.post(URL, **signed(EVENT, event_id="evt-2")).status_code == 201  # a new event: a new audit
    assert counts(engine_of) == (2, 2)


def test_a_captured_request_resent_under_a_new_event_id_does_nothing(client, engine_of):  # R-50 R-81
    """The signature covers the timestamp and body, not the event id: the signature itself is logged."""
    captured = signed(EVENT)
    first = client.post(URL, **captured)
    captured["headers"] = captured["headers"] | {"X-Event-Id": "evt-forged"}
    again = client.post(URL, **captured)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json["instance_id"] == first.json["instance_id"] and again.json["replayed"] is True
    assert counts(engine_of) == (1, 1)


def test_a_concurrent_duplicate_starts_nothing(engine_of):
    """Another delivery of the same id, logged but not yet committed: this one waits for it, then
    answers as a replay (PostgreSQL: the unique key; SQLite: writers are serialised)."""
    holder = engine_of.db.sessions()
    from engine.clock import now
    holder.add(InboundEvent(event_id="evt-race", event_type="need_to_know.notified", received_at=now()))
    holder.flush()
    result = {}
    racer = threading.Thread(target=lambda: result.update(answer=engine_of.start_instance_once(
        "evt-race", "need_to_know.notified", "need_to_know_audit", {"case_ref": "C-2002"}, "case-record-system")))
    racer.start()
    try:
        _wait_until_blocked(engine_of, racer)
    finally:  # even when the wait fails: a holder left open blocks the racer and the teardown for ever
        holder.commit()
        holder.close()
        racer.join(60)
    assert result["answer"] == (None, False)
    assert counts(engine_of) == (0, 1)


def _wait_until_blocked(engine, racer: threading.Thread) -> None:
    """PostgreSQL: until the racer's insert waits on the holder's row lock; SQLite: a moment."""
    if engine.db.engine.dialect.name != "postgresql":
        racer.join(0.2)
        return
    with engine.db.engine.connect() as connection:
        for _ in range(200):  # ten seconds: the racer first loads the definitions, slow on a busy machine
            waiting = connection.execute(text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                                              "AND datname = current_database()")).scalar()
            if waiting or not racer.is_alive():
                return
            time.sleep(0.05)
    # Still running and not seen waiting on the row lock: in the full PostgreSQL suite (never alone) the
    # racer is held up before its insert until the holder commits, for a reason not found yet. It has
    # not answered, so what it answers after the commit is still the duplicate's answer checked above.
    assert racer.is_alive()


def test_the_event_is_logged_only_with_the_instance_it_starts(client, app, engine_of):
    """One transaction: when the start fails, the event id is not taken, so a later delivery works."""
    with engine_of.db.transaction() as session:
        session.execute(text("UPDATE process_version SET process_id = 'parked' WHERE process_id = 'need_to_know_audit'"))
    assert client.post(URL, **signed(EVENT)).status_code == 404  # not deployed
    assert counts(engine_of) == (0, 0)
    with engine_of.db.transaction() as session:
        session.execute(text("UPDATE process_version SET process_id = 'need_to_know_audit' WHERE process_id = 'parked'"))
    assert client.post(URL, **signed(EVENT)).status_code == 201
    assert counts(engine_of) == (1, 1)


def _tampered_body(kwargs):
    kwargs["data"] = kwargs["data"].replace(b"C-2002", b"C-2003")


def _without(header):
    return lambda kwargs: kwargs["headers"].pop(header)


def _with(header, value):
    return lambda kwargs: kwargs["headers"].update({header: value})


@pytest.mark.parametrize("spoil", [
    _tampered_body, _without("X-Event-Id"), _without("X-Timestamp"), _without("X-Signature"),
    _with("X-Signature", "sha256=" + "0" * 64), _with("X-Signature", "md5=abc"), _with("X-Signature", "sha256=é"),
    _with("X-Timestamp", "soon"), _with("X-Event-Id", "x" * 201),
], ids=["tampered body", "no event id", "no timestamp", "no signature", "wrong signature", "not sha256",
        "not hex", "timestamp not seconds", "event id too long"])
def test_a_bad_or_missing_signature_is_401_and_starts_nothing(client, engine_of, spoil):  # R-50 R-81
    kwargs = signed(EVENT)
    spoil(kwargs)
    refused(client.post(URL, **kwargs), 401, engine_of)


def test_a_request_signed_with_another_key_is_401(client, engine_of):
    refused(client.post(URL, **signed(EVENT, secret="not-the-key")), 401, engine_of)


def test_a_bearer_token_is_no_substitute_for_the_signature(client, engine_of, auth):
    response = client.post(URL, json=EVENT, headers=auth("root") | {"X-Event-Id": "evt-1"})
    refused(response, 401, engine_of)


@pytest.mark.parametrize("offset", [-6 * 60, 6 * 60], ids=["6 minutes old", "6 minutes ahead"])
def test_a_timestamp_more_than_5_minutes_off_is_401(client, engine_of, clock, offset):  # R-50 R-71
    at = int(clock.now().timestamp()) + offset
    problem = refused(client.post(URL, **signed(EVENT, at=at)), 401, engine_of)
    assert "5 minutes" in problem["detail"]


def test_a_request_replayed_after_the_clock_moved_on_is_401(client, engine_of, clock):  # R-50 R-71
    kwargs = signed(EVENT)
    clock.advance(minutes=6)
    refused(client.post(URL, **kwargs), 401, engine_of)


@pytest.mark.parametrize("offset", [-5 * 60, 5 * 60], ids=["5 minutes old", "5 minutes ahead"])
def test_a_timestamp_5_minutes_off_is_accepted(client, engine_of, clock, offset):  # R-50 (the boundary)
    at = int(clock.now().timestamp()) + offset
    assert client.post(URL, **signed(EVENT, at=at)).status_code == 201


def test_an_oversized_event_is_413_by_its_length(client, engine_of):
    body = json.dumps(EVENT | {"summary": "x" * MAX_BODY_BYTES}).encode()
    assert len(body) > MAX_BODY_BYTES  # far below the app-wide limit (QA_MAX_UPLOAD_BYTES)
    refused(client.post(URL, **signed(body)), 413, engine_of)


def test_an_oversized_event_without_a_length_is_413_as_it_is_read(client, engine_of):
    import io
    body = json.dumps(EVENT | {"summary": "x" * MAX_BODY_BYTES}).encode()
    kwargs = signed(body)
    del kwargs["data"]
    response = client.post(URL, input_stream=io.BytesIO(body), environ_overrides={"wsgi.input_terminated": True},
                           **kwargs)
    refused(response, 413, engine_of)


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b'"need_to_know.notified"', b"\xff\xfe"],
                         ids=["not json", "an array", "a string", "not utf-8"])
def test_a_body_that_is_not_a_json_object_is_400(client, engine_of, body):
    refused(client.post(URL, **signed(body)), 400, engine_of)


@pytest.mark.parametrize("body, field", [
    (EVENT | {"type": "case.closed"}, "type"),
    ({k: v for k, v in EVENT.items() if k != "type"}, "type"),
    ({k: v for k, v in EVENT.items() if k != "case_ref"}, "case_ref"),
    (EVENT | {"case_ref": ""}, "case_ref"),
    (EVENT | {"notification_type": "gossip"}, "notification_type"),
], ids=["unknown type", "no type", "no case_ref", "empty case_ref", "unknown notification_type"])
def test_an_invalid_event_is_422_naming_the_field(client, engine_of, body, field):
    problem = refused(client.post(URL, **signed(body)), 422, engine_of)
    assert list(problem["errors"]) == [field]


@pytest.mark.parametrize("secret", [None, ""], ids=["unset", "empty"])
def test_without_a_configured_secret_the_webhook_takes_nothing(org, secret):
    app = create_app({"DATABASE_URL": org.db.url, "TESTING": True, "WEBHOOK_SECRET": secret})
    try:
        refused(app.test_client().post(URL, **signed(EVENT, secret="anything")), 503, doors.engine(app))
        unsigned = app.test_client().post(URL, json=EVENT)
        refused(unsigned, 503, doors.engine(app))
    finally:
        doors.engine(app).db.dispose()


def test_the_webhook_is_documented_as_public_with_its_signing_headers(client):
    operation = client.get("/api/openapi.json").json["paths"][URL]["post"]
    assert operation["security"] == []
    assert {p["name"] for p in operation["parameters"]} == {"X-Event-Id", "X-Timestamp", "X-Signature"}
    assert {"200", "201", "400", "401", "413", "422", "503"} <= set(operation["responses"])


def test_with_a_settable_clock_a_signature_on_the_senders_real_time_is_accepted(org, clock):  # R-50 R-71
    """A demo clock set in the past stays the service's time; the case-record system signs with its own."""
    app = create_app({"DATABASE_URL": org.db.url, "WEBHOOK_SECRET": SECRET, "CLOCK": "settable"})
    doors.engine(app).deploy(definition_files(*NEED_TO_KNOW_FILES), "olive")
    client = app.test_client()
    assert client.post(URL, **signed(EVENT, "evt-real", at=int(time.time()))).status_code == 201
    assert client.post(URL, **signed(EVENT, "evt-stale", at=int(time.time()) - 3600)).status_code == 401
    doors.engine(app).db.dispose()


# R-50 R-81: the webhook's start goes through the one check of whom a form may name (engine/definitions/naming.py)
@pytest.mark.parametrize("change, field, words", [
    ({"practitioner": "ghost"}, "practitioner", "'ghost' is not a person of the directory"),
    ({"practitioner": "gus"}, "practitioner", "'gus' is no longer active in the directory"),
    ({"practitioner": "quinn"}, "practitioner", "'quinn' does not hold the practitioner role"),
    ({"assistant_director": "pat"}, "assistant_director", "'pat' does not hold the assistant director role"),
    ({"team": "nowhere"}, "team", "'nowhere' is not a team of the directory"),
])
def test_a_notification_naming_whom_it_may_not_is_422_and_starts_nothing(client, engine_of, change, field, words):
    from engine.people.accounts import dao_add_person, dao_set_roles
    with engine_of.db.transaction() as session:  # gus, a practitioner who left
        dao_add_person(session, "gus", "Gus (practitioner, left)", active=False)
        dao_set_roles(session, "gus", ["practitioner"])
    problem = refused(client.post(URL, **signed(EVENT | change)), 422, engine_of)
    assert list(problem["errors"]) == [field] and problem["errors"][field] == [words]
