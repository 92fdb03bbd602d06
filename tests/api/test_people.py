"""The people directory over HTTP: administrators list, add and change people; each change is recorded."""
import pytest

import doors
from engine.people.accounts import dao_set_password

NEW = {"username": "nia", "name": "Nia (practitioner)", "roles": ["practitioner"], "team": "cic_1",
       "email": "nia@council.example"}


def test_admin_lists_the_demo_organisation(client, auth):
    response = client.get("/api/people", headers=auth("root"))
    assert response.status_code == 200
    people = {p["username"]: p for p in response.json}
    assert {"pat", "tom", "sue", "hal", "ada", "dee", "quinn", "paula", "ann", "pia", "ivan", "olive", "root"} <= set(people)
    assert people["pat"] == {"username": "pat", "name": "Pat (practitioner)", "email": "pat@council.example",
                             "roles": ["practitioner"], "team": "sas_1", "service_area": "safeguarding_support",
                             "active": True}
    assert people["ann"]["roles"] == ["auditor", "team_manager"] and people["dee"]["team"] is None


@pytest.mark.parametrize("username", ["pat", "tom", "quinn", "paula", "ada", "olive"])
def test_people_routes_are_for_admins_only(client, auth, username):
    headers = auth(username)
    assert client.get("/api/people", headers=headers).status_code == 403
    assert client.get("/api/people/pat", headers=headers).status_code == 403
    assert client.get("/api/people/pat/history", headers=headers).status_code == 403
    assert client.post("/api/people", json=NEW, headers=headers).status_code == 403
    assert client.patch("/api/people/pat", json={"active": False}, headers=headers).status_code == 403


def test_admin_adds_a_person_who_can_then_sign_in_and_it_is_recorded(client, auth):
    response = client.post("/api/people", json=NEW | {"password": "a long password"}, headers=auth("root"))
    assert response.status_code == 201
    assert response.json == {k: v for k, v in NEW.items()} | {"service_area": "children_in_care", "active": True}
    assert "password" not in response.json
    signed_in = client.post("/api/session", json={"username": "nia", "password": "a long password"})
    assert signed_in.status_code == 200
    [event] = client.get("/api/people/nia/history", headers=auth("root")).json
    assert (event["actor"], event["event"]) == ("root", "person_created")
    assert event["detail"] == {"username": "nia", "roles": ["practitioner"], "team": "cic_1", "active": True,
                               "password_set": True}


def test_admin_changes_roles_and_team_and_the_change_is_recorded(client, auth):
    response = client.patch("/api/people/pat", json={"roles": ["practitioner", "auditor"], "team": "cic_1"},
                            headers=auth("root"))
    assert response.status_code == 200
    assert (response.json["roles"], response.json["team"], response.json["service_area"]) == (
        ["auditor", "practitioner"], "cic_1", "children_in_care")
    assert client.get("/api/people/pat", headers=auth("root")).json == response.json
    [event] = client.get("/api/people/pat/history", headers=auth("root")).json
    assert (event["actor"], event["event"]) == ("root", "person_updated")
    assert event["detail"]["changes"] == {
        "roles": {"from": ["practitioner"], "to": ["auditor", "practitioner"]},
        "team": {"from": "sas_1", "to": "cic_1"},
        "service_area": {"from": "safeguarding_support", "to": "children_in_care"}}
    assert event["detail"]["password_changed"] is False


def test_deactivating_someone_ends_their_sessions_and_sign_in(app, client, auth):
    with doors.engine(app).db.transaction() as session:
        dao_set_password(session, "pat", "pat's password")
    pat = auth("pat")
    assert client.get("/api/clock", headers=pat).status_code == 200
    assert client.patch("/api/people/pat", json={"active": False}, headers=auth("root")).json["active"] is False
    assert client.get("/api/clock", headers=pat).status_code == 401
    assert client.post("/api/session", json={"username": "pat", "password": "pat's password"}).status_code == 401


def test_setting_a_password_replaces_the_old_one_and_revokes_tokens(client, auth):
    tom = auth("tom")
    response = client.patch("/api/people/tom", json={"password": "new password 1"}, headers=auth("root"))
    assert response.status_code == 200 and "password" not in response.json
    assert client.get("/api/clock", headers=tom).status_code == 401
    assert client.post("/api/session", json={"username": "tom", "password": "new password 1"}).status_code == 200
    [event] = client.get("/api/people/tom/history", headers=auth("root")).json
    assert event["detail"] == {"username": "tom", "changes": {}, "password_changed": True}
    assert "new password" not in str(event)


def test_an_existing_username_is_409(client, auth):
    response = client.post("/api/people", json=NEW | {"username": "pat"}, headers=auth("root"))
    assert response.status_code == 409 and response.content_type == "application/problem+json"


@pytest.mark.parametrize("body, field", [
    (NEW | {"roles": ["practitioner", "wizard"]}, "roles.1"),
    (NEW | {"team": "no_such_team"}, "team"),
    (NEW | {"username": "Not Valid"}, "username"),
    (NEW | {"roles": []}, "roles"),
    (NEW | {"password": "short"}, "password"),
    (NEW | {"email": "not-an-email"}, "email"),
    ({k: v for k, v in NEW.items() if k != "name"}, "name"),
])
def test_invalid_people_are_422_naming_the_field(client, auth, body, field):
    response = client.post("/api/people", json=body, headers=auth("root"))
    assert response.status_code == 422 and field in response.json["errors"]


def test_unknown_person_is_404(client, auth):
    headers = auth("root")
    assert client.get("/api/people/nobody", headers=headers).status_code == 404
    assert client.get("/api/people/nobody/history", headers=headers).status_code == 404
    assert client.patch("/api/people/nobody", json={"active": False}, headers=headers).status_code == 404


def test_invalid_changes_are_422(client, auth):
    headers = auth("root")
    assert client.patch("/api/people/pat", json={"roles": ["wizard"]}, headers=headers).status_code == 422
    assert client.patch("/api/people/pat", json={"active": "maybe"}, headers=headers).status_code == 422
    assert client.patch("/api/people/pat", json={"username": "pat2"}, headers=headers).status_code == 422


def test_an_admin_cannot_lock_themselves_out(client, auth):
    headers = auth("root")
    assert client.patch("/api/people/root", json={"active": False}, headers=headers).status_code == 409
    assert client.patch("/api/people/root", json={"roles": ["practitioner"]}, headers=headers).status_code == 409
    assert client.get("/api/people/root", headers=headers).json["roles"] == ["admin"]


def test_people_need_a_token(client):
    assert client.get("/api/people").status_code == 401
