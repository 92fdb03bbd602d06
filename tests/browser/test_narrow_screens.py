"""The pages on a phone, 375 px wide (issue 21): nothing wider than the screen, so no sideways
scrolling, and every control within reach. axe-core checks each page; each is photographed."""
import pytest

import doors
from tests.browser.conftest import check_page
from tests.browser.test_definition_pages import owner  # noqa: F401  (a fixture)
from tests.browser.test_reports import chart_text_outside
from tests.browser.test_staff_path import start_audit
from tests.fixtures.report_audits import EARLIER, QUARTER, QUARTER_ALERTS, seed_audits

PHONE = {"width": 375, "height": 800}


def on_a_phone(page):
    page.set_viewport_size(PHONE)
    return page


def assert_no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def assert_on_screen(locator) -> None:
    box = locator.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box


def test_my_tasks_fits_a_phone_and_claim_is_on_screen(site, person):
    _instance, task_id = start_audit(site)
    ann = on_a_phone(person("ann"))
    ann.reload()
    row = ann.locator("[data-testid=tasks] tbody tr").first
    assert "C-1001" in row.inner_text()
    check_page(ann, "60-my-tasks-phone")
    assert_no_sideways_scroll(ann)
    claim = row.get_by_role("button", name="Claim")
    assert_on_screen(claim)
    assert_on_screen(row.get_by_role("link"))


@pytest.fixture
def pack(site):
    seed_audits(doors.engine(site), QUARTER + EARLIER, QUARTER_ALERTS)
    return site


def test_the_reports_page_fits_a_phone(pack, person):
    quinn = on_a_phone(person("quinn"))
    quinn.goto("/reports?period=2026-Q3")
    assert_no_sideways_scroll(quinn)
    for summary in quinn.locator(".app-report-details summary").all():  # every table behind its chart
        summary.click()
    check_page(quinn, "61-reports-phone")
    assert_no_sideways_scroll(quinn)
    assert chart_text_outside(quinn) == []
    # A table wider than the screen scrolls in its box, which takes focus: its last column is in reach.
    comparison = quinn.locator(".app-table-scroll", has=quinn.get_by_test_id("comparison"))
    comparison.focus()
    for _ in range(12):
        quinn.keyboard.press("ArrowRight")
    quinn.wait_for_function("(box) => box.scrollLeft + box.clientWidth >= box.scrollWidth - 1",
                            arg=comparison.element_handle())
    assert_on_screen(comparison.locator("th").nth(3))


def test_the_diagram_editor_opens_on_a_phone(owner):
    """The properties panel beside the diagram left it no width, and bpmn-js failed to open it."""
    on_a_phone(owner).goto("/definitions/case_audit/edit")
    owner.wait_for_selector(".app-modeller[data-ready=true]")
    check_page(owner, "62-modeller-phone")
    assert_no_sideways_scroll(owner)
    assert owner.locator("#canvas .djs-element").count() > 0


# Issue 23, item 7: at 375 px (a phone) and at 200% zoom of a 1280 px window (640 CSS px), the
# pages a person works in day to day need no sideways scrolling: My tasks, the team list with its
# chase links, a task page, the case page with its notes, Messages, Away and cover, Overview.
ZOOMED = {"width": 640, "height": 900}


@pytest.mark.parametrize("size", [PHONE, ZOOMED], ids=["375px", "200pct"])
def test_the_daily_pages_fit_a_phone_and_200_percent_zoom(site, person, size):
    instance_id, task_id = start_audit(site)
    pages = {"ann": ["/", f"/tasks/{task_id}", f"/instances/{instance_id}", "/messages", "/away"],
             "tom": ["/?view=team", "/overview", f"/tasks/{task_id}/reassign"]}
    for username, paths in pages.items():
        page = person(username)
        page.set_viewport_size(size)
        for number, path in enumerate(paths, 1):
            page.goto(path)
            assert page.evaluate("document.documentElement.scrollWidth") <= size["width"], (username, path)
            check_page(page, f"63-{username}-{number}-{size['width']}px")
