"""Walk-throughs of case_audit (R-13 to R-26, R-40, R-20) with its decision tables, the dispute it
calls and the child-safety alert it starts. The clock starts on Monday 2 November 2026 09:00 UTC."""
import re
from datetime import datetime

import pytest
from sqlalchemy import select

from engine.errors import InvalidData
from engine.models import AuditDeadline, AuditOutcome
from tests.flows.conftest import CASE, complete, definition_files, messages, ready
from tests.flows.test_dispute_resolution import final_report, informal

FILES = ("case_audit.bpmn", "audit_alerts.dmn", "findings_deadline.dmn", "reaudit.dmn", "case_audit_settings.dmn",
         "dispute_resolution.bpmn", "dispute_settings.dmn", "child_safety_alert.bpmn")
TOOL_DOMAINS = ("referral_and_response", "risk_assessment", "key_decisions", "key_assessment_episodes",
                "key_planning_and_reviewing", "child_focused_practice", "supervision_and_management_oversight",
                "direct_engagement", "reporting_and_recording", "case_transfer_and_closure")
THEMATIC_DOMAINS = ("strategy_discussion", "child_protection_core_assessment", "conference")
LABEL = {"outstanding": "Outstanding", "good": "Good", "requires_improvement": "Requires Improvement",
         "inadequate": "Inadequate"}


@pytest.fixture
def audits(org):
    org.deploy(definition_files(*FILES), "olive")
    return org


# --- helpers ------------------------------------------------------------------------------------

def domains(grade: str, names=TOOL_DOMAINS) -> dict:
    return {name: {"grade": grade, "rationale": f"Evidence for {name}"} for name in names}


def draft(grade: str, concern: str | None = None, names=TOOL_DOMAINS) -> dict:
    data = {"domains": domains(grade, names), "overall_grade": grade, "overall_rationale": "Draft rationale",
            "period_start": "2026-05-02", "immediate_safety_concern": concern is not None}
    return data | ({"safety_concern": concern} if concern else {})


def discussion(grade: str, concern: str | None = None, names=TOOL_DOMAINS, **extra) -> dict:
    data = {"discussion_held_on": "2026-11-02", "discussion_notes": "Practitioner explained the plan",
            "domains": domains(grade, names), "overall_grade": grade, "overall_rationale": "After discussion",
            "immediate_safety_concern": concern is not None, "team_manager_attended": False}
    return data | ({"safety_concern": concern} if concern else {}) | extra


def start(engine, **data) -> int:
    return engine.start_instance("case_audit", CASE | {"audit_kind": "audit"} | data, "quinn")


def submit_for_qa(engine, iid: int, grade: str, pre: str | None = None, **discussed) -> None:
    complete(engine, iid, "draft_audit", draft(pre or grade))
    complete(engine, iid, "discuss_draft_findings", discussion(grade, **discussed))


def send_and_accept(engine, iid: int) -> None:
    complete(engine, iid, "quality_assure_report", {"qa_outcome": "accepted"})
    complete(engine, iid, "respond_to_report", {"dispute": False})


def to_findings_discussion(engine, iid: int, grade: str, checkpoint=None, **discussed) -> None:
    submit_for_qa(engine, iid, grade, **discussed)
    if checkpoint:
        checkpoint(iid)
    send_and_accept(engine, iid)


def findings(actions: int = 1, recorded: bool = True) -> dict:
    return {"held_on": "2026-11-04", "recorded_in_case_note": recorded,
            "smart_actions": [{"action": f"Action {k}", "owner": "tom", "due": "by_date", "by_when": "2026-12-01"}
                              for k in range(actions)]}


def notices(engine, iid: int, subject_part: str) -> list:
    return [m for m in messages(engine, "notification", iid) if subject_part in m.subject]


def recipients(engine, iid: int, subject_part: str) -> list[list[str]]:
    return [m.recipients for m in notices(engine, iid, subject_part)]


def stored_outcome(engine, iid: int) -> tuple[AuditOutcome | None, dict]:
    """The audit's outcome row for reports (R-60) and its deadlines {name: met}."""
    with engine.db.transaction() as session:
        outcome = session.scalars(select(AuditOutcome).where(AuditOutcome.instance_id == iid)).one_or_none()
        deadlines = session.scalars(select(AuditDeadline).where(AuditDeadline.outcome_id == outcome.id)) if outcome else []
        return outcome, {d.name: d.met for d in deadlines}


def fire_at(engine, clock, iso: str) -> int:
    clock.set(datetime.fromisoformat(iso))
    return engine.fire_due_timers()


# --- an audit graded each of the four grades ------------------------------------------------------

