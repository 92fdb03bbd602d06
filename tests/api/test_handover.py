"""Handing work over (issue 23, item 2): reassigning a task, handing it back, and away periods with a
named cover, by the API (the pages call the same engine verbs: tests/web/test_handover_pages.py)."""
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

import doors
from engine.models import OutboxMessage
from engine.people.accounts import dao_add_person, dao_set_roles
from tests.flows.conftest import definition_files
from tests.flows.test_case_audit import draft
from tests.web.conftest import CASE

REASON = "Ann is off sick until the end of the month"


@pytest.fixture
def audit(app):
    """A case audit of pat's case (SAS 1, tom's team) whose draft waits for ann, the auditor; bea, an
    auditor and team manager of CIC 1, could take it."""
    engine = doors.engine(app)
    engine.deploy(definition_files("case_audit.bpmn", "audit_alerts.dmn", "findings_deadline.dmn", "reaudit.dmn",
                                   "case_audit_settings.dmn", "dispute_resolution.bpmn", "dispute_settings.dmn",
                                   "child_safety_alert.bpmn"), "olive")
    with engine.db.transaction() as session:
        dao_add_person(session, "bea", "Bea (auditor)", team="cic_1")
        dao_set_roles(session, "bea", ["auditor", "team_manager"])
    instance_id = engine.start_instance("case_audit", CASE, "quinn")
    [task] = engine.reads.ready_tasks(instance_id=instance_id)
    return instance_id, task["id"]


def _ids(client, headers) -> list[str]:
    return [task["id"] for task in client.get("/api/tasks", headers=headers).json]


# R-03 R-80: the team manager above the case moves the auditor's step to another auditor, with a reason
def test_a_manager_reassigns_a_task_and_both_people_are_told(client, auth, audit, engine_of):
    instance_id, task_id = audit
    answer = client.post(f"/api/tasks/{task_id}/reassign", json={"to": "bea", "reason": REASON}, headers=auth("tom"))
    assert answer.status_code == 200, answer.json
    assert answer.json["candidates"] == ["bea"]
    assert task_id in _ids(client, auth("bea")) and task_id not in _ids(client, auth("ann"))
    [event] = [e for e in engine_of.reads.history(instance_id) if e["event"] == "task_reassigned"]
    assert event["actor"] == "tom" and event["detail"]["to"] == "bea" and event["detail"]["reason"] == REASON
    assert event["detail"]["previously"] == ["ann"]
    with engine_of.db.reading() as session:
        [told] = session.scalars(select(OutboxMessage).where(OutboxMessage.subject.like("Task reassigned%"))).all()
        assert told.recipients == ["ann", "bea"]
        assert REASON not in told.body and "Bea (auditor)" in told.body  # the free-text reason stays in
    done = client.post(f"/api/tasks/{task_id}/complete", json={"data": {}}, headers=auth("ann"))
    assert done.status_code in (403, 404)  # ann may no longer act on it


@pytest.mark.parametrize("to, field, words", [
    ("pat", "to", "practitioner cannot take this step"),  # not the practitioner of their own case (the naming rule of issue 22)
    ("hal", "to", "role auditor"),  # not an auditor
    ("ann", "to", "already waits for this person"),
    ("nobody", "to", "active member of staff"),
])
def test_a_reassignment_to_someone_who_could_not_act_is_refused_and_changes_nothing(
        client, auth, audit, engine_of, to, field, words):
    instance_id, task_id = audit
    with engine_of.db.transaction() as session:
        dao_set_roles(session, "pat", ["practitioner", "auditor"])
    answer = client.post(f"/api/tasks/{task_id}/reassign", json={"to": to, "reason": REASON}, headers=auth("tom"))
    assert answer.status_code == 422 and words in answer.json["errors"][field][0]
    assert engine_of.reads.task(task_id)["candidates"] == ["ann"]
    assert not [e for e in engine_of.reads.history(instance_id) if e["event"] == "task_reassigned"]


def test_a_reason_is_required(client, auth, audit):
    _, task_id = audit
    answer = client.post(f"/api/tasks/{task_id}/reassign", json={"to": "bea", "reason": "  "}, headers=auth("quinn"))
    assert answer.status_code == 422 and "why" in answer.json["errors"]["reason"][0]


# a manager of another team and service, or a practitioner, may not move the task
@pytest.mark.parametrize("who, status", [("pia", 404), ("pat", 403), ("ann", 403)])
def test_only_managers_above_the_case_or_the_person_and_operators_reassign(client, auth, audit, who, status):
    _, task_id = audit
    answer = client.post(f"/api/tasks/{task_id}/reassign", json={"to": "bea", "reason": REASON}, headers=auth(who))
    assert answer.status_code == status


