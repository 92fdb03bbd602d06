"""Walk-through of dispute_resolution (guidance §2.11): resolved at each of its four stages,
deadlines as working days, the audit team copied in at every stage, and a process owner's
change of a deadline made only in the BPMN file."""
import re
from datetime import datetime

import pytest

from engine.errors import InvalidData
from tests.flows.conftest import CASE, ROOT, complete, definition_files, messages, ready

DISPUTE = CASE | {"overall_grade": "requires_improvement", "audit_kind": "audit"}
DUE_5 = "2026-11-09T23:59:59+00:00"  # 5 working days after Monday 2026-11-02
DUE_2 = "2026-11-04T23:59:59+00:00"
DUE_7 = "2026-11-11T23:59:59+00:00"
FILES = ("dispute_resolution.bpmn", "dispute_settings.dmn")
REPORT = {"domains": {"risk_assessment": {"grade": "requires_improvement", "rationale": "No update since May"},
                      "key_decisions": {"grade": "good", "rationale": "Decisions recorded"}},
          "overall_rationale": "Risk assessment out of date"}


def start(org, **data) -> int:
    org.deploy(definition_files(*FILES), "olive")
    return org.start_instance("dispute_resolution", DISPUTE | data, "tom")


def outcome(resolved: bool, grade: str | None = "good") -> dict:
    return {"summary": "Discussed against the grading criteria.", "resolved": resolved} | (
        {"agreed_grade": grade} if resolved else {})


def written_response(org, iid: int) -> dict:
    return complete(org, iid, "prepare_written_response", {
        "areas_disagreed": "Risk assessment", "rationale": "Meets the criteria for good.",
        "shared_with_auditor": True})


def informal(org, iid: int, resolved: bool) -> list[dict]:
    tasks = [written_response(org, iid)]
    tasks.append(complete(org, iid, "meet_with_auditor", {"meeting_date": "2026-11-04"}))
    tasks.append(complete(org, iid, "share_discussion_summary", {"summary": "Met and discussed.", "resolved": resolved}))
    return tasks


def final_report(grade: str, **amended) -> dict:
    return {"final_report_amendments": "Risk assessment regraded on the October update", "overall_grade": grade} | amended


def formal(org, iid: int, resolved: bool) -> list[dict]:
    return [complete(org, iid, "discuss_with_hos_qa", {"course_of_action": "Independent audit of the file",
                                                        "independent_audit": True}),
            complete(org, iid, "provide_written_response", outcome(resolved))]


def head_of_service(org, iid: int, resolved: bool, hos_qa_agrees: bool = True) -> list[dict]:
    return [complete(org, iid, "escalate_dispute_to_head_of_service", {
                "escalation_rationale": "The team manager still disputes the risk assessment grading",
                "escalated_to_head_of_service": True}),
            complete(org, iid, "hos_discuss_with_hos_qa", outcome(resolved)),
            complete(org, iid, "confirm_joint_outcome", {"hos_qa_agrees": True} if hos_qa_agrees else {
                "hos_qa_agrees": False, "hos_qa_view": "The independent audit supports the original grade"})]


def audit_team_subjects(org, iid: int) -> list[str]:
    return [m.subject for m in messages(org, "notification", iid) if "quinn" in m.recipients]


def overdue(org, iid: int) -> list:
    return [m for m in messages(org, "notification", iid) if "overdue" in m.subject]


def overdue_once_past(org, clock, iid: int, due: str) -> list:
    """The overdue notices once the clock passes `due`: none at the due time itself (the end of the
    day), one timer a second later."""
    clock.set(datetime.fromisoformat(due))
    assert org.fire_due_timers() == 0
    clock.advance(seconds=1)
    assert org.fire_due_timers() == 1
    return overdue(org, iid)


