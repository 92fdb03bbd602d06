"""Who may start a child-safety alert directly (§1.7, §2.10, R-40): child_safety_alert declares its
starters (camunda:candidateStarterGroups) to match who may raise a concern on an audit
(engine/people/access.py: the audit team and those acting on the audit): auditors, team managers and the
audit team (QA team, PSW, head of QA). Others get 403 and nothing starts."""
import pytest

from tests.flows.conftest import definition_files

ALERT = {"case_ref": "C-1001", "practitioner": "pat", "auditor": "ann", "concern": "Bruising seen on a visit",
         "raised_from": "case_audit"}


@pytest.fixture
def alerts(engine_of):
    engine_of.deploy(definition_files("child_safety_alert.bpmn"), "olive")
    return engine_of


@pytest.mark.parametrize("username, status", [
    ("ann", 201),    # an auditor (R-40: "The auditor can raise it at any step of the audit")
    ("tom", 201),    # a team manager (§1.7 "identified by the auditor/manager")
    ("quinn", 201),  # the QA team (Appendix B: "Auditor Team identifies concern/s")
    ("paula", 201),  # the PSW and head of QA, of the audit team
    ("pat", 403), ("sue", 403), ("hal", 403), ("ada", 403), ("dee", 403), ("ivan", 403), ("olive", 403),
    ("root", 403),
])
def test_who_may_start_a_child_safety_alert(client, auth, alerts, username, status):
    response = client.post("/api/process-instances", json={"process_id": "child_safety_alert", "data": ALERT},
                           headers=auth(username))
    assert response.status_code == status, response.json
    started = alerts.reads.ready_tasks()
    if status == 201:
        assert response.json["process_id"] == "child_safety_alert"
        assert [t["element_id"] for t in started] == ["discuss_with_tm_and_sm"]
    else:
        assert started == []
