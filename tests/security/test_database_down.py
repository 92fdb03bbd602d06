"""Issue 25, item 4: while the database cannot be reached, the API and the pages answered 500 and
/health 500 with the settable clock. Now each says the service is unavailable for now: 503 with
Retry-After (problem+json for the API, an error page for the pages), and /health 503 saying why,
whatever the clock. No waiting: the addresses refuse at once."""
import pytest

import doors
from app import create_app
from engine.clock import SystemClock, get_clock, set_clock
from tests.web.conftest import csrf_of

UNREACHABLE = {"postgresql": "postgresql+psycopg://postgres@127.0.0.1:1/x?connect_timeout=2",  # a closed port
               "sqlite": "sqlite:////nonexistent-i25/no/such/folder/qa.db"}  # a folder that is not there


@pytest.fixture(params=[(kind, clock) for kind in UNREACHABLE for clock in ("system", "settable")],
                ids=lambda p: "-".join(p))
def down(request):
    kind, clock = request.param
    before = get_clock()
    app = create_app({"DATABASE_URL": UNREACHABLE[kind], "TESTING": True, "CLOCK": clock})
    yield app.test_client()
    doors.engine(app).db.dispose()
    set_clock(before if clock == "system" else SystemClock())


def test_health_says_the_database_is_unreachable(down):
    answer = down.get("/health")
    assert answer.status_code == 503 and answer.headers["Retry-After"]
    assert answer.json["status"] == "unavailable" and answer.json["database"] == "unreachable"


@pytest.mark.parametrize("path", ["/api/tasks", "/api/process-instances/1", "/api/session"])
def test_the_api_answers_503_with_retry_after(down, path):
    answer = down.post(path, json={"username": "pat", "password": "x"}) if path == "/api/session" else (
        down.get(path, headers={"Authorization": "Bearer not-checked-yet"}))
    assert answer.status_code == 503, answer.text
    assert answer.content_type == "application/problem+json" and answer.headers["Retry-After"]
    assert answer.json["detail"] == "The database cannot be reached just now; try again shortly."


def _page_unavailable(answer) -> None:
    assert answer.status_code == 503, answer.text[:500]
    assert answer.mimetype == "text/html" and answer.headers["Retry-After"]
    assert "Sorry, the service is unavailable" in answer.text
    assert "The database cannot be reached just now" in answer.text


@pytest.mark.parametrize("path", ["/", "/cases", "/instances/1"])
def test_a_signed_in_page_answers_an_error_page_with_retry_after(down, path):
    with down.session_transaction() as session:  # a session from before the outage
        session["page_session"] = "the-id-of-an-earlier-sign-in"
    _page_unavailable(down.get(path))


def test_signing_in_answers_an_error_page_with_retry_after(down):
    page = down.get("/sign-in")
    if down.application.config["CLOCK"] == "settable":  # it reads the shared time before each request
        return _page_unavailable(page)
    assert page.status_code == 200  # shown without the database
    form = {"username": "pat", "password": "x", "csrf_token": csrf_of(page.text)}
    _page_unavailable(down.post("/sign-in", data=form))
