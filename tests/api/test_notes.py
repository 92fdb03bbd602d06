"""GET and POST /api/process-instances/{id}/notes: the same engine call as the pages (engine/instances/notes.py)."""
import doors
from tests.flows.conftest import definition_files

CASE = {"case_ref": "C-1001", "auditor": "ann", "practitioner": "pat", "audit_kind": "audit"}


def audit(app) -> tuple[int, str]:
    engine = doors.engine(app)
    engine.deploy(definition_files("case_audit.bpmn", "audit_alerts.dmn", "findings_deadline.dmn", "reaudit.dmn",
                                   "case_audit_settings.dmn", "dispute_resolution.bpmn", "dispute_settings.dmn",
                                   "child_safety_alert.bpmn"), "olive")
    instance_id = engine.start_instance("case_audit", CASE, "quinn")
    [task] = engine.reads.ready_tasks(instance_id=instance_id)
    return instance_id, task["id"]


def test_notes_are_added_and_listed_oldest_first(app, client, auth):
    instance_id, task_id = audit(app)
    path = f"/api/process-instances/{instance_id}/notes"
    first = client.post(path, json={"text": "  Plan chased  "}, headers=auth("sue"))
    assert first.status_code == 201, first.text
    assert first.json | {"id": 0} == {"id": 0, "instance_id": instance_id, "author": "sue",
                                      "author_name": "Sue (service manager)", "created_at": "2026-11-02T09:00:00+00:00",
                                      "text": "Plan chased", "task_id": None, "task_name": None}
    second = client.post(path, json={"text": "On the draft", "task_id": task_id}, headers=auth("ann"))
    assert second.status_code == 201 and second.json["task_name"] == "Review case file and draft audit report"
    listed = client.get(path, headers=auth("tom")).json
    assert [n["text"] for n in listed] == ["Plan chased", "On the draft"]
    history = client.get(f"/api/process-instances/{instance_id}/history", headers=auth("tom")).json
    assert [e["detail"] for e in history if e["event"] == "note_added"] == [
        {"note_id": first.json["id"], "task_id": None}, {"note_id": second.json["id"], "task_id": task_id}]


def test_refusals_name_what_is_wrong(app, client, auth):
    instance_id, _task = audit(app)
    path = f"/api/process-instances/{instance_id}/notes"
    empty = client.post(path, json={"text": " "}, headers=auth("sue"))
    assert empty.status_code == 422 and empty.json["errors"] == {"text": ["Enter the note"]}
    long = client.post(path, json={"text": "z" * 2001}, headers=auth("sue"))
    assert long.status_code == 422 and "2,000 characters or fewer" in long.json["detail"]
    assert client.post(path, json={}, headers=auth("sue")).status_code == 422
    assert client.post(path, json={"text": "x", "task_id": "nope"}, headers=auth("sue")).status_code == 404
    for verb in (client.get, client.post):  # pia's team is not this case's
        hidden = verb(path, json={"text": "x"}, headers=auth("pia"))
        assert hidden.status_code == 404 and "C-1001" not in hidden.text
    assert client.get(path, headers=auth("sue")).json == []
    assert client.put(path, json={"text": "x"}, headers=auth("root")).status_code == 405  # no editing
