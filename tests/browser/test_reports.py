"""The QA team reads the audit pack in a real browser (issue 14, R-60, R-61): quinn opens the
quarter, sees the grade chart, follows "inadequate" to the list of those cases, downloads the CSV
and the PDF; a practitioner gets a 403 page. Every page passes axe-core and is photographed, and
the PDF's first page is drawn to a PNG (pdftoppm) to look at."""
import csv
import io
import subprocess

import pytest

import service
from tests.browser.conftest import SCREENSHOTS, check_page
from tests.fixtures.report_audits import EARLIER, QUARTER, QUARTER_ALERTS, seed_audits


@pytest.fixture
def pack(site):
    seed_audits(service.engine(site), QUARTER + EARLIER, QUARTER_ALERTS)
    return site


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
    assert quinn.get_by_role("link", name="Q-11").count() == 1
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


def test_the_pack_prints_with_its_tables_and_without_the_menus(pack, person):
    quinn = person("quinn")
    quinn.goto("/reports?period=2026-Q3")
    quinn.emulate_media(media="print")
    assert not quinn.locator("form.app-filters").is_visible()
    assert quinn.locator("[data-testid=grades-table]").is_visible()  # behind its details on screen
    check_page(quinn, "53-reports-print-media")


def test_a_practitioner_gets_a_403_page(pack, person):
    pat = person("pat")
    answer = pat.goto("/reports?period=2026-Q3")
    assert answer.status == 403
    assert "Your role does not allow this" in pat.content()
    assert pat.get_by_role("link", name="Reports").count() == 0
    check_page(pat, "54-reports-forbidden")