@pytest.mark.parametrize("grade, alerted, days, due, reaudit", [
    ("outstanding", ["pat", "tom", "sue"], 10, "2026-11-16T23:59:59+00:00", False),
    ("good", ["pat", "tom", "sue"], 10, "2026-11-16T23:59:59+00:00", False),
    ("requires_improvement", ["pat", "tom", "sue"], 10, "2026-11-16T23:59:59+00:00", True),
    ("inadequate", ["pat", "tom", "sue", "hal"], 5, "2026-11-09T23:59:59+00:00", True),
])
def test_audit_graded_alerts_findings_deadline_and_reaudit(audits, checkpoint, grade, alerted, days, due, reaudit):
    # R-13 R-14 R-15 R-17 R-18 R-19 R-21 R-22 R-24
    iid = start(audits)
    assert ready(audits, iid)[0]["candidates"] == ["ann"]
    to_findings_discussion(audits, iid, grade, pre="requires_improvement", checkpoint=checkpoint)

    assert recipients(audits, iid, "Audit report for case C-1001") == [["pat", "tom"]]
    [upload] = messages(audits, "case_record.upload", iid)
    assert "C-1001" in upload.subject and f"Overall grade: {LABEL[grade]}" in upload.body and "by ann" in upload.body
    report = upload.payload["report"]
    assert (report["overall_grade"], report["pre_discussion_grade"]) == (grade, "requires_improvement")
    assert set(report["domains"]) == set(TOOL_DOMAINS) and report["period_start"] == "2026-05-02"
    assert recipients(audits, iid, "uploaded") == [alerted]

    [task] = ready(audits, iid, "discuss_audit_findings")
    assert (task["candidates"], task["due_at"]) == (["tom"], due)
    assert recipients(audits, iid, "re-audit due") == ([["quinn"]] if reaudit else [])

    complete(audits, iid, "discuss_audit_findings", findings())
    complete(audits, iid, "review_case_note", review_note())
    view = audits.reads.instance(iid)
    assert view["status"] == "completed" and notices(audits, iid, "overdue") == []
    data = view["data"]
    assert (data["overall_grade"], data["pre_discussion_grade"], data["findings_days"]) == (grade, "requires_improvement", days)
    assert (data["reaudit_due"], data["next_audit_kind"]) == (reaudit, "re_audit" if reaudit else "none")
    assert data["audit_completed"] is True and data["grade_change"] == "none"
    outcome, deadlines = stored_outcome(audits, iid)  # stored for the reports as the audit completes
    assert (outcome.overall_grade, outcome.pre_discussion_grade, outcome.service_area) == (
        grade, "requires_improvement", "safeguarding_support")
    assert deadlines == {"completed_in_month": True, "qa_within_1_day": True, "findings_discussion_in_time": True}
    [event] = messages(audits, "audit.completed", iid)  # for webhook subscribers, with the step that ended it
    assert {k: event.payload[k] for k in ("case_ref", "audit_kind", "overall_grade", "service_area")} == {
        "case_ref": "C-1001", "audit_kind": "audit", "overall_grade": grade, "service_area": "safeguarding_support"}


# --- quality assurance ----------------------------------------------------------------------------

def test_qa_returned_twice_then_escalated_to_sm_hos_and_then_ad(audits, clock, checkpoint):  # R-17 R-70
    iid = start(audits)
    submit_for_qa(audits, iid, "good")
    [qa] = ready(audits, iid, "quality_assure_report")
    assert (qa["candidates"], qa["due_at"]) == (["quinn"], "2026-11-03T23:59:59+00:00")  # 1 working day

    complete(audits, iid, "quality_assure_report",
             {"qa_outcome": "returned", "areas_to_review": "Rationale for risk", "discussion_with_audit_team": False})
    [amend] = ready(audits, iid, "amend_audit_report")
    assert (amend["candidates"], amend["due_at"]) == (["ann"], "2026-11-05T23:59:59+00:00")  # 3 working days
    complete(audits, iid, "amend_audit_report", {"amendments": "Rationale added"})

    complete(audits, iid, "quality_assure_report",
             {"qa_outcome": "returned", "areas_to_review": "Still thin", "discussion_with_audit_team": True})
    checkpoint(iid)
    assert ready(audits, iid, "amend_audit_report")[0]["due_at"] == "2026-11-06T23:59:59+00:00"  # 4 after a discussion
    assert fire_at(audits, clock, "2026-11-06T23:00:00+00:00") == 0

    assert fire_at(audits, clock, "2026-11-07T09:00:00+00:00") == 1
    [late] = notices(audits, iid, "amended audit report overdue")
    assert late.recipients == ["sid", "hal", "quinn"]  # ann's SM (Children in Care) and HoS
    assert notices(audits, iid, "still overdue") == []

    assert fire_at(audits, clock, "2026-11-11T09:00:00+00:00") == 1  # 2 more working days: end of 10 Nov
    assert recipients(audits, iid, "still overdue") == [["ada", "quinn"]]
    complete(audits, iid, "amend_audit_report", {"amendments": "Rewritten", "overall_grade": "requires_improvement"})
    send_and_accept(audits, iid)
    assert audits.reads.instance(iid)["data"]["overall_grade"] == "requires_improvement"



def test_qa_due_across_christmas_2026(audits, clock, checkpoint):  # R-17 R-70
    fire_at(audits, clock, "2026-12-24T10:00:00+00:00")
    iid = start(audits)
    submit_for_qa(audits, iid, "good")
    checkpoint(iid)
    # Thu 24 Dec: Fri 25 and Mon 28 (Boxing Day substitute) are bank holidays, the weekend in between.
    assert ready(audits, iid, "quality_assure_report")[0]["due_at"] == "2026-12-29T23:59:59+00:00"
    assert fire_at(audits, clock, "2026-12-29T23:00:00+00:00") == 0
    assert fire_at(audits, clock, "2026-12-30T08:00:00+00:00") == 1
    assert recipients(audits, iid, "quality assurance due") == [["quinn"]]
    assert len(ready(audits, iid, "quality_assure_report")) == 1  # still to do


