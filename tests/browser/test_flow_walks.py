"""Whole flows in a real browser (issue 21): each flow walked only through the pages, each step by
the person its lane names, who finds it in My tasks; afterwards an engine read of what the case
keeps. The engine starts each instance as the monthly allocation does (starting from the pages is
a later issue). The clock moves on between steps, never real time: Monday 2 November 2026 onwards."""
from playwright.sync_api import expect

import doors
from tests.browser.walks import (  # noqa: F401  (staff: a fixture)
    SEEN_NARROW,
    TITLES,
    Walk,
    agree_action,
    at,
    choose,
    choose_by_keyboard,
    draw_up,
    enter_date,
    replace,
    shown_value,
    staff,
    task_fact,
    type_into,
)
from tests.flows.conftest import messages
from tests.web.conftest import CASE

DRAFT = {d: {"grade": "good", "rationale": f"{title}: evidence on file"} for d, title in TITLES.items()} | {
    "risk_assessment": {"grade": "requires_improvement", "rationale": "Risk assessment not reviewed since May"},
    "case_transfer_and_closure": {"grade": "not_applicable"}}
REGRADED = {"grade": "outstanding", "rationale": "Weekly visits since September; the child's views recorded"}
AMENDED = {"grade": "good", "rationale": "Updated in October after the incident, reviewed monthly since"}
AREAS_TO_REVIEW = "The risk assessment was updated in October: see the case note of 12 October"
ACTIONS = [{"action": "Review the risk assessment with the family", "owner": "pat", "due": "by_date",
            "by_when": "2026-11-30"},
           {"action": "Check the supervision record every month", "owner": "tom", "due": "by_date",
            "by_when": "2027-01-29"}]


