"""Whole flows in a real browser (issue 21), continued: the dispute ladder from the team manager's
challenge to the Assistant Director's decision (issue 26: the service manager escalates to the Head of
Service, whose outcome the Head of Service for QA / PSW confirms), and a need-to-know audit started by the case-record
system. Each step through the pages by the person its lane names; then an engine read."""
from playwright.sync_api import expect

import doors
from api.webhooks_in import ACTOR, PROCESS_OF
from tests.browser.walks import (  # noqa: F401  (staff: a fixture)
    SEEN_NARROW,
    TITLES,
    Walk,
    agree_action,
    at,
    choose,
    draw_up,
    enter_date,
    replace,
    shown_value,
    staff,
    task_fact,
    type_into,
)
from tests.flows.conftest import complete, definition_files, messages
from tests.flows.test_case_audit import discussion, draft
from tests.flows.test_need_to_know_audit import FILES as NEED_TO_KNOW_FILES
from tests.web.conftest import CASE

WRITTEN = {"areas_disagreed": "Risk assessment and key decisions",
           "rationale": "The October risk assessment meets the criteria for Good",
           "evidence": "Case note of 12 October; the updated safety plan",
           "proposed_grade": "good", "shared_with_auditor": True}
STAGES = {  # element id -> (who, what they answer)
    "meet_with_auditor": ("tom", {"meeting_date": "2026-11-06", "attendees": "Auditor, practitioner, team manager"}),
    "share_discussion_summary": ("tom", {"summary": "No agreement on the risk assessment", "resolved": False}),
    "discuss_with_hos_qa": ("quinn", {"course_of_action": "Audit the case file independently",
                                       "independent_audit": True}),
    "provide_written_response": ("quinn", {"summary": "The independent audit also found Requires Improvement",
                                           "resolved": False}),
    "escalate_dispute_to_head_of_service": ("sue", {
        "escalation_rationale": "The independent audit did not settle the risk assessment",
        "escalated_to_head_of_service": True}),
    "hos_discuss_with_hos_qa": ("hal", {"summary": "The team manager still disputes the grade", "resolved": False}),
    "confirm_joint_outcome": ("paula", {"hos_qa_agrees": True}),
    "consider_independent_view": ("ada", {"independent_view": True, "final_grade": "good",
                                          "decision": "The October update was missed: Good, on the independent view"}),
}


def audit_sent_to_the_team_manager(engine) -> int:
    """An audit graded Requires Improvement, drafted, discussed and accepted (the pages of those steps
    are walked in test_flow_walks.py): waiting for tom's response."""
    iid = engine.start_instance("case_audit", CASE, "quinn")
    graded = {d: {"grade": "requires_improvement", "rationale": f"{title}: plans drift"} for d, title in TITLES.items()}
    complete(engine, iid, "draft_audit", draft("requires_improvement") | {"domains": graded}, "ann")
    complete(engine, iid, "discuss_draft_findings", discussion("requires_improvement") | {"domains": graded}, "ann")
    complete(engine, iid, "quality_assure_report", {"qa_outcome": "accepted"}, "quinn")
    return iid


def assert_written_response_shown(page) -> None:
    """Every stage after the written response shows it above its form."""
    assert shown_value(page, "Areas identified by the auditor that are disagreed with") == WRITTEN["areas_disagreed"]
    assert shown_value(page, "Rationale of disagreement, against the audit grading criteria") == WRITTEN["rationale"]
    assert shown_value(page, "Grade the practitioner and team manager think right") == "Good"
    assert shown_value(page, "Overall grade disputed") == "Requires Improvement"


def stage_outcome(walk, page, step: str, answer: dict) -> None:
    """A stage's summary and outcome, unresolved: the page asks them afresh at every stage."""
    walk.expect_unanswered(page, step, "summary", "resolved")
    replace(page, "summary", answer["summary"])
    choose(page, "resolved", "no")
    expect(page.locator("#agreed_grade")).to_be_hidden()  # asked only when resolved