def test_audit_not_submitted_by_the_months_last_working_day(audits, clock, checkpoint):
    iid = start(audits, cycle_year=2026, cycle_month=11)
    assert ready(audits, iid, "draft_audit")[0]["due_at"] == "2026-11-30T23:59:59+00:00"
    complete(audits, iid, "draft_audit", draft("good"))
    checkpoint(iid)
    assert fire_at(audits, clock, "2026-12-01T09:00:00+00:00") == 1
    assert recipients(audits, iid, "not completed within timescale") == [["quinn", "ann", "sid", "hal"]]
    assert len(ready(audits, iid, "discuss_draft_findings")) == 1


# --- discussion of findings on time and late ------------------------------------------------------

@pytest.mark.parametrize("grade, due, day_after", [
    ("inadequate", "2026-11-09T23:59:59+00:00", "2026-11-10T09:00:00+00:00"),
    ("good", "2026-11-16T23:59:59+00:00", "2026-11-17T09:00:00+00:00"),
])
def test_findings_discussion_late_is_escalated_to_the_sm(audits, clock, checkpoint, grade, due, day_after):
    # R-21 R-22 R-23
    iid = start(audits)
    to_findings_discussion(audits, iid, grade)
    assert ready(audits, iid, "discuss_audit_findings")[0]["due_at"] == due
    assert fire_at(audits, clock, due.replace("23:59:59", "23:00:00")) == 0  # on time: nobody told
    checkpoint(iid)
    assert fire_at(audits, clock, day_after) == 1
    [late] = notices(audits, iid, "discussion of findings overdue")
    assert late.recipients == ["sue", "quinn"] and "C-1001" in late.subject
    complete(audits, iid, "discuss_audit_findings", findings(recorded=False))  # still recorded late
    assert recipients(audits, iid, "not recorded") == []  # the QA team reviews the case note
    complete(audits, iid, "review_case_note", review_note(on_time=False))
    assert recipients(audits, iid, "not recorded") == [["sue", "quinn"]]  # a late case note
    assert audits.reads.instance(iid)["status"] == "completed"
    assert stored_outcome(audits, iid)[1]["findings_discussion_in_time"] is False  # R-60 timeliness


# --- re-audits ------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind, previous, grade, change, alerted, due, follow_up, next_kind", [
    ("re_audit", "inadequate", "requires_improvement", "improved", ["pat", "tom", "sue"],
     "2026-11-16T23:59:59+00:00", None, "re_re_audit"),
    ("re_audit", "requires_improvement", "requires_improvement", "same", ["pat", "tom", "sue", "hal"],
     "2026-11-09T23:59:59+00:00", ("service_manager_follow_up", ["sue"]), "re_re_audit"),
    ("re_audit", "good", "requires_improvement", "downgraded", ["pat", "tom", "sue", "hal"],
     "2026-11-09T23:59:59+00:00", ("service_manager_follow_up", ["sue"]), "re_re_audit"),
    ("re_re_audit", "inadequate", "inadequate", "same", ["pat", "tom", "sue", "hal", "ada"],
     "2026-11-09T23:59:59+00:00", ("head_of_service_follow_up", ["hal"]), "re_re_audit"),
])
def test_reaudit_outcome_decides_alerts_deadline_and_follow_up(audits, checkpoint, kind, previous, grade, change,
                                                                alerted, due, follow_up, next_kind):
    # R-05 (grades are ordered: improved / same / downgraded) R-19 R-21 R-22 R-24 R-25 R-26
    iid = start(audits, audit_kind=kind, previous_grade=previous)
    to_findings_discussion(audits, iid, grade, checkpoint=checkpoint, team_manager_attended=True)
    assert recipients(audits, iid, "uploaded") == [alerted]
    assert ready(audits, iid, "discuss_audit_findings")[0]["due_at"] == due
    complete(audits, iid, "discuss_audit_findings", findings())
    complete(audits, iid, "review_case_note", review_note())
    if follow_up:
        element, candidates = follow_up
        assert [t["candidates"] for t in ready(audits, iid, element)] == [candidates]
        complete(audits, iid, element, {"followed_up_on": "2026-11-20", "actions_on_track": True})
    data = audits.reads.instance(iid)["data"]
    assert (data["grade_change"], data["next_audit_kind"], data["audit_completed"]) == (change, next_kind, True)


def test_second_reaudit_discussion_needs_the_team_manager(audits, checkpoint):
    iid = start(audits, audit_kind="re_re_audit", previous_grade="inadequate")
    complete(audits, iid, "draft_audit", draft("inadequate"))
    assert recipients(audits, iid, "team manager attends") == [["tom", "ann"]]
    complete(audits, iid, "discuss_draft_findings", discussion("inadequate", team_manager_attended=False))
    checkpoint(iid)
    assert recipients(audits, iid, "team manager attends") == [["tom", "ann"], ["tom", "ann"]]
    assert ready(audits, iid, "quality_assure_report") == []
    complete(audits, iid, "discuss_draft_findings", discussion("inadequate", team_manager_attended=True))
    assert len(ready(audits, iid, "quality_assure_report")) == 1


# --- dispute, child-safety alert, thematic audit, previous practitioner -----------------------------