def assert_ended(org, iid: int, grade: str, stage: str) -> dict:
    view = org.reads.instance(iid)
    assert view["status"] == "completed"
    assert (view["data"]["final_grade"], view["data"]["dispute_resolved_at_stage"]) == (grade, stage)
    return view


def test_dispute_resolved_at_the_informal_stage(org, checkpoint):  # R-30 R-34
    iid = start(org)
    [prepare] = ready(org, iid, "prepare_written_response")
    assert prepare["candidates"] == ["tom"]
    written_response(org, iid)
    [meeting] = ready(org, iid, "meet_with_auditor")
    assert (meeting["candidates"], meeting["due_at"]) == (["tom"], DUE_5)
    checkpoint(iid)
    complete(org, iid, "meet_with_auditor", {"meeting_date": "2026-11-04"})
    [summary] = ready(org, iid, "share_discussion_summary")
    assert (summary["candidates"], summary["due_at"]) == (["tom"], DUE_2)
    complete(org, iid, "share_discussion_summary", {"summary": "Agreed the October update was missed.",
                                                    "resolved": True})
    complete(org, iid, "amend_final_report", final_report("good"))

    assert_ended(org, iid, "good", "informal")
    final = messages(org, "notification", iid)[-1]
    assert final.recipients == ["pat", "tom", "quinn"]
    assert "C-1001" in final.subject and "final grade Good" in final.subject
    assert audit_team_subjects(org, iid) == [
        "Audit of case C-1001: grading disputed (informal stage)",
        "Audit of case C-1001: dispute resolved at the informal stage, the auditor amends the report",
        "Audit of case C-1001: dispute resolved (informal stage), final grade Good"]
    assert messages(org, "case_record.upload", iid) == []  # informal: emailed, not re-uploaded (§2.11)


def test_R34_the_auditor_not_the_team_manager_makes_the_informal_stages_final_grade(org, checkpoint):  # R-30 R-34
    """§2.11: 'If resolved: final (amended) audit report to be emailed by the auditor to the
    Practitioner/Team Manager and Quality Assurance Audit team'."""
    iid = start(org, **REPORT)
    written_response(org, iid)
    complete(org, iid, "meet_with_auditor", {"meeting_date": "2026-11-04"})
    with pytest.raises(InvalidData):  # the team manager shares the outcome, not a grade
        complete(org, iid, "share_discussion_summary", outcome(True, "outstanding"))
    complete(org, iid, "share_discussion_summary", {"summary": "Agreed the October update was missed.",
                                                    "resolved": True})
    assert org.reads.instance(iid)["status"] == "running"  # the team manager's answer does not end it
    [amend] = ready(org, iid, "amend_final_report")
    assert (amend["role"], amend["candidates"], amend["due_at"]) == ("auditor", ["ann"], DUE_2)
    checkpoint(iid)
    regraded = {"risk_assessment": {"grade": "good", "rationale": "October update meets the criteria"},
                "key_decisions": REPORT["domains"]["key_decisions"]}
    complete(org, iid, "amend_final_report", final_report("good", domains=regraded,
                                                          overall_rationale="Risk assessment updated in October"))

    view = assert_ended(org, iid, "good", "informal")  # the auditor's grade
    data = view["data"]
    assert (data["overall_grade"], data["disputed_grade"], data["domains"]) == ("good", "requires_improvement", regraded)
    assert data["overall_rationale"] == "Risk assessment updated in October"  # the final amended report
    [sent] = [m for m in messages(org, "notification", iid) if "final grade" in m.subject]
    assert sent.recipients == ["pat", "tom", "quinn"]  # the practitioner, team manager and audit team
    assert sent.subject == "Audit of case C-1001: dispute resolved (informal stage), final grade Good"


def test_R34_the_auditor_may_keep_the_grade_when_the_informal_stage_resolves(org, checkpoint):  # R-30 R-34
    iid = start(org, **REPORT)
    informal(org, iid, resolved=True)
    checkpoint(iid)
    complete(org, iid, "amend_final_report", final_report("requires_improvement", final_report_amendments="Rationale explained"))
    view = assert_ended(org, iid, "requires_improvement", "informal")
    assert view["data"]["domains"] == REPORT["domains"]  # nothing amended but what the auditor changed