def test_dispute_unresolved_at_every_stage_up_to_the_assistant_directors_decision(staff, person, clock):
    # R-18 R-30 R-31 R-32 R-33 R-34: informal, formal, the SM escalates to the Head of Service, whose outcome the
    # Head of Service for QA / PSW confirms, then the AD decides the grade
    engine = doors.engine(staff)
    iid = audit_sent_to_the_team_manager(engine)
    walk = Walk(person, "90-dispute", "C-1001")
    walk.narrow_seen |= SEEN_NARROW

    at(clock, "2026-11-03T10:00:00+00:00")  # tom challenges the grading
    tom = walk.open_task("tom", "Respond to the audit report", "report_response")
    assert shown_value(tom, "Overall grade") == "Requires Improvement"
    choose(tom, "dispute", "yes")
    type_into(tom, "comments", "The risk assessment was updated in October")
    walk.complete(tom, "tom-disputes")

    at(clock, "2026-11-03T14:00:00+00:00")  # informal stage: the written response, shared with the auditor
    tom = walk.open_task("tom", "Informal stage: prepare the practitioner's and team manager's written response against "
                                "the grading criteria and share it with the auditor", "dispute_written_response")
    assert shown_value(tom, "Overall grade") == "Requires Improvement"
    type_into(tom, "areas_disagreed", WRITTEN["areas_disagreed"])
    type_into(tom, "rationale", WRITTEN["rationale"])
    type_into(tom, "evidence", WRITTEN["evidence"])
    choose(tom, "proposed_grade", WRITTEN["proposed_grade"])
    tom.get_by_role("checkbox", name="Shared with the auditor").check()
    walk.complete(tom, "tom-written-response")

    at(clock, "2026-11-06T10:00:00+00:00")
    tom = walk.open_task("tom", "Informal stage: meet with the auditor to seek resolution", "dispute_meeting")
    assert_written_response_shown(tom)
    answer = STAGES["meet_with_auditor"][1]
    enter_date(tom, "meeting_date", answer["meeting_date"])
    type_into(tom, "attendees", answer["attendees"])
    walk.complete(tom, "tom-meeting")

    at(clock, "2026-11-06T14:00:00+00:00")
    tom = walk.open_task("tom", "Informal stage: share the discussion summary and outcome", "dispute_informal_outcome")
    assert_written_response_shown(tom)
    assert shown_value(tom, "Date of the informal meeting") == "6 November 2026"
    assert tom.locator("[name='agreed_grade']").count() == 0  # a changed grade is the auditor's, not the TM's
    stage_outcome(walk, tom, "informal summary", STAGES["share_discussion_summary"][1])
    walk.complete(tom, "tom-informal-unresolved")

    at(clock, "2026-11-09T10:00:00+00:00")  # formal stage: the QA team with the Head of Service for QA / PSW
    quinn = walk.open_task("quinn", "Formal stage: discuss with the Head of Service for QA / PSW and agree a course of "
                                    "action", "dispute_course_of_action")
    assert_written_response_shown(quinn)
    assert shown_value(quinn, "Latest summary of the discussion or written response") == STAGES[
        "share_discussion_summary"][1]["summary"]
    type_into(quinn, "course_of_action", STAGES["discuss_with_hos_qa"][1]["course_of_action"])
    choose(quinn, "independent_audit", "yes")
    walk.complete(quinn, "quinn-course-of-action")

    at(clock, "2026-11-10T10:00:00+00:00")
    quinn = walk.open_task("quinn", "Formal stage: provide a written response to the TM, auditor and SM",
                           "dispute_stage_outcome")
    assert_written_response_shown(quinn)
    assert shown_value(quinn, "Course of action agreed at the formal stage") == STAGES["discuss_with_hos_qa"][1][
        "course_of_action"]
    assert shown_value(quinn, "Case file audited independently") == "Yes"
    stage_outcome(walk, quinn, "formal written response", STAGES["provide_written_response"][1])
    walk.complete(quinn, "quinn-formal-unresolved")

    at(clock, "2026-11-11T10:00:00+00:00")  # Head of Service stage: the service manager escalates
    sue = walk.open_task("sue", "Head of Service stage: escalate the dispute to the Head of Service, with your rationale",
                         "dispute_escalation")
    assert_written_response_shown(sue)
    assert shown_value(sue, "Latest summary of the discussion or written response") == STAGES[
        "provide_written_response"][1]["summary"]
    escalation = STAGES["escalate_dispute_to_head_of_service"][1]
    walk.expect_unanswered(sue, "escalation", "escalation_rationale", "escalated_to_head_of_service")
    type_into(sue, "escalation_rationale", escalation["escalation_rationale"])
    sue.get_by_role("checkbox", name="Escalated to the Head of Service").check()
    walk.complete(sue, "sue-escalated")

    at(clock, "2026-11-11T14:00:00+00:00")  # the Head of Service discusses with the Head of Service for QA / PSW
    hal = walk.open_task("hal", "Head of Service stage: discuss with the Head of Service for QA / PSW and record the "
                                "outcome", "dispute_stage_outcome")
    assert_written_response_shown(hal)
    assert shown_value(hal, "Rationale for escalating to the Head of Service") == escalation["escalation_rationale"]
    stage_outcome(walk, hal, "Head of Service stage", STAGES["hos_discuss_with_hos_qa"][1])
    walk.complete(hal, "hal-unresolved")

    at(clock, "2026-11-11T16:00:00+00:00")  # the outcome is joint: the Head of Service for QA / PSW confirms it
    paula = walk.open_task("paula", "Head of Service stage: confirm the outcome agreed with the Head of Service",
                           "dispute_joint_outcome")
    assert_written_response_shown(paula)
    assert shown_value(paula, "Summary of the discussion") == STAGES["hos_discuss_with_hos_qa"][1]["summary"]
    assert shown_value(paula, "Resolved, as recorded by the Head of Service") == "No"
    walk.expect_unanswered(paula, "joint outcome", "hos_qa_agrees")
    expect(paula.locator("#hos_qa_view")).to_be_hidden()  # asked only when she does not agree
    choose(paula, "hos_qa_agrees", "yes")
    walk.complete(paula, "paula-agrees-unresolved")

    at(clock, "2026-11-12T10:00:00+00:00")  # the Assistant Director decides, within the setting's 5 working days
    ada = walk.open_task("ada", "Assistant Director stage: consider an independent view and decide", "dispute_decision")
    assert_written_response_shown(ada)
    assert shown_value(ada, "Latest summary of the discussion or written response") == STAGES[
        "hos_discuss_with_hos_qa"][1]["summary"]
    assert shown_value(ada, "Overall grade") == "Requires Improvement"  # the report, as disputed
    assert shown_value(ada, "Rationale for escalating to the Head of Service") == escalation["escalation_rationale"]
    assert task_fact(ada, "Due") == "Due Wednesday 18 November"  # the AD stage has a deadline
    decision = STAGES["consider_independent_view"][1]
    choose(ada, "independent_view", "yes")
    type_into(ada, "decision", decision["decision"])
    choose(ada, "final_grade", decision["final_grade"])
    walk.complete(ada, "ada-decided")
    walk.case_page(ada, "ada")

    at(clock, "2026-11-12T14:00:00+00:00")  # the audit goes on with the AD's grade: tom's findings discussion shows it
    tom = walk.open_task("tom", "Discuss audit findings and agree SMART actions", "findings_discussion")
    assert shown_value(tom, "Overall grade") == "Good"

    view = engine.reads.instance(iid)
    assert view["status"] == "running"
    [next_step] = [t for t in view["tasks"] if t["state"] == "ready"]
    assert (next_step["element_id"], next_step["candidates"]) == ("discuss_audit_findings", ["tom"])
    data = view["data"]
    assert (data["overall_grade"], data["final_grade"], data["disputed_grade"]) == (
        "good", "good", "requires_improvement")
    assert (data["dispute_resolved_at_stage"], data["disputed"], data["dispute"]) == ("assistant_director", False, True)
    assert data["comments"] == "The risk assessment was updated in October"
    assert {k: data[k] for k in WRITTEN} == WRITTEN
    assert {k: data[k] for k in ("independent_view", "decision", "final_grade")} == decision
    # Each stage's answers as typed, by the person its lane names (the history keeps every completion).
    completed = [(e["element_id"], e["actor"], e["detail"]["data"]) for e in engine.reads.history(iid)
                 if e["event"] == "task_completed"]
    assert completed[3:] == [("respond_to_report", "tom", {"dispute": True, "comments": data["comments"]}),
                             ("prepare_written_response", "tom", WRITTEN),
                             *((element, who, answer) for element, (who, answer) in STAGES.items())]
    final = [m for m in messages(engine, "case_record.upload", iid) if m.subject.startswith("Final audit report")]
    assert [m.payload["report"]["overall_grade"] for m in final] == ["good"]  # the final report uploaded
    assert any("quinn" in m.recipients and "Assistant Director" in m.subject
               for m in messages(engine, "notification", iid))  # the audit team is copied in
    walk.finish()



