"""Signing in and out, errors as problem+json, the clock and the timers."""
from datetime import datetime, timezone

import pytest

import doors
from app import create_app
from engine.people.accounts import dao_set_password
from tests.api.conftest import bearer


@pytest.fixture
def with_password(app):
    with doors.engine(app).db.transaction() as session:
        dao_set_password(session, "tom", "correct horse")


def test_sign_in_gives_a_token_that_works_until_signed_out(client, with_password):
    response = client.post("/api/session", json={"username": "tom", "password": "correct horse"})
    assert response.status_code == 200
    headers = {"Authorization": f"Bearer {response.json['token']}"}
    assert client.get("/api/clock", headers=headers).status_code == 200
    assert client.delete("/api/session", headers=headers).status_code == 204
    assert client.get("/api/clock", headers=headers).status_code == 401


@pytest.mark.parametrize("username, password", [("tom", "wrong"), ("nobody", "correct horse"), ("pat", "x")])
def test_bad_credentials_are_401_problems(client, with_password, username, password):
    response = client.post("/api/session", json={"username": username, "password": password})
    assert response.status_code == 401 and response.content_type == "application/problem+json"


def test_missing_fields_are_422_with_field_paths(client):
    response = client.post("/api/session", json={"username": "tom"})
    assert response.status_code == 422 and response.json["errors"] == {"password": ["Missing data for required field."]}


def test_expired_token_is_refused(client, auth, clock):
    headers = auth("tom")
    clock.advance(hours=2)
    assert client.get("/api/clock", headers=headers).status_code == 401


@pytest.mark.parametrize("method, path", [("get", "/api/clock"), ("get", "/api/timers"), ("post", "/api/timers/run")])
def test_every_call_needs_a_token(client, method, path):
    response = getattr(client, method)(path)
    assert response.status_code == 401 and response.headers["WWW-Authenticate"] == "Bearer"


def test_unknown_path_and_wrong_method_are_problems(client, auth):
    assert client.get("/api/nowhere", headers=auth("root")).status_code == 404
    response = client.patch("/api/clock", headers=auth("root"))
    assert response.status_code == 405 and response.json["status"] == 405


def test_unexpected_error_is_a_500_with_an_id_and_no_trace(app, client, auth, monkeypatch, caplog):
    monkeypatch.setattr(doors.engine(app), "fire_due_timers", lambda: 1 / 0)
    response = client.post("/api/timers/run", headers=auth("root"))
    assert response.status_code == 500 and "ZeroDivisionError" not in response.get_data(as_text=True)
    assert response.headers["X-Error-Id"] in caplog.text


def test_clock_reads_the_service_clock(client, auth, clock):
    assert client.get("/api/clock", headers=auth("pat")).json == {"now": "2026-11-02T09:00:00+00:00"}


def test_clock_is_404_unless_settable(client, auth):
    response = client.put("/api/clock", json={"now": "2027-01-01T00:00:00+00:00"}, headers=auth("root"))
    assert response.status_code == 404


def test_settable_clock_moves_for_admins_only(org, clock):
    app = create_app({"DATABASE_URL": org.db.url, "CLOCK": "settable"})
    client = app.test_client()
    headers = {name: bearer(app, name) for name in ("root", "tom")}
    body = {"now": "2026-12-24T10:00:00+00:00"}
    assert client.put("/api/clock", json=body, headers=headers["tom"]).status_code == 403
    assert client.put("/api/clock", json=body, headers=headers["root"]).json == body
    assert clock.now() == datetime(2026, 12, 24, 10, tzinfo=timezone.utc)
    naive = {"now": "2026-12-24T10:00:00"}  # a time without its zone is ambiguous
    assert client.put("/api/clock", json=naive, headers=bearer(app, "root")).status_code == 422
    doors.engine(app).db.dispose()


def test_the_worker_process_reads_the_time_the_server_was_set_to(org, clock):
    """make run serves and fires timers from two processes, each with its own clock: a settable
    clock moved through the API is the worker's time too, from its next tick."""
    from app import worker_jobs
    from engine.instances.worker import run_worker
    from tests.fixtures.diagrams import chain_bundle
    server = create_app({"DATABASE_URL": org.db.url, "CLOCK": "settable"})
    org.deploy(chain_bundle(), "olive")
    org.start_instance("chain", {"case_ref": "C-1", "auditor": "ann"}, "ann")  # due 2026-11-09
    moved = {"now": "2026-11-10T09:00:00+00:00"}
    assert server.test_client().put("/api/clock", json=moved, headers=bearer(server, "root")).status_code == 200
    clock.set(datetime(2026, 11, 2, 9, tzinfo=timezone.utc))  # the worker's own clock, still where it started
    worker = create_app({"DATABASE_URL": org.db.url, "CLOCK": "settable"})
    assert run_worker(worker_jobs(worker), interval=0, ticks=1) == {"clock": 0, "timers": 1, "deliveries": 0,
                                                                 "sign-ins purged": 0}
    assert clock.now() == datetime(2026, 11, 10, 9, tzinfo=timezone.utc)
    for app in (server, worker):
        doors.engine(app).db.dispose()


def test_the_first_process_to_read_an_unset_shared_clock_shares_its_own_time(org, clock):
    app = create_app({"DATABASE_URL": org.db.url, "CLOCK": "settable"})
    client = app.test_client()
    assert client.get("/api/clock", headers=bearer(app, "tom")).json == {"now": "2026-11-02T09:00:00+00:00"}
    clock.advance(days=3)  # another process's clock, later: the shared time wins at its next request
    assert client.get("/api/clock", headers=bearer(app, "tom")).json == {"now": "2026-11-02T09:00:00+00:00"}
    doors.engine(app).db.dispose()


def test_settable_clock_is_refused_in_production(org):
    with pytest.raises(RuntimeError, match="never in production"):
        create_app({"DATABASE_URL": org.db.url, "CLOCK": "settable", "ENVIRONMENT": "production"})


def test_timers_run_is_for_admins_and_fires_what_is_due(client, auth, engine_of, clock):
    from tests.fixtures.diagrams import chain_bundle
    engine_of.deploy(chain_bundle(), "olive")
    engine_of.start_instance("chain", {"case_ref": "C-1", "auditor": "ann", "practitioner": "pat"}, "ann")
    timers = client.get("/api/timers", headers=auth("quinn")).json
    assert [t["due_at"] for t in timers] == ["2026-11-09T23:59:59+00:00"]
    assert client.get("/api/timers", headers=auth("pia")).json == []  # not her case
    clock.advance(days=10)
    assert client.post("/api/timers/run", headers=auth("tom")).status_code == 403
    assert client.post("/api/timers/run", headers=auth("root")).json == {"fired": 1}


@pytest.mark.parametrize("path, body", [("/api/process-instances?case_ref=C%00", None),
                                        ("/api/session", '{"username": "to\\u0000m", "password": "x"}')])
def test_nul_characters_are_400_before_any_work(client, auth, path, body):
    if body is None:
        response = client.get(path, headers=auth("quinn"))
    else:
        response = client.post(path, data=body, content_type="application/json")
    assert response.status_code == 400 and response.content_type == "application/problem+json"


def test_405_names_the_allowed_methods(client, auth):
    response = client.patch("/api/clock", headers=auth("root"))
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "PUT"}