def test_R34_the_written_response_has_a_deadline_and_the_audit_team_is_told(org, clock, checkpoint):  # R-30 R-34 R-70
    iid = start(org)
    [prepare] = ready(org, iid, "prepare_written_response")
    assert prepare["due_at"] == DUE_5  # dispute_settings.dmn: written_response_days
    checkpoint(iid)
    [late] = overdue_once_past(org, clock, iid, DUE_5)  # due at the end of the day, not before
    assert late.subject == "Audit of case C-1001: written response to the dispute overdue"
    assert late.recipients == ["pat", "tom", "ann", "quinn"]  # practitioner, team manager, auditor, audit team
    assert "within 5 working days" in late.body
    assert len(ready(org, iid, "prepare_written_response")) == 1 and org.reads.instance(iid)["status"] == "running"


def test_R34_the_auditors_final_amended_report_has_a_deadline(org, clock, checkpoint):  # R-30 R-34 R-70
    iid = start(org)
    informal(org, iid, resolved=True)
    checkpoint(iid)
    clock.set(datetime.fromisoformat(DUE_2))
    clock.advance(seconds=1)
    assert org.fire_due_timers() == 1
    [late] = overdue(org, iid)
    assert late.subject == "Audit of case C-1001: final amended audit report overdue"
    assert late.recipients == ["ann", "quinn"]
    assert len(ready(org, iid, "amend_final_report")) == 1


def test_dispute_resolved_at_the_formal_stage(org, checkpoint):  # R-31 R-34
    iid = start(org)
    informal(org, iid, resolved=False)
    [discussion] = ready(org, iid, "discuss_with_hos_qa")
    assert (discussion["candidates"], discussion["due_at"]) == (["quinn"], DUE_5)
    checkpoint(iid)
    assert org.reads.instance(iid)["data"]["dispute_stage"] == "formal"
    complete(org, iid, "discuss_with_hos_qa", {"course_of_action": "Review the file", "independent_audit": False})
    [response] = ready(org, iid, "provide_written_response")
    assert response["due_at"] == DUE_5
    complete(org, iid, "provide_written_response", outcome(True, "requires_improvement"))

    assert_ended(org, iid, "requires_improvement", "formal")
    [upload] = messages(org, "case_record.upload", iid)  # counted in the monthly analysis
    assert upload.payload["report"]["final_grade"] == "requires_improvement" and "C-1001" in upload.subject
    assert audit_team_subjects(org, iid) == [
        "Audit of case C-1001: grading disputed (informal stage)",
        "Audit of case C-1001: dispute unresolved, formal stage",
        "Audit of case C-1001: written response to the dispute (formal stage)",
        "Audit of case C-1001: dispute ended (formal stage), final grade Requires Improvement"]
    written = next(m for m in messages(org, "notification", iid) if "written response" in m.subject)
    assert written.recipients == ["tom", "ann", "sue", "quinn"]  # TM, auditor, SM, audit team


def test_dispute_resolved_at_the_head_of_service_stage(org, checkpoint):  # R-32 R-34
    iid = start(org)
    informal(org, iid, resolved=False)
    formal(org, iid, resolved=False)
    checkpoint(iid)
    head_of_service(org, iid, resolved=True)

    assert_ended(org, iid, "good", "head_of_service")
    assert len(messages(org, "case_record.upload", iid)) == 1
    subjects = audit_team_subjects(org, iid)
    assert "Audit of case C-1001: dispute escalated to the Head of Service" in subjects
    assert "Audit of case C-1001: outcome of the Head of Service stage" in subjects
    assert subjects[-1] == "Audit of case C-1001: dispute ended (Head of Service stage), final grade Good"


