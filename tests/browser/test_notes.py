"""Sue, the service manager of Safeguarding and Support, leaves a note on a case of her service from
its case page; the note shows there, for tom (its team manager) on the case page and for ann (its
auditor) on her task's page, and on a phone the page does not scroll sideways. Every page visited
passes axe-core and is photographed."""
import re
from datetime import datetime, timezone

from playwright.sync_api import expect

import doors
from engine.people.accounts import dao_set_password
from tests.browser.conftest import SCREENSHOTS, check_page
from tests.browser.test_narrow_screens import PHONE, assert_no_sideways_scroll, on_a_phone
from tests.flows.test_case_audit import draft
from tests.web.conftest import CASE, PASSWORD

NOTE = "Spoke to Tom: the plan's review date is fixed for Friday.\nA link to keep: https://records.example/" + "x" * 60


def test_sue_leaves_a_note_on_a_case_of_her_service_and_others_see_it(site, person, clock):
    engine = doors.engine(site)
    with engine.db.transaction() as session:
        dao_set_password(session, "sue", PASSWORD)
    iid = engine.start_instance("case_audit", CASE, "quinn")
    [task] = engine.reads.ready_tasks(instance_id=iid)
    engine.start_instance("case_audit", CASE | {"case_ref": "C-1009"}, "quinn")  # not late: listed after
    clock.set(datetime(2026, 12, 10, 9, 0, tzinfo=timezone.utc))  # both drafts are due by a month ...
    engine.complete_task(engine.reads.ready_tasks(case_ref="C-1009")[0]["id"], draft("good"), "ann")  # ...one is done

    sue = person("sue")  # her service's overdue audits first (issue 23): the overview's "Late in your area"
    sue.get_by_role("link", name="Overview").click()
    late = sue.get_by_test_id("late")
    expect(late.locator("tbody tr").first).to_contain_text("C-1001")
    expect(late.locator("tbody tr").first).to_contain_text("Overdue by")
    check_page(sue, "89-sue-late-in-her-area")
    late.get_by_role("link", name=re.compile("Case page and notes")).first.click()
    sue.wait_for_url(f"**/instances/{iid}")
    sue.get_by_role("button", name="Add note").click()  # nothing typed
    summary = sue.locator(".govuk-error-summary")
    summary.get_by_role("link", name="Enter the note").wait_for()
    sue.wait_for_selector(".app-badges")
    check_page(sue, "90-case-note-empty")
    sue.locator("#case-notes").screenshot(path=str(SCREENSHOTS / "90b-case-note-empty-section.png"))
    summary.get_by_role("link", name="Enter the note").click()
    assert sue.evaluate("document.activeElement.id") == "note-text"
    sue.keyboard.type(NOTE)
    sue.get_by_role("button", name="Add note").click()
    sue.wait_for_url(f"**/instances/{iid}#case-notes")
    notes = sue.locator("[data-testid=notes]")
    assert "Sue (service manager)" in notes.inner_text() and "review date is fixed for Friday" in notes.inner_text()
    assert "Your note is added" in sue.locator(".govuk-notification-banner").inner_text()
    sue.locator("[data-testid=timeline]").get_by_role("heading", name="Sue (service manager) added a note").wait_for()
    sue.wait_for_selector(".app-badges")
    check_page(sue, "91-case-note-added")

    on_a_phone(sue).reload()
    sue.locator("#case-notes").scroll_into_view_if_needed()
    check_page(sue, "92-case-note-phone")
    assert_no_sideways_scroll(sue)
    assert sue.locator(".app-notes__text").bounding_box()["width"] <= PHONE["width"]

    tom = person("tom")
    tom.goto(f"/instances/{iid}")
    assert "review date is fixed for Friday" in tom.locator("[data-testid=notes]").inner_text()

    ann = person("ann")
    ann.goto(f"/tasks/{task['id']}")
    ann.get_by_role("link", name="Notes on this case (1)").click()  # the notes are below the task's long form
    assert "Sue (service manager)" in ann.locator("[data-testid=notes]").inner_text()
    ann.locator("#note-text").fill("Thanks: I will check the review before drafting.")
    ann.get_by_role("button", name="Add note").click()
    ann.wait_for_url(f"**/tasks/{task['id']}#case-notes")
    assert "on this task" in ann.locator("[data-testid=notes]").inner_text()
    check_page(ann, "93-task-page-notes")
    ann.locator("#case-notes").screenshot(path=str(SCREENSHOTS / "93b-task-page-notes-section.png"))
