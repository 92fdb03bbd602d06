"""Tasks through the API: the inbox, one task with its form, claiming, releasing and completing;
who sees what (R-81) and who did what (R-80). The first steps of a real case audit, driven only
through HTTP, close the file."""
import json
import threading

import pytest

from tests.fixtures.diagrams import NOTE_FORM, chain_bundle
from tests.flows.conftest import definition_files

CASE = {"case_ref": "C-1001", "auditor": "ann", "practitioner": "pat"}
SHARED = {"case_ref": "C-2002", "auditor": "ann"}  # no practitioner: either team manager may act


@pytest.fixture
def case(engine_of):
    """A chain whose steps are the practitioner's: pat's, in team SAS 1."""
    engine_of.deploy(chain_bundle(lane="Practitioner"), "olive")
    return engine_of.start_instance("chain", CASE, "quinn")


@pytest.fixture
def shared(engine_of):
    """A chain whose first step is open to both team managers, ann and tom."""
    engine_of.deploy(chain_bundle(pid="managers", lane="Team manager"), "olive")
    return engine_of.start_instance("managers", SHARED, "quinn")


def inbox(client, auth, username, **query) -> list[dict]:
    response = client.get("/api/tasks", query_string=query, headers=auth(username))
    assert response.status_code == 200
    return response.json


def task_of(client, auth, username) -> str:
    [task] = inbox(client, auth, username)
    return task["id"]


def post(client, auth, username, path, body=None):
    return client.post(path, json=body, headers=auth(username))


def events(engine_of, instance_id, name) -> list[dict]:
    return [e for e in engine_of.reads.history(instance_id) if e["event"] == name]


# --- the inbox ------------------------------------------------------------------------------------

def test_inbox_lists_the_ready_tasks_the_caller_may_act_on(client, auth, case):
    [task] = inbox(client, auth, "pat")
    assert (task["element_id"], task["candidates"], task["case_ref"], task["state"]) == ("step_1", ["pat"], "C-1001",
                                                                                       "ready")
    assert task["instance_id"] == case and task["due_at"] == "2026-11-09T23:59:59+00:00"
    assert inbox(client, auth, "tom") == []  # he sees the case (his team) but the step is pat's
    assert inbox(client, auth, "pia") == [] and inbox(client, auth, "pia", case_ref="C-1001") == []


@pytest.mark.parametrize("query, found", [
    ({"case_ref": "C-1001"}, 1), ({"case_ref": "C-9999"}, 0), ({"process_id": "chain"}, 1),
    ({"process_id": "other"}, 0), ({"instance_id": "CASE"}, 1), ({"instance_id": 9999}, 0),
])
def test_inbox_filters(client, auth, case, query, found):
    query = {k: (case if v == "CASE" else v) for k, v in query.items()}
    assert len(inbox(client, auth, "pat", **query)) == found


def test_inbox_leaves_out_suspended_instances_and_tasks_another_holds(client, auth, engine_of, shared, case):
    assert [t["instance_id"] for t in inbox(client, auth, "tom")] == [shared]
    assert post(client, auth, "ann", f"/api/tasks/{task_of(client, auth, 'ann')}/claim").status_code == 200
    assert inbox(client, auth, "tom") == [] and len(inbox(client, auth, "ann")) == 1
    engine_of.suspend(case, "quinn", "records being checked")
    assert inbox(client, auth, "pat") == []


@pytest.mark.parametrize("query, status", [({"instance_id": "x"}, 422), ({"instance_id": 2**31}, 422),
                                           ({"case_ref": "C-\x00"}, 400)])
def test_inbox_rejects_a_bad_filter_and_needs_a_token(client, auth, query, status):
    assert client.get("/api/tasks", query_string=query, headers=auth("pat")).status_code == status
    assert client.get("/api/tasks").status_code == 401


# --- one task -------------------------------------------------------------------------------------

