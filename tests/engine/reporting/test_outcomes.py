"""Outcome rows written when an audit or a child-safety alert ends, driven through the real flows
of processes/ (R-60). The clock starts on Monday 2 November 2026 09:00 UTC."""
from datetime import datetime

import pytest
from sqlalchemy import select

from engine.models import AlertOutcome, AuditDeadline, AuditDomainGrade, AuditOutcome
from tests.fixtures.diagrams import NOTE_FORM, scripted
from tests.flows.conftest import CASE, complete, definition_files
from tests.flows.test_case_audit import (
    FILES,
    TOOL_DOMAINS,
    discussion,
    draft,
    findings,
    review_note,
    send_and_accept,
    start,
    submit_for_qa,
)

MONDAY = datetime.fromisoformat("2026-11-02T09:00:00+00:00")


@pytest.fixture
def audits(org):
    org.deploy(definition_files(*FILES), "olive")
    return org


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def outcome_of(engine, instance_id: int) -> tuple[AuditOutcome, dict, dict]:
    """The outcome row, its domains {domain: (before, after)} and deadlines {name: (due_at, met)}."""
    with engine.db.transaction() as session:
        outcome = session.scalars(select(AuditOutcome).where(AuditOutcome.instance_id == instance_id)).one()
        domains = session.scalars(select(AuditDomainGrade).where(AuditDomainGrade.outcome_id == outcome.id))
        deadlines = session.scalars(select(AuditDeadline).where(AuditDeadline.outcome_id == outcome.id))
        return (outcome, {d.domain: (d.grade_before, d.grade_after) for d in domains},
                {d.name: (d.due_at, d.met) for d in deadlines})


def outcome_count(engine, model=AuditOutcome) -> int:
    with engine.db.transaction() as session:
        return len(session.scalars(select(model)).all())


def alert_outcome_of(engine, instance_id: int) -> AlertOutcome:
    with engine.db.transaction() as session:
        return session.scalars(select(AlertOutcome).where(AlertOutcome.instance_id == instance_id)).one()


# --- audits -----------------------------------------------------------------------------------------

def test_an_audit_completed_on_time_stores_its_outcome_domains_and_deadlines(audits, checkpoint):
    # R-60 (by service area and kind, grades before and after discussion, timeliness) R-14 R-15 R-16 R-17 R-22
    iid = start(audits, cycle_year=2026, cycle_month=11)
    submit_for_qa(audits, iid, "good", pre="requires_improvement")
    checkpoint(iid)
    send_and_accept(audits, iid)
    assert outcome_count(audits) == 0  # nothing until the audit completes
    complete(audits, iid, "discuss_audit_findings", findings())
    complete(audits, iid, "review_case_note", review_note())

    outcome, domains, deadlines = outcome_of(audits, iid)
    assert (outcome.case_ref, outcome.service_area, outcome.team, outcome.auditor, outcome.practitioner) == (
        "C-1001", "safeguarding_support", "sas_1", "ann", "pat")
    assert (outcome.audit_kind, outcome.pre_discussion_grade, outcome.overall_grade) == (
        "audit", "requires_improvement", "good")
    assert (outcome.previous_grade, outcome.grade_change, outcome.disputed, outcome.dispute_stage) == (
        None, None, False, None)
    assert (outcome.cycle_year, outcome.cycle_month) == (2026, 11)
    assert outcome.started_at == outcome.submitted_at == outcome.completed_at == MONDAY
    assert domains == {name: ("requires_improvement", "good") for name in TOOL_DOMAINS}
    assert deadlines == {  # no amendment was asked for: that deadline did not apply
        "completed_in_month": (at("2026-11-30T23:59:59+00:00"), True),  # the month's last working day
        "qa_within_1_day": (at("2026-11-03T23:59:59+00:00"), True),
        "findings_discussion_in_time": (at("2026-11-16T23:59:59+00:00"), True),  # 10 working days for Good
    }


def test_late_steps_are_missed_deadlines_whether_or_not_a_timer_swept(audits, clock):  # R-60 R-16 R-17 R-70
    iid = start(audits, cycle_year=2026, cycle_month=11)
    complete(audits, iid, "draft_audit", draft("inadequate"))
    clock.set(at("2026-12-01T09:00:00+00:00"))  # Tuesday: after the month's last working day
    complete(audits, iid, "discuss_draft_findings", discussion("inadequate"))
    complete(audits, iid, "quality_assure_report",  # on time: due the end of Wednesday 2 December
             {"qa_outcome": "returned", "areas_to_review": "Risk", "discussion_with_audit_team": False})
    clock.set(at("2026-12-07T09:00:00+00:00"))  # the amendment was due by Friday 4 December
    complete(audits, iid, "amend_audit_report", {"amendments": "Risk rationale added"})
    clock.set(at("2026-12-09T09:00:00+00:00"))  # the second QA was due by Tuesday 8 December
    send_and_accept(audits, iid)
    complete(audits, iid, "discuss_audit_findings", findings())  # on time: 5 working days for Inadequate
    complete(audits, iid, "review_case_note", review_note())

    outcome, _, deadlines = outcome_of(audits, iid)
    assert deadlines == {
        "completed_in_month": (at("2026-11-30T23:59:59+00:00"), False),
        "qa_within_1_day": (at("2026-12-08T23:59:59+00:00"), False),  # the first QA met, the second missed
        "amendment_in_time": (at("2026-12-04T23:59:59+00:00"), False),
        "findings_discussion_in_time": (at("2026-12-16T23:59:59+00:00"), True),
    }
    assert (outcome.submitted_at, outcome.completed_at) == (
        at("2026-12-01T09:00:00+00:00"), at("2026-12-09T09:00:00+00:00"))
    assert outcome_count(audits) == 1  # the late-audit escalation branch ends without an outcome


