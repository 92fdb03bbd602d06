"""A child-safety concern raised mid-audit, walked through to the Director in Chromium by the people
the alert's lanes name (R-40 to R-45): ann raises it from her audit step with nothing else asked of
her and is told who was alerted; each stage finds the alert first in My tasks, marked urgent in words,
sees the concern above its form and answers it unresolved: the team manager records the stage 1
discussion, the audit team judges it unresolved and so escalates it (Appendix B), the Head of Service
and the Assistant Director respond, the audit team judges the circumstances exceptional, and the
Director decides. The case keeps every answer, ann is told how it ended, and the audit stays where
it was."""
import re

from playwright.sync_api import expect

import doors
from engine.people.accounts import dao_set_password
from tests.browser.test_staff_path import choose, start_audit, type_into
from tests.browser.walks import Walk
from tests.flows.conftest import messages
from tests.web.conftest import PASSWORD

CONCERN = "Bruising seen in the photos of the last visit"
STAGES = [  # (who, the step's name begins, answers typed, the radio chosen, the screenshot's name)
    ("tom", "Stage 1: discuss", {"summary": "Discussed with the SM", "outcome": "A safety plan was asked for"},
     "resolved-2", "stage-1"),  # No: the TM and SM do not think it resolved
    ("quinn", "Stage 1: the audit team judges", {"judgement": "No safety plan on the record yet"},
     "judged_resolved-2", "stage-1-judged"),  # No: the audit team escalates it to the HoS
    ("hal", "Stage 2", {"response": "Strategy discussion requested"}, "resolved-2", "stage-2"),
    ("ada", "Stage 3", {"response": "Referred to the audit team"}, "resolved-2", "stage-3"),
    ("quinn", "Unresolved after stage 3", {"exceptional_reasons": "Risk of significant harm remains"},
     "exceptional", "exceptional"),  # Yes (the first radio): the Director makes a final decision
]


def test_a_concern_raised_mid_audit_goes_up_to_the_director(site, person):  # R-40 R-41 R-42 R-43 R-44
    engine = doors.engine(site)
    with engine.db.transaction() as session:
        for username in ("hal", "ada", "dee", "quinn"):
            dao_set_password(session, username, PASSWORD)
    audit_id, task_id = start_audit(site)
    walk = Walk(person, "65-alert", "C-1001")  # axe, screenshots at 1280 and once per kind at 375, words only

    ann = walk.as_("ann")
    ann.goto(f"/tasks/{task_id}")
    ann.get_by_role("link", name=re.compile("Raise a child-safety concern")).click()
    walk.check(ann, "raise-concern", "concern")
    ann.get_by_role("button", name="Raise the concern now").click()
    expect(ann.locator(".govuk-error-summary").get_by_role("link", name="Enter the concern")).to_be_visible()
    walk.check(ann, "raise-concern-error")
    type_into(ann, "concern", CONCERN)
    ann.get_by_role("button", name="Raise the concern now").click()
    ann.wait_for_url(re.compile(r"/instances/\d+/raised"))
    assert ann.locator("[data-testid=alerted] li").all_inner_texts() == [
        "Tom (team manager)", "Sue (service manager)", "Quinn (QA team)"]
    assert re.search(r"for Tom \(team manager\)\. Due ", ann.locator("[data-testid=next-step]").inner_text())
    walk.check(ann, "concern-raised", "raised")
    [alert_id] = engine.reads.instance(audit_id)["children"]
    ann.get_by_role("link", name="Back to where you were").click()
    assert ann.url.endswith(f"/tasks/{task_id}")  # her audit step, still hers to do

    for username, step, typed, radio, name in STAGES:
        page = walk.as_(username)
        page.goto("/")
        first = page.locator("[data-testid=tasks] tbody tr").first
        assert "Urgent: a child's safety" in first.inner_text() and step in first.inner_text()
        walk.check(page, f"{name}-my-tasks", "my-tasks")
        first.get_by_role("link").click()
        assert CONCERN in page.locator("[data-testid=shown]").inner_text()  # what the stage judges
        for field_id, text in typed.items():
            type_into(page, field_id, text)
        choose(page, radio)
        walk.check(page, name, "task")
        page.get_by_role("button", name="Complete task", exact=True).click()
        page.wait_for_url("**/done")

    dee = walk.as_("dee")
    dee.goto("/")
    dee.locator("[data-testid=tasks] tbody tr").first.get_by_role("link").click()
    shown = dee.locator("[data-testid=shown]").inner_text()
    assert "Discussed with the SM" in shown and "Risk of significant harm remains" in shown
    type_into(dee, "decision", "A strategy discussion today; the child stays with the grandparents")
    walk.check(dee, "final-decision")
    dee.get_by_role("button", name="Complete task", exact=True).click()
    dee.wait_for_url("**/done")
    walk.check(dee, "final-decision-done", "completed")

    alert = engine.reads.instance(alert_id)
    assert (alert["status"], alert["data"]["alert_stage"], alert["data"]["alert_outcome"]) == (
        "completed", 4, "final_decision")
    assert (alert["data"]["concern"], alert["data"]["summary"], alert["data"]["outcome"]) == (
        CONCERN, "Discussed with the SM", "A safety plan was asked for")
    assert alert["data"]["decision"] == "A strategy discussion today; the child stays with the grandparents"
    answered = [e for e in engine.reads.history(alert_id) if e["event"] == "task_completed"]
    assert [(e["actor"], e["element_id"]) for e in answered] == [
        ("tom", "discuss_with_tm_and_sm"), ("quinn", "judge_stage_1"), ("hal", "hos_respond_to_alert"),
        ("ada", "ad_respond_to_alert"), ("quinn", "judge_exceptional"), ("dee", "make_final_decision")]
    assert [e["detail"]["data"].get(field) for e, field in zip(answered, (
        "resolved", "judged_resolved", "resolved", "resolved", "exceptional"))] == [False, False, False, False, True]
    told = [m for m in messages(engine, "notification", alert_id) if "ann" in m.recipients]
    assert [m.subject for m in told] == ["Child safety alert on case C-1001: Director's final decision"]
    [still] = engine.reads.ready_tasks(instance_id=audit_id)
    assert still["id"] == task_id  # the audit was never held back
    walk.finish()
