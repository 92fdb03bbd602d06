"""Walk-through of dispute_resolution (guidance §2.11): resolved at each of its four stages,
deadlines as working days, the audit team copied in at every stage, and a process owner's
change of a deadline made only in the BPMN file."""
import re
from datetime import datetime

from tests.flows.conftest import CASE, ROOT, complete, definition_files, messages, ready

DISPUTE = CASE | {"overall_grade": "requires_improvement", "audit_kind": "audit"}
DUE_5 = "2026-11-09T23:59:59+00:00"  # 5 working days after Monday 2026-11-02
DUE_2 = "2026-11-04T23:59:59+00:00"
DUE_7 = "2026-11-11T23:59:59+00:00"


def start(org) -> int:
    org.deploy(definition_files("dispute_resolution.bpmn"), "olive")
    return org.start_instance("dispute_resolution", DISPUTE, "tom")


def outcome(resolved: bool, grade: str | None = "good") -> dict:
    return {"summary": "Discussed against the grading criteria.", "resolved": resolved} | (
        {"agreed_grade": grade} if resolved else {})


def informal(org, iid: int, resolved: bool) -> list[dict]:
    tasks = [complete(org, iid, "prepare_written_response", {
        "areas_disagreed": "Risk assessment", "rationale": "Meets the criteria for good.",
        "shared_with_auditor": True})]
    tasks.append(complete(org, iid, "meet_with_auditor", {"meeting_date": "2026-11-04"}))
    tasks.append(complete(org, iid, "share_discussion_summary", outcome(resolved)))
    return tasks


def formal(org, iid: int, resolved: bool) -> list[dict]:
    return [complete(org, iid, "discuss_with_hos_qa", {"course_of_action": "Independent audit of the file",
                                                        "independent_audit": True}),
            complete(org, iid, "provide_written_response", outcome(resolved))]


def head_of_service(org, iid: int, resolved: bool) -> list[dict]:
    return [complete(org, iid, "hos_discuss_with_hos_qa", outcome(resolved))]


def audit_team_subjects(org, iid: int) -> list[str]:
    return [m.subject for m in messages(org, "notification", iid) if "quinn" in m.recipients]


def assert_ended(org, iid: int, grade: str, stage: str) -> dict:
    view = org.reads.instance(iid)
    assert view["status"] == "completed"
    assert (view["data"]["final_grade"], view["data"]["dispute_resolved_at_stage"]) == (grade, stage)
    return view


def test_dispute_resolved_at_the_informal_stage(org, checkpoint):  # R-30 R-34
    iid = start(org)
    [prepare] = ready(org, iid, "prepare_written_response")
    assert prepare["candidates"] == ["tom"]
    complete(org, iid, "prepare_written_response", {"areas_disagreed": "Risk assessment",
                                                     "rationale": "Meets the criteria.", "shared_with_auditor": True})
    [meeting] = ready(org, iid, "meet_with_auditor")
    assert (meeting["candidates"], meeting["due_at"]) == (["tom"], DUE_5)
    checkpoint(iid)
    complete(org, iid, "meet_with_auditor", {"meeting_date": "2026-11-04"})
    [summary] = ready(org, iid, "share_discussion_summary")
    assert (summary["candidates"], summary["due_at"]) == (["tom"], DUE_2)
    complete(org, iid, "share_discussion_summary", outcome(True, "good"))

    assert_ended(org, iid, "good", "informal")
    final = messages(org, "notification", iid)[-1]
    assert final.recipients == ["pat", "tom", "quinn"]
    assert "C-1001" in final.subject and "final grade Good" in final.subject
    assert audit_team_subjects(org, iid) == [
        "Audit of case C-1001: grading disputed (informal stage)",
        "Audit of case C-1001: dispute resolved (informal stage), final grade Good"]
    assert messages(org, "case_record.upload", iid) == []  # informal: emailed, not re-uploaded (§2.11)


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
    [discussion] = ready(org, iid, "hos_discuss_with_hos_qa")
    assert (discussion["candidates"], discussion["due_at"]) == (["hal"], DUE_5)
    head_of_service(org, iid, resolved=True)

    assert_ended(org, iid, "good", "head_of_service")
    assert len(messages(org, "case_record.upload", iid)) == 1
    subjects = audit_team_subjects(org, iid)
    assert "Audit of case C-1001: dispute escalated to the Head of Service" in subjects
    assert "Audit of case C-1001: outcome of the Head of Service stage" in subjects
    assert subjects[-1] == "Audit of case C-1001: dispute ended (Head of Service stage), final grade Good"


def test_dispute_decided_by_the_assistant_director(org, checkpoint):  # R-33 R-34
    iid = start(org)
    informal(org, iid, resolved=False)
    formal(org, iid, resolved=False)
    head_of_service(org, iid, resolved=False)
    checkpoint(iid)
    [decision] = ready(org, iid, "consider_independent_view")
    assert (decision["candidates"], decision["due_at"]) == (["ada"], None)
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


def test_a_missed_stage_deadline_escalates_while_the_task_stays_open(org, clock, checkpoint):  # R-30 R-31 R-34 R-70
    iid = start(org)
    informal(org, iid, resolved=False)
    checkpoint(iid)
    clock.set(datetime.fromisoformat(DUE_5))
    assert org.fire_due_timers() == 0  # due at the end of the day, not before
    clock.advance(seconds=1)
    assert org.fire_due_timers() == 1
    [late] = [m for m in messages(org, "notification", iid) if "overdue" in m.subject]
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
    files = definition_files("dispute_resolution.bpmn") | {
        "dispute_resolution.bpmn": xml.replace(timer, changed).encode()}
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
