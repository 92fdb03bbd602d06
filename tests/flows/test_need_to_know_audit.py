"""Walk-through of need_to_know_audit ("Need-to-know notifications Audits", R-50 as amended): a
notification shared with the QA service by an Assistant Director starts it; the audit team allocates
the case file audit (and places a notification that names no practitioner) before anything goes to
any role; the audit then follows the routine route of case_audit ("The audit process is the same for
all types of audits", guidance 2.1): QA, alerts by grade, the findings discussion, the re-audit
decision; its findings go back to the QA service and to the AD who shared the notification.
The clock starts on Monday 2 November 2026 09:00 UTC."""
from datetime import datetime

from engine.instances.messages import CHILD_SAFETY_CONCERN
from tests.flows.conftest import complete, definition_files, messages, ready
from tests.flows.test_case_audit import FILES as CASE_AUDIT_FILES
from tests.flows.test_case_audit import discussion, draft, findings, recipients, review_note

FILES = ("need_to_know_audit.bpmn", "need_to_know_settings.dmn", *CASE_AUDIT_FILES)
NOTIFICATION = {"case_ref": "C-2002", "summary": "Serious incident reported by the police",
                "notification_type": "serious_incident", "practitioner": "pat", "assistant_director": "ada"}
UNPLACED = {"case_ref": "C-2002", "summary": "Child death reported by the hospital", "notification_type": "child_death"}
CONCERN = {"concern": "No safety plan for the siblings"}


def start(org, data: dict = NOTIFICATION) -> int:
    org.deploy(definition_files(*FILES), "olive")
    return org.start_instance("need_to_know_audit", data, "case-record-system")


def allocate(org, iid: int, auditor: str = "ann") -> dict:
    return complete(org, iid, "allocate_audit", {"allocation": {"auditor": auditor}}, "quinn")


def audit_through_qa(org, iid: int, grade: str) -> None:
    """The routine audit's steps up to the team manager's response: draft, discussion, QA."""
    complete(org, iid, "draft_audit", draft(grade), "ann")
    complete(org, iid, "discuss_draft_findings", discussion(grade), "ann")
    complete(org, iid, "quality_assure_report", {"qa_outcome": "accepted"}, "quinn")
    complete(org, iid, "respond_to_report", {"dispute": False}, "tom")


def findings_held(org, iid: int) -> None:
    """The team manager's findings discussion, then the QA team's review of its case note (R-21, R-23)."""
    complete(org, iid, "discuss_audit_findings", findings(), "tom")
    complete(org, iid, "review_case_note", review_note(), "quinn")


def feedback(org, iid: int) -> list:
    return [m for m in messages(org, "notification", iid) if m.subject.endswith(": findings")]


