"""Process instances through the API: starting, listing, reading (recorded, R-80), history, and the
operators' verbs; who sees what (R-81)."""
import pytest

from tests.fixtures.diagrams import NOTE_FORM, chain_bundle, scripted

CASE = {"case_ref": "C-1001", "auditor": "ann", "practitioner": "pat"}
PIA_CASE = {"case_ref": "C-3003", "auditor": "ann", "practitioner": "pia"}


@pytest.fixture
def chain(engine_of):
    engine_of.deploy(chain_bundle(lane="Practitioner"), "olive")
    return engine_of


@pytest.fixture
def case(chain):
    return chain.start_instance("chain", CASE, "quinn")


def post(client, auth, username, path, body=None):
    return client.post(path, json=body, headers=auth(username))


def get(client, auth, username, path, **query):
    return client.get(path, query_string=query, headers=auth(username))


def start(client, auth, username, process_id="chain", data=CASE):
    return post(client, auth, username, "/api/process-instances", {"process_id": process_id, "data": data})


def events(engine_of, instance_id) -> list[tuple[str, str]]:
    return [(e["event"], e["actor"]) for e in engine_of.reads.history(instance_id)]


# --- start ----------------------------------------------------------------------------------------

def test_start_answers_201_with_the_instance_and_records_who(client, auth, engine_of, chain):
    response = start(client, auth, "quinn")
    assert response.status_code == 201
    view = response.json
    assert (view["process_id"], view["version"], view["status"], view["case_ref"]) == ("chain", 1, "running",
                                                                                     "C-1001")
    assert view["data"]["practitioner"] == "pat" and view["children"] == []
    assert [t["element_id"] for t in view["tasks"]] == ["step_1"]
    assert view["timers"] == [{"element_id": "timer_1", "name": "5 working days", "due_at": "2026-11-09T23:59:59+00:00"}]
    assert events(engine_of, view["id"])[0] == ("instance_started", "quinn")


@pytest.mark.parametrize("username, status", [
    ("quinn", 201), ("paula", 201), ("root", 201), ("pat", 403), ("tom", 403), ("ada", 403), ("olive", 403),
])
def test_default_starters_are_qa_psw_and_admin(client, auth, chain, username, status):
    assert start(client, auth, username).status_code == status


def test_starters_come_from_candidate_starter_groups(client, auth, engine_of):
    bundle = chain_bundle(pid="managed", lane="Practitioner")
    bundle["managed.bpmn"] = bundle["managed.bpmn"].replace(
        b'isExecutable="true"', b'isExecutable="true" camunda:candidateStarterGroups="team_manager, auditor"')
    engine_of.deploy(bundle, "olive")
    assert start(client, auth, "tom", "managed").status_code == 201
    assert start(client, auth, "ann", "managed").status_code == 201
    assert start(client, auth, "quinn", "managed").status_code == 403


@pytest.mark.parametrize("body, status", [
    ({"process_id": "nowhere", "data": {}}, 404),
    ({"process_id": "chain", "data": ["C-1001"]}, 422),
    ({"process_id": "chain", "data": "C-1001"}, 422),
    ({"process_id": "chain"}, 422),
    ({"data": CASE}, 422),
    ({"process_id": "", "data": CASE}, 422),
    ({"process_id": "chain\x00", "data": CASE}, 400),  # a NUL is refused before any work
    ({"process_id": "chain", "data": CASE | {"case_ref": "C" * 101}}, 422),  # longer than its column
    ({"process_id": "chain", "data": CASE | {"case_ref": "C-\x00"}}, 400),  # PostgreSQL cannot store NUL
    ({"process_id": "chain", "data": CASE | {"case_ref": 1001}}, 422),
    ({"process_id": "chain", "data": CASE | {"auditor": ["ann"]}}, 422),
    ({"process_id": "chain", "data": CASE | {"team": {"id": "sas_1"}}}, 422),
])
def test_start_refuses_unknown_processes_and_bad_bodies(client, auth, chain, body, status):
    response = post(client, auth, "quinn", "/api/process-instances", body)
    assert response.status_code == status and response.content_type == "application/problem+json"


# --- list -----------------------------------------------------------------------------------------

@pytest.fixture
def many(chain):
    """Five instances: three of pat's cases (SAS 1), two of pia's (CIC 1); the last is suspended."""
    ids = [chain.start_instance("chain", (CASE if k < 3 else PIA_CASE) | {"case_ref": f"C-{k}"}, "quinn")
           for k in range(5)]
    chain.suspend(ids[-1], "quinn", "paused")
    return ids