def test_the_report_is_uploaded_and_alerts_sent_as_soon_as_it_is_sent(audits, checkpoint):  # R-18 R-19
    """Guidance 2.6: the auditor sends the quality-assured report to the practitioner and team
    manager, then uploads it with its case note and sends the alerts, before any response."""
    iid = start(audits)
    submit_for_qa(audits, iid, "inadequate")
    checkpoint(iid)
    complete(audits, iid, "quality_assure_report", {"qa_outcome": "accepted"})
    assert len(ready(audits, iid, "respond_to_report")) == 1  # nobody has answered yet
    [report] = messages(audits, "case_record.upload", iid)
    assert report.subject == "Audit report (case audit), case C-1001" and "Overall grade: Inadequate" in report.body
    [alerted] = recipients(audits, iid, "uploaded: Inadequate")
    assert {"sue", "hal"} <= set(alerted)  # the service manager and head of service, for an inadequate audit


def test_disputed_audit_takes_the_grade_the_dispute_ended_with(audits, checkpoint):  # R-18 R-30 R-34
    iid = start(audits)
    submit_for_qa(audits, iid, "requires_improvement")
    complete(audits, iid, "quality_assure_report", {"qa_outcome": "accepted"})
    assert recipients(audits, iid, "uploaded: Requires Improvement") == [["pat", "tom", "sue"]]
    complete(audits, iid, "respond_to_report", {"dispute": True, "comments": "Risk assessment was updated"})
    assert audits.reads.instance(iid)["data"]["disputed"] is True  # held as disputed
    assert len(messages(audits, "case_record.upload", iid)) == 1  # the report as sent, not yet the final one
    checkpoint(iid)
    complete(audits, iid, "prepare_written_response",
             {"areas_disagreed": "Risk assessment", "rationale": "Updated in October", "shared_with_auditor": True})
    complete(audits, iid, "meet_with_auditor", {"meeting_date": "2026-11-05"})
    complete(audits, iid, "share_discussion_summary", {"summary": "Agreed the evidence was missed", "resolved": True})
    complete(audits, iid, "amend_final_report",
             {"final_report_amendments": "Risk assessment regraded on the October update", "overall_grade": "good"})
    data = audits.reads.instance(iid)["data"]
    assert (data["overall_grade"], data["disputed"], data["dispute_resolved_at_stage"]) == ("good", False, "informal")
    first, final = messages(audits, "case_record.upload", iid)  # 2.11: the final version once resolved
    assert first.payload["report"]["overall_grade"] == "requires_improvement"
    assert final.subject.startswith("Final audit report, after the dispute")
    assert final.payload["report"]["overall_grade"] == "good" and "Overall grade: Good" in final.body
    assert recipients(audits, iid, "final grade after the dispute, Good") == [["pat", "tom", "sue"]]
    assert ready(audits, iid, "respond_to_report") == []  # the answer was the dispute: not asked again
    assert ready(audits, iid, "practitioner_respond_to_report") == []
    assert stored_outcome(audits, iid) == (None, {})  # not complete: the findings are still to discuss
    # the discussion went ahead on the report as sent (R-34: a dispute does not pause it by default)
    assert ready(audits, iid, "discuss_audit_findings")[0]["due_at"] == "2026-11-16T23:59:59+00:00"
    complete(audits, iid, "discuss_audit_findings", findings())
    complete(audits, iid, "review_case_note", review_note())
    data = audits.reads.instance(iid)["data"]
    assert (data["overall_grade"], data["reaudit_due"], data["audit_completed"]) == ("good", False, True)


def test_a_dispute_that_upholds_the_grade_uploads_the_final_report_without_new_alerts(audits, clock):  # R-18 R-31
    iid = start(audits)
    submit_for_qa(audits, iid, "requires_improvement")
    complete(audits, iid, "quality_assure_report", {"qa_outcome": "accepted"})
    complete(audits, iid, "respond_to_report", {"dispute": True, "comments": "We disagree"})
    fire_at(audits, clock, "2026-11-05T10:00:00+00:00")
    complete(audits, iid, "prepare_written_response",
             {"areas_disagreed": "Risk assessment", "rationale": "x", "shared_with_auditor": True})
    complete(audits, iid, "meet_with_auditor", {"meeting_date": "2026-11-05"})
    complete(audits, iid, "share_discussion_summary", {"summary": "The grade stands", "resolved": True})
    complete(audits, iid, "amend_final_report",
             {"final_report_amendments": "Rationale explained", "overall_grade": "requires_improvement"})
    assert len(messages(audits, "case_record.upload", iid)) == 2
    assert len(notices(audits, iid, "uploaded:")) == 1  # the alerts went with the first upload
    assert recipients(audits, iid, "final grade after the dispute") == [["pat", "tom", "sue"]]  # told it stands
    # the grade stands, so the discussion keeps its deadline from the report as sent
    assert ready(audits, iid, "discuss_audit_findings")[0]["due_at"] == "2026-11-16T23:59:59+00:00"


def test_immediate_safety_concern_starts_an_alert_and_the_audit_goes_on(audits, checkpoint):
    iid = start(audits)
    complete(audits, iid, "draft_audit", draft("inadequate", concern="No safety plan after the incident"))
    view = audits.reads.instance(iid)
    [child] = view["children"]
    alert = audits.reads.instance(child)
    assert alert["process_id"] == "child_safety_alert" and alert["status"] == "running"
    assert (alert["case_ref"], alert["data"]["concern"], alert["data"]["raised_from"]) == (
        "C-1001", "No safety plan after the incident", "case_audit")
    assert any("tom" in m.recipients for m in messages(audits, "notification", child))  # the TM, urgently
    assert len(ready(audits, iid, "discuss_draft_findings")) == 1  # the audit goes on at once
    checkpoint(iid)
    complete(audits, iid, "discuss_draft_findings", discussion("inadequate", concern="No safety plan after the incident"))
    assert len(audits.reads.instance(iid)["children"]) == 1  # the same concern is not raised twice
    complete(audits, iid, "quality_assure_report", {"qa_outcome": "returned", "areas_to_review": "x",
                                                    "discussion_with_audit_team": False})
    assert audits.reads.instance(iid)["data"]["alert_raised"] is True