def test_a_need_to_know_audit_follows_the_routine_audit_route(org, checkpoint):  # R-50 R-19 R-21 R-24 (guidance 2.1)
    iid = start(org)
    [asked] = messages(org, "notification", iid)
    assert asked.recipients == ["quinn", "paula"] and "police" not in asked.body  # the notification's text stays in it
    [task] = ready(org, iid)
    assert (task["element_id"], task["candidates"]) == ("allocate_audit", ["quinn"])
    allocate(org, iid)
    [told] = recipients(org, iid, "allocated")
    assert told == ["ann", "pat", "tom"]
    [task] = ready(org, iid)
    assert (task["element_id"], task["candidates"]) == ("draft_audit", ["ann"])  # the routine audit's own steps
    checkpoint(iid)
    audit_through_qa(org, iid, "inadequate")

    assert recipients(org, iid, "Audit report for case C-2002") == [["pat", "tom"]]
    assert recipients(org, iid, "uploaded") == [["pat", "tom", "sue", "hal"]]  # inadequate: the SM and HoS
    [upload] = messages(org, "case_record.upload", iid)
    assert upload.payload["report"]["audit_kind"] == "need_to_know" and "need-to-know audit" in upload.body
    assert recipients(org, iid, "re-audit due") == [["quinn"]]  # reaudit.dmn's need_to_know row
    [task] = ready(org, iid, "discuss_audit_findings")
    assert (task["candidates"], task["due_at"]) == (["tom"], "2026-11-09T23:59:59+00:00")  # inadequate: 5 working days
    assert feedback(org, iid) == []  # fed back once the findings are discussed
    findings_held(org, iid)

    view = org.reads.instance(iid)
    # No child-safety alert: the one process it started follows the agreed actions beside it.
    assert view["status"] == "completed" and len(view["children"]) == 1
    assert org.reads.instance(view["children"][0])["process_id"] == "agreed_actions"
    [fed_back] = feedback(org, iid)
    assert fed_back.recipients == ["quinn", "paula", "ada"]  # the QA service and the AD who shared it
    assert "graded Inadequate" in fed_back.body and "a re-audit is due" in fed_back.body
    assert "police" not in fed_back.body
    data = view["data"]
    assert (data["audit_kind"], data["reaudit_due"], data["next_audit_kind"]) == ("need_to_know", True, "re_audit")
    [event] = messages(org, "audit.completed", iid)  # counted in the reports as a need-to-know audit
    assert (event.payload["audit_kind"], event.payload["overall_grade"], event.payload["service_area"]) == (
        "need_to_know", "inadequate", "safeguarding_support")


def test_the_findings_go_to_the_practitioners_ad_when_the_notification_names_none(org, checkpoint):
    iid = start(org, {k: v for k, v in NOTIFICATION.items() if k != "assistant_director"})
    allocate(org, iid)
    checkpoint(iid)
    audit_through_qa(org, iid, "good")
    assert recipients(org, iid, "uploaded") == [["pat", "tom", "sue"]]  # the SM is copied on every audit
    findings_held(org, iid)
    [fed_back] = feedback(org, iid)
    assert fed_back.recipients == ["quinn", "paula", "ada"] and "no re-audit" in fed_back.body


def test_a_notification_naming_no_practitioner_goes_to_the_audit_team_to_place(org, checkpoint):  # R-50 R-03
    iid = start(org, UNPLACED)
    [asked] = messages(org, "notification", iid)
    assert asked.recipients == ["quinn", "paula"]  # nobody by role: no team manager or service manager anywhere
    [task] = ready(org, iid)
    assert (task["element_id"], task["candidates"]) == ("place_notification", ["quinn"])
    checkpoint(iid)
    complete(org, iid, "place_notification", {"allocation": {"practitioner": "pat", "auditor": "ann"}}, "quinn")
    [task] = ready(org, iid)
    assert (task["element_id"], task["candidates"]) == ("draft_audit", ["ann"])
    assert recipients(org, iid, "allocated") == [["ann", "pat", "tom"]]
    assert org.reads.instance(iid)["data"]["practitioner"] == "pat"


def test_a_concern_before_the_notification_is_placed_goes_to_the_audit_team_not_every_manager(
        org, checkpoint):  # R-50 R-40
    iid = start(org, UNPLACED)
    checkpoint(iid)
    assert org.send_message(iid, CHILD_SAFETY_CONCERN, CONCERN, "quinn") == []  # no alert to nobody in particular
    urgent = [t for t in ready(org, iid) if t["element_id"] == "place_for_concern"]
    assert [t["candidates"] for t in urgent] == [["quinn"]]
    [told] = [m for m in messages(org, "notification", iid) if m.subject.startswith("URGENT")]
    assert told.recipients == ["quinn", "paula"] and CONCERN["concern"] not in told.body
    complete(org, iid, "place_for_concern", {"allocation": {"practitioner": "pat"}}, "quinn")
    [alert] = org.reads.instance(iid)["children"]
    alert_view = org.reads.instance(alert)
    assert (alert_view["process_id"], alert_view["data"]["practitioner"], alert_view["data"]["concern"]) == (
        "child_safety_alert", "pat", CONCERN["concern"])
    [urgent_alert] = messages(org, "notification", alert)
    assert urgent_alert.recipients == ["tom", "sue", "quinn"]  # the case's own managers, nobody else
    assert [t["element_id"] for t in ready(org, iid)] == ["place_notification"]  # the audit still to be placed