def test_case_audit_from_the_draft_to_the_findings_discussion(staff, person, clock):
    # R-03 R-06 R-13 R-14 R-15 R-17 R-18 R-21 R-22 R-23: every step by the person its lane names
    engine = doors.engine(staff)
    iid = engine.start_instance("case_audit", CASE, "quinn")
    walk = Walk(person, "70-audit", "C-1001")

    at(clock, "2026-11-02T10:00:00+00:00")  # ann drafts the report: every domain graded
    ann = walk.open_task("ann", "Review case file and draft audit report", "audit_tool")
    draw_up(ann, DRAFT, "requires_improvement", "Plans drift after the May incident", by_keyboard=True)
    type_into(ann, "good_practice", "Warm, consistent direct work")
    type_into(ann, "areas_for_improvement", "Review the risk assessment every three months")
    walk.complete(ann, "ann-draft")

    at(clock, "2026-11-02T14:00:00+00:00")  # ann discusses the draft with pat and grades again
    ann = walk.open_task("ann", "Discuss draft findings with the practitioner and grade again", "audit_discussion")
    assert ann.locator("input[name='domains.risk_assessment.grade'][value='requires_improvement']").is_checked()
    assert ann.locator("#domains-risk_assessment-rationale").input_value() == DRAFT["risk_assessment"]["rationale"]
    enter_date(ann, "discussion_held_on", "2026-11-02")
    choose(ann, "team_manager_attended", "no")
    type_into(ann, "discussion_notes", "Pat described weekly visits since September")
    choose(ann, "domains.direct_engagement.grade", REGRADED["grade"])
    replace(ann, "domains-direct_engagement-rationale", REGRADED["rationale"])
    replace(ann, "overall_rationale", "After the discussion: plans still drift after the May incident")
    assert not ann.locator("input[name=immediate_safety_concern]:checked").count()  # asked afresh: not pre-filled
    choose(ann, "immediate_safety_concern", "no")
    walk.complete(ann, "ann-discussion")

    at(clock, "2026-11-03T10:00:00+00:00")  # quinn reads the report's grades and returns it
    quinn = walk.open_task("quinn", "Quality assure the audit report", "qa_review")
    assert shown_value(quinn, "Overall grade") == "Requires Improvement"
    assert shown_value(quinn, "Grade", within="Risk Assessment") == "Requires Improvement"
    assert shown_value(quinn, "Grade", within=TITLES["direct_engagement"]) == "Outstanding"
    assert shown_value(quinn, "Rationale", within=TITLES["direct_engagement"]) == REGRADED["rationale"]
    choose_by_keyboard(quinn, "qa_outcome-2")  # Returned
    type_into(quinn, "areas_to_review", AREAS_TO_REVIEW)
    choose(quinn, "discussion_with_audit_team", "no")
    walk.complete(quinn, "quinn-returned")

    at(clock, "2026-11-03T14:00:00+00:00")  # ann reads QA's areas to review and changes one domain's grade
    ann = walk.open_task("ann", "Amend the audit report", "audit_amendment")
    assert shown_value(ann, "Areas of the report that need reviewing") == AREAS_TO_REVIEW
    assert shown_value(ann, "Outcome of quality assurance") == "Returned for review"
    type_into(ann, "amendments", "Risk assessment regraded on the October update")
    choose(ann, "domains.risk_assessment.grade", AMENDED["grade"])
    replace(ann, "domains-risk_assessment-rationale", AMENDED["rationale"])
    walk.complete(ann, "ann-amended")

    at(clock, "2026-11-04T10:00:00+00:00")  # quinn sees the amended grade and accepts
    quinn = walk.open_task("quinn", "Quality assure the audit report", "qa_review")
    walk.expect_unanswered(quinn, "second quality assurance", "qa_outcome", "areas_to_review",
                           "discussion_with_audit_team")
    assert shown_value(quinn, "Grade", within="Risk Assessment") == "Good"
    assert shown_value(quinn, "Rationale", within="Risk Assessment") == AMENDED["rationale"]
    choose(quinn, "qa_outcome", "accepted")
    expect(quinn.locator("#areas_to_review")).to_be_hidden()
    walk.check(quinn, "quinn-accepting")
    walk.complete(quinn, "quinn-accepted")

    at(clock, "2026-11-04T14:00:00+00:00")  # tom reads the grade and does not dispute it
    tom = walk.open_task("tom", "Respond to the audit report", "report_response")
    assert shown_value(tom, "Overall grade") == "Requires Improvement"
    assert shown_value(tom, "Grade", within="Risk Assessment") == "Good"
    choose(tom, "dispute", "no")
    walk.complete(tom, "tom-no-dispute")

    at(clock, "2026-11-05T10:00:00+00:00")  # tom discusses the findings and agrees SMART actions (R-21 R-22 R-23)
    tom = walk.open_task("tom", "Discuss audit findings and agree SMART actions", "findings_discussion")
    assert shown_value(tom, "Overall grade") == "Requires Improvement"
    enter_date(tom, "held_on", "2026-11-05")
    agree_action(tom, 0, ACTIONS[0])
    tom.get_by_role("button", name="Add another: SMART actions agreed").click()
    tom.locator("#smart_actions-1-action").wait_for()
    assert tom.locator("#smart_actions-0-action").input_value() == ACTIONS[0]["action"]  # kept
    walk.check(tom, "tom-second-action")
    agree_action(tom, 1, ACTIONS[1])
    choose(tom, "recorded_in_case_note", "yes")
    choose(tom, "case_note_type", "supervision")
    type_into(tom, "notes", "Agreed in supervision with Pat")
    walk.complete(tom, "tom-findings")

    at(clock, "2026-11-06T10:00:00+00:00")  # quinn reviews the manager's case note (R-23, 2.13)
    quinn = walk.open_task("quinn", "Review the manager's case note of the discussion", "case_note_review")
    assert shown_value(quinn, "Overall grade") == "Requires Improvement"
    assert shown_value(quinn, "Action", within="SMART actions agreed 1") == ACTIONS[0]["action"]
    choose(quinn, "case_note_found", "yes")
    choose(quinn, "recorded_on_time", "yes")
    walk.complete(quinn, "quinn-case-note")
    assert "The case is complete" in quinn.locator("main").inner_text()  # no follow-up for a first audit
    walk.case_page(quinn, "quinn")

    view = engine.reads.instance(iid)
    assert view["status"] == "completed"
    assert [(t["element_id"], t["completed_by"]) for t in view["tasks"]] == [
        ("draft_audit", "ann"), ("discuss_draft_findings", "ann"), ("quality_assure_report", "quinn"),
        ("amend_audit_report", "ann"), ("quality_assure_report", "quinn"), ("respond_to_report", "tom"),
        ("discuss_audit_findings", "tom"), ("review_case_note", "quinn")]
    data = view["data"]
    assert data["domains"] == DRAFT | {"direct_engagement": REGRADED, "risk_assessment": AMENDED}
    assert data["pre_discussion_domains"] == DRAFT
    assert (data["overall_grade"], data["pre_discussion_grade"]) == ("requires_improvement", "requires_improvement")
    assert data["overall_rationale"] == "After the discussion: plans still drift after the May incident"
    assert (data["period_start"], data["discussion_held_on"], data["held_on"]) == (
        "2026-05-02", "2026-11-02", "2026-11-05")
    assert (data["good_practice"], data["areas_for_improvement"]) == (
        "Warm, consistent direct work", "Review the risk assessment every three months")
    assert (data["team_manager_attended"], data["immediate_safety_concern"], data["dispute"]) == (False, False, False)
    assert data["discussion_notes"] == "Pat described weekly visits since September"
    assert data["amendments"] == "Risk assessment regraded on the October update"
    assert (data["qa_outcome"], data["areas_to_review"]) == ("accepted", AREAS_TO_REVIEW)
    assert data["smart_actions"] == ACTIONS
    assert (data["recorded_in_case_note"], data["case_note_type"], data["notes"]) == (
        True, "supervision", "Agreed in supervision with Pat")
    assert (data["findings_days"], data["reaudit_due"], data["next_audit_kind"], data["audit_completed"]) == (
        10, True, "re_audit", True)
    upload, discussed = messages(engine, "case_record.upload", iid)  # the amended report went to the case record
    assert upload.payload["report"]["domains"]["risk_assessment"] == AMENDED
    assert discussed.payload["report"]["smart_actions"] == ACTIONS  # the discussion on the case record
    walk.finish()