def test_new_concern_in_discussion_raises_a_second_alert(audits, checkpoint):
    iid = start(audits)
    complete(audits, iid, "draft_audit", draft("good"))
    assert audits.reads.instance(iid)["children"] == []
    checkpoint(iid)
    complete(audits, iid, "discuss_draft_findings", discussion("good", concern="Disclosure made in the meeting"))
    [child] = audits.reads.instance(iid)["children"]
    assert audits.reads.instance(child)["data"]["concern"] == "Disclosure made in the meeting"
    assert len(ready(audits, iid, "quality_assure_report")) == 1


def test_thematic_audit_uses_the_thematic_tool(audits, checkpoint):  # R-51 R-07 R-14
    iid = start(audits, audit_kind="thematic")
    [task] = ready(audits, iid)
    assert task["element_id"] == "draft_thematic_audit"
    assert audits.reads.instance(iid)["tasks"][0]["name"] == "Review case file and draft thematic audit"
    complete(audits, iid, "draft_thematic_audit", draft("good", names=THEMATIC_DOMAINS))
    checkpoint(iid)
    complete(audits, iid, "discuss_draft_findings", discussion("good", names=THEMATIC_DOMAINS))
    send_and_accept(audits, iid)
    [upload] = messages(audits, "case_record.upload", iid)
    assert set(upload.payload["report"]["domains"]) == set(THEMATIC_DOMAINS)
    assert "The thematic audit of case C-1001" in upload.body


def test_a_graded_domain_without_rationale_is_refused(audits, checkpoint):
    iid = start(audits)
    checkpoint(iid)
    bad = draft("good")
    bad["domains"]["risk_assessment"] = {"grade": "good"}
    with pytest.raises(InvalidData):
        complete(audits, iid, "draft_audit", bad)
    assert len(ready(audits, iid, "draft_audit")) == 1


def test_feedback_goes_to_the_previous_practitioner_and_their_team_manager(audits, checkpoint):
    iid = start(audits, previous_practitioner="pia")
    to_findings_discussion(audits, iid, "good", checkpoint=checkpoint,
                           feedback_for_previous_practitioner="Strong direct work in the spring")
    [note] = notices(audits, iid, "feedback on your earlier work")
    assert note.recipients == ["pia", "ann"]
    # The feedback is free text: the message says where to read it, never what it says.
    assert "Strong direct work" not in note.body and f"/instances/{iid}" in note.body

    other = start(audits)
    to_findings_discussion(audits, other, "good", feedback_for_previous_practitioner="No one to send it to")
    assert notices(audits, other, "feedback on your earlier work") == []


def test_alerts_include_the_cp_chair_or_iro_named_for_the_case(audits, checkpoint):
    iid = start(audits, iro="ivan")
    to_findings_discussion(audits, iid, "good", checkpoint=checkpoint)
    assert recipients(audits, iid, "uploaded") == [["pat", "tom", "sue", "ivan"]]


# --- issue 26: the framework as written where a child's safety or a deadline depends on it ---------

SETTINGS_FILE = "case_audit_settings.dmn"


def deploy_with_settings(org, **settings) -> None:
    """Deploy the case audit with some of its settings (decision case_audit_settings) changed, as a
    process owner would edit them: each setting is the output entry settings_<name>."""
    files = definition_files(*FILES)
    table = files[SETTINGS_FILE].decode()
    for name, value in settings.items():
        table, count = re.subn(rf'(<outputEntry id="settings_{name}"><text>)[^<]*(</text>)',
                               lambda m, value=value: m.group(1) + value + m.group(2), table)
        assert count == 1, f"no setting {name} in {SETTINGS_FILE}"
    org.deploy(files | {SETTINGS_FILE: table.encode()}, "olive")


def accepted(engine, iid: int, grade: str, **discussed) -> None:
    """Drafted, discussed and accepted by QA: the report is sent, uploaded and alerted on."""
    submit_for_qa(engine, iid, grade, **discussed)
    complete(engine, iid, "quality_assure_report", {"qa_outcome": "accepted"})


def review_note(found: bool = True, on_time: bool = True) -> dict:
    return {"case_note_found": found, "recorded_on_time": on_time} | (
        {} if found and on_time else {"issues": "No supervision note on file"})


def test_R21_findings_clock_runs_from_receipt_of_the_completed_audit(audits, clock, checkpoint):
    # R-21 R-22 R-70: "within 5 working days upon receipt of the completed audit" (2.13): nobody answers the
    # report, yet the discussion is asked for at once and due 5 working days after the report was sent.
    iid = start(audits)
    accepted(audits, iid, "inadequate")
    [task] = ready(audits, iid, "discuss_audit_findings")
    assert (task["candidates"], task["due_at"]) == (["tom"], "2026-11-09T23:59:59+00:00")
    checkpoint(iid)
    assert fire_at(audits, clock, "2026-11-10T09:00:00+00:00") >= 1
    assert recipients(audits, iid, "discussion of findings overdue") == [["sue", "quinn"]]  # on time, not a week late


