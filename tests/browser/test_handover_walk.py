"""Handing work over in Chromium (issue 23): tom reassigns a late findings discussion with a reason;
ann marks herself away with bea as cover, and bea completes ann's draft in the window. axe-core on
every page, screenshots in tests/screenshots/80-handover-*; then an engine read of what was kept."""
import re
from datetime import datetime, timezone

import pytest
from playwright.sync_api import expect

import doors
from engine.people.accounts import dao_add_person, dao_set_password, dao_set_roles
from tests.browser.conftest import check_page, sign_in
from tests.browser.test_staff_path import fill_audit_tool, start_audit, type_into
from tests.flows.test_case_audit import draft
from tests.web.conftest import CASE, PASSWORD

REASON = "Ann is off sick; Bea audits for CIC 1 this month"


@pytest.fixture
def bea(site):
    with doors.engine(site).db.transaction() as session:
        dao_add_person(session, "bea", "Bea (auditor)", team="cic_1")
        dao_set_roles(session, "bea", ["auditor", "team_manager"])
        dao_set_password(session, "bea", PASSWORD)


def test_tom_reassigns_a_late_findings_discussion_with_a_reason(site, person, bea, clock):
    engine = doors.engine(site)
    instance_id, task_id = start_audit(site)
    engine.complete_task(task_id, draft("good"), "ann")
    [discussion] = engine.reads.ready_tasks(instance_id=instance_id)
    clock.set(datetime(2026, 12, 21, 9, 0, tzinfo=timezone.utc))  # weeks later: the discussion is late
    tom = person("tom")
    tom.get_by_role("link", name="My teams' tasks").click()
    row = tom.locator("[data-testid=tasks] tbody tr").filter(has_text="Discuss draft findings")
    expect(row).to_contain_text("Overdue")
    expect(row).to_contain_text("Ann (auditor, team manager)")
    check_page(tom, "80-handover-01-tom-team-tasks")
    row.get_by_role("link", name=re.compile("Reassign")).click()
    tom.wait_for_url(f"**/tasks/{discussion['id']}/reassign")
    check_page(tom, "80-handover-02-reassign")
    tom.get_by_label("Who should do it").select_option("bea")
    tom.get_by_role("button", name="Reassign the task").click()
    expect(tom.locator(".govuk-error-summary")).to_contain_text("Enter why the task is reassigned")
    check_page(tom, "80-handover-03-reassign-error")
    type_into(tom, "reason", REASON)
    tom.get_by_role("button", name="Reassign the task").click()
    tom.wait_for_url(f"**/tasks/{discussion['id']}")
    expect(tom.locator(".govuk-notification-banner")).to_contain_text("The task now waits for Bea (auditor)")
    check_page(tom, "80-handover-04-reassigned")
    assert engine.reads.task(discussion["id"])["candidates"] == ["bea"]
    [event] = [e for e in engine.reads.history(instance_id) if e["event"] == "task_reassigned"]
    assert (event["actor"], event["detail"]["reason"], event["detail"]["previously"]) == ("tom", REASON, ["ann"])


def test_ann_goes_away_and_bea_completes_her_draft_as_cover(site, person, bea, clock):
    engine = doors.engine(site)
    instance_id, task_id = start_audit(site)
    ann = person("ann")
    ann.get_by_role("link", name="Away and cover").click()
    check_page(ann, "80-handover-05-away")
    for field, (day, month, year) in (("first_day", ("4", "11", "2026")), ("last_day", ("6", "11", "2026"))):
        type_into(ann, f"{field}-day", day)
        type_into(ann, f"{field}-month", month)
        type_into(ann, f"{field}-year", year)
    ann.get_by_label("Cover").select_option("bea")
    ann.get_by_role("button", name="Save the away period").click()
    expect(ann.locator("[data-testid=away-periods]")).to_contain_text(
        "Wednesday 4 November 2026 to Friday 6 November 2026: cover Bea (auditor)")
    check_page(ann, "80-handover-06-away-saved")

    clock.set(datetime(2026, 11, 5, 9, 0, tzinfo=timezone.utc))
    cover = person()
    sign_in(cover, "bea")
    expect(cover.locator("[data-testid=covering]")).to_contain_text("You cover Ann (auditor, team manager)")
    check_page(cover, "80-handover-07-bea-covering")
    cover.get_by_role("link", name=re.compile("Review case file and draft audit report")).click()
    cover.wait_for_url(f"**/tasks/{task_id}")
    fill_audit_tool(cover)
    cover.get_by_role("button", name="Complete task", exact=True).click()
    cover.wait_for_url(f"**/tasks/{task_id}/done")
    check_page(cover, "80-handover-08-bea-completed")
    assert engine.reads.task(task_id)["completed_by"] == "bea"
    data = engine.reads.instance(instance_id)["data"]
    assert data["overall_grade"] == "good" and data["overall_rationale"] == "Consistent, child-focused work"


def test_tom_reassigns_two_selected_tasks_and_reads_what_happened(site, person, bea):  # R-03 R-80
    engine = doors.engine(site)
    first, _ = start_audit(site)
    second = engine.start_instance("case_audit", CASE | {"case_ref": "C-1002"}, "quinn")
    tom = person("tom")
    tom.get_by_role("link", name="My teams' tasks").click()
    for ref in ("C-1001", "C-1002"):
        tom.get_by_role("checkbox", name=re.compile(f"case {ref}")).check()
    tom.get_by_role("button", name="Reassign the selected tasks").click()
    check_page(tom, "80-handover-09-reassign-selected")
    tom.get_by_label("Who should do them").select_option("bea")
    type_into(tom, "reason", REASON)
    tom.get_by_role("button", name="Reassign the tasks").click()
    expect(tom.get_by_test_id("results")).to_contain_text("Reassigned")
    expect(tom.locator("main")).to_contain_text("2 of 2 done")
    check_page(tom, "80-handover-10-reassigned-results")
    for instance_id in (first, second):
        [task] = engine.reads.ready_tasks(instance_id=instance_id)
        assert task["candidates"] == ["bea"]
        [event] = [e for e in engine.reads.history(instance_id) if e["event"] == "task_reassigned"]
        assert event["detail"]["reason"] == REASON