def test_dispute_resolved_informally_the_auditor_amends_the_report_from_its_grades(staff, person, clock):
    # R-30 R-34: resolved at the informal stage, the team manager shares the outcome (no grade); the auditor
    # amends the report on a page that starts from its grades and sends the final amended report
    engine = doors.engine(staff)
    iid = audit_sent_to_the_team_manager(engine)
    walk = Walk(person, "91-dispute-informal", "C-1001")
    walk.narrow_seen |= SEEN_NARROW | {"task:dispute_informal_outcome"}
    at(clock, "2026-11-03T10:00:00+00:00")  # the steps before are walked in the ladder above
    complete(engine, iid, "respond_to_report", {"dispute": True, "comments": "The risk assessment was updated"}, "tom")
    complete(engine, iid, "prepare_written_response", WRITTEN, "tom")
    complete(engine, iid, "meet_with_auditor", STAGES["meet_with_auditor"][1], "tom")

    at(clock, "2026-11-06T14:00:00+00:00")
    tom = walk.open_task("tom", "Informal stage: share the discussion summary and outcome", "dispute_informal_outcome")
    walk.expect_unanswered(tom, "informal summary", "summary", "resolved")
    type_into(tom, "summary", "The October risk assessment was missed; agreed at the meeting")
    choose(tom, "resolved", "yes")
    assert tom.locator("[name='agreed_grade']").count() == 0  # the grade is the auditor's to change
    walk.complete(tom, "tom-informal-resolved")

    at(clock, "2026-11-09T10:00:00+00:00")
    ann = walk.open_task("ann", "Informal stage resolved: amend the audit report and send the final amended report",
                         "dispute_final_report")
    assert_written_response_shown(ann)
    assert task_fact(ann, "Due") == "Due tomorrow, Tuesday 10 November"  # dispute_settings.dmn: 2 working days
    # The page starts from the report's grades and rationale (x-prefill), not empty.
    assert ann.locator("input[name='overall_grade'][value='requires_improvement']").is_checked()
    assert ann.locator("input[name='domains.risk_assessment.grade'][value='requires_improvement']").is_checked()
    assert ann.locator("#domains-risk_assessment-rationale").input_value() == f"{TITLES['risk_assessment']}: plans drift"
    walk.expect_unanswered(ann, "final report", "final_report_amendments")
    type_into(ann, "final_report_amendments", "Risk assessment regraded on the October update")
    choose(ann, "domains.risk_assessment.grade", "good")
    replace(ann, "domains-risk_assessment-rationale", "Updated in October, meets the criteria")
    choose(ann, "overall_grade", "good")
    replace(ann, "overall_rationale", "Good, with the October risk assessment")
    walk.complete(ann, "ann-final-report")
    walk.case_page(ann, "ann")

    data = engine.reads.instance(iid)["data"]
    assert (data["final_grade"], data["overall_grade"], data["dispute_resolved_at_stage"]) == ("good", "good", "informal")
    assert data["domains"]["risk_assessment"] == {"grade": "good", "rationale": "Updated in October, meets the criteria"}
    assert data["domains"]["key_decisions"]["grade"] == "requires_improvement"  # kept as the report had it
    sent = [m for m in messages(engine, "notification", iid) if "final grade Good" in m.subject]
    assert [m.recipients for m in sent] == [["pat", "tom", "quinn"]]  # practitioner, team manager, audit team
    walk.finish()

