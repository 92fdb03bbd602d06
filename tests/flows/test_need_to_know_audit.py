"""Walk-through of need_to_know_audit ("Need-to-know notifications Audits"): the audit team audits
the case file and feeds back the findings; an immediate safety concern starts an alert beside it."""
from datetime import datetime

from tests.flows.conftest import complete, definition_files, messages, ready

NOTIFICATION = {"case_ref": "C-2002", "summary": "Serious incident reported by the police",
                "notification_type": "serious_incident", "practitioner": "pat"}
DOMAINS = ["referral_and_response", "risk_assessment", "key_decisions", "key_assessment_episodes",
           "key_planning_and_reviewing", "child_focused_practice", "supervision_and_management_oversight",
           "direct_engagement", "reporting_and_recording", "case_transfer_and_closure"]


def audit(grade: str = "requires_improvement", concern: str | None = None) -> dict:
    data = {"domains": {d: {"grade": grade, "rationale": "Seen on the file."} for d in DOMAINS},
            "overall_grade": grade, "overall_rationale": "Plans not updated after the incident.",
            "immediate_safety_concern": concern is not None}
    return data | ({"safety_concern": concern} if concern else {})


def start(org, data: dict = NOTIFICATION) -> int:
    org.deploy(definition_files("need_to_know_audit.bpmn", "child_safety_alert.bpmn"), "olive")
    return org.start_instance("need_to_know_audit", data, "system")


def test_need_to_know_notification_is_audited_and_fed_back(org, clock, checkpoint):
    iid = start(org)
    [asked] = messages(org, "notification", iid)
    assert asked.recipients == ["quinn", "paula"] and "C-2002" in asked.subject
    assert "police" not in asked.body  # the notification's own text is not copied into emails
    [task] = ready(org, iid, "complete_case_file_audit")
    assert (task["candidates"], task["due_at"]) == (["quinn"], "2026-11-16T23:59:59+00:00")  # 10 working days
    checkpoint(iid)
    clock.set(datetime.fromisoformat("2026-11-17T09:00:00+00:00"))
    assert org.fire_due_timers() == 1  # overdue: the audit team and the Head of Service for QA are told
    assert messages(org, "notification", iid)[-1].subject == "Need-to-know audit of case C-2002 overdue"
    complete(org, iid, "complete_case_file_audit", audit())

    view = org.reads.instance(iid)
    assert (view["status"], view["data"]["audit_kind"], view["children"]) == ("completed", "need_to_know", [])
    [upload] = messages(org, "case_record.upload", iid)
    assert upload.payload["report"]["overall_grade"] == "requires_improvement"
    feedback = [m.recipients for m in messages(org, "notification", iid) if m.subject.endswith("findings")]
    assert feedback == [["paula", "quinn"], ["pat", "tom"]]
    outcome = outcome_of(org, iid)  # counted in the reports, its late audit as a missed deadline
    assert (outcome.audit_kind, outcome.overall_grade, outcome.service_area) == (
        "need_to_know", "requires_improvement", "safeguarding_support")
    assert [(d.name, d.met) for d in outcome_deadlines(org, outcome.id)] == [("audit_in_time", False)]


def outcome_of(org, iid):
    from sqlalchemy import select

    from engine.models import AuditOutcome
    with org.db.transaction() as session:
        return session.scalar(select(AuditOutcome).where(AuditOutcome.instance_id == iid))


def outcome_deadlines(org, outcome_id):
    from sqlalchemy import select

    from engine.models import AuditDeadline
    with org.db.transaction() as session:
        return list(session.scalars(select(AuditDeadline).where(AuditDeadline.outcome_id == outcome_id)))


def test_need_to_know_audit_without_a_named_practitioner(org, checkpoint):
    iid = start(org, {k: v for k, v in NOTIFICATION.items() if k != "practitioner"} | {
        "notification_type": "child_death"})
    checkpoint(iid)
    complete(org, iid, "complete_case_file_audit", audit("good"))
    assert org.reads.instance(iid)["status"] == "completed"
    feedback = [m.recipients for m in messages(org, "notification", iid) if m.subject.endswith("findings")]
    assert feedback == [["paula", "quinn"]]


def test_an_immediate_safety_concern_raises_an_alert_beside_the_audit(org, checkpoint):  # R-50 R-40
    iid = start(org)
    checkpoint(iid)
    complete(org, iid, "complete_case_file_audit", audit("inadequate", concern="No safety plan in place"))

    view = org.reads.instance(iid)
    assert view["status"] == "completed"  # the audit is not held up by the alert
    [alert] = view["children"]
    alert_view = org.reads.instance(alert)
    assert (alert_view["process_id"], alert_view["status"], alert_view["case_ref"]) == (
        "child_safety_alert", "running", "C-2002")
    assert alert_view["data"]["raised_from"] == "need_to_know_audit"
    assert ready(org, alert, "discuss_with_tm_and_sm")[0]["candidates"] == ["tom"]
    assert messages(org, "notification", alert)[0].subject == "URGENT: child safety concern on case C-2002"