def test_list_pages_newest_first(client, auth, many):
    first = get(client, auth, "quinn", "/api/process-instances", page_size=2).json
    assert (first["page"], first["page_size"], first["total"]) == (1, 2, 5)
    assert [i["id"] for i in first["items"]] == [many[4], many[3]]
    last = get(client, auth, "quinn", "/api/process-instances", page_size=2, page=3).json
    assert [i["id"] for i in last["items"]] == [many[0]]
    beyond = get(client, auth, "quinn", "/api/process-instances", page=9).json
    assert beyond["items"] == [] and beyond["total"] == 5
    item = first["items"][1]
    assert set(item) == {"id", "process_id", "version", "status", "case_ref", "parent_id", "started_by",
                         "created_at", "updated_at"}  # no case data in lists
    assert (item["process_id"], item["version"], item["status"], item["started_by"]) == ("chain", 1, "running", "quinn")


@pytest.mark.parametrize("query, expected", [
    ({"status": "suspended"}, [4]), ({"status": "completed"}, []), ({"case_ref": "C-1"}, [1]),
    ({"process_id": "chain"}, [4, 3, 2, 1, 0]), ({"process_id": "other"}, []),
])
def test_list_filters(client, auth, many, query, expected):
    items = get(client, auth, "quinn", "/api/process-instances", **query).json["items"]
    assert [i["id"] for i in items] == [many[k] for k in expected]


@pytest.mark.parametrize("username, expected", [
    ("pat", [2, 1, 0]), ("tom", [2, 1, 0]), ("sue", [2, 1, 0]), ("pia", [4, 3]), ("sid", [4, 3]),
    ("ann", [4, 3, 2, 1, 0]), ("ada", [4, 3, 2, 1, 0]), ("ivan", []), ("olive", []),
])
def test_list_shows_only_what_the_caller_may_see(client, auth, many, username, expected):
    page = get(client, auth, username, "/api/process-instances").json
    assert [i["id"] for i in page["items"]] == [many[k] for k in expected] and page["total"] == len(expected)


@pytest.mark.parametrize("query, status", [
    ({"page": 0}, 422), ({"page_size": 0}, 422), ({"page_size": 101}, 422), ({"status": "asleep"}, 422),
    ({"page": "x"}, 422), ({"page": 10**7}, 422), ({"case_ref": "C-\x00"}, 400)])
def test_list_rejects_bad_queries(client, auth, query, status):
    assert get(client, auth, "quinn", "/api/process-instances", **query).status_code == status


# --- one instance and its history -----------------------------------------------------------------

@pytest.mark.parametrize("username, status", [
    ("pat", 200), ("tom", 200), ("sue", 200), ("hal", 200), ("ada", 200), ("quinn", 200), ("paula", 200),
    ("ann", 200), ("pia", 404), ("sid", 404), ("ivan", 404), ("olive", 404),
])
def test_instance_is_visible_by_role_and_place(client, auth, case, username, status):
    response = get(client, auth, username, f"/api/process-instances/{case}")
    assert response.status_code == status
    if status == 404:
        assert "C-1001" not in response.get_data(as_text=True)
    assert get(client, auth, username, f"/api/process-instances/{case}/history").status_code == status


def test_instance_view_shape_and_reading_is_recorded(client, auth, engine_of, case):
    view = get(client, auth, "tom", f"/api/process-instances/{case}").json
    assert {"id", "process_id", "version", "status", "case_ref", "data", "tasks", "timers", "children"} <= set(view)
    assert view["timers"][0]["element_id"] == "timer_1"
    get(client, auth, "ada", f"/api/process-instances/{case}")
    get(client, auth, "pia", f"/api/process-instances/{case}")  # refused: not recorded as a view
    assert [e for e in events(engine_of, case) if e[0] == "instance_viewed"] == [
        ("instance_viewed", "tom"), ("instance_viewed", "ada")]


@pytest.mark.parametrize("instance_id", [999, 2**31, 10**30])  # beyond what an id column holds, too
def test_unknown_instance_is_404_everywhere(client, auth, chain, instance_id):
    assert get(client, auth, "root", f"/api/process-instances/{instance_id}").status_code == 404
    assert get(client, auth, "root", f"/api/process-instances/{instance_id}/history").status_code == 404
    for verb, body in [("suspend", {"reason": "x"}), ("resume", {"reason": "x"}), ("terminate", {"reason": "x"}),
                       ("migrate", {"version": 1}), ("retry", None)]:
        assert post(client, auth, "root", f"/api/process-instances/{instance_id}/{verb}", body).status_code == 404


