"""The learning loop in a real browser (issue 27, R-27): tom agrees two SMART actions with pat, one
hers by a date and one his own within 5 working days; pat completes hers from My tasks; tom's goes
overdue over Christmas and, 5 working days later (the bank holidays skipped), sue is told; tom
completes it late and sue closes the loop; the re-audit's page shows the audit before it and both
actions with how they ended. The audit's earlier steps are taken through the engine: the browser
walks of test_flow_walks.py take them through the pages."""
from sqlalchemy import select

import doors
from engine.models import AgreedAction
from tests.browser.walks import (  # noqa: F401  (staff: a fixture)
    SEEN_NARROW,
    TITLES,
    Walk,
    agree_action,
    at,
    choose,
    enter_date,
    shown_value,
    staff,
    type_into,
)
from tests.flows.conftest import complete, messages
from tests.flows.test_case_audit import discussion, draft, review_note
from tests.web.conftest import CASE

PATS = {"action": "Review the risk assessment with the family", "owner": "pat", "due": "by_date",
        "by_when": "2026-12-23"}
TOMS = {"action": "Check the supervision record every month", "owner": "tom", "due": "within_working_days",
        "within_working_days": 5}
LATE = "still overdue"
GRADED = {d: {"grade": "requires_improvement", "rationale": f"{title}: not evidenced"} for d, title in TITLES.items()}


def audit_at_findings(engine) -> int:
    """A first audit graded Requires Improvement, quality assured and not disputed."""
    iid = engine.start_instance("case_audit", CASE, "quinn")
    complete(engine, iid, "draft_audit", draft("requires_improvement") | {"domains": GRADED}, "ann")
    complete(engine, iid, "discuss_draft_findings", discussion("requires_improvement") | {"domains": GRADED}, "ann")
    complete(engine, iid, "quality_assure_report", {"qa_outcome": "accepted"}, "quinn")
    complete(engine, iid, "respond_to_report", {"dispute": False}, "tom")
    return iid


def fired(engine, clock, when: str) -> int:
    at(clock, when)
    return engine.fire_due_timers()


def told(engine, actions: int, subject_part: str) -> list[list[str]]:
    return [m.recipients for m in messages(engine, "notification", actions) if subject_part in m.subject]


def test_actions_are_owned_followed_when_overdue_and_seen_by_the_reaudit(staff, person, clock):  # R-27 R-25
    engine = doors.engine(staff)
    walk = Walk(person, "96-actions", "C-1001")
    walk.narrow_seen |= SEEN_NARROW
    at(clock, "2026-12-14T10:00:00+00:00")
    audit = audit_at_findings(engine)

    at(clock, "2026-12-17T10:00:00+00:00")  # tom agrees the actions: owners from the directory, due dates
    tom = walk.open_task("tom", "Discuss audit findings and agree SMART actions", "findings_discussion")
    enter_date(tom, "held_on", "2026-12-17")
    agree_action(tom, 0, PATS)
    tom.get_by_role("button", name="Add another: SMART actions agreed").click()
    tom.locator("#smart_actions-1-action").wait_for()
    agree_action(tom, 1, TOMS)
    walk.check(tom, "tom-two-actions")
    choose(tom, "recorded_in_case_note", "yes")
    choose(tom, "case_note_type", "supervision")
    walk.complete(tom, "tom-findings")
    complete(engine, audit, "review_case_note", review_note(), "quinn")
    [actions] = engine.reads.instance(audit)["children"]
    assert sorted((t["name"], tuple(t["candidates"]), t["due_at"]) for t in engine.reads.ready_tasks(instance_id=actions)) == [
        ("Complete the agreed action", ("pat",), "2026-12-23T23:59:59+00:00"),
        ("Complete the agreed action", ("tom",), "2026-12-24T23:59:59+00:00")]  # 5 working days from the 17th

    at(clock, "2026-12-21T10:00:00+00:00")  # pat finds hers in My tasks and says what she did
    pat = walk.open_task("pat", "Complete the agreed action", "agreed_action_done")
    assert f"Action: {PATS['action']}" in pat.get_by_test_id("shown").inner_text().replace(":\n", ": ")
    choose(pat, "done", "yes")
    enter_date(pat, "done_on", "2026-12-21")
    type_into(pat, "what_was_done", "Risk assessment reviewed with the family at home")
    walk.complete(pat, "pat-action-done")

    assert fired(engine, clock, "2026-12-23T09:00:00+00:00") == 1  # tom's reminder, 2 working days before
    assert told(engine, actions, "due soon") == [["tom"]]
    assert fired(engine, clock, "2026-12-29T09:00:00+00:00") == 1  # due at the end of the 24th
    assert told(engine, actions, "is overdue") == [["tom"]]  # the owner is the team manager: told once
    # 5 working days after the 24th: 25, 28 December and 1 January are bank holidays, weekends skipped
    assert fired(engine, clock, "2027-01-05T23:00:00+00:00") == 0 and told(engine, actions, LATE) == []
    assert fired(engine, clock, "2027-01-06T09:00:00+00:00") == 1
    assert told(engine, actions, LATE) == [["sue"]]

    sue = walk.as_("sue")  # sue reads it in her Messages, with no child's name in it
    sue.goto("/messages")
    card = sue.get_by_test_id("message").filter(has_text="Case C-1001: an agreed action is still overdue")
    assert card.count() == 1
    walk.check(sue, "sue-messages")

    at(clock, "2027-01-06T10:00:00+00:00")  # tom completes his, late
    tom = walk.open_task("tom", "Complete the agreed action", "agreed_action_done")
    choose(tom, "done", "yes")
    enter_date(tom, "done_on", "2027-01-06")
    type_into(tom, "what_was_done", "Supervision record checked; monthly checks booked")
    walk.complete(tom, "tom-action-done-late")

    at(clock, "2027-01-06T14:00:00+00:00")  # sue closes the loop, seeing both
    sue = walk.open_task("sue", "Close the loop on the agreed actions", "agreed_actions_review")
    words = sue.locator("main").inner_text()
    assert PATS["action"] in words and TOMS["action"] in words
    choose(sue, "closed_as", "all_done")
    walk.complete(sue, "sue-loop-closed")
    assert engine.reads.instance(actions)["status"] == "completed"

    with engine.db.reading() as session:  # what the case kept: owners, due times, when each was done
        rows = session.scalars(select(AgreedAction).where(AgreedAction.audit_instance_id == audit)
                               .order_by(AgreedAction.position)).all()
        kept = [(r.owner, r.due_at.isoformat(), r.completed_at.isoformat(), r.outcome, r.closed_as) for r in rows]
    assert kept == [("pat", "2026-12-23T23:59:59+00:00", "2026-12-21T10:00:00+00:00", "done", "all_done"),
                    ("tom", "2026-12-24T23:59:59+00:00", "2027-01-06T10:00:00+00:00", "done", "all_done")]

    at(clock, "2027-01-11T10:00:00+00:00")  # the re-audit, as the allocation list starts it
    engine.start_instance("case_audit", CASE | {"audit_kind": "re_audit", "previous_grade": "requires_improvement"},
                          "quinn")
    ann = walk.open_task("ann", "Review case file and draft audit report", "audit_tool")
    previous = ann.get_by_test_id("previous-audit").inner_text()
    assert "Requires Improvement" in previous
    assert PATS["action"] in previous and "Done on time" in previous
    assert TOMS["action"] in previous and "Done late" in previous
    walk.finish()
