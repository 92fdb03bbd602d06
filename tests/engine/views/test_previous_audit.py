"""What the next audit of a case sees of the last one (R-27): the right previous audit (same case
reference in any letter case, the latest completed before this one started, never this one, one
completed since or another case's), its final grades by domain, and its agreed actions with how
each ended; every earlier audit of the case; the case list's count of a reference's history."""
import pytest
from sqlalchemy import true

from engine.models import ProcessInstance
from engine.views.case_list import reference_counts
from engine.views.previous_audit import agreed_actions, audits_of_reference, earlier_audits, previous_audit
from tests.fixtures.audit_history import at, seed_action, seed_audit, seed_instance
from tests.flows.test_case_audit import FILES, definition_files

NOW = at("2026-11-02T09:00:00+00:00")  # the clock fixture's


@pytest.fixture
def history(org):
    """Case C-1 audited in March (inadequate) and re-audited in June (requires improvement); a second
    re-audit started now; one completed after it started (C-1's other team's, a fortnight on); C-2's audit."""
    org.deploy(definition_files(*FILES), "olive")
    march = seed_audit(org, "C-1", "2026-03-02T12:00:00+00:00", "inadequate",
                       domains={"risk_assessment": "inadequate", "key_decisions": "requires_improvement"})
    june = seed_audit(org, "c-1", "2026-06-01T12:00:00+00:00", "requires_improvement", kind="re_audit",
                      domains={"risk_assessment": "requires_improvement", "key_decisions": "good"},
                      previous="inadequate", change="improved")
    now = seed_instance(org, "C-1", "2026-11-02T09:00:00+00:00")
    later = seed_audit(org, "C-1", "2026-11-16T12:00:00+00:00", "good", team="cic_1")
    other = seed_audit(org, "C-2", "2026-10-01T12:00:00+00:00", "outstanding")
    return org, {"march": march, "june": june, "now": now, "later": later, "other": other}


def read(engine, view, *args):
    with engine.db.reading() as session:
        return view(session, *args)


def test_the_next_audit_sees_the_latest_one_completed_before_it_of_the_same_case(history):
    engine, ids = history
    seen = read(engine, previous_audit, ids["now"], true(), NOW)
    assert seen["instance_id"] == ids["june"]  # not March's (older), the later one's (since), nor C-2's
    assert (seen["audit_kind"], seen["overall_grade"], seen["grade_change"]) == ("re_audit", "requires_improvement",
                                                                                  "improved")
    assert seen["domains"] == [{"domain": "key_decisions", "grade": "good"},
                               {"domain": "risk_assessment", "grade": "requires_improvement"}]
    assert seen["may_open"] is True and seen["actions"] == []


def test_an_audit_sees_the_one_before_it_never_itself(history):
    engine, ids = history
    assert read(engine, previous_audit, ids["june"], true(), NOW)["instance_id"] == ids["march"]
    assert read(engine, previous_audit, ids["march"], true(), NOW) is None
    assert read(engine, previous_audit, ids["other"], true(), NOW) is None  # C-2 has no audit before
    assert read(engine, previous_audit, ids["later"], true(), NOW)["instance_id"] == ids["june"]


def test_the_previous_audits_actions_are_seen_with_how_each_ended(history):
    engine, ids = history
    june = ids["june"]
    seed_action(engine, june, "C-1", 2, "Update the chronology", "tom", "2026-07-01T22:59:59+00:00",
                completed="2026-07-03T10:00:00+00:00", outcome="done", closed_as="carried_into_reaudit",
                carried_reason="The chronology needs a second pass")
    seed_action(engine, june, "C-1", 0, "Visit the child fortnightly", "pat", "2026-06-20T22:59:59+00:00",
                completed="2026-06-19T10:00:00+00:00", outcome="done", closed_as="carried_into_reaudit")
    seed_action(engine, june, "C-1", 1, "Hold a core group", "tom", "2026-06-25T22:59:59+00:00", outcome="not_done",
                completed="2026-06-26T10:00:00+00:00")
    seed_action(engine, june, "C-1", 3, "Review the plan", "pat", "2026-10-30T23:59:59+00:00")  # open, past due
    seed_action(engine, june, "C-1", 4, "Review the plan again", "pat", "2026-11-30T23:59:59+00:00")  # open
    seed_action(engine, ids["march"], "C-1", 0, "An older audit's action", "pat", "2026-04-01T22:59:59+00:00")
    actions = read(engine, previous_audit, ids["now"], true(), NOW)["actions"]
    assert [(a["action"], a["state"]) for a in actions] == [
        ("Visit the child fortnightly", "done_on_time"), ("Hold a core group", "not_done"),
        ("Update the chronology", "done_late"), ("Review the plan", "overdue"), ("Review the plan again", "open")]
    assert actions[0]["owner_name"] == "Pat (practitioner)" and actions[0]["completed_at"].startswith("2026-06-19")
    assert (actions[2]["closed_as"], actions[2]["carried_reason"]) == ("carried_into_reaudit",
                                                                       "The chronology needs a second pass")
    assert read(engine, agreed_actions, june, NOW) == actions  # the same rows, asked of that audit itself


def test_the_actions_own_instance_sees_the_actions_it_follows(history):
    engine, ids = history
    follower = seed_instance(engine, "C-1", "2026-05-20T12:00:00+00:00")  # agreed_actions.bpmn's, for June's
    seed_action(engine, ids["june"], "C-1", 0, "Visit the child fortnightly", "pat", "2026-06-20T22:59:59+00:00",
                actions_instance_id=follower)
    assert [a["action"] for a in read(engine, agreed_actions, follower, NOW)] == ["Visit the child fortnightly"]
    assert read(engine, previous_audit, follower, true(), NOW)["instance_id"] == ids["march"]  # as June sees


def test_every_earlier_audit_newest_first_with_its_actions_counted(history):
    engine, ids = history
    seed_action(engine, ids["march"], "C-1", 0, "Visit", "pat", "2026-04-01T22:59:59+00:00",
                completed="2026-03-20T10:00:00+00:00", outcome="done")
    seed_action(engine, ids["march"], "C-1", 1, "Plan", "tom", "2026-04-01T22:59:59+00:00")
    sas_only = ProcessInstance.team_id == "sas_1"  # a reader who may see SAS 1's cases only
    earlier = read(engine, earlier_audits, ids["now"], sas_only, NOW)
    assert [a["instance_id"] for a in earlier] == [ids["june"], ids["march"]]
    assert earlier[1]["actions"] == {"agreed": 2, "done_on_time": 1, "overdue": 1} and earlier[0]["actions"] == {}
    every = read(engine, audits_of_reference, "C-1", sas_only, NOW)
    assert [(a["instance_id"], a["may_open"]) for a in every] == [
        (ids["later"], False), (ids["june"], True), (ids["march"], True)]  # the later one is CIC 1's


def test_the_case_list_counts_each_references_history(history):
    engine, ids = history
    counts = read(engine, reference_counts, true(), ["C-1", "C-2", None])
    assert counts == {"c-1": {"instances": 4, "audits": 3}, "c-2": {"instances": 1, "audits": 1}}
    sas_only = read(engine, reference_counts, ProcessInstance.team_id == "sas_1", ["c-1"])
    assert sas_only == {"c-1": {"instances": 3, "audits": 2}}