def test_task_detail_has_its_form_ui_schema_and_current_data(client, auth, case):
    task_id = task_of(client, auth, "pat")
    response = client.get(f"/api/tasks/{task_id}", headers=auth("pat"))
    assert response.status_code == 200
    task = response.json
    assert task["form"] == json.loads(NOTE_FORM) and task["ui"] == {}
    assert task["data"]["case_ref"] == "C-1001" and task["data"]["practitioner"] == "pat"
    assert {k: task[k] for k in ("id", "instance_id", "process_id", "element_id", "name", "role", "assignee",
                                 "state")} == {"id": task_id, "instance_id": case, "process_id": "chain",
                                               "element_id": "step_1", "name": "Step 1", "role": "practitioner",
                                               "assignee": None, "state": "ready"}


@pytest.mark.parametrize("username, status", [
    ("pat", 200), ("tom", 200), ("sue", 200), ("quinn", 200), ("ada", 200), ("ann", 200),
    ("pia", 404), ("sid", 404), ("ivan", 404), ("olive", 404),
])
def test_task_is_visible_to_who_may_act_or_see_its_instance(client, auth, case, username, status):
    task_id = task_of(client, auth, "pat")
    response = client.get(f"/api/tasks/{task_id}", headers=auth(username))
    assert response.status_code == status
    if status == 404:
        assert "C-1001" not in response.get_data(as_text=True)


@pytest.mark.parametrize("task_id", ["nope", "x" * 37, "a%00b"])
def test_unknown_task_is_404(client, auth, task_id):
    assert client.get(f"/api/tasks/{task_id}", headers=auth("root")).status_code == 404
    for verb in ("claim", "release", "complete"):
        assert post(client, auth, "root", f"/api/tasks/{task_id}/{verb}", {"data": {}}).status_code == 404


def test_completed_task_shows_what_it_was_completed_with(client, auth, case):
    task_id = task_of(client, auth, "pat")
    post(client, auth, "pat", f"/api/tasks/{task_id}/complete", {"data": {"note": "first"}})
    task = client.get(f"/api/tasks/{task_id}", headers=auth("tom")).json
    assert (task["state"], task["completed_by"], task["data"]["note"]) == ("completed", "pat", "first")


# --- claim and release ----------------------------------------------------------------------------

def test_claim_holds_the_task_for_the_caller_and_is_recorded(client, auth, engine_of, case):
    task_id = task_of(client, auth, "pat")
    response = post(client, auth, "pat", f"/api/tasks/{task_id}/claim")
    assert response.status_code == 200 and response.json["assignee"] == "pat"
    assert post(client, auth, "pat", f"/api/tasks/{task_id}/claim").status_code == 200  # already hers: no-op
    [claimed, _again] = events(engine_of, case, "task_claimed")
    assert (claimed["actor"], claimed["element_id"], claimed["detail"]) == ("pat", "step_1", {"task_id": task_id})


@pytest.mark.parametrize("username, status", [("tom", 403), ("quinn", 403), ("pia", 404)])
def test_claim_by_who_may_not_act(client, auth, case, username, status):
    task_id = task_of(client, auth, "pat")
    assert post(client, auth, username, f"/api/tasks/{task_id}/claim").status_code == status


def test_second_claim_is_409_and_the_holder_alone_may_complete(client, auth, shared):
    task_id = task_of(client, auth, "tom")
    assert post(client, auth, "ann", f"/api/tasks/{task_id}/claim").status_code == 200
    response = post(client, auth, "tom", f"/api/tasks/{task_id}/claim")
    assert response.status_code == 409 and "held by ann" in response.json["detail"]
    assert post(client, auth, "tom", f"/api/tasks/{task_id}/complete", {"data": {"note": "mine"}}).status_code == 409
    assert post(client, auth, "ann", f"/api/tasks/{task_id}/complete", {"data": {"note": "done"}}).status_code == 200


