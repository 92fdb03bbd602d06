"""The replay routes (issue 29): a process owner queues a replay of past cases on an edited bundle,
follows it as the worker runs it, and cancels it."""
import pytest

from tests.engine.replay import cases
from tests.engine.replay.test_replay import AS_OF, PERIOD, qa_in_two_working_days, row_counts
from tests.flows.conftest import definition_files
from tests.flows.test_case_audit import FILES

REPLAYS = "/api/process-definitions/case_audit/replays"


@pytest.fixture
def walked(org, clock):
    """Two recorded audits of November 2026 on the deployed case_audit, the clock then at AS_OF."""
    org.deploy(definition_files(*FILES), "olive")
    cases.qa_on_time(org, clock)
    cases.qa_late(org, clock, "2026-11-04T10:00:00+00:00")
    clock.set(AS_OF)


def bundle(files: dict[str, bytes]) -> dict[str, str]:
    return {name: content.decode() for name, content in files.items()}


def period() -> dict:
    return {"started_from": PERIOD.started_from.isoformat(), "started_to": PERIOD.started_to.isoformat()}


def test_a_replay_is_queued_run_by_the_worker_and_read_back(client, auth, walked, engine_of):
    response = client.post(REPLAYS, json={"files": bundle(qa_in_two_working_days())} | period(),
                           headers=auth("olive"))
    assert response.status_code == 202, response.json
    queued = response.json
    assert (queued["status"], queued["done"], queued["total"], queued["result"]) == ("queued", 0, 0, None)
    assert queued["started_from"] == PERIOD.started_from.isoformat() and queued["created_by"] == "olive"
    assert engine_of.run_queued_replays() == 1  # the worker's job
    run = client.get(f"{REPLAYS}/{queued['id']}", headers=auth("olive")).json
    assert (run["status"], run["done"], run["total"]) == ("done", 2, 2)
    assert run["result"]["compared"] == 2 and run["result"]["bundle_hash"] == queued["bundle_hash"]
    assert run["result"]["replayed"]["notifications"] != run["result"]["recorded"]["notifications"]
    listed = client.get(REPLAYS, headers=auth("olive")).json
    assert [r["id"] for r in listed] == [queued["id"]]
    assert client.post(f"{REPLAYS}/{queued['id']}/cancel", headers=auth("olive")).status_code == 409


def test_the_last_months_and_cancelling_a_queued_replay(client, auth, walked):
    queued = client.post(REPLAYS, json={"files": bundle(definition_files(*FILES)), "months": 3},
                         headers=auth("olive")).json
    assert (queued["months"], queued["started_to"]) == (3, AS_OF.isoformat())
    assert queued["started_from"] == "2026-09-30T12:00:00+00:00"
    response = client.post(f"{REPLAYS}/{queued['id']}/cancel", headers=auth("olive"))
    assert response.status_code == 200 and response.json["status"] == "cancelled"


def test_a_bundle_a_deploy_would_refuse_is_422_and_queues_nothing(client, auth, walked, org):
    broken = bundle(definition_files(*FILES))
    broken["case_audit.bpmn"] = broken["case_audit.bpmn"].replace("add_working_days(now(), 1)</bpmn:timeDate>",
                                                                  "add_working_days(now(), </bpmn:timeDate>", 1)
    olive = auth("olive")
    before = row_counts(org)
    response = client.post(REPLAYS, json={"files": broken, "months": 12}, headers=olive)
    assert response.status_code == 422 and response.content_type == "application/problem+json"
    assert any(p["element_id"] == "timer_qa_due" for p in response.json["problems"])
    unknown = client.post("/api/process-definitions/no_such/replays", json={"files": bundle(definition_files(*FILES)),
                                                                           "months": 3}, headers=olive)
    assert unknown.status_code == 404
    assert row_counts(org) == before


@pytest.mark.parametrize(("body", "field"), [
    ({"months": 3}, "files"),
    ({"files": {}, "months": 3}, "files"),
    ({"files": {"a.bpmn": "x"}, "months": 4}, "months"),
    ({"files": {"a.bpmn": "x"}}, "started_from"),
    ({"files": {"a.bpmn": "x"}, "started_from": "2026-11-01T00:00:00+00:00"}, "started_to"),
    ({"files": {"a.bpmn": "x"}, "started_from": "2026-11-01T00:00:00", "started_to": "2026-12-01T00:00:00+00:00"},
     "started_from"),  # no time zone
    ({"files": {"a.bpmn": "x"}, "started_from": "2026-12-01T00:00:00+00:00",
      "started_to": "2026-11-01T00:00:00+00:00"}, "started_to"),
    ({"files": {"a.bpmn": "x"}, "months": 3, "started_from": "2026-11-01T00:00:00+00:00"}, "months"),
    ({"files": {"a.bpmn": "x"}, "months": 3, "service_area": "nowhere"}, "service_area"),
])
def test_a_body_that_will_not_do_is_refused_naming_its_field(client, auth, walked, org, body, field):
    olive = auth("olive")
    before = row_counts(org)
    response = client.post(REPLAYS, json=body, headers=olive)
    assert response.status_code in (400, 422) and field in response.json["errors"], response.json
    assert row_counts(org) == before


def test_unknown_replays_are_404_and_others_may_not_replay(client, auth, walked):  # R-01 R-81
    queued = client.post(REPLAYS, json={"files": bundle(definition_files(*FILES)), "months": 3},
                         headers=auth("olive")).json
    for path in (f"{REPLAYS}/999999", f"{REPLAYS}/{2**40}", f"/api/process-definitions/other/replays/{queued['id']}"):
        assert client.get(path, headers=auth("olive")).status_code == 404
        assert client.post(f"{path}/cancel", headers=auth("olive")).status_code == 404
    for username in ("root", "quinn", "paula", "ann"):
        assert client.get(f"{REPLAYS}/{queued['id']}", headers=auth(username)).status_code == 403
        assert client.post(f"{REPLAYS}/{queued['id']}/cancel", headers=auth(username)).status_code == 403
        assert client.post(REPLAYS, json={"months": 3}, headers=auth(username)).status_code == 403  # before the body
    assert client.get(f"{REPLAYS}/{queued['id']}", headers=auth("olive")).json["status"] == "queued"
