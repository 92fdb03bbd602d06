"""Auditors and the QA team inspect live cases in a real browser (issue: Pages, part 2): the case
list, the live diagram with its markers and badges, a change seen without a reload, a child-safety
alert linked from the audit that raised it, a case another team cannot see, and an operator's
suspend and resume. Every page visited passes axe-core and is photographed."""
import re

import doors
from tests.browser.conftest import SCREENSHOTS, check_page
from tests.fixtures.audit_history import seed_action, seed_audit
from tests.flows.conftest import complete
from tests.flows.test_case_audit import discussion, draft
from tests.web.conftest import CASE

WIDE = {"width": 1280, "height": 900}
MAIN_LINE = ["audit_allocated", "open_audit", "draft_and_discuss", "quality_assurance", "send_and_settle_report",
             "complete_audit", "audit_complete"]


def audit_at_qa(site) -> int:
    engine = doors.engine(site)
    iid = engine.start_instance("case_audit", CASE | {"cycle_year": 2026, "cycle_month": 11}, "quinn")
    complete(engine, iid, "draft_audit", draft("requires_improvement"), "ann")
    complete(engine, iid, "discuss_draft_findings", discussion("requires_improvement"), "ann")
    return iid


def element(page, element_id: str):
    return page.locator(f".djs-element[data-element-id={element_id}]")


def badges(page, element_id: str) -> str:
    """The words of the badges bpmn-js draws under an element (its overlay)."""
    return page.locator(f".djs-overlays[data-container-id={element_id}]").inner_text()


def test_quinn_follows_a_running_audit_and_sees_toms_step_without_a_reload(site, person):
    iid = audit_at_qa(site)
    quinn = person("quinn")
    quinn.goto("/cases")
    check_page(quinn, "11-case-list")
    quinn.get_by_role("link", name=re.compile(r"^C-1001")).click()
    quinn.wait_for_url(f"**/instances/{iid}")
    quinn.wait_for_selector(".app-badges")
    check_page(quinn, "12-case-page")
    assert "app-state--active" in element(quinn, "quality_assurance").get_attribute("class")
    assert "app-state--completed" in element(quinn, "draft_and_discuss").get_attribute("class")
    assert quinn.locator(".djs-connection.app-flow--taken").count() >= 3  # the flows taken so far

    quinn.locator(".djs-overlays[data-container-id=quality_assurance] .bjs-drilldown").click()  # into QA
    assert "app-state--ready" in element(quinn, "quality_assure_report").get_attribute("class")
    assert "Ready, for the QA and practice improvement team" in badges(quinn, "quality_assure_report")
    assert "Due tomorrow, Tuesday 3 November" in badges(quinn, "timer_qa_due")
    check_page(quinn, "13-case-page-qa-sub-process")

    quinn.evaluate("window.stillTheSamePage = true")
    engine = doors.engine(site)
    complete(engine, iid, "quality_assure_report", {"qa_outcome": "accepted"}, "quinn")
    where = quinn.locator("[data-testid=open-steps]")
    where.get_by_text("Respond to the audit report", exact=True).wait_for()  # the TM's; the practitioner's too

    tom = person("tom")
    tom.get_by_role("link", name=re.compile("Respond to the audit report")).click()
    tom.locator("#dispute-2").check()  # No
    tom.get_by_role("button", name="Complete task", exact=True).click()
    tom.wait_for_url("**/done")

    timeline = quinn.locator("[data-testid=timeline]")
    timeline.get_by_role("heading", name=re.compile("Tom .* completed Respond to the audit report")).wait_for()
    assert quinn.evaluate("window.stillTheSamePage") is True  # refreshed in place, not reloaded
    assert "The case changed at" in quinn.locator("#case-updated").inner_text()
    quinn.get_by_role("link", name=re.compile("^C-1001")).first.wait_for()
    check_page(quinn, "14-case-page-after-toms-step")


