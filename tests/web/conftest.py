"""Page fixtures: the app with the demo organisation, the real definitions deployed, passwords for
a few demo users, and a signed-in test client per person (through the sign-in page, with CSRF)."""
import re

import pytest

import doors
from engine.people.accounts import dao_set_password
from tests.api.conftest import app, auth  # noqa: F401  (fixtures)
from tests.flows.conftest import definition_files

PASSWORD = "a-long-demo-password"
CASE = {"case_ref": "C-1001", "auditor": "ann", "practitioner": "pat", "audit_kind": "audit"}


@pytest.fixture
def site(app):  # noqa: F811
    """The app with processes/ and forms/ deployed and passwords for the people the tests sign in as."""
    engine = doors.engine(app)
    engine.deploy(definition_files("case_audit.bpmn", "audit_alerts.dmn", "findings_deadline.dmn", "reaudit.dmn",
                                   "case_audit_settings.dmn", "dispute_resolution.bpmn", "dispute_settings.dmn",
                                   "child_safety_alert.bpmn"), "olive")
    with engine.db.transaction() as session:
        for username in ("ann", "quinn", "tom", "pia", "pat"):
            dao_set_password(session, username, PASSWORD)
    return app


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def signed_in(site_app, username: str):
    """A test client signed in as `username` through the sign-in page."""
    client = site_app.test_client()
    page = client.get("/sign-in")
    answer = client.post("/sign-in", data={"username": username, "password": PASSWORD, "csrf_token": csrf_of(page.text)})
    assert answer.status_code == 302, answer.text
    return client


@pytest.fixture
def audit(site):
    engine = doors.engine(site)
    instance_id = engine.start_instance("case_audit", CASE, "quinn")
    [task] = engine.reads.ready_tasks(instance_id=instance_id)
    return instance_id, task["id"]
