"""The staff's daily path in a real browser (issue: Pages, part 1): ann drafts an audit by keyboard,
meets an error, saves a draft, comes back to it and submits; quinn returns the report; ann amends.
Every page visited passes axe-core and is photographed (tests/screenshots/)."""
import re

from playwright.sync_api import expect

import doors
from tests.browser.conftest import SCREENSHOTS, check_page, sign_in
from tests.flows.test_case_audit import TOOL_DOMAINS, discussion, draft
from tests.web.conftest import CASE


def start_audit(site) -> tuple[int, str]:
    engine = doors.engine(site)
    instance_id = engine.start_instance("case_audit", CASE, "quinn")
    return instance_id, engine.reads.ready_tasks(instance_id=instance_id)[0]["id"]


def choose(page, field_id: str) -> None:
    """Select a radio by keyboard: focus it, press Space."""
    page.locator(f"#{field_id}").focus()
    page.keyboard.press("Space")


def type_into(page, field_id: str, text: str) -> None:
    page.locator(f"#{field_id}").focus()
    page.keyboard.type(text)


def fill_audit_tool(page, skip_rationale: str | None = None) -> None:
    for part, value in (("day", "2"), ("month", "5"), ("year", "2026")):
        type_into(page, f"period_start-{part}", value)
    for domain in TOOL_DOMAINS:
        choose(page, f"domains-{domain}-grade-2")  # Good: the second choice, best first
        if domain != skip_rationale:
            type_into(page, f"domains-{domain}-rationale", f"Evidence for {domain}")
    choose(page, "overall_grade-2")
    type_into(page, "overall_rationale", "Consistent, child-focused work")
    choose(page, "immediate_safety_concern-2")  # No


def test_ann_drafts_the_audit_meets_an_error_saves_returns_and_submits(site, person):
    instance_id, task_id = start_audit(site)
    page = person("ann")
    check_page(page, "01-my-tasks")
    row = page.locator("[data-testid=tasks] tbody tr").first
    assert "C-1001" in row.inner_text() and "Due Monday 30 November" in row.inner_text()
    page.get_by_role("link", name=re.compile("Review case file and draft audit report")).click()
    page.wait_for_url(f"**/tasks/{task_id}")
    check_page(page, "02-audit-tool")

    fill_audit_tool(page, skip_rationale="risk_assessment")
    page.get_by_role("button", name="Complete task", exact=True).click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    check_page(page, "03-audit-tool-error")
    link = summary.get_by_role("link", name="Enter the rationale for Risk Assessment")
    link.click()
    assert page.evaluate("document.activeElement.id") == "domains-risk_assessment-rationale"
    page.keyboard.type("Updated in October")

    page.get_by_role("button", name="Save and come back later").click()
    assert "Your answers are saved" in page.locator(".govuk-notification-banner").inner_text()
    page.get_by_test_id("sign-out").click()
    page.wait_for_url("**/sign-in")
    check_page(page, "04-signed-out")

    sign_in(page, "ann")
    page.goto(f"/tasks/{task_id}")
    assert page.locator("#domains-risk_assessment-rationale").input_value() == "Updated in October"
    assert page.locator("#domains-key_decisions-grade-2").is_checked()
    page.get_by_role("button", name="Complete task", exact=True).click()
    page.wait_for_url(f"**/tasks/{task_id}/done")
    assert "Task completed" in page.locator(".govuk-panel").inner_text()
    check_page(page, "05-completed")
    data = doors.engine(site).reads.instance(instance_id)["data"]
    assert data["domains"]["risk_assessment"] == {"grade": "good", "rationale": "Updated in October"}


def audit_at_quality_assurance(site) -> int:
    """An audit drafted and discussed by ann: its QA task ready for quinn."""
    engine = doors.engine(site)
    instance_id, task_id = start_audit(site)
    engine.complete_task(task_id, draft("requires_improvement"), "ann")
    [discuss] = engine.reads.ready_tasks(instance_id=instance_id)
    engine.complete_task(discuss["id"], discussion("requires_improvement"), "ann")
    return instance_id


