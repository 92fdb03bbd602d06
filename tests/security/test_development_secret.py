"""Issue 25 item 1: without QA_SECRET_KEY (development), every process of one installation signs
with the same secret, kept in the instance folder; production still refuses to start without one."""
import stat

import pytest

import doors
from app import SECRET_FILE, create_app


@pytest.fixture
def two_apps(org, tmp_path):
    """Two apps as two gunicorn workers start them: same instance folder, no secret configured."""
    apps = [create_app({"DATABASE_URL": org.db.url, "TESTING": True, "SECRET_KEY": None}, str(tmp_path / "instance"))
            for _ in range(2)]
    yield apps
    for app in apps:
        doors.engine(app).db.dispose()


def test_two_workers_share_one_secret_kept_in_the_instance_folder(two_apps, tmp_path):
    first, second = two_apps
    assert first.secret_key == second.secret_key and len(first.secret_key) == 64
    kept = tmp_path / "instance" / SECRET_FILE
    assert kept.read_text() == first.secret_key
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600  # readable by the service's account only
    assert list(kept.parent.iterdir()) == [kept]  # no draft left behind


def test_a_session_cookie_of_one_worker_is_accepted_by_the_other(two_apps):
    first, second = two_apps
    cookie = first.session_interface.get_signing_serializer(first).dumps({"token": "abc"})
    assert second.session_interface.get_signing_serializer(second).loads(cookie) == {"token": "abc"}


def test_a_sign_in_form_of_one_worker_is_taken_by_the_other(two_apps):
    first, second = two_apps
    with first.test_client() as one, second.test_client() as other:
        token = _csrf(one.get("/sign-in").text)
        cookie = first.config["SESSION_COOKIE_NAME"]
        other.set_cookie(cookie, one.get_cookie(cookie).value)  # the balancer sends the post to another worker
        answer = other.post("/sign-in", data={"username": "ann", "password": "wrong but checked",
                                              "csrf_token": token})
    assert answer.status_code == 400 and "out of date" not in answer.text  # the password was checked


def test_production_still_needs_the_secret(org, tmp_path):
    with pytest.raises(RuntimeError, match="QA_SECRET_KEY must be set in production"):
        create_app({"DATABASE_URL": org.db.url, "ENVIRONMENT": "production", "SECRET_KEY": None}, str(tmp_path))
    assert not (tmp_path / SECRET_FILE).exists()


def _csrf(html: str) -> str:
    from tests.web.conftest import csrf_of
    return csrf_of(html)