def test_R21_a_late_answer_to_the_report_does_not_move_the_findings_deadline(audits, clock, checkpoint):
    # R-21 R-34: the TM answers on the 4th working day; the discussion stays due on the 5th after receipt
    iid = start(audits)
    accepted(audits, iid, "inadequate")
    fire_at(audits, clock, "2026-11-06T10:00:00+00:00")
    checkpoint(iid)
    complete(audits, iid, "respond_to_report", {"dispute": False})
    assert ready(audits, iid, "discuss_audit_findings")[0]["due_at"] == "2026-11-09T23:59:59+00:00"


def test_R40_a_concern_in_a_second_reaudit_discussion_without_the_tm_is_raised_at_once(audits, checkpoint):
    # R-40 R-15 (2.5, 2.10): the TM missed the discussion; the concern is raised before the discussion is
    # held again, and a repeat discussion that does not tick it again does not lose it.
    iid = start(audits, audit_kind="re_re_audit", previous_grade="inadequate")
    complete(audits, iid, "draft_audit", draft("inadequate"))
    complete(audits, iid, "discuss_draft_findings",
             discussion("inadequate", concern="Bruising seen at the visit", team_manager_attended=False))
    [child] = audits.reads.instance(iid)["children"]
    assert audits.reads.instance(child)["data"]["concern"] == "Bruising seen at the visit"
    assert any("tom" in m.recipients for m in messages(audits, "notification", child))  # the TM, urgently
    checkpoint(iid)
    assert len(ready(audits, iid, "discuss_draft_findings")) == 1  # held again, with the TM
    complete(audits, iid, "discuss_draft_findings", discussion("inadequate", team_manager_attended=True))
    assert len(audits.reads.instance(iid)["children"]) == 1 and audits.reads.instance(iid)["data"]["alert_raised"]
    assert len(ready(audits, iid, "quality_assure_report")) == 1


def test_R40_the_tms_attendance_must_be_answered(audits, checkpoint):
    # R-40 R-15: left out, the attendance stopped the instance in error with the concern never raised
    iid = start(audits, audit_kind="re_re_audit", previous_grade="inadequate")
    complete(audits, iid, "draft_audit", draft("inadequate"))
    checkpoint(iid)
    unanswered = discussion("inadequate", concern="Bruising seen at the visit")
    del unanswered["team_manager_attended"]
    with pytest.raises(InvalidData):
        complete(audits, iid, "discuss_draft_findings", unanswered)
    assert audits.reads.instance(iid)["status"] == "running"
    assert len(ready(audits, iid, "discuss_draft_findings")) == 1


def test_R34_the_practitioner_may_challenge_the_grading(audits, checkpoint):
    # R-34 (2.9, 2.11 "Practitioner/Team Manager"): the practitioner raises the dispute; the TM's answer goes
    iid = start(audits)
    accepted(audits, iid, "requires_improvement")
    [mine] = ready(audits, iid, "practitioner_respond_to_report")
    assert mine["candidates"] == ["pat"]
    checkpoint(iid)
    complete(audits, iid, "practitioner_respond_to_report", {"dispute": True, "comments": "The plan was reviewed"})
    assert audits.reads.instance(iid)["data"]["disputed"] is True
    assert ready(audits, iid, "respond_to_report") == []
    assert len(ready(audits, iid, "prepare_written_response")) == 1


def test_R34_no_challenge_window_by_default_and_the_flow_moves_on(audits, clock, checkpoint):
    # R-34 R-21: the documents set no window: 30 working days on, either may still challenge, while the
    # findings discussion went ahead meanwhile
    iid = start(audits)
    accepted(audits, iid, "requires_improvement")
    assert len(ready(audits, iid, "discuss_audit_findings")) == 1  # not held back by the open challenge
    assert len(messages(audits, "case_record.upload", iid)) == 1 and recipients(audits, iid, "uploaded")
    checkpoint(iid)
    fire_at(audits, clock, "2026-12-14T09:00:00+00:00")
    assert [t["candidates"] for t in ready(audits, iid, "respond_to_report")] == [["tom"]]
    assert [t["candidates"] for t in ready(audits, iid, "practitioner_respond_to_report")] == [["pat"]]
    complete(audits, iid, "respond_to_report", {"dispute": True, "comments": "Risk assessment was updated"})
    assert len(ready(audits, iid, "prepare_written_response")) == 1


def test_R34_a_challenge_window_set_by_the_process_owner_closes_the_challenge(org, clock, checkpoint):
    # a window is a setting (challenge_window_days); when it ends the report stands
    deploy_with_settings(org, challenge_window_days="5")
    iid = start(org)
    accepted(org, iid, "good")
    [sent] = notices(org, iid, "Audit report for case")
    assert "within 5 working days" in sent.body
    checkpoint(iid)
    assert fire_at(org, clock, "2026-11-10T08:00:00+00:00") >= 1
    assert ready(org, iid, "respond_to_report") == [] and ready(org, iid, "practitioner_respond_to_report") == []
    assert len(ready(org, iid, "discuss_audit_findings")) == 1