def test_an_overdue_discussion_of_findings_is_missed_once_its_timer_fired(audits, clock):  # R-21 R-23 R-60
    iid = start(audits)
    submit_for_qa(audits, iid, "inadequate")
    send_and_accept(audits, iid)
    clock.set(at("2026-11-10T09:00:00+00:00"))
    assert audits.fire_due_timers() == 1  # the SM is told
    complete(audits, iid, "discuss_audit_findings", findings())
    complete(audits, iid, "review_case_note", review_note())

    outcome, _, deadlines = outcome_of(audits, iid)
    assert deadlines["findings_discussion_in_time"] == (at("2026-11-09T23:59:59+00:00"), False)
    assert deadlines["completed_in_month"] == (at("2026-11-30T23:59:59+00:00"), True)  # 20 working days: no cycle
    assert (outcome.cycle_year, outcome.cycle_month) == (None, None)


@pytest.mark.parametrize("kind, previous, grade, change", [
    ("re_audit", "inadequate", "requires_improvement", "improved"),
    ("re_audit", "requires_improvement", "requires_improvement", "same"),
    ("re_audit", "good", "inadequate", "downgraded"),
])
def test_a_reaudit_stores_how_the_grade_changed(audits, kind, previous, grade, change):  # R-05 R-24 R-60
    iid = start(audits, audit_kind=kind, previous_grade=previous)
    submit_for_qa(audits, iid, grade)
    send_and_accept(audits, iid)
    complete(audits, iid, "discuss_audit_findings", findings())
    complete(audits, iid, "review_case_note", review_note())
    if change != "improved":
        complete(audits, iid, "service_manager_follow_up", {"followed_up_on": "2026-11-20", "actions_on_track": True})
    outcome, _, _ = outcome_of(audits, iid)
    assert (outcome.audit_kind, outcome.previous_grade, outcome.overall_grade, outcome.grade_change) == (
        kind, previous, grade, change)


def dispute(engine, iid: int, resolved_informally: bool, grade: str) -> None:
    complete(engine, iid, "quality_assure_report", {"qa_outcome": "accepted"})
    complete(engine, iid, "respond_to_report", {"dispute": True, "comments": "Risk assessment was updated"})
    complete(engine, iid, "prepare_written_response",
             {"areas_disagreed": "Risk assessment", "rationale": "Updated in October", "shared_with_auditor": True})
    complete(engine, iid, "meet_with_auditor", {"meeting_date": "2026-11-05"})
    complete(engine, iid, "share_discussion_summary", {"summary": "Discussed", "resolved": resolved_informally})
    if resolved_informally:  # the auditor's final amended report sets the grade
        complete(engine, iid, "amend_final_report", {"final_report_amendments": "Regraded on the October update",
                                                     "overall_grade": grade})
    else:
        complete(engine, iid, "discuss_with_hos_qa", {"course_of_action": "Independent audit of the file",
                                                      "independent_audit": True})
        complete(engine, iid, "provide_written_response", {"summary": "Grade stands", "resolved": True,
                                                           "agreed_grade": grade})


@pytest.mark.parametrize("informal, final, stage, result", [
    (True, "good", "informal", "grade_changed"),
    (False, "requires_improvement", "formal", "grade_upheld"),
])
def test_a_disputed_audit_stores_the_grade_the_dispute_ended_with(audits, checkpoint, informal, final, stage, result):
    # R-30 R-31 R-34 R-60 (disputes by stage and outcome)
    iid = start(audits)
    submit_for_qa(audits, iid, "requires_improvement")
    checkpoint(iid)
    dispute(audits, iid, informal, final)
    complete(audits, iid, "discuss_audit_findings", findings())
    complete(audits, iid, "review_case_note", review_note())

    outcome, domains, _ = outcome_of(audits, iid)
    assert (outcome.overall_grade, outcome.pre_discussion_grade) == (final, "requires_improvement")
    assert (outcome.disputed, outcome.dispute_stage, outcome.dispute_outcome) == (True, stage, result)
    assert set(domains) == set(TOOL_DOMAINS)


