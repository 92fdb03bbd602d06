"""Issue 25 item 2: a password is set only if it has at least 12 characters (NCSC: length over
complexity rules), is not all white space and is not a common password; wherever it is set (the
admin API, dao_set_password, the demo seeding), a weak one is refused naming why (R-81)."""
import pytest

from engine.models import Credential
from engine.people.accounts import dao_set_password, hash_password
from engine.people.passwords import MIN_LENGTH, WeakPassword, common_passwords

NEW = {"username": "nia", "name": "Nia Obi", "roles": ["practitioner"], "team": "team-north"}
WEAK = [
    ("12345678", "it needs at least 12"),
    ("password", "it needs at least 12"),
    (" " * 8, "empty or only spaces"),
    (" " * 20, "empty or only spaces"),
    ("", "empty or only spaces"),
    ("qwertyuiopasdfghjkl", "most common passwords"),
    ("Password2026!", "most common passwords"),  # compared without case
    ("correct horse  battery staple", "most common passwords"),  # nor runs of spaces
    ("x" * 201, "at most 200"),
]


@pytest.mark.parametrize("password, why", WEAK)
def test_the_admin_api_refuses_a_weak_password_for_a_new_person(client, auth, password, why):
    answer = client.post("/api/people", json=NEW | {"password": password}, headers=auth("root"))
    assert answer.status_code == 422
    assert why in answer.json["errors"]["password"][0]
    assert client.get("/api/people/nia", headers=auth("root")).status_code == 404  # nobody added


@pytest.mark.parametrize("password, why", WEAK)
def test_the_admin_api_refuses_a_weak_password_for_a_change(client, auth, engine_of, password, why):
    answer = client.patch("/api/people/tom", json={"password": password}, headers=auth("root"))
    assert answer.status_code == 422 and why in answer.json["errors"]["password"][0]
    with engine_of.db.reading() as session:
        assert session.get(Credential, "tom") is None  # nothing set


def test_a_password_of_twelve_characters_is_taken(client, auth):
    answer = client.patch("/api/people/tom", json={"password": "tn7-kq2-vw9x"}, headers=auth("root"))
    assert answer.status_code == 200
    assert client.post("/api/session", json={"username": "tom", "password": "tn7-kq2-vw9x"}).status_code == 200


@pytest.mark.parametrize("password, why", WEAK)
def test_setting_a_password_in_the_engine_refuses_a_weak_one(engine, password, why):
    with pytest.raises(WeakPassword, match=why) as refused, engine.db.transaction() as session:
        dao_set_password(session, "tom", password)
    assert refused.value.status == 422 and list(refused.value.errors) == ["password"]
    with pytest.raises(WeakPassword):
        hash_password(password)  # the one way to a stored hash


def test_the_demo_password_and_the_test_passwords_pass():
    from app import DEMO_PASSWORD
    from tests.security.test_sign_in_throttle import PASSWORD as THROTTLE_PASSWORD
    from tests.web.conftest import PASSWORD as PAGES_PASSWORD
    for password in (DEMO_PASSWORD, THROTTLE_PASSWORD, PAGES_PASSWORD):
        assert len(password) >= MIN_LENGTH and password not in common_passwords()


def test_the_list_is_a_few_hundred_lower_case_entries():
    assert 300 <= len(common_passwords()) <= 5000
    assert {"123456", "password", "qwerty123", "correct horse battery staple"} <= common_passwords()