def test_history_is_every_event_oldest_first_with_its_actor(client, auth, case):
    task_id = get(client, auth, "pat", "/api/tasks").json[0]["id"]
    post(client, auth, "pat", f"/api/tasks/{task_id}/claim")
    post(client, auth, "pat", f"/api/tasks/{task_id}/complete", {"data": {"note": "done"}})
    post(client, auth, "quinn", f"/api/process-instances/{case}/suspend", {"reason": "records being checked"})
    get(client, auth, "tom", f"/api/process-instances/{case}")
    history = get(client, auth, "tom", f"/api/process-instances/{case}/history").json
    assert set(history[0]) == {"at", "actor", "event", "element_id", "detail"}
    assert [(e["event"], e["actor"]) for e in history] == [
        ("instance_started", "quinn"), ("task_ready", "system"), ("task_claimed", "pat"), ("task_completed", "pat"),
        ("task_ready", "system"), ("instance_suspended", "quinn")]  # who viewed is not for a team manager
    assert history[5]["detail"] == {"reason": "records being checked"}
    assert [e["at"] for e in history] == sorted(e["at"] for e in history)


# --- suspend, resume, terminate -------------------------------------------------------------------

def test_suspend_resume_terminate_by_operators(client, auth, engine_of, case):
    path = f"/api/process-instances/{case}"
    suspended = post(client, auth, "quinn", f"{path}/suspend", {"reason": "records being checked"})
    assert suspended.status_code == 200 and suspended.json["status"] == "suspended"
    assert post(client, auth, "quinn", f"{path}/suspend", {"reason": "again"}).status_code == 409
    assert post(client, auth, "paula", f"{path}/resume", {"reason": "checked"}).json["status"] == "running"
    assert post(client, auth, "paula", f"{path}/resume", {"reason": "again"}).status_code == 409
    ended = post(client, auth, "root", f"{path}/terminate", {"reason": "case closed"})
    assert ended.status_code == 200 and ended.json["status"] == "terminated" and ended.json["tasks"] == []
    assert post(client, auth, "root", f"{path}/resume", {"reason": "oops"}).status_code == 409
    assert post(client, auth, "root", f"{path}/terminate", {"reason": "again"}).status_code == 409
    assert [e for e in events(engine_of, case) if e[0].startswith("instance_") and e[0] != "instance_started"] == [
        ("instance_suspended", "quinn"), ("instance_resumed", "paula"), ("instance_terminated", "root")]


@pytest.mark.parametrize("verb", ["suspend", "resume", "terminate"])
@pytest.mark.parametrize("username, status", [("tom", 403), ("pat", 403), ("ada", 403), ("pia", 404), ("sid", 404)])
def test_operator_verbs_refused_to_others(client, auth, case, verb, username, status):
    response = post(client, auth, username, f"/api/process-instances/{case}/{verb}", {"reason": "because"})
    assert response.status_code == status


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": None}, None])
def test_operator_verbs_need_a_reason(client, auth, case, body):
    response = post(client, auth, "quinn", f"/api/process-instances/{case}/suspend", body)
    assert response.status_code == 422


# --- migrate and retry ----------------------------------------------------------------------------

def test_migrate_by_a_process_owner_answers_without_case_data(client, auth, engine_of, case):  # R-80 R-81
    engine_of.deploy(chain_bundle(lane="Practitioner", days=7), "olive")
    response = post(client, auth, "olive", f"/api/process-instances/{case}/migrate", {"version": 2})
    assert response.status_code == 200
    assert (response.json["id"], response.json["version"], response.json["status"]) == (case, 2, "running")
    assert "data" not in response.json
    assert ("instance_migrated", "olive") in events(engine_of, case)
    assert post(client, auth, "root", f"/api/process-instances/{case}/migrate", {"version": 1}).status_code == 200