def test_a_thematic_audit_stores_its_own_domains_and_not_applicable(audits):  # R-06 R-07 R-51 R-60
    iid = start(audits, audit_kind="thematic")
    names = ("strategy_discussion", "child_protection_core_assessment", "conference")
    drafted = draft("good", names=names)
    drafted["domains"]["conference"] = {"grade": "not_applicable"}
    complete(audits, iid, "draft_thematic_audit", drafted)
    complete(audits, iid, "discuss_draft_findings", discussion("outstanding", names=names))
    send_and_accept(audits, iid)
    complete(audits, iid, "discuss_audit_findings", findings())
    complete(audits, iid, "review_case_note", review_note())
    _, domains, _ = outcome_of(audits, iid)
    assert domains == {"child_protection_core_assessment": ("good", "outstanding"), "conference": (
        "not_applicable", "outstanding"), "strategy_discussion": ("good", "outstanding")}


# --- child-safety alerts ----------------------------------------------------------------------------

def test_an_alert_resolved_at_stage_1_stores_its_outcome(audits, clock):  # R-40 R-41 R-60
    iid = start(audits)
    complete(audits, iid, "draft_audit", draft("inadequate", concern="No safety plan"))
    [alert] = audits.reads.instance(iid)["children"]
    clock.set(at("2026-11-04T10:00:00+00:00"))
    complete(audits, alert, "discuss_with_tm_and_sm", {"summary": "Discussed", "outcome": "Plan today",
                                                       "resolved": True})
    complete(audits, alert, "judge_stage_1", {"judged_resolved": True, "judgement": "Plan seen"})  # the audit team
    row = alert_outcome_of(audits, alert)
    assert (row.case_ref, row.service_area, row.raised_from, row.final_stage, row.outcome) == (
        "C-1001", "safeguarding_support", "case_audit", 1, "resolved")
    assert (row.stages_timed_out, row.answered_in_time) == (0, True)
    assert (row.raised_at, row.closed_at) == (MONDAY, at("2026-11-04T10:00:00+00:00"))
    assert outcome_count(audits) == 0  # the audit itself goes on


def test_an_alert_unanswered_up_to_the_director_stores_every_stage_that_timed_out(org, clock):  # R-41 R-44 R-45 R-60
    org.deploy(definition_files("child_safety_alert.bpmn"), "olive")
    iid = org.start_instance("child_safety_alert", CASE | {"concern": "Disclosure", "raised_from": "case_audit"},
                             "ann")
    # Stage 1's deadline (and its reminder) after 2 working days, then stages 2 and 3 after 5 each.
    for after, fired in (("2026-11-05T09:00:00+00:00", 2), ("2026-11-13T09:00:00+00:00", 1),
                         ("2026-11-23T09:00:00+00:00", 1)):
        clock.set(at(after))
        assert org.fire_due_timers() == fired
    complete(org, iid, "judge_exceptional", {"exceptional": True, "exceptional_reasons": "Risk remains"})
    complete(org, iid, "make_final_decision", {"decision": "Strategy discussion"})
    row = alert_outcome_of(org, iid)
    assert (row.final_stage, row.outcome, row.stages_timed_out, row.answered_in_time) == (
        4, "final_decision", 3, False)


def test_an_alert_answered_late_but_before_the_sweep_timed_out(org, clock):  # R-42 R-45 R-60
    org.deploy(definition_files("child_safety_alert.bpmn"), "olive")
    iid = org.start_instance("child_safety_alert", CASE | {"concern": "Disclosure", "raised_from": "case_audit"},
                             "ann")
    complete(org, iid, "discuss_with_tm_and_sm", {"summary": "Discussed", "outcome": "HoS", "resolved": False})
    complete(org, iid, "judge_stage_1", {"judged_resolved": False, "judgement": "No plan yet"})
    clock.set(at("2026-11-10T08:00:00+00:00"))  # stage 2 was due by the end of Monday 9 November
    complete(org, iid, "hos_respond_to_alert", {"response": "Strategy meeting convened.", "resolved": True})
    row = alert_outcome_of(org, iid)
    assert (row.final_stage, row.outcome, row.stages_timed_out, row.answered_in_time) == (2, "resolved", 1, False)


# --- a diagram's mistakes -------------------------------------------------------------------------

@pytest.mark.parametrize("script, message", [
    ('record_audit_outcome(milestones={"sent_at": "step"})', "unknown milestones ['sent_at']"),
    ("record_audit_outcome()", "no overall_grade"),
])
def test_a_wrong_outcome_call_puts_the_instance_in_error_and_writes_nothing(org, script, message):
    org.deploy({"scripted.bpmn": scripted(script=script), "note.json": NOTE_FORM}, "olive")
    iid = org.start_instance("scripted", CASE | {"audit_kind": "audit"}, "ann")
    view = org.reads.instance(iid)
    assert (view["status"], view["error"]["element_id"]) == ("error", "run")
    assert message in view["error"]["message"] and outcome_count(org) == 0