@pytest.mark.parametrize("verb", ["claim", "complete"])
def test_racing_claims_or_completions_exactly_one_wins(app, auth, engine_of, shared, verb):
    task_id = task_of(app.test_client(), auth, "tom")
    headers = {name: auth(name) for name in ("ann", "tom")}
    start, codes = threading.Barrier(2), {}

    def act(username):
        start.wait()
        response = app.test_client().post(f"/api/tasks/{task_id}/{verb}", json={"data": {"note": username}},
                                          headers=headers[username])
        codes[username] = response.status_code

    threads = [threading.Thread(target=act, args=(name,)) for name in headers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(codes.values()) == [200, 409]
    winner = next(name for name, code in codes.items() if code == 200)
    assert [e["actor"] for e in events(engine_of, shared, f"task_{verb.rstrip('e')}ed")] == [winner]


def test_release_by_the_holder_or_an_operator(client, auth, engine_of, shared):
    task_id = task_of(client, auth, "tom")
    path = f"/api/tasks/{task_id}/release"
    assert post(client, auth, "ann", path).status_code == 409  # nobody holds it
    post(client, auth, "ann", f"/api/tasks/{task_id}/claim")
    assert post(client, auth, "tom", path).status_code == 403  # a candidate, not the holder
    assert post(client, auth, "pia", path).status_code == 404
    response = post(client, auth, "ann", path)
    assert response.status_code == 200 and response.json["assignee"] is None
    post(client, auth, "tom", f"/api/tasks/{task_id}/claim")
    assert post(client, auth, "quinn", path).json["assignee"] is None  # an operator frees tom's hold
    released = events(engine_of, shared, "task_released")
    assert [(e["actor"], e["detail"]["holder"]) for e in released] == [("ann", "ann"), ("quinn", "tom")]


# --- complete -------------------------------------------------------------------------------------

def test_complete_answers_the_new_state_and_records_the_actor(client, auth, engine_of, case):
    task_id = task_of(client, auth, "pat")
    response = post(client, auth, "pat", f"/api/tasks/{task_id}/complete", {"data": {"note": "seen"}})
    assert response.status_code == 200
    view = response.json
    assert (view["id"], view["status"], view["data"]["note"]) == (case, "running", "seen")
    assert [(t["element_id"], t["state"], t["completed_by"]) for t in view["tasks"]] == [
        ("step_1", "completed", "pat"), ("step_2", "ready", None)]
    [completed] = events(engine_of, case, "task_completed")
    assert (completed["actor"], completed["detail"]["data"]) == ("pat", {"note": "seen"})
    again = post(client, auth, "pat", f"/api/tasks/{task_id}/complete", {"data": {"note": "twice"}})
    assert again.status_code == 409 and again.content_type == "application/problem+json"


@pytest.mark.parametrize("body, errors", [
    ({"data": {"note": ""}}, {"note": ["'' should be non-empty"]}),
    ({"data": {"approved": True}}, {"note": ["'note' is a required property"]}),
    ({"data": {"note": 3}}, {"note": ["3 is not of type 'string'"]}),
    ({"data": "note"}, {"data": ["Not a valid mapping type."]}),
    ({}, {"data": ["Missing data for required field."]}),
])
def test_complete_with_invalid_data_is_422_with_field_paths(client, auth, engine_of, case, body, errors):
    task_id = task_of(client, auth, "pat")
    response = post(client, auth, "pat", f"/api/tasks/{task_id}/complete", body)
    assert response.status_code == 422 and response.json["errors"] == errors
    assert inbox(client, auth, "pat")[0]["assignee"] is None  # nothing kept, not even the hold
    assert events(engine_of, case, "task_completed") == []


@pytest.mark.parametrize("username, status", [("tom", 403), ("ada", 403), ("pia", 404)])
def test_complete_by_who_may_not_act(client, auth, case, username, status):
    task_id = task_of(client, auth, "pat")
    assert post(client, auth, username, f"/api/tasks/{task_id}/complete", {"data": {"note": "x"}}).status_code == status


def test_complete_on_a_suspended_instance_is_409(client, auth, engine_of, case):
    task_id = task_of(client, auth, "pat")
    engine_of.suspend(case, "quinn", "records being checked")
    assert post(client, auth, "pat", f"/api/tasks/{task_id}/complete", {"data": {"note": "x"}}).status_code == 409
    assert post(client, auth, "pat", f"/api/tasks/{task_id}/claim").status_code == 409


# --- a case audit's first steps, only through HTTP --------------------------------------------------

AUDIT_FILES = ("case_audit.bpmn", "audit_alerts.dmn", "findings_deadline.dmn", "reaudit.dmn", "case_audit_settings.dmn",
               "dispute_resolution.bpmn", "dispute_settings.dmn", "child_safety_alert.bpmn")
DOMAINS = ("referral_and_response", "risk_assessment", "key_decisions", "key_assessment_episodes",
           "key_planning_and_reviewing", "child_focused_practice", "supervision_and_management_oversight",
           "direct_engagement", "reporting_and_recording", "case_transfer_and_closure")


def graded(grade: str) -> dict:
    return {name: {"grade": grade, "rationale": f"Evidence for {name}"} for name in DOMAINS}


def test_case_audit_draft_discussion_and_qa_through_the_api(client, auth, engine_of):  # R-13 R-14 R-80 R-81
    engine_of.deploy(definition_files(*AUDIT_FILES), "olive")
    started = post(client, auth, "quinn", "/api/process-instances", {"process_id": "case_audit", "data": CASE | {
        "audit_kind": "audit"}})
    assert started.status_code == 201
    iid = started.json["id"]

    [draft] = inbox(client, auth, "ann")
    assert draft["element_id"] == "draft_audit" and inbox(client, auth, "pat") == []
    form = client.get(f"/api/tasks/{draft['id']}", headers=auth("ann")).json["form"]
    assert form["title"] == "Case audit tool"
    assert post(client, auth, "ann", f"/api/tasks/{draft['id']}/claim").status_code == 200
    data = {"domains": graded("good"), "overall_grade": "good", "overall_rationale": "Sound work",
            "period_start": "2026-05-02", "immediate_safety_concern": False}
    del data["domains"]["risk_assessment"]["rationale"]
    refused = post(client, auth, "ann", f"/api/tasks/{draft['id']}/complete", {"data": data})
    assert refused.status_code == 422 and "domains.risk_assessment.rationale" in refused.json["errors"]
    data["domains"]["risk_assessment"]["rationale"] = "Risks revisited at each visit"
    assert post(client, auth, "ann", f"/api/tasks/{draft['id']}/complete", {"data": data}).status_code == 200

    [discussion] = inbox(client, auth, "ann", instance_id=iid)
    assert discussion["element_id"] == "discuss_draft_findings"
    discussed = {"discussion_held_on": "2026-11-02", "discussion_notes": "Agreed the plan",
                 "domains": graded("good"), "overall_grade": "good", "overall_rationale": "After discussion",
                 "immediate_safety_concern": False, "team_manager_attended": False}
    view = post(client, auth, "ann", f"/api/tasks/{discussion['id']}/complete", {"data": discussed}).json
    assert [t["element_id"] for t in view["tasks"] if t["state"] == "ready"] == ["quality_assure_report"]

    [qa] = inbox(client, auth, "quinn", case_ref="C-1001")
    assert qa["element_id"] == "quality_assure_report"
    assert client.get(f"/api/process-instances/{iid}", headers=auth("pat")).status_code == 200  # his case
    assert client.get(f"/api/process-instances/{iid}", headers=auth("pia")).status_code == 404
    history = client.get(f"/api/process-instances/{iid}/history", headers=auth("paula")).json
    assert [(e["event"], e["actor"]) for e in history if e["actor"] != "system"] == [
        ("instance_started", "quinn"), ("task_claimed", "ann"), ("task_completed", "ann"),
        ("task_completed", "ann"), ("instance_viewed", "pat")]