def test_migrate_refused_names_why(client, auth, engine_of, case):
    task_id = get(client, auth, "pat", "/api/tasks").json[0]["id"]
    for _ in range(2):
        post(client, auth, "pat", f"/api/tasks/{task_id}/complete", {"data": {"note": "ok"}})
        task_id = (get(client, auth, "pat", "/api/tasks").json or [{"id": None}])[0]["id"]
    engine_of.deploy(chain_bundle(lane="Practitioner", steps=2), "olive")  # step_3 is gone in version 2
    response = post(client, auth, "olive", f"/api/process-instances/{case}/migrate", {"version": 2})
    assert response.status_code == 422 and "step_3" in response.json["detail"]
    assert post(client, auth, "olive", f"/api/process-instances/{case}/migrate", {"version": 1}).status_code == 422
    assert post(client, auth, "olive", f"/api/process-instances/{case}/migrate", {"version": 9}).status_code == 404
    assert post(client, auth, "olive", f"/api/process-instances/{case}/migrate", {}).status_code == 422
    assert post(client, auth, "olive", f"/api/process-instances/{case}/migrate", {"version": 2**31}).status_code == 422


@pytest.mark.parametrize("username, status", [("quinn", 403), ("tom", 403), ("pia", 404)])
def test_migrate_refused_to_others(client, auth, engine_of, case, username, status):
    engine_of.deploy(chain_bundle(lane="Practitioner", days=7), "olive")
    assert post(client, auth, username, f"/api/process-instances/{case}/migrate", {"version": 2}).status_code == status


def test_retry_an_instance_in_error_after_the_fix(client, auth, engine_of):
    engine_of.deploy({"scripted.bpmn": scripted(script="x = 1 / 0"), "note.json": NOTE_FORM}, "olive")
    started = start(client, auth, "quinn", "scripted", {"case_ref": "C-1001", "practitioner": "pat"})
    assert started.status_code == 201 and started.json["status"] == "error"
    iid = started.json["id"]
    path = f"/api/process-instances/{iid}/retry"
    assert post(client, auth, "quinn", path).status_code == 403
    assert post(client, auth, "pia", path).status_code == 404
    still = post(client, auth, "root", path)
    assert still.status_code == 200 and still.json["status"] == "error"  # the cause is not fixed yet
    engine_of.deploy({"scripted.bpmn": scripted(script="x = 1"), "note.json": NOTE_FORM}, "olive")
    assert post(client, auth, "olive", f"/api/process-instances/{iid}/migrate", {"version": 2}).status_code == 200
    fixed = post(client, auth, "root", path)
    assert fixed.status_code == 200 and fixed.json["status"] == "running"
    assert [t["element_id"] for t in fixed.json["tasks"]] == ["acknowledge"]
    assert post(client, auth, "root", path).status_code == 409  # no longer in error
    assert ("instance_retried", "root") in events(engine_of, iid)


@pytest.mark.parametrize("method, path", [
    ("get", "/api/process-instances"), ("post", "/api/process-instances"), ("get", "/api/process-instances/1"),
    ("get", "/api/process-instances/1/history"), ("post", "/api/process-instances/1/suspend"),
    ("post", "/api/process-instances/1/migrate"), ("post", "/api/process-instances/1/retry"),
])
def test_every_call_needs_a_token(client, method, path):
    assert getattr(client, method)(path).status_code == 401


def test_the_list_takes_the_case_lists_filters(client, auth, engine_of, chain):
    ours = chain.start_instance("chain", CASE | {"cycle_year": 2026, "cycle_month": 11}, "quinn")
    theirs = chain.start_instance("chain", PIA_CASE, "quinn")
    def ids(**query):
        answer = get(client, auth, "quinn", "/api/process-instances", **query)
        assert answer.status_code == 200, answer.json
        return [item["id"] for item in answer.json["items"]]
    assert ids() == [theirs, ours]
    assert ids(sort="oldest") == [ours, theirs]
    assert ids(case_ref="c-1001") == [ours]  # a whole reference, in any case
    assert ids(service_area="children_in_care") == [theirs]
    assert ids(team="sas_1") == [ours]
    assert ids(cycle="2026-11") == [ours]
    assert ids(step="step_1") == [theirs, ours] and ids(step="step_2") == []
    assert ids(overdue="true") == []
    for bad in ({"cycle": "2026-1"}, {"sort": "random"}, {"overdue": "perhaps"}):
        assert get(client, auth, "quinn", "/api/process-instances", **bad).status_code == 422, bad


def test_who_viewed_a_case_is_for_the_roles_that_see_across(client, auth, case):  # R-80 R-81
    get(client, auth, "tom", f"/api/process-instances/{case}")
    seen_by = {username: [e["actor"] for e in get(client, auth, username, f"/api/process-instances/{case}/history").json
                          if e["event"] == "instance_viewed"] for username in ("tom", "quinn")}
    assert seen_by == {"tom": [], "quinn": ["tom"]}
