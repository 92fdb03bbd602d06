"""Process owners change policy through the pages, without JavaScript (issue 13): the definitions
list and a version history with downloads, upload → check → the diff → deploy with a note, the
migration preview and bulk migration; 403 pages for everyone else (R-01, R-81)."""
import io
from pathlib import Path

import pytest

import doors
from engine.people.accounts import dao_set_password
from tests.flows.conftest import complete
from tests.flows.test_case_audit import discussion, draft
from tests.web.conftest import CASE, PASSWORD, csrf_of, signed_in

ROOT = Path(__file__).resolve().parents[2]
AUDIT = (ROOT / "processes" / "case_audit.bpmn").read_text()
QA_TWO_DAYS = AUDIT.replace("add_working_days(now(), 1)</bpmn:timeDate>", "add_working_days(now(), 2)</bpmn:timeDate>") \
    .replace('name="1 working day"', 'name="2 working days"')


@pytest.fixture
def olive(site):
    with doors.engine(site).db.transaction() as session:
        dao_set_password(session, "olive", PASSWORD)
    return signed_in(site, "olive")


def check(client, files: dict[str, str]):
    token = csrf_of(client.get("/definitions/deploy").text)
    data = {"csrf_token": token, "files": [(io.BytesIO(c.encode()), n) for n, c in files.items()]}
    return client.post("/definitions/deploy/check", data=data, content_type="multipart/form-data")


def deploy(client, review_html: str, note: str):
    names = [("file_name", n) for n in ("case_audit.bpmn",)]
    return client.post("/definitions/deploy", data={"csrf_token": csrf_of(review_html), "note": note,
                                                    "file_name": [n for _, n in names], "file_content": [QA_TWO_DAYS]})


def test_the_definitions_list_and_a_version_history_with_downloads(site, olive):
    listed = olive.get("/definitions").text
    assert "Case audit" in listed and "findings_deadline.dmn" in listed and "audit_tool.json" in listed
    history = olive.get("/definitions/case_audit").text
    assert "Versions, newest first" in history and "by olive" in history
    download = olive.get("/definitions/case_audit/versions/1/download")
    assert download.status_code == 200 and download.headers["Content-Disposition"].startswith("attachment")
    assert download.text == AUDIT
    table = olive.get("/definitions/files/findings_deadline.dmn/1/download")
    assert table.status_code == 200 and b"findings_deadline" in table.data
    assert olive.get("/definitions/files/findings_deadline.dmn/2/download").status_code == 404
    preview = olive.get("/definitions/forms/qa_review")
    assert preview.status_code == 200 and 'name="qa_outcome"' in preview.text


def test_upload_check_diff_and_deploy_with_a_note(site, olive):  # R-01 R-80
    review = check(olive, {"case_audit.bpmn": QA_TWO_DAYS})
    assert review.status_code == 200, review.text
    assert ("timer on Quality assure the audit report: add_working_days(now(), 1) → add_working_days(now(), 2)"
            in review.text)
    assert "case_audit version 2" in review.text
    no_note = deploy(olive, review.text, "  ")
    assert no_note.status_code == 400 and "Write a short change note" in no_note.text
    assert doors.engine(site).reads.definition("case_audit")["latest_version"] == 1
    done = deploy(olive, review.text, "QA within 2 working days (policy review)")
    assert done.status_code == 302 and done.location.endswith("/definitions/case_audit")
    history = olive.get("/definitions/case_audit").text
    assert "Deployed case_audit version 2." in history and "QA within 2 working days (policy review)" in history
    changes = olive.get("/definitions/case_audit/versions/2/changes").text
    assert "add_working_days(now(), 1) → add_working_days(now(), 2)" in changes


def test_a_broken_condition_is_named_and_nothing_is_deployed(site, olive):
    broken = AUDIT.replace('qa_outcome == "returned"', 'qa_outcome ==')
    refused = check(olive, {"case_audit.bpmn": broken})
    assert refused.status_code == 422
    assert "Nothing was deployed" in refused.text and "flow_qa_returned" in refused.text
    assert doors.engine(site).reads.definition("case_audit")["latest_version"] == 1


def test_migration_preview_and_bulk_migration_without_javascript(site, olive):
    engine = doors.engine(site)
    at_qa = engine.start_instance("case_audit", CASE, "quinn")
    complete(engine, at_qa, "draft_audit", draft("good"), "ann")
    complete(engine, at_qa, "discuss_draft_findings", discussion("good"), "ann")
    drafting = engine.start_instance("case_audit", CASE | {"case_ref": "C-1002"}, "quinn")
    qa_renamed = AUDIT.replace("quality_assure_report", "quality_assure_audit")  # the QA task's element goes
    engine.deploy({"case_audit.bpmn": qa_renamed.encode()}, "olive", "QA step renamed")
    preview = olive.get("/definitions/case_audit/migration")
    assert preview.status_code == 200
    assert f'value="{drafting}"' in preview.text and f'value="{at_qa}"' not in preview.text
    assert "Cannot move" in preview.text and "quality_assure_report" in preview.text
    moved = olive.post("/definitions/case_audit/migration", data={
        "csrf_token": csrf_of(preview.text), "version": "2", "instance": [str(drafting)]})
    assert moved.status_code == 200 and "1 moved to version 2" in moved.text
    assert engine.reads.instance(drafting)["version"] == 2 and engine.reads.instance(at_qa)["version"] == 1
    nothing = olive.post("/definitions/case_audit/migration", data={"csrf_token": csrf_of(preview.text), "version": "2"})
    assert nothing.status_code == 400 and "Select the instances to move" in nothing.text


def test_the_editors_check_answers_the_problems_as_json(site, olive):
    token = csrf_of(olive.get("/definitions/case_audit/edit").text)
    headers = {"X-CSRFToken": token}
    ok = olive.post("/definitions/validate", json={"files": {"case_audit.bpmn": QA_TWO_DAYS}}, headers=headers)
    assert ok.status_code == 200 and ok.json["would_deploy"] == [{"process_id": "case_audit", "version": 2,
                                                                  "created": True}]
    broken = olive.post("/definitions/validate", headers=headers, json={"files": {
        "case_audit.bpmn": AUDIT.replace('qa_outcome == "returned"', "qa_outcome ==")}})
    assert broken.status_code == 422 and broken.json["problems"][0]["element_id"] == "flow_qa_returned"
    assert olive.post("/definitions/validate", json={"files": []}, headers=headers).status_code == 400
    assert doors.engine(site).reads.definition("case_audit")["latest_version"] == 1


def test_only_process_owners_edit_deploy_or_migrate(site):  # R-01 R-81
    pat = signed_in(site, "pat")
    for path in ("/definitions/case_audit/edit", "/definitions/files/findings_deadline.dmn/edit", "/definitions/deploy",
                 "/definitions/case_audit/migration"):
        page = pat.get(path)
        assert page.status_code == 403 and "You cannot do this" in page.text, path
    assert pat.get("/definitions").status_code == 200
    assert "Edit the diagram" not in pat.get("/definitions/case_audit").text
    assert signed_in(site, "quinn").post("/definitions/deploy", data={"csrf_token": csrf_of(
        pat.get("/definitions").text)}).status_code in (400, 403)