def test_a_concern_raised_while_the_audit_runs_starts_one_alert(org, checkpoint):  # R-50 R-40
    iid = start(org)
    allocate(org, iid)
    checkpoint(iid)
    [alert] = org.send_message(iid, CHILD_SAFETY_CONCERN, CONCERN, "ann")
    assert org.reads.instance(iid)["children"] == [alert]
    alert_view = org.reads.instance(alert)
    assert (alert_view["data"]["practitioner"], alert_view["data"]["auditor"]) == ("pat", "ann")
    assert messages(org, "notification", alert)[0].recipients == ["tom", "sue", "quinn"]
    assert [t["element_id"] for t in ready(org, iid)] == ["draft_audit"]  # the audit goes on where it was


def test_an_unallocated_notification_is_chased_after_the_settings_working_days(org, clock, checkpoint):  # R-50 R-70
    iid = start(org, UNPLACED)
    [task] = ready(org, iid)
    assert task["due_at"] == "2026-11-03T23:59:59+00:00"  # need_to_know_settings.dmn: 1 working day
    checkpoint(iid)
    clock.set(datetime.fromisoformat("2026-11-04T09:00:00+00:00"))
    assert org.fire_due_timers() == 1
    [chased] = [m for m in messages(org, "notification", iid) if "not yet allocated" in m.subject]
    assert chased.recipients == ["quinn", "paula"]
    assert [t["element_id"] for t in ready(org, iid)] == ["place_notification"]  # still theirs to place


# --- in words: the notification's type, never its id --------------------------------------

def test_a_need_to_know_audit_names_the_notification_and_the_grade(org):  # R-50 R-81
    iid = start(org)
    [asked] = messages(org, "notification", iid)
    assert "A need-to-know notification (Serious incident) was shared" in asked.body
    allocate(org, iid)
    audit_through_qa(org, iid, "requires_improvement")
    findings_held(org, iid)
    [fed_back] = feedback(org, iid)
    assert "following a need-to-know notification (Serious incident) is complete, graded Requires Improvement" in (
        fed_back.body)
    assert ready(org, iid) == []


def test_a_need_to_know_audit_started_without_a_type_says_so(org):  # R-50 R-81
    iid = start(org, {"case_ref": "C-2003"})  # over the API: the webhook always gives a type
    [asked] = messages(org, "notification", iid)
    assert "A need-to-know notification (type not stated) was shared" in asked.body


def test_the_case_placed_by_the_audit_team_is_where_its_managers_see_it(org, checkpoint):  # R-50 R-81
    """A case its start could not place takes the place of the practitioner named (its team and
    service area: its managers see it); a username not in the directory is refused and changes nothing."""
    from engine.errors import InvalidData
    from engine.models import ProcessInstance
    iid = start(org, UNPLACED)
    checkpoint(iid)
    [task] = ready(org, iid)
    try:
        org.complete_task(task["id"], {"allocation": {"practitioner": "ghost", "auditor": "ann"}}, "quinn")
        raise AssertionError("a practitioner not in the directory was taken")
    except InvalidData as refused:
        assert list(refused.errors) == ["allocation.practitioner"]  # the field of the form that named them
    assert [t["element_id"] for t in ready(org, iid)] == ["place_notification"]
    assert messages(org, "notification", iid)[-1].subject.endswith("case file audit required")  # nothing sent
    complete(org, iid, "place_notification", {"allocation": {"practitioner": "pat", "auditor": "ann"}}, "quinn")
    with org.db.transaction() as session:
        row = session.get(ProcessInstance, iid)
        assert (row.team_id, row.service_area_id) == ("sas_1", "safeguarding_support")