def test_the_case_audits_main_line_is_readable_on_one_screen_at_1280_px(site, person):
    """Issue 24: as the page opens, the whole main line inside the viewer, drawn at a zoom where its
    words are legible: a 100 px task at least 75 px wide on the screen."""
    audit_at_qa(site)
    quinn = person("quinn")
    quinn.set_viewport_size(WIDE)
    quinn.goto("/cases")
    quinn.get_by_role("link", name=re.compile(r"^C-1001")).click()
    quinn.wait_for_selector(".app-badges")
    viewer = quinn.locator("#diagram-case_audit").bounding_box()
    for element_id in MAIN_LINE:
        box = quinn.locator(f".djs-element[data-element-id={element_id}] .djs-visual").bounding_box()
        assert box is not None, element_id
        assert viewer["x"] <= box["x"] and box["x"] + box["width"] <= viewer["x"] + viewer["width"], element_id
        assert viewer["y"] <= box["y"] and box["y"] + box["height"] <= viewer["y"] + viewer["height"], element_id
    task = quinn.locator(".djs-element[data-element-id=open_audit] .djs-visual").bounding_box()
    assert task["width"] >= 75, f"the main line is drawn at {task['width']:.0f}% of its size"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    quinn.locator("#diagram-section-case_audit").screenshot(path=str(SCREENSHOTS / "12c-case-audit-main-line-1280.png"))


def test_an_audit_that_raised_a_safety_concern_links_to_its_alert(site, person):  # R-40 R-80
    engine = doors.engine(site)
    iid = engine.start_instance("case_audit", CASE, "quinn")
    complete(engine, iid, "draft_audit", draft("inadequate", concern="No safety plan after the incident"), "ann")
    [child] = engine.reads.instance(iid)["children"]
    quinn = person("quinn")
    quinn.goto(f"/instances/{iid}")
    quinn.wait_for_selector(".app-badges")
    assert "Opened case" in badges(quinn, "raise_alert_from_draft") or quinn.locator(
        f".djs-overlays a.app-badge--child[href='/instances/{child}']").count() == 1
    quinn.locator("[data-testid=children]").get_by_role("link", name=re.compile("Child-safety alert")).click()
    quinn.wait_for_url(f"**/instances/{child}")
    quinn.wait_for_selector(".app-badges")
    summary = quinn.locator("[data-testid=case-summary]").inner_text()
    assert "Started from" in summary and "Stage 1" in summary
    check_page(quinn, "15-child-safety-alert")


def test_another_teams_case_is_a_404_and_an_operator_suspends_and_resumes(site, person):  # R-81 R-80
    iid = audit_at_qa(site)
    pia = person("pia")
    answer = pia.goto(f"/instances/{iid}")
    assert answer.status == 404
    text = pia.locator("main").inner_text()
    assert "C-1001" not in text and "Case audit" not in text and "Page not found" in text
    check_page(pia, "16-case-not-found")

    quinn = person("quinn")
    quinn.goto(f"/instances/{iid}")
    quinn.get_by_role("link", name="Suspend this case").click()
    quinn.get_by_role("button", name="Suspend the case").click()
    assert "Enter the reason" in quinn.locator(".govuk-error-summary").inner_text()
    check_page(quinn, "17-suspend-needs-a-reason")
    quinn.locator("#reason").fill("Records being checked with the team")
    quinn.get_by_role("button", name="Suspend the case").click()
    quinn.wait_for_url(f"**/instances/{iid}")
    assert "Suspended" in quinn.locator("[data-testid=case-summary]").inner_text()
    quinn.get_by_role("link", name="Resume this case").click()
    quinn.locator("#reason").fill("Records checked")
    quinn.get_by_role("button", name="Resume the case").click()
    quinn.wait_for_url(f"**/instances/{iid}")
    timeline = quinn.locator("[data-testid=timeline]").inner_text()
    assert "Quinn (QA team) suspended the case: Records being checked with the team" in timeline
    assert "Quinn (QA team) resumed the case: Records checked" in timeline
    assert "Running" in quinn.locator("[data-testid=case-summary]").inner_text()
    check_page(quinn, "18-case-resumed")


