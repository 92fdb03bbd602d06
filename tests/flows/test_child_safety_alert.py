"""Walk-through of child_safety_alert (Appendix B, §2.10, §1.7): resolved at each stage, and
escalated by timeout at each stage up to the Director."""
from datetime import datetime

import pytest

from tests.flows.conftest import CASE, complete, definition_files, messages, ready

ALERT = CASE | {"concern": "No safety plan after the incident", "raised_from": "case_audit",
                "child_name": "Jo Bloggs"}
STAGE_TASKS = {1: "discuss_with_tm_and_sm", 2: "hos_respond_to_alert", 3: "ad_respond_to_alert",
               4: "make_final_decision"}
CANDIDATES = {1: ["tom"], 2: ["hal"], 3: ["ada"], 4: ["dee"]}


def start(org) -> int:
    org.deploy(definition_files("child_safety_alert.bpmn"), "olive")
    return org.start_instance("child_safety_alert", ALERT, "ann")


def answer(org, iid: int, stage: int, resolved: bool) -> None:
    if stage == 1:
        data = {"summary": "Discussed with TM and SM.", "outcome": "Safety plan to be written today.",
                "resolved": resolved}
    else:
        data = {"response": "Strategy meeting convened.", "resolved": resolved}
    complete(org, iid, STAGE_TASKS[stage], data)


def alert_events(org, iid: int) -> list[tuple]:
    """(type, from_stage, reason) of the alert's published events, in order."""
    published = [m for m in messages(org, instance_id=iid) if m.event_type.startswith("alert.")]
    for m in published:
        assert (m.payload["case_ref"], m.payload["process_id"]) == ("C-1001", "child_safety_alert")
        assert m.event_type != "alert.escalated" or m.payload["to_stage"] == m.payload["from_stage"] + 1
    return [(m.event_type, m.payload.get("from_stage"), m.payload.get("reason")) for m in published]


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_the_team_manager_is_told_at_once_and_the_alert_resolves_at_stage_1(org, checkpoint):  # R-40 R-41
    iid = start(org)
    assert alert_events(org, iid) == [("alert.raised", None, None)]
    [urgent] = messages(org, "notification", iid)
    assert urgent.recipients == ["tom", "sue", "quinn"]
    assert urgent.subject == "URGENT: child safety concern on case C-1001"
    assert "Jo Bloggs" not in urgent.subject + urgent.body
    [task] = ready(org, iid, "discuss_with_tm_and_sm")
    assert (task["candidates"], task["due_at"]) == (["tom"], "2026-11-09T23:59:59+00:00")
    checkpoint(iid)
    answer(org, iid, 1, resolved=True)

    view = org.reads.instance(iid)
    assert view["status"] == "completed"
    assert (view["data"]["alert_stage"], view["data"]["alert_outcome"]) == (1, "resolved")
    [record] = messages(org, "case_record.upload", iid)
    assert record.subject == "Child safety alert on case C-1001: stage 1 outcome"
    assert "Safety plan to be written today." in record.payload["case_note"]
    assert messages(org, "notification", iid)[-1].subject == "Child safety alert on case C-1001: resolved at stage 1"


@pytest.mark.parametrize("stage", [2, 3])
def test_the_alert_resolves_at_stage_2_or_3(org, checkpoint, stage):  # R-42 R-43
    iid = start(org)
    for earlier in range(1, stage):
        answer(org, iid, earlier, resolved=False)
    checkpoint(iid)
    [task] = ready(org, iid, STAGE_TASKS[stage])
    assert (task["candidates"], task["due_at"]) == (CANDIDATES[stage], "2026-11-09T23:59:59+00:00")
    emailed = [m for m in messages(org, "notification", iid) if "response required within 5 working days" in m.subject]
    assert [m.recipients for m in emailed] == [["hal", "quinn"], ["ada", "quinn"]][:stage - 1]
    answer(org, iid, stage, resolved=True)

    view = org.reads.instance(iid)
    assert (view["status"], view["data"]["alert_stage"], view["data"]["alert_outcome"]) == (
        "completed", stage, "resolved")
    records = messages(org, "case_record.upload", iid)
    assert [r.subject for r in records] == [f"Child safety alert on case C-1001: stage {s} outcome"
                                            for s in range(1, stage + 1)]
    assert alert_events(org, iid) == [("alert.raised", None, None)] + [
        ("alert.escalated", s, "unresolved") for s in range(1, stage)]


def test_the_director_makes_the_final_decision(org, checkpoint):
    iid = start(org)
    for stage in (1, 2, 3):
        answer(org, iid, stage, resolved=False)
    checkpoint(iid)
    [task] = ready(org, iid, "make_final_decision")
    assert task["candidates"] == ["dee"]
    complete(org, iid, "make_final_decision", {"decision": "Case escalated to a strategy discussion."})

    view = org.reads.instance(iid)
    assert (view["status"], view["data"]["alert_stage"], view["data"]["alert_outcome"]) == (
        "completed", 4, "final_decision")
    assert messages(org, "case_record.upload", iid)[-1].subject == (
        "Child safety alert on case C-1001: Director's final decision")


def test_no_response_in_5_working_days_escalates_each_stage_up_to_the_director(org, clock, checkpoint):  # R-45 R-70
    iid = start(org)
    # Each stage's deadline is the end of the 5th working day after it opened; the clock moves past it.
    steps = [(1, "2026-11-09T23:59:59+00:00", "2026-11-10T09:00:00+00:00"),
             (2, "2026-11-17T23:59:59+00:00", "2026-11-18T09:00:00+00:00"),
             (3, "2026-11-25T23:59:59+00:00", "2026-11-26T09:00:00+00:00")]
    for stage, due, after in steps:
        [task] = ready(org, iid, STAGE_TASKS[stage])
        assert (task["candidates"], task["due_at"]) == (CANDIDATES[stage], due)
        if stage == 2:
            checkpoint(iid)
        clock.set(at(after))
        assert org.fire_due_timers() == 1
        assert ready(org, iid, STAGE_TASKS[stage]) == []
        late = messages(org, "notification", iid)[-2]  # the audit team is told, then the next level
        assert late.recipients == ["quinn"] and "within 5 working days" in late.subject
        assert org.reads.instance(iid)["data"]["alert_outcome"] == "no_response"

    [final] = ready(org, iid, "make_final_decision")
    assert final["candidates"] == ["dee"]
    assert org.reads.instance(iid)["data"]["alert_stage"] == 4
    assert alert_events(org, iid) == [("alert.raised", None, None)] + [
        ("alert.escalated", s, "no_response") for s in (1, 2, 3)]  # each move up, for webhook subscribers
    assert [r.payload["report"].get("timed_out") for r in messages(org, "case_record.upload", iid)] == [True] * 3
    clock.set(at("2026-12-04T09:00:00+00:00"))  # the Director is reminded; the decision stays open
    assert org.fire_due_timers() == 1
    assert messages(org, "notification", iid)[-1].recipients == ["dee", "quinn"]
    assert len(ready(org, iid, "make_final_decision")) == 1