FINDINGS_NOTES = "Pat is to be given protected time for the plan"
FOLLOW_UP_NOTES = "The risk assessment review is booked for 25 November"
REAUDIT = {d: {"grade": "requires_improvement", "rationale": f"{title}: still not evidenced"}
           for d, title in TITLES.items()}


def test_reaudit_that_keeps_its_grade_is_followed_up_by_the_service_manager(staff, person, clock):
    # R-05 R-15 R-19 R-21 R-24 R-25: the same Requires Improvement as before, so the SM follows up
    engine = doors.engine(staff)
    iid = engine.start_instance(
        "case_audit", CASE | {"audit_kind": "re_audit", "previous_grade": "requires_improvement"}, "quinn")
    walk = Walk(person, "80-reaudit", "C-1001")
    walk.narrow_seen |= SEEN_NARROW

    at(clock, "2026-11-02T10:00:00+00:00")
    ann = walk.open_task("ann", "Review case file and draft audit report", "audit_tool")
    draw_up(ann, REAUDIT, "requires_improvement", "The actions of the last audit are not done")
    walk.complete(ann, "ann-draft")

    at(clock, "2026-11-02T14:00:00+00:00")
    ann = walk.open_task("ann", "Discuss draft findings with the practitioner and grade again", "audit_discussion")
    enter_date(ann, "discussion_held_on", "2026-11-02")
    choose(ann, "team_manager_attended", "yes")
    replace(ann, "discussion_notes", "Pat had no time for the plan's actions")
    choose(ann, "immediate_safety_concern", "no")
    walk.complete(ann, "ann-discussion")

    at(clock, "2026-11-03T10:00:00+00:00")
    quinn = walk.open_task("quinn", "Quality assure the audit report", "qa_review")
    assert shown_value(quinn, "Overall grade of the previous audit") == "Requires Improvement"
    assert shown_value(quinn, "Overall grade") == "Requires Improvement"
    choose(quinn, "qa_outcome", "accepted")
    walk.complete(quinn, "quinn-accepted")

    at(clock, "2026-11-03T14:00:00+00:00")
    tom = walk.open_task("tom", "Respond to the audit report", "report_response")
    choose(tom, "dispute", "no")
    walk.complete(tom, "tom-no-dispute")

    at(clock, "2026-11-04T10:00:00+00:00")  # 5 working days for a re-audit that did not improve
    tom = walk.open_task("tom", "Discuss audit findings and agree SMART actions", "findings_discussion")
    assert task_fact(tom, "Due") == "Due Tuesday 10 November"
    enter_date(tom, "held_on", "2026-11-04")
    agree_action(tom, 0, ACTIONS[0])
    choose(tom, "recorded_in_case_note", "yes")
    type_into(tom, "notes", FINDINGS_NOTES)
    walk.complete(tom, "tom-findings")

    at(clock, "2026-11-05T10:00:00+00:00")  # quinn finds no case note: the SM is told
    quinn = walk.open_task("quinn", "Review the manager's case note of the discussion", "case_note_review")
    choose(quinn, "case_note_found", "no")
    choose(quinn, "recorded_on_time", "no")
    type_into(quinn, "issues", "No supervision note on the case record")
    walk.complete(quinn, "quinn-case-note-missing")

    at(clock, "2026-11-18T10:00:00+00:00")  # sue, the practitioner's service manager, follows it up
    sue = walk.open_task("sue", "Follow up the agreed actions with the team manager and practitioner",
                         "reaudit_follow_up")
    walk.expect_unanswered(sue, "the service manager's follow-up", "followed_up_on", "actions_on_track", "notes")
    assert shown_value(sue, "Overall grade of the previous audit") == "Requires Improvement"
    assert shown_value(sue, "Action", within="SMART actions agreed 1") == ACTIONS[0]["action"]
    assert shown_value(sue, "By when", within="SMART actions agreed 1") == "30 November 2026"
    assert walk.case_page_from_task(sue, "sue") == f"/instances/{iid}"  # the case reference links to the case
    enter_date(sue, "followed_up_on", "2026-11-18")
    choose(sue, "actions_on_track", "no")
    replace(sue, "notes", FOLLOW_UP_NOTES)
    walk.complete(sue, "sue-follow-up")

    view = engine.reads.instance(iid)
    assert view["status"] == "completed"
    follow_up = [t for t in view["tasks"] if t["element_id"] == "service_manager_follow_up"]
    assert [(t["candidates"], t["completed_by"]) for t in follow_up] == [(["sue"], "sue")]
    assert [t["element_id"] for t in view["tasks"]] == [
        "draft_audit", "discuss_draft_findings", "quality_assure_report", "respond_to_report",
        "discuss_audit_findings", "review_case_note", "service_manager_follow_up"]
    data = view["data"]
    assert (data["domains"], data["pre_discussion_domains"]) == (REAUDIT, REAUDIT)
    assert (data["previous_grade"], data["overall_grade"], data["grade_change"]) == (
        "requires_improvement", "requires_improvement", "same")
    assert (data["follow_up"], data["findings_days"], data["next_audit_kind"]) == ("service_manager", 5, "re_re_audit")
    assert (data["team_manager_attended"], data["discussion_notes"]) == (True, "Pat had no time for the plan's actions")
    assert (data["held_on"], data["smart_actions"], data["recorded_in_case_note"]) == ("2026-11-04", ACTIONS[:1], True)
    assert (data["followed_up_on"], data["actions_on_track"], data["notes"]) == ("2026-11-18", False, FOLLOW_UP_NOTES)
    # The findings discussion's notes share their name with the follow-up's: the case's data holds the
    # last, its history each step's answers as given.
    completed = {e["element_id"]: (e["actor"], e["detail"]["data"]) for e in engine.reads.history(iid)
                 if e["event"] == "task_completed"}
    assert completed["discuss_audit_findings"] == ("tom", {"held_on": "2026-11-04", "smart_actions": ACTIONS[:1],
                                                           "recorded_in_case_note": True, "notes": FINDINGS_NOTES})
    [alerted] = [m.recipients for m in messages(engine, "notification", iid) if "uploaded" in m.subject]
    assert {"pat", "tom", "sue", "hal"} <= set(alerted)  # the SM and HoS too
    told = {m.subject: m.recipients for m in messages(engine, "notification", iid)}
    assert told["Audit of case C-1001: discussion of findings not recorded"] == ["sue", "quinn"]
    assert told["Audit of case C-1001: agreed actions not on track"] == ["hal", "quinn"]  # R-25, 2.14: to the HoS
    walk.finish()
