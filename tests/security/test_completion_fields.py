"""Item 1: a completion writes only the fields its form declares; a start names only real people."""
import json

import pytest

from engine.errors import InvalidDefinition
from tests.flows.conftest import definition_files
from tests.flows.test_case_audit import FILES, discussion, draft
from tests.flows.test_need_to_know_audit import FILES as NEED_TO_KNOW_FILES

CASE = {"case_ref": "C-1001", "auditor": "ann", "practitioner": "pat", "audit_kind": "audit"}


@pytest.fixture
def audit(engine_of):
    """An inadequate audit, quality assured and sent: tom (pat's team manager) is to respond."""
    engine_of.deploy(definition_files(*FILES), "olive")
    iid = engine_of.start_instance("case_audit", CASE, "quinn")
    for element, data, actor in [("draft_audit", draft("inadequate"), "ann"),
                                 ("discuss_draft_findings", discussion("inadequate"), "ann"),
                                 ("quality_assure_report", {"qa_outcome": "accepted"}, "quinn")]:
        [task] = [t for t in engine_of.reads.ready_tasks(instance_id=iid) if t["element_id"] == element]
        engine_of.complete_task(task["id"], data, actor)
    return iid


def test_answering_the_report_cannot_rewrite_the_grade_or_the_case(client, auth, engine_of, audit):
    [task] = [t for t in engine_of.reads.ready_tasks(instance_id=audit) if t["element_id"] == "respond_to_report"]
    before = engine_of.reads.instance(audit)
    hostile = {"dispute": False, "overall_grade": "outstanding", "case_ref": "C-9999", "auditor": "quinn",
               "domains": {"risk_assessment": {"grade": "outstanding", "rationale": "x"}}}
    response = client.post(f"/api/tasks/{task['id']}/complete", json={"data": hostile}, headers=auth("tom"))
    assert response.status_code == 422
    assert set(response.json["errors"]) == {"overall_grade", "case_ref", "auditor", "domains"}
    assert "is not a field of the form 'report_response'" in response.json["errors"]["overall_grade"][0]
    after = engine_of.reads.instance(audit)
    assert after["data"] == before["data"] and after["revision"] == before["revision"]
    assert after["data"]["overall_grade"] == "inadequate" and after["case_ref"] == "C-1001"
    # The form's own fields still complete it.
    ok = client.post(f"/api/tasks/{task['id']}/complete", json={"data": {"dispute": False}}, headers=auth("tom"))
    assert ok.status_code == 200 and ok.json["data"]["overall_grade"] == "inadequate"


@pytest.mark.parametrize("field, value", [("auditor", "ghost"), ("practitioner", "nobody"), ("team", "no_team"),
                                          ("previous_practitioner", "ghost")])
def test_a_start_naming_someone_not_in_the_directory_is_refused(client, auth, engine_of, field, value):
    engine_of.deploy(definition_files(*FILES), "olive")
    body = {"process_id": "case_audit", "data": CASE | {field: value}}
    response = client.post("/api/process-instances", json=body, headers=auth("quinn"))
    assert response.status_code == 422 and list(response.json["errors"]) == [field]
    assert client.get("/api/process-instances", headers=auth("quinn")).json["total"] == 0


def test_the_case_record_webhook_cannot_name_a_ghost_either(app, client, engine_of):
    from tests.api.test_webhooks_in import SECRET, URL, counts, signed
    app.config["WEBHOOK_SECRET"] = SECRET
    engine_of.deploy(definition_files(*NEED_TO_KNOW_FILES), "olive")
    event = {"type": "need_to_know.notified", "case_ref": "C-7", "summary": "x", "practitioner": "ghost"}
    response = client.post(URL, **signed(event))
    assert response.status_code == 422 and list(response.json["errors"]) == ["practitioner"]
    assert counts(engine_of) == (0, 0)  # nothing started; the event id is not taken: it can be sent again


def test_a_form_may_not_declare_what_identifies_the_case(engine_of):
    form = {"type": "object", "properties": {"auditor": {"type": "string"}, "note": {"type": "string"}}}
    bundle = definition_files(*FILES) | {"report_response.json": json.dumps(form).encode()}
    with pytest.raises(InvalidDefinition) as refused:
        engine_of.deploy(bundle, "olive")
    problems = refused.value.errors  # the practitioner's and the team manager's answers share the form
    assert [(p["file"], p["element_id"]) for p in problems] == [
        ("case_audit.bpmn", "practitioner_respond_to_report"), ("case_audit.bpmn", "respond_to_report")]
    assert all(p["line"] for p in problems)
    assert "its form 'report_response' declares 'auditor', which identifies the case" in problems[1]["message"]