def test_R32_the_service_manager_escalates_and_the_heads_of_service_agree_the_outcome(org, checkpoint):  # R-32 R-34
    """§2.11: 'dispute to be escalated by relevant Service Manager to the relevant Head of Service to
    discuss with the Quality Assurance Head of Service/PSW within 5 working days'."""
    iid = start(org)
    informal(org, iid, resolved=False)
    formal(org, iid, resolved=False)
    [escalate] = ready(org, iid, "escalate_dispute_to_head_of_service")
    assert (escalate["role"], escalate["candidates"], escalate["due_at"]) == ("service_manager", ["sue"], DUE_2)
    assert ready(org, iid, "hos_discuss_with_hos_qa") == []  # the Head of Service waits for the escalation
    assert org.reads.instance(iid)["data"]["dispute_stage"] == "head_of_service"
    checkpoint(iid)
    complete(org, iid, "escalate_dispute_to_head_of_service", {
        "escalation_rationale": "The independent audit did not settle the risk assessment",
        "escalated_to_head_of_service": True})
    [discussion] = ready(org, iid, "hos_discuss_with_hos_qa")
    assert (discussion["candidates"], discussion["due_at"]) == (["hal"], DUE_5)
    escalated = next(m for m in messages(org, "notification", iid) if "escalated to the Head of Service" in m.subject)
    assert escalated.recipients == ["hal", "paula", "sue", "quinn"]
    complete(org, iid, "hos_discuss_with_hos_qa", outcome(True, "good"))
    assert org.reads.instance(iid)["status"] == "running"  # the operational Head of Service alone does not end it
    [joint] = ready(org, iid, "confirm_joint_outcome")
    assert (joint["role"], joint["candidates"], joint["due_at"]) == ("head_of_service_qa", ["paula"], DUE_5)
    checkpoint(iid)
    complete(org, iid, "confirm_joint_outcome", {"hos_qa_agrees": True})
    view = assert_ended(org, iid, "good", "head_of_service")
    assert view["data"]["escalation_rationale"] == "The independent audit did not settle the risk assessment"


def test_R32_without_the_head_of_service_for_qas_agreement_the_dispute_goes_to_the_ad(org, checkpoint):  # R-32 R-33
    iid = start(org)
    informal(org, iid, resolved=False)
    formal(org, iid, resolved=False)
    checkpoint(iid)
    head_of_service(org, iid, resolved=True, hos_qa_agrees=False)
    assert org.reads.instance(iid)["data"]["dispute_stage"] == "assistant_director"
    assert len(ready(org, iid, "consider_independent_view")) == 1


def test_R32_the_service_managers_escalation_has_a_deadline(org, clock, checkpoint):  # R-32 R-34 R-70
    iid = start(org)
    informal(org, iid, resolved=False)
    formal(org, iid, resolved=False)
    checkpoint(iid)
    clock.set(datetime.fromisoformat(DUE_2))
    clock.advance(seconds=1)
    assert org.fire_due_timers() == 1
    [late] = overdue(org, iid)
    assert late.subject == "Audit of case C-1001: escalation of the dispute to the Head of Service overdue"
    assert late.recipients == ["sue", "quinn"]
    assert len(ready(org, iid, "escalate_dispute_to_head_of_service")) == 1