def test_the_overview_links_each_number_to_its_cases(site, person):
    audit_at_qa(site)
    quinn = person("quinn")
    quinn.get_by_role("link", name="Overview").click()
    check_page(quinn, "19-overview")
    by_process = quinn.locator("[data-testid=steps-case_audit]")
    by_process.get_by_role("link", name=re.compile("1 open: Quality assure the audit report")).click()
    quinn.wait_for_url("**/cases?status=running&step=quality_assure_report")
    rows = quinn.locator("[data-testid=cases] tbody tr")
    assert rows.count() == 1 and rows.first.inner_text().startswith("C-1001")
    check_page(quinn, "20-cases-at-qa")


def test_a_disputed_audit_draws_the_dispute_it_calls_below_the_audit(site, person):  # R-30 R-80
    iid = audit_at_qa(site)
    engine = doors.engine(site)
    complete(engine, iid, "quality_assure_report", {"qa_outcome": "accepted"}, "quinn")
    complete(engine, iid, "respond_to_report", {"dispute": True, "comments": "Risk assessment was updated"}, "tom")
    quinn = person("quinn")
    quinn.goto(f"/instances/{iid}")
    quinn.wait_for_selector("#diagram-dispute_resolution .app-badges")
    assert "app-state--active" in element(quinn, "send_and_settle_report").get_attribute("class")
    written = quinn.locator("#diagram-dispute_resolution .djs-element[data-element-id=prepare_written_response]")
    assert "app-state--ready" in written.get_attribute("class")
    # the audit's diagram opens on its open findings discussion; the dispute beside it is in the whole diagram
    quinn.get_by_role("button", name="Whole diagram").first.click()  # the audit's diagram comes first
    quinn.locator(".djs-overlays[data-container-id=send_and_settle_report] .bjs-drilldown").click()
    assert "app-state--active" in element(quinn, "resolve_dispute").first.get_attribute("class")
    quinn.locator(".djs-overlays[data-container-id=resolve_dispute]").get_by_role("link", name="Open its diagram").click()
    assert quinn.evaluate("location.hash") == "#diagram-section-dispute_resolution"
    check_page(quinn, "21-dispute-called-from-the-audit")


def test_a_reaudit_sees_the_last_audit_of_its_case_and_the_case_list_links_its_history(site, person):
    engine = doors.engine(site)
    march = seed_audit(engine, "C-1001", "2026-03-02T12:00:00+00:00", "inadequate",
                       domains={"risk_assessment": "inadequate", "key_decisions": "requires_improvement"})
    seed_action(engine, march, "C-1001", 0, "Visit the child fortnightly", "pat", "2026-03-20T23:59:59+00:00",
                completed="2026-03-19T10:00:00+00:00", outcome="done", closed_as="carried_into_reaudit",
                carried_reason="Visits to go on until the plan is reviewed")
    seed_action(engine, march, "C-1001", 1, "Update the chronology", "tom", "2026-04-01T22:59:59+00:00",
                completed="2026-04-02T10:00:00+00:00", outcome="not_done")
    iid = engine.start_instance("case_audit", CASE | {"audit_kind": "re_audit", "previous_grade": "inadequate"},
                                "quinn")
    ann = person("ann")
    ann.get_by_role("link", name=re.compile("Review case file")).first.click()
    previous = ann.locator("[data-testid=previous-audit]")
    previous.get_by_role("heading", name="The previous audit of case C-1001").wait_for()
    assert "Inadequate" in previous.inner_text() and "Not done, 2 April 2026" in previous.inner_text()
    check_page(ann, "94-reaudit-task-sees-the-last-audit")

    quinn = person("quinn")
    quinn.goto("/cases")
    check_page(quinn, "95-case-list-links-each-case-history")
    quinn.get_by_role("link", name=re.compile("History: 2 processes, 1 completed audit")).first.click()
    quinn.wait_for_url("**/cases/ref/C-1001")
    assert "Inadequate" in quinn.locator("[data-testid=audit-history]").inner_text()
    check_page(quinn, "96-case-history-by-reference")
    quinn.goto(f"/instances/{iid}")
    quinn.locator("[data-testid=previous-audit]").get_by_role("link", name=re.compile("Open it")).wait_for()
    check_page(quinn, "97-reaudit-case-page-sees-the-last-audit")