def test_R34_the_challenge_closes_once_the_findings_are_acted_on(audits, checkpoint):
    # with no window, the challenge stays open until the findings are acted on; the audit then completes
    iid = start(audits)
    accepted(audits, iid, "good")
    checkpoint(iid)
    complete(audits, iid, "discuss_audit_findings", findings())
    complete(audits, iid, "review_case_note", review_note())
    view = audits.reads.instance(iid)
    assert view["status"] == "completed" and ready(audits, iid) == []
    assert view["data"]["dispute"] is False and view["data"]["audit_completed"] is True


def test_R34_a_dispute_does_not_pause_the_findings_discussion_by_default(audits, checkpoint):
    # R-34 R-21: the discussion goes ahead while the dispute runs; the audit completes when both are done
    iid = start(audits)
    accepted(audits, iid, "inadequate")
    complete(audits, iid, "respond_to_report", {"dispute": True, "comments": "We disagree"})
    [task] = ready(audits, iid, "discuss_audit_findings")
    assert task["due_at"] == "2026-11-09T23:59:59+00:00"
    checkpoint(iid)
    complete(audits, iid, "discuss_audit_findings", findings())
    complete(audits, iid, "review_case_note", review_note())
    assert audits.reads.instance(iid)["status"] == "running"  # the dispute is still open
    assert len(ready(audits, iid, "prepare_written_response")) == 1


def test_R34_a_dispute_pauses_the_findings_discussion_when_the_setting_says_so(org, clock, checkpoint):
    # R-34 R-21: dispute_pauses_findings: the discussion waits for the dispute, then follows its final grade,
    # due from the receipt of the final report
    deploy_with_settings(org, dispute_pauses_findings="True")
    iid = start(org)
    accepted(org, iid, "inadequate")
    complete(org, iid, "respond_to_report", {"dispute": True, "comments": "We disagree"})
    assert ready(org, iid, "discuss_audit_findings") == []
    checkpoint(iid)
    fire_at(org, clock, "2026-11-05T10:00:00+00:00")
    informal(org, iid, resolved=True)
    complete(org, iid, "amend_final_report", final_report("good"))  # the auditor's final grade: Good
    [task] = ready(org, iid, "discuss_audit_findings")
    assert task["due_at"] == "2026-11-19T23:59:59+00:00"  # 10 working days (Good) from 5 November
    complete(org, iid, "discuss_audit_findings", findings())
    complete(org, iid, "review_case_note", review_note())
    data = org.reads.instance(iid)["data"]
    assert (data["overall_grade"], data["findings_days"], data["reaudit_due"]) == ("good", 10, False)


def test_R34_R19_the_final_grade_reaches_whoever_was_told_the_original(audits, checkpoint):
    # R-34 R-19 R-24: Inadequate -> Good: the SM and HoS told "Inadequate" are told "Good"; the re-audit
    # follows the final grade and the audit team is told; the discussion already held stands
    iid = start(audits)
    accepted(audits, iid, "inadequate")
    assert recipients(audits, iid, "uploaded: Inadequate") == [["pat", "tom", "sue", "hal"]]
    assert recipients(audits, iid, "re-audit due") == [["quinn"]]
    complete(audits, iid, "respond_to_report", {"dispute": True, "comments": "We disagree"})
    complete(audits, iid, "discuss_audit_findings", findings())
    complete(audits, iid, "review_case_note", review_note())
    checkpoint(iid)
    informal(audits, iid, resolved=True)
    complete(audits, iid, "amend_final_report", final_report("good"))  # the auditor's final grade: Good
    [final] = notices(audits, iid, "final grade after the dispute")
    assert {"pat", "tom", "sue", "hal"} <= set(final.recipients) and "Good" in final.subject
    [changed] = notices(audits, iid, "re-audit follows the final grade")
    assert "quinn" in changed.recipients and "No re-audit is due" in changed.body
    view = audits.reads.instance(iid)
    assert view["status"] == "completed"
    data = view["data"]
    assert (data["overall_grade"], data["reaudit_due"], data["next_audit_kind"]) == ("good", False, "none")
    assert stored_outcome(audits, iid)[0].overall_grade == "good"


def test_R19_the_sm_is_emailed_every_audit(audits, checkpoint):
    # R-19 (2.13 "email to the Practitioner, Team Manager and Service manager"); the HoS follows 2.6
    iid = start(audits)
    checkpoint(iid)
    accepted(audits, iid, "good")
    assert recipients(audits, iid, "uploaded: Good") == [["pat", "tom", "sue"]]


def test_R23_the_discussion_goes_on_the_case_record_and_the_qa_team_reviews_the_note(audits, clock, checkpoint):
    # R-23 (2.13, Appendix A "recording on Mosaic"): a case-record entry; the QA team reviews the note within
    # its deadline; a missing or late one goes to the SM
    iid = start(audits)
    accepted(audits, iid, "good")
    complete(audits, iid, "discuss_audit_findings", findings())
    [_, note] = messages(audits, "case_record.upload", iid)
    assert note.subject == "Discussion of the audit findings (case audit), case C-1001"
    assert note.payload["report"]["smart_actions"] == findings()["smart_actions"]
    [review] = ready(audits, iid, "review_case_note")
    assert (review["candidates"], review["due_at"]) == (["quinn"], "2026-11-09T23:59:59+00:00")
    checkpoint(iid)
    assert fire_at(audits, clock, "2026-11-10T09:00:00+00:00") >= 1
    assert recipients(audits, iid, "review of the case note due") == [["quinn"]]
    complete(audits, iid, "review_case_note", review_note(found=False))
    assert recipients(audits, iid, "not recorded") == [["sue", "quinn"]]
    assert audits.reads.instance(iid)["status"] == "completed"