def test_the_holder_hands_a_task_back(client, auth, audit):
    _, task_id = audit
    assert client.post(f"/api/tasks/{task_id}/claim", headers=auth("ann")).json["assignee"] == "ann"
    assert client.post(f"/api/tasks/{task_id}/release", headers=auth("ann")).json["assignee"] is None


# away from Wednesday to Friday with bea as cover: bea may act on ann's task in that window only
def test_a_cover_acts_on_the_away_persons_tasks_only_in_the_window(client, auth, audit, clock, engine_of):
    instance_id, task_id = audit
    client.post(f"/api/tasks/{task_id}/claim", headers=auth("ann"))  # ann held it before she went
    period = client.post("/api/people/ann/away", headers=auth("ann"),
                         json={"cover": "bea", "first_day": "2026-11-04", "last_day": "2026-11-06"})
    assert period.status_code == 201, period.json
    assert task_id not in _ids(client, auth("bea"))  # Monday: ann is not away yet
    clock.set(datetime(2026, 11, 4, 9, 0, tzinfo=timezone.utc))
    assert task_id in _ids(client, auth("bea"))
    clock.set(datetime(2026, 11, 9, 9, 0, tzinfo=timezone.utc))
    assert task_id not in _ids(client, auth("bea"))  # back on Monday
    clock.set(datetime(2026, 11, 6, 9, 0, tzinfo=timezone.utc))
    done = client.post(f"/api/tasks/{task_id}/complete", json={"data": draft("good")}, headers=auth("bea"))
    assert done.status_code == 200, done.json
    released = [e for e in engine_of.reads.history(instance_id) if e["event"] == "task_released"]
    assert [(e["actor"], e["detail"]["holder"]) for e in released] == [("bea", "ann")]
    assert engine_of.reads.task(task_id)["completed_by"] == "bea"


@pytest.mark.parametrize("body, field", [
    ({"cover": "ann", "first_day": "2026-11-04", "last_day": "2026-11-06"}, "cover"),  # herself
    ({"cover": "hal", "first_day": "2026-11-04", "last_day": "2026-11-06"}, "cover"),  # no role in common
    ({"cover": "bea", "first_day": "2026-11-06", "last_day": "2026-11-04"}, "last_day"),
    ({"cover": "bea", "first_day": "2026-10-01", "last_day": "2026-10-02"}, "last_day"),  # in the past
])
def test_an_away_period_that_will_not_do_is_refused_naming_the_field(client, auth, audit, body, field):
    answer = client.post("/api/people/ann/away", headers=auth("ann"), json=body)
    assert answer.status_code == 422 and field in answer.json["errors"], answer.json


def test_who_may_mark_someone_away(client, auth, audit):
    body = {"cover": "bea", "first_day": "2026-11-04", "last_day": "2026-11-06"}
    assert client.post("/api/people/pat/away", headers=auth("pia"), json=body).status_code == 403
    with_cover = client.post("/api/people/pat/away", headers=auth("tom"),
                             json=body | {"cover": "pia"})  # pat's team manager; pia is a practitioner too
    assert with_cover.status_code == 201, with_cover.json
    assert client.post("/api/people/pat/away", headers=auth("tom"),
                       json=body | {"cover": "pia"}).status_code == 422  # overlaps the first
    listed = client.get("/api/people/pia/away", headers=auth("pia")).json
    assert [p["username"] for p in listed["covering"]] == ["pat"]
    cancelled = client.delete(f"/api/people/pat/away/{with_cover.json['id']}", headers=auth("tom"))
    assert cancelled.status_code == 200
    assert client.get("/api/people/pia/away", headers=auth("pia")).json["covering"] == []


# covering an auditor does not let a practitioner audit their own case (the naming rule of issue 22)
def test_a_cover_who_is_the_cases_practitioner_may_not_take_its_audit(client, auth, audit, clock, engine_of):
    _, task_id = audit
    with engine_of.db.transaction() as session:
        dao_set_roles(session, "pat", ["practitioner", "auditor"])
    period = client.post("/api/people/ann/away", headers=auth("ann"),
                         json={"cover": "pat", "first_day": "2026-11-02", "last_day": "2026-11-06"})
    assert period.status_code == 201, period.json
    refused = client.post(f"/api/tasks/{task_id}/claim", headers=auth("pat"))
    assert refused.status_code == 403 and "practitioner" in refused.json["detail"]
    refused = client.post(f"/api/tasks/{task_id}/complete", json={"data": draft("good")}, headers=auth("pat"))
    assert refused.status_code == 403 and engine_of.reads.task(task_id)["state"] == "ready"
