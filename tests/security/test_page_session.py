"""Issue 25: the pages' session cookie is signed, not encrypted: anyone holding it reads it. It must
carry only an opaque id the server maps to the person, never a bearer token of the API nor the
username; sign-out, a password change and deactivation end it on the server."""
import base64
import json
import zlib

import pytest

from tests.api.test_oidc import oidc_app  # noqa: F401  (fixture)
from tests.web.conftest import PASSWORD, csrf_of, signed_in, site  # noqa: F401  (site: a fixture)

COOKIE = "qa_session"


def cookie_of(client) -> str:
    return client.get_cookie(COOKIE).value


def readable(cookie: str) -> str:
    """What anyone holding the cookie reads: its payload, base64 (zlib-compressed if it starts with '.')."""
    compressed, payload = cookie.startswith("."), cookie.lstrip(".").split(".")[0]
    raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    return (zlib.decompress(raw) if compressed else raw).decode()


def values_in(cookie: str) -> list[str]:
    return [v for v in json.loads(readable(cookie)).values() if isinstance(v, str)]


def replay(site_app, cookie: str):
    """A new browser holding the cookie (as someone who copied it would)."""
    client = site_app.test_client()
    client.set_cookie(COOKIE, cookie)
    return client


def signed_out(answer) -> bool:
    return answer.status_code == 302 and "/sign-in" in answer.headers["Location"]


def test_the_cookie_holds_no_bearer_token_and_no_username(site, client):  # noqa: F811
    cookie = cookie_of(signed_in(site, "tom"))
    assert "tom" not in readable(cookie)
    for value in values_in(cookie):  # the page session's id, the CSRF token: none opens the API
        answer = client.get("/api/tasks", headers={"Authorization": f"Bearer {value}"})
        assert answer.status_code == 401, value


def test_the_cookie_still_signs_in_until_sign_out_ends_it_on_the_server(site):  # noqa: F811
    browser = signed_in(site, "tom")
    cookie = cookie_of(browser)
    assert replay(site, cookie).get("/").status_code == 200
    page = browser.get("/")
    assert signed_out(browser.post("/sign-out", data={"csrf_token": csrf_of(page.text)}))
    assert signed_out(replay(site, cookie).get("/"))  # the copied cookie: signed out too


def test_a_password_change_or_deactivation_ends_the_page_session(site, client, auth):  # noqa: F811
    tom, pat = cookie_of(signed_in(site, "tom")), cookie_of(signed_in(site, "pat"))
    assert client.patch("/api/people/tom", json={"password": "another long password 7"},
                        headers=auth("root")).status_code == 200
    assert client.patch("/api/people/pat", json={"active": False}, headers=auth("root")).status_code == 200
    assert signed_out(replay(site, tom).get("/")) and signed_out(replay(site, pat).get("/"))


def test_the_page_session_expires_as_a_token_does(site, clock):  # noqa: F811
    cookie = cookie_of(signed_in(site, "tom"))
    clock.advance(hours=site.config["TOKEN_HOURS"], seconds=1)
    assert signed_out(replay(site, cookie).get("/"))


@pytest.mark.parametrize("forged", ["", "x" * 43, "not-a-session"])
def test_a_forged_id_signs_nobody_in(site, forged):  # noqa: F811
    with site.test_client() as client:
        with client.session_transaction() as session:  # signed with the real key: only the id is guessed
            session["page_session"] = forged
        assert signed_out(client.get("/"))


def test_a_bearer_token_is_not_a_page_session(site, auth):  # noqa: F811
    token = auth("tom")["Authorization"].split()[1]
    with site.test_client() as client:
        with client.session_transaction() as session:
            session["page_session"] = token
            session["token"] = token  # the old key: no longer read
        assert signed_out(client.get("/"))


def test_sign_in_through_the_page_still_works_with_the_password(site):  # noqa: F811
    client = site.test_client()
    page = client.get("/sign-in")
    answer = client.post("/sign-in", data={"username": "tom", "password": PASSWORD,
                                           "csrf_token": csrf_of(page.text)})
    assert answer.status_code == 302 and client.get("/").status_code == 200


def test_the_identity_providers_sign_in_to_the_pages_gives_a_page_session(oidc_app, monkeypatch):  # noqa: F811
    provider = oidc_app.extensions["oidc_client"]
    monkeypatch.setattr(provider, "authorize_access_token", lambda **kw: {"userinfo": {
        "preferred_username": "jo.smith", "name": "Jo Smith", "roles": ["QA.Team"]}})
    browser = oidc_app.test_client()
    with browser.session_transaction() as session:
        session["oidc_for_pages"] = "/"  # as the pages' "Sign in with ..." leaves it
    assert browser.get("/auth/oidc/callback").status_code == 302
    cookie = cookie_of(browser)
    assert "jo.smith" not in readable(cookie) and replay(oidc_app, cookie).get("/").status_code == 200
    for value in values_in(cookie):
        answer = browser.get("/api/clock", headers={"Authorization": f"Bearer {value}"})
        assert answer.status_code == 401, value