def test_quinn_returns_the_report_and_ann_amends_it(site, person):
    engine = doors.engine(site)
    instance_id = audit_at_quality_assurance(site)

    quinn = person("quinn")
    quinn.get_by_role("link", name=re.compile("Quality assure the audit report")).click()
    check_page(quinn, "06-quality-assurance")
    areas = quinn.locator("#areas_to_review")
    expect(areas).to_be_hidden()  # asked only when the report is returned
    choose(quinn, "qa_outcome-2")  # Returned: reveals what to review
    expect(areas).to_be_visible()
    choose(quinn, "qa_outcome")  # Accepted (the first radio's id has no number): hides it again
    expect(areas).to_be_hidden()
    choose(quinn, "qa_outcome-2")
    returned = quinn.locator("#qa_outcome-2")
    assert returned.get_attribute("aria-controls") == areas.locator("xpath=ancestor::div[contains(@class, "
                                                                      "'govuk-radios__conditional')]").get_attribute("id")
    assert quinn.locator("input[type=radio][aria-expanded]").count() == 0  # not an attribute of a radio (ARIA)
    type_into(quinn, "areas_to_review", "The risk assessment rationale needs the October update")
    choose(quinn, "discussion_with_audit_team-2")  # No
    check_page(quinn, "07-quality-assurance-returned")
    quinn.get_by_role("button", name="Complete task", exact=True).click()
    quinn.wait_for_load_state()
    assert "/done" in quinn.url, quinn.locator("main").inner_text()

    ann = person("ann")
    ann.get_by_role("link", name=re.compile("Amend the audit report")).click()
    check_page(ann, "08-amend")
    ann.locator("#amendments").focus()
    ann.keyboard.type("Added the October update to the risk assessment")
    ann.get_by_role("button", name="Complete task", exact=True).click()
    ann.wait_for_load_state()
    assert "/done" in ann.url, ann.locator(".govuk-error-summary").inner_text()
    [next_task] = engine.reads.ready_tasks(instance_id=instance_id)
    assert next_task["element_id"] == "quality_assure_report"  # back to QA


def test_without_javascript_the_qa_page_asks_every_question(site, browser, served):
    """The reveal only hides with JavaScript: without it, "what to review" is simply there."""
    instance_id = audit_at_quality_assurance(site)
    context = browser.new_context(base_url=served, java_script_enabled=False, bypass_csp=True)
    try:
        quinn = context.new_page()
        sign_in(quinn, "quinn")
        quinn.get_by_role("link", name=re.compile("Quality assure the audit report")).click()
        expect(quinn.locator("#areas_to_review")).to_be_visible()
        quinn.screenshot(path=str(SCREENSHOTS / "06-quality-assurance-without-javascript.png"), full_page=True)
        choose(quinn, "qa_outcome")  # Accepted, the question left empty
        quinn.get_by_role("button", name="Complete task", exact=True).click()
        quinn.wait_for_url("**/done")
    finally:
        context.close()
    assert doors.engine(site).reads.instance(instance_id)["data"]["qa_outcome"] == "accepted"


def test_enter_in_a_one_line_field_does_not_complete_the_task(site, person):
    """A long form is completed with its button: Enter in the date's day field sends nothing."""
    instance_id, task_id = start_audit(site)
    ann = person("ann")
    ann.goto(f"/tasks/{task_id}")
    posted = []
    ann.on("request", lambda request: posted.append(request.url) if request.method == "POST" else None)
    type_into(ann, "period_start-day", "2")
    ann.keyboard.press("Enter")
    assert ann.evaluate("document.getElementById('period_start-day').value") == "2"  # the same page, as typed
    assert posted == [] and ann.url.endswith(f"/tasks/{task_id}")
    assert doors.engine(site).reads.task(task_id)["state"] == "ready"


def test_no_csrf_no_post_and_other_teams_see_a_404(site, person):
    _instance, task_id = start_audit(site)
    ann = person("ann")
    refused = ann.context.request.post(f"/tasks/{task_id}", form={"action": "complete", "overall_grade": "good"})
    assert refused.status == 400 and "not sent from this service" in refused.text()
    pia = person("pia")
    answer = pia.goto(f"/tasks/{task_id}")
    assert answer.status == 404 and "C-1001" not in pia.content()
    check_page(pia, "09-not-found")
    other = person()
    other.goto("/accessibility")
    check_page(other, "10-accessibility")
    other.goto("/sign-in")
    check_page(other, "11-sign-in")
