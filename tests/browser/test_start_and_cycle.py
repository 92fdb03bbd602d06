"""Starting from the pages and the audit year (issue 22, items 1 and 4), in Chromium with axe-core on
every page and screenshots at 1280 and 375 px: quinn starts the audit year from the Start page in
December and its case page says the first list is due in January; quinn starts a case audit choosing
ann as auditor and pia as practitioner from the directory's selects; the Cycle page counts it."""
import doors
from tests.browser.conftest import check_page
from tests.browser.walks import at
from tests.flows.conftest import definition_files
from tests.web.test_start_pages import ALL

WIDE, PHONE = {"width": 1280, "height": 900}, {"width": 375, "height": 800}


def both_widths(page, name: str) -> None:
    """axe and a screenshot at 1280 px, then at 375 px with nothing wider than the screen."""
    page.set_viewport_size(WIDE)
    check_page(page, f"{name}-1280")
    page.set_viewport_size(PHONE)
    check_page(page, f"{name}-375")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], name
    page.set_viewport_size(WIDE)


# R-10 R-11 R-12 R-03
def test_quinn_starts_the_audit_year_and_a_case_audit_from_the_pages(site, person, clock):
    doors.engine(site).deploy(definition_files(*ALL), "olive")
    at(clock, "2026-12-03T10:00:00+00:00")
    quinn = person("quinn")
    quinn.get_by_role("link", name="Start", exact=True).click()
    both_widths(quinn, "90-start-list")

    quinn.get_by_role("link", name="Audit cycle: the audit year").click()
    both_widths(quinn, "91-start-audit-year")
    quinn.get_by_role("button", name="Start").click()
    note = quinn.locator("[data-testid=first-list]")
    assert note.inner_text() == ("Started on 3 December 2026. December 2026 has no audit cycle (audit calendar); "
                                 "the first allocation list is due on Monday 4 January 2027.")
    both_widths(quinn, "92-audit-year-case")

    quinn.get_by_role("link", name="Start", exact=True).click()
    quinn.get_by_role("link", name="Case audit", exact=True).click()
    quinn.get_by_label("Case reference (Mosaic)").fill("C-9001")
    quinn.get_by_label("Auditor (username)").select_option(label="Ann (auditor, team manager)")
    quinn.get_by_label("Allocated practitioner (username)").select_option(label="Pia (practitioner)")
    quinn.get_by_label("Case audit", exact=True).check()
    quinn.get_by_label("Audit cycle: year").fill("2026")
    quinn.get_by_label("Audit cycle: month").fill("11")
    both_widths(quinn, "93-start-case-audit")
    quinn.get_by_role("button", name="Start").click()
    assert "Case C-9001" in quinn.locator("h1").inner_text()
    both_widths(quinn, "94-case-audit-started")

    quinn.get_by_role("link", name="Cycle", exact=True).click()
    november = quinn.locator("[data-testid=calendar] tr[data-cycle='2026-11']")
    assert november.locator("td").nth(1).inner_text().startswith("1")
    assert "Children in Care" in quinn.locator("[data-testid=areas-2026-11]").inner_text()
    assert "January 2027" in quinn.locator("[data-testid=next-list]").inner_text()
    assert "Ann (auditor, team manager)" in quinn.locator("[data-testid=behind]").inner_text()
    both_widths(quinn, "95-cycle")
