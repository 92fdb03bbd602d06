"""GET /api/process-instances/{id}/audits: what the next audit of a case sees of the last (R-27), the
same engine call as the case page (engine/views/previous_audit.py)."""
import doors
from tests.fixtures.audit_history import seed_action, seed_audit
from tests.flows.conftest import definition_files
from tests.flows.test_case_audit import FILES

CASE = {"case_ref": "C-1001", "auditor": "ann", "practitioner": "pat", "audit_kind": "re_audit",
        "previous_grade": "inadequate"}


def test_a_reaudit_answers_the_audit_before_it_with_its_actions(app, client, auth):
    engine = doors.engine(app)
    engine.deploy(definition_files(*FILES), "olive")
    march = seed_audit(engine, "C-1001", "2026-03-02T12:00:00+00:00", "inadequate",
                       domains={"risk_assessment": "inadequate"})
    seed_action(engine, march, "C-1001", 0, "Visit the child fortnightly", "pat", "2026-03-20T23:59:59+00:00",
                completed="2026-03-23T10:00:00+00:00", outcome="done", closed_as="all_done")
    iid = engine.start_instance("case_audit", CASE, "quinn")
    answer = client.get(f"/api/process-instances/{iid}/audits", headers=auth("tom"))
    assert answer.status_code == 200, answer.text
    previous = answer.json["previous_audit"]
    assert (previous["instance_id"], previous["overall_grade"], previous["may_open"]) == (march, "inadequate", True)
    assert previous["domains"] == [{"domain": "risk_assessment", "grade": "inadequate"}]
    assert [(a["action"], a["owner_name"], a["state"], a["closed_as"]) for a in previous["actions"]] == [
        ("Visit the child fortnightly", "Pat (practitioner)", "done_late", "all_done")]
    assert answer.json["agreed_actions"] == []
    assert [a["actions"] for a in answer.json["earlier_audits"]] == [{"agreed": 1, "done_late": 1}]
    refused = client.get(f"/api/process-instances/{iid}/audits", headers=auth("pia"))  # not her case
    assert refused.status_code == 404 and "C-1001" not in refused.text
