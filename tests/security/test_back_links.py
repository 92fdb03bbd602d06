"""Issue 25 item 4: every page that goes (or links) "back" to where the person came from, from a
`back` or `next` field, goes only to a path of this service: never another host, however spelt
(R-81). web/page_session.py `local_path` decides for all of them."""
import re

import pytest
from werkzeug.datastructures import MultiDict

from tests.web.conftest import PASSWORD, audit, csrf_of, signed_in, site  # noqa: F401  (fixtures)

ELSEWHERE = ["//evil.example", "/\\evil.example", "javascript:alert(1)", "https://evil.example",
             "/\t/evil.example", "\\\\evil.example", " //evil.example", "http:/evil.example"]


@pytest.fixture
def ann(site, audit):  # noqa: F811
    client = signed_in(site, "ann")
    return client, csrf_of(client.get(f"/tasks/{audit[1]}").text), audit


def links(html: str) -> set[str]:
    return set(re.findall(r'href="([^"]*)"', html))


def off_site(html: str) -> list[str]:
    return [link for link in links(html) if "evil" in link or link.startswith("javascript")]


def test_claim_and_release_redirect_here(ann):
    client, token, (_instance, task_id) = ann
    for elsewhere in ELSEWHERE:
        for verb, own in (("claim", f"/tasks/{task_id}"), ("release", "/")):
            answer = client.post(f"/tasks/{task_id}/{verb}", data={"csrf_token": token, "back": elsewhere})
            assert answer.status_code == 302 and answer.headers["Location"] == own, (verb, elsewhere)


def test_the_bulk_actions_go_back_here(ann):
    client, token, _audit = ann
    for elsewhere in ELSEWHERE:
        nothing_selected = client.post("/tasks/selected", data={"csrf_token": token, "back": elsewhere})
        assert nothing_selected.headers["Location"] == "/", elsewhere
        unfinished = client.post("/tasks/selected/reassign", data=MultiDict(
            [("csrf_token", token), ("back", elsewhere), ("to", "")]))
        assert unfinished.status_code == 400 and off_site(unfinished.text) == [], elsewhere


def test_the_concern_form_links_back_here(ann):
    client, _token, (instance_id, _task) = ann
    for elsewhere in ELSEWHERE:
        answer = client.get(f"/instances/{instance_id}/concern", query_string={"back": elsewhere})
        assert answer.status_code == 200 and off_site(answer.text) == [], elsewhere


def test_signing_in_goes_on_here(site):  # noqa: F811
    for elsewhere in ELSEWHERE:
        answer = signed_in_to(site, elsewhere)
        assert answer.status_code == 302 and answer.headers["Location"] == "/", elsewhere


def signed_in_to(app, next_page: str):
    client = app.test_client()
    token = csrf_of(client.get("/sign-in", query_string={"next": next_page}).text)
    return client.post("/sign-in", data={"username": "ann", "password": PASSWORD, "csrf_token": token,
                                         "next": next_page})


def test_a_path_of_this_service_is_kept(ann):
    client, token, (instance_id, task_id) = ann
    kept = client.post(f"/tasks/{task_id}/claim", data={"csrf_token": token, "back": "/cases?q=C-1"})
    assert kept.headers["Location"] == "/cases?q=C-1"
    concern = client.get(f"/instances/{instance_id}/concern", query_string={"back": "/cases?q=C-1"})
    assert "/cases?q=C-1" in links(concern.text)
    signing_in = signed_in_to(ann[0].application, "/cases?q=C-1")
    assert signing_in.headers["Location"] == "/cases?q=C-1"