def test_dispute_decided_by_the_assistant_director(org, checkpoint):  # R-33 R-34
    iid = start(org)
    informal(org, iid, resolved=False)
    formal(org, iid, resolved=False)
    head_of_service(org, iid, resolved=False)
    checkpoint(iid)
    [decision] = ready(org, iid, "consider_independent_view")
    assert (decision["candidates"], decision["due_at"]) == (["ada"], DUE_5)
    complete(org, iid, "consider_independent_view", {"independent_view": True, "decision": "Independent view taken.",
                                                      "final_grade": "inadequate"})

    assert_ended(org, iid, "inadequate", "assistant_director")
    [upload] = messages(org, "case_record.upload", iid)
    assert upload.payload["report"] == {"final_grade": "inadequate", "disputed_grade": "requires_improvement",
                                        "dispute_resolved_at_stage": "assistant_director"}
    assert "Audit of case C-1001: dispute escalated to the Assistant Director" in audit_team_subjects(org, iid)
    assert audit_team_subjects(org, iid)[-1] == (
        "Audit of case C-1001: dispute ended (Assistant Director stage), final grade Inadequate")
    assert upload.body == ("The dispute about the Requires Improvement grading ended at the Assistant Director stage. "
                           "Final grade: Inadequate.")


def test_R34_the_assistant_directors_stage_has_a_deadline(org, clock, checkpoint):  # R-33 R-34 R-70
    iid = start(org)
    informal(org, iid, resolved=False)
    formal(org, iid, resolved=False)
    head_of_service(org, iid, resolved=False)
    [decision] = ready(org, iid, "consider_independent_view")
    assert decision["due_at"] == DUE_5  # dispute_settings.dmn: assistant_director_days
    checkpoint(iid)
    [late] = overdue_once_past(org, clock, iid, DUE_5)  # due at the end of the day, not before
    assert late.subject == "Audit of case C-1001: Assistant Director's decision on the dispute overdue"
    assert late.recipients == ["ada", "paula", "quinn"]  # the AD, the Head of Service for QA, the audit team
    assert len(ready(org, iid, "consider_independent_view")) == 1 and org.reads.instance(iid)["status"] == "running"


def test_a_missed_stage_deadline_escalates_while_the_task_stays_open(org, clock, checkpoint):  # R-30 R-31 R-34 R-70
    iid = start(org)
    informal(org, iid, resolved=False)
    checkpoint(iid)
    [late] = overdue_once_past(org, clock, iid, DUE_5)  # due at the end of the day, not before
    assert late.subject == "Audit of case C-1001: formal dispute discussion overdue"
    assert late.recipients == ["quinn", "paula"]  # audit team and the Head of Service for QA / PSW
    assert len(ready(org, iid, "discuss_with_hos_qa")) == 1 and org.reads.instance(iid)["status"] == "running"


def test_R31_formal_deadline_changed_to_7_working_days_in_the_bpmn_only(org, checkpoint):  # R-31 R-70
    """A process owner edits the formal stage's deadline in the diagram; no Python changes."""
    old = start(org)  # on version 1
    xml = (ROOT / "processes" / "dispute_resolution.bpmn").read_text()
    pattern = r'<bpmn:boundaryEvent id="timer_formal_discussion_due".*?</bpmn:boundaryEvent>'
    timer = re.search(pattern, xml, re.DOTALL)[0]
    changed = timer.replace("add_working_days(now(), 5)", "add_working_days(now(), 7)").replace(
        'name="5 working days"', 'name="7 working days"')
    assert changed != timer
    files = definition_files(*FILES) | {"dispute_resolution.bpmn": xml.replace(timer, changed).encode()}
    [deployed] = [d for d in org.deploy(files, "olive") if d.process_id == "dispute_resolution"]
    assert deployed.version == 2

    new = org.start_instance("dispute_resolution", DISPUTE, "tom")
    for iid in (old, new):
        informal(org, iid, resolved=False)
    checkpoint(new)
    assert (org.reads.instance(old)["version"], org.reads.instance(new)["version"]) == (1, 2)
    assert ready(org, old, "discuss_with_hos_qa")[0]["due_at"] == DUE_5  # running instances keep theirs
    assert ready(org, new, "discuss_with_hos_qa")[0]["due_at"] == DUE_7
    assert {t["due_at"] for t in org.reads.instance(new)["timers"] if t["element_id"] == "timer_formal_discussion_due"} == {
        DUE_7}