NOTIFICATION = {"type": "need_to_know.notified", "case_ref": "C-2002",
                "summary": "Serious incident reported by the police",
                "notification_type": "serious_incident", "assistant_director": "ada"}  # names no practitioner
NTK_AUDIT = {d: {"grade": "inadequate", "rationale": f"{title}: nothing after the incident"}
             for d, title in TITLES.items()}
NTK_ACTION = {"action": "A safety plan agreed with the family", "owner": "pat", "due": "by_date", "by_when": "2026-11-20"}


def test_need_to_know_audit_from_the_notification_to_its_findings(staff, person, clock):
    # R-50 (guidance 2.1, "the same for all types of audits"): the case-record system's notification starts
    # it; it names no practitioner, so the audit team places it and allocates the audit before anyone is
    # told by role; the audit then takes the routine audit's steps (draft, discussion, QA, response,
    # findings discussion) by the people their lanes name, and the findings go back to the QA service and
    # the Assistant Director who shared the notification
    engine = doors.engine(staff)
    engine.deploy(definition_files(*NEED_TO_KNOW_FILES), "olive")
    data = {k: NOTIFICATION[k] for k in ("case_ref", "summary", "notification_type", "assistant_director")}
    iid, new = engine.start_instance_once("evt-need-to-know-1", NOTIFICATION["type"], PROCESS_OF[NOTIFICATION["type"]],
                                          data, ACTOR)  # as POST /api/webhooks/case-record does
    assert new
    walk = Walk(person, "95-need-to-know", "C-2002")
    walk.narrow_seen |= SEEN_NARROW - {"case-page"}

    at(clock, "2026-11-02T10:00:00+00:00")  # quinn places the notification and allocates its audit
    quinn = walk.open_task("quinn", "Place the notification and allocate its audit", "need_to_know_placement")
    walk.expect_unanswered(quinn, "placement", "allocation.practitioner", "allocation.auditor")
    type_into(quinn, "allocation-practitioner", "pat")
    type_into(quinn, "allocation-auditor", "ann")
    walk.complete(quinn, "quinn-placed")

    at(clock, "2026-11-04T10:00:00+00:00")  # ann audits the case file with the audit tool
    ann = walk.open_task("ann", "Review case file and draft audit report", "audit_tool")
    draw_up(ann, NTK_AUDIT, "inadequate", "No safety plan after the incident")
    type_into(ann, "areas_for_improvement", "A safety plan within a week")
    walk.complete(ann, "ann-draft")

    at(clock, "2026-11-04T14:00:00+00:00")  # ann discusses the draft with pat and grades again
    ann = walk.open_task("ann", "Discuss draft findings with the practitioner and grade again", "audit_discussion")
    enter_date(ann, "discussion_held_on", "2026-11-04")
    choose(ann, "team_manager_attended", "no")
    type_into(ann, "discussion_notes", "Pat described the visits since the incident")
    choose(ann, "immediate_safety_concern", "no")
    walk.complete(ann, "ann-discussion")

    at(clock, "2026-11-05T10:00:00+00:00")  # quinn quality assures it
    quinn = walk.open_task("quinn", "Quality assure the audit report", "qa_review")
    assert shown_value(quinn, "Overall grade") == "Inadequate"
    choose(quinn, "qa_outcome", "accepted")
    walk.complete(quinn, "quinn-accepted")

    at(clock, "2026-11-05T14:00:00+00:00")  # tom, pat's team manager, does not dispute it
    tom = walk.open_task("tom", "Respond to the audit report", "report_response")
    choose(tom, "dispute", "no")
    walk.complete(tom, "tom-no-dispute")

    at(clock, "2026-11-06T10:00:00+00:00")  # tom discusses the findings within 5 working days
    tom = walk.open_task("tom", "Discuss audit findings and agree SMART actions", "findings_discussion")
    enter_date(tom, "held_on", "2026-11-06")
    agree_action(tom, 0, NTK_ACTION)
    choose(tom, "recorded_in_case_note", "yes")
    choose(tom, "case_note_type", "supervision")
    walk.complete(tom, "tom-findings")

    at(clock, "2026-11-09T10:00:00+00:00")  # quinn reviews tom's case note of the discussion (R-23, 2.13)
    quinn = walk.open_task("quinn", "Review the manager's case note of the discussion", "case_note_review")
    choose(quinn, "case_note_found", "yes")
    choose(quinn, "recorded_on_time", "yes")
    walk.complete(quinn, "quinn-case-note")
    assert "The case is complete" in quinn.locator("main").inner_text()
    walk.case_page(quinn, "quinn")

    view = engine.reads.instance(iid)
    [actions] = view["children"]  # the agreed action is followed by a process of its own
    assert view["status"] == "completed" and engine.reads.instance(actions)["process_id"] == "agreed_actions"
    assert [(t["element_id"], t["candidates"]) for t in engine.reads.ready_tasks(instance_id=actions)] == [
        ("complete_agreed_action", ["pat"])]
    assert [(t["element_id"], t["completed_by"]) for t in view["tasks"]] == [
        ("place_notification", "quinn"), ("draft_audit", "ann"), ("discuss_draft_findings", "ann"),
        ("quality_assure_report", "quinn"), ("respond_to_report", "tom"), ("discuss_audit_findings", "tom"),
        ("review_case_note", "quinn")]
    kept = view["data"]
    assert (kept["audit_kind"], kept["practitioner"], kept["auditor"]) == ("need_to_know", "pat", "ann")
    assert (kept["domains"], kept["overall_grade"], kept["areas_for_improvement"]) == (
        NTK_AUDIT, "inadequate", "A safety plan within a week")
    assert (kept["reaudit_due"], kept["next_audit_kind"]) == (True, "re_audit")  # reaudit.dmn's need-to-know row
    report, discussion = messages(engine, "case_record.upload", iid)  # the report, then tom's discussion
    assert report.payload["report"]["domains"] == NTK_AUDIT
    assert "Discussion of the audit findings" in discussion.subject
    told = {m.subject: m.recipients for m in messages(engine, "notification", iid)}
    assert told["Need-to-know notification on case C-2002: case file audit required"] == ["quinn", "paula"]
    assert told["Audit of case C-2002 uploaded: Inadequate"] == ["pat", "tom", "sue", "hal"]  # alerts by grade
    assert told["Need-to-know audit of case C-2002: findings"] == ["quinn", "paula", "ada"]  # back to the AD
    assert [e["actor"] for e in engine.reads.history(iid) if e["event"] == "instance_started"] == [ACTOR]
    walk.finish()