def test_R17_amendment_days_are_settings(org, checkpoint):
    # R-17 (2.15 "within 2-3 days", "within 3-4 days"): the lower bounds, set by the process owner
    deploy_with_settings(org, amendment_days="2", amendment_days_after_discussion="3")
    iid = start(org)
    submit_for_qa(org, iid, "good")
    complete(org, iid, "quality_assure_report",
             {"qa_outcome": "returned", "areas_to_review": "x", "discussion_with_audit_team": False})
    assert ready(org, iid, "amend_audit_report")[0]["due_at"] == "2026-11-04T23:59:59+00:00"
    checkpoint(iid)
    complete(org, iid, "amend_audit_report", {"amendments": "Done"})
    complete(org, iid, "quality_assure_report",
             {"qa_outcome": "returned", "areas_to_review": "y", "discussion_with_audit_team": True})
    assert ready(org, iid, "amend_audit_report")[0]["due_at"] == "2026-11-05T23:59:59+00:00"


@pytest.mark.parametrize("kind, previous, told", [
    ("re_audit", "requires_improvement", ["hal", "quinn"]),
    ("re_re_audit", "inadequate", ["ada", "quinn"]),
])
def test_R25_R26_the_follow_up_has_a_deadline_and_actions_off_track_are_escalated(audits, clock, checkpoint,
                                                                                  kind, previous, told):
    # R-25 R-26 R-27 (2.14 "monitor that appropriate actions are taken in a timely way"; a second re-audit
    # "brought to the attention of the relevant Head of Service, Assistant Director")
    iid = start(audits, audit_kind=kind, previous_grade=previous)
    accepted(audits, iid, previous, team_manager_attended=True)
    complete(audits, iid, "discuss_audit_findings", findings())
    complete(audits, iid, "review_case_note", review_note())
    [follow_up] = [t for t in ready(audits, iid) if t["element_id"].endswith("_follow_up")]
    assert follow_up["due_at"] == "2026-11-30T23:59:59+00:00"  # 20 working days
    checkpoint(iid)
    complete(audits, iid, follow_up["element_id"], {"followed_up_on": "2026-11-20", "actions_on_track": False})
    assert recipients(audits, iid, "agreed actions not on track") == [told]
    assert audits.reads.instance(iid)["status"] == "completed"


@pytest.mark.parametrize("compared_with, change", [("previous_re_audit", "improved"), ("original_audit", "same")])
def test_R26_same_grade_on_a_second_reaudit_is_a_setting(org, checkpoint, compared_with, change):
    # R-26 R-05 (2.14 "the same grading as the previous re audit"; 2.6 "as the original single case audit")
    deploy_with_settings(org, re_re_audit_compared_with=f'"{compared_with}"')
    iid = start(org, audit_kind="re_re_audit", previous_grade="inadequate", original_grade="requires_improvement")
    checkpoint(iid)
    accepted(org, iid, "requires_improvement", team_manager_attended=True)
    assert org.reads.instance(iid)["data"]["grade_change"] == change


def test_a_need_to_know_audit_follows_the_full_route(audits, checkpoint):
    # R-50 (2.1 "The audit process is the same for all types of audits"): alerts by grade, findings, re-audit
    iid = start(audits, audit_kind="need_to_know")
    accepted(audits, iid, "inadequate")
    assert recipients(audits, iid, "uploaded: Inadequate") == [["pat", "tom", "sue", "hal"]]
    checkpoint(iid)
    assert ready(audits, iid, "discuss_audit_findings")[0]["due_at"] == "2026-11-09T23:59:59+00:00"
    complete(audits, iid, "discuss_audit_findings", findings())
    complete(audits, iid, "review_case_note", review_note())
    data = audits.reads.instance(iid)["data"]
    assert (data["reaudit_due"], data["next_audit_kind"], data["audit_completed"]) == (True, "re_audit", True)
    assert recipients(audits, iid, "re-audit due") == [["quinn"]]


def test_R34_a_dispute_ending_before_the_discussion_gives_it_the_final_grade(audits, clock, checkpoint):
    # R-34 R-21 R-22: Inadequate (5 days) -> Good (10 days, counted from the final report) while the
    # discussion is still to hold; a grade the dispute upholds keeps the deadline it had
    iid = start(audits)
    accepted(audits, iid, "inadequate")
    complete(audits, iid, "respond_to_report", {"dispute": True, "comments": "We disagree"})
    assert ready(audits, iid, "discuss_audit_findings")[0]["due_at"] == "2026-11-09T23:59:59+00:00"
    checkpoint(iid)
    fire_at(audits, clock, "2026-11-05T10:00:00+00:00")
    informal(audits, iid, resolved=True)
    complete(audits, iid, "amend_final_report", final_report("good"))  # the auditor's final grade: Good
    [task] = ready(audits, iid, "discuss_audit_findings")
    assert task["due_at"] == "2026-11-19T23:59:59+00:00"
    assert audits.reads.task(task["id"])["data"]["overall_grade"] == "good"
    complete(audits, iid, "discuss_audit_findings", findings())
    complete(audits, iid, "review_case_note", review_note())
    data = audits.reads.instance(iid)["data"]
    assert (data["overall_grade"], data["findings_days"], data["reaudit_due"], data["audit_completed"]) == (
        "good", 10, False, True)
