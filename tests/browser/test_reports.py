"""The QA team reads the audit pack in a real browser (issue 14, R-60, R-61): quinn opens the
quarter, sees the grade chart, follows "inadequate" to the list of those cases, downloads the CSV
and the PDF; a practitioner gets a 403 page. Every page passes axe-core and is photographed, and
the PDF's first page is drawn to a PNG (pdftoppm) to look at."""
import csv
import io
import re
import subprocess

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

import doors
from tests.browser.conftest import SCREENSHOTS, check_page
from tests.fixtures.report_audits import EARLIER, QUARTER, QUARTER_ALERTS, Audit, seed_audits

# An audit of the quarter grading the domains with the longest names.
LONG_NAMES = Audit("Q-13", "good", "2026-12-04T10:00:00+00:00", cycle=(2026, 12),
                   domains={"supervision_and_management_oversight": "good", "child_focused_practice": "good",
                            "direct_engagement": "requires_improvement"})


@pytest.fixture
def pack(site):
    seed_audits(doors.engine(site), QUARTER + EARLIER, QUARTER_ALERTS)
    return site


@pytest.fixture
def long_names(site):
    seed_audits(doors.engine(site), QUARTER + [LONG_NAMES], QUARTER_ALERTS)
    return site


def chart_text_outside(page) -> list:
    """The words of the page's charts that the browser draws outside their SVG's drawing."""
    return page.evaluate("""() => [...document.querySelectorAll("svg.app-chart")].flatMap((svg) => {
        const drawing = svg.viewBox.baseVal;
        return [...svg.querySelectorAll("text")].map((text) => ({ words: text.textContent, box: text.getBBox() }))
          .filter(({ box }) => box.x < 0 || box.x + box.width > drawing.width)
          .map(({ words, box }) => `${words}: x ${box.x.toFixed(1)} to ${(box.x + box.width).toFixed(1)}`);
      })""")


def test_quinn_reads_the_quarter_follows_inadequate_and_downloads_the_rows(pack, person):  # R-60 R-61
    quinn = person("quinn")
    quinn.get_by_role("link", name="Reports").click()
    quinn.wait_for_url("**/reports")
    quinn.select_option("#period", "2026-Q3")
    quinn.get_by_role("button", name="Show report").click()
    quinn.wait_for_url("**/reports?period=2026-Q3*")
    grades = quinn.locator("[data-testid=chart-grades]")
    assert "Inadequate" in grades.text_content() and "2 (16.7%)" in grades.text_content()
    check_page(quinn, "50-reports-quarter")

    quinn.locator("[data-testid=chart-grades] a[aria-label^='Inadequate']").click()
    quinn.wait_for_url("**/cases?*figure=grade*")
    assert "graded Inadequate" in quinn.locator("[data-testid=report-figure]").inner_text()
    assert quinn.locator("main a:not([data-testid=case-history])", has_text="Q-11").count() == 1  # not its history
    assert quinn.locator("table.govuk-table tbody tr").count() == 2
    check_page(quinn, "51-reports-inadequate-cases")

    with quinn.expect_download() as download:
        quinn.get_by_role("link", name="Download these rows (CSV)").click()
    rows = list(csv.DictReader(io.StringIO(download.value.path().read_text(encoding="utf-8"))))
    assert sorted(row["overall_grade"] for row in rows) == ["inadequate", "inadequate"]
    assert download.value.suggested_filename == "audits_2026-Q3_grade_inadequate.csv"

    quinn.get_by_role("link", name="Back to the report").click()
    with quinn.expect_download() as download:
        quinn.get_by_test_id("pdf-link").click()
    pdf = SCREENSHOTS / "52-reports-pack.pdf"
    download.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF-")
    # The first pages as PNGs, for people to look at (pdftoppm: poppler-utils, `make system-libs`).
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "2", str(pdf), str(SCREENSHOTS / "52-reports-pack")],
                   check=True)


def test_long_domain_names_are_drawn_whole_on_the_page_and_in_the_pdf(long_names, person):
    quinn = person("quinn")
    quinn.goto("/reports?period=2026-Q3")
    domains = quinn.locator("[data-testid=chart-domains]").text_content()
    assert "Supervision and Management" in domains and "Direct Engagement and" in domains
    assert chart_text_outside(quinn) == []
    check_page(quinn, "55-reports-long-domain-names")

    answer = quinn.request.get("/reports/pack.pdf?period=2026-Q3")
    pdf = SCREENSHOTS / "55-reports-pack-long-domain-names.pdf"
    pdf.write_bytes(answer.body())
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(answer.body())).pages]
    page = 1 + next(n for n, text in enumerate(pages) if "Grades by domain" in text)
    # The page with the domains' chart as a PNG, to look at: the names whole, wrapped.
    subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", str(page), "-l", str(page), "-singlefile", str(pdf),
                    str(SCREENSHOTS / "55-reports-pack-long-domain-names")], check=True)


def test_the_pack_prints_with_its_tables_and_without_the_menus(pack, person):
    quinn = person("quinn")
    quinn.goto("/reports?period=2026-Q3")
    quinn.emulate_media(media="print")
    expect(quinn.locator("form.app-filters")).to_be_hidden()
    expect(quinn.locator("[data-testid=grades-table]")).to_be_visible()  # behind its details on screen
    check_page(quinn, "53-reports-print-media")


def test_a_practitioner_gets_a_403_page(pack, person):
    pat = person("pat")
    answer = pat.goto("/reports?period=2026-Q3")
    assert answer.status == 403
    assert "Your role does not allow this" in pat.content()
    assert pat.get_by_role("link", name="Reports").count() == 0
    check_page(pat, "54-reports-forbidden")


@pytest.fixture
def learning(site, clock):
    from datetime import datetime, timezone

    from tests.fixtures.report_audits import LEARNING, LEARNING_ACTIONS, REAUDIT_STARTED, seed_actions
    clock.set(datetime(2027, 1, 5, 9, tzinfo=timezone.utc))  # Q-11's open action is overdue since 18 December
    audits = QUARTER + EARLIER + LEARNING
    seed_audits(doors.engine(site), audits, QUARTER_ALERTS)
    seed_actions(doors.engine(site), audits, LEARNING_ACTIONS, REAUDIT_STARTED)
    return site


def test_quinn_follows_the_overdue_actions_and_reads_the_moderation(learning, person):  # R-27 R-28
    quinn = person("quinn")
    quinn.goto("/reports?period=2026-Q3")
    expect(quinn.get_by_test_id("three-questions")).to_contain_text("What are we doing about it?")
    expect(quinn.get_by_test_id("actions-overdue")).to_contain_text("Open, and its due date has passed.")
    expect(quinn.get_by_test_id("moderation-returned")).to_contain_text("returned by QA at least once")
    assert chart_text_outside(quinn) == []
    check_page(quinn, "56-reports-actions-and-moderation")

    quinn.get_by_test_id("actions-overdue").get_by_role("link").first.click()
    quinn.wait_for_url("**/cases?*figure=action*overdue*")
    assert "overdue now" in quinn.locator("[data-testid=report-figure]").inner_text()
    assert quinn.locator("main a:not([data-testid=case-history])", has_text="Q-11").count() == 1  # not its history
    check_page(quinn, "57-reports-overdue-actions-cases")
