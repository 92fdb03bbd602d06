"""The audit pack (R-60, R-61), without a browser: a known quarter of audits gives the same
figures on the page, behind its links (the case list), in its CSV and in the PDF's text; periods
compare; the roles that do not see across get 403; bad choices get 400 and change nothing."""
import csv
import io
import re
from datetime import date

import pytest
from pypdf import PdfReader

import doors
from engine.reporting.period import Period, choices
from tests.fixtures.report_audits import EARLIER, QUARTER, QUARTER_ALERTS, seed_audits
from tests.web.conftest import signed_in

HOSTILE = QUARTER[-1].case_ref  # =HYPERLINK(...)
INADEQUATE = {"Q-11", HOSTILE}


@pytest.fixture
def pack(site):
    seed_audits(doors.engine(site), QUARTER + EARLIER, QUARTER_ALERTS)
    return site


def listed(page: str) -> set[str]:
    return {ref.replace("&#34;", '"').replace("&quot;", '"')
            for ref in re.findall(r'href="/instances/\d+">([^<]+)<span', page)}


def rows_of(answer) -> list[dict]:
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(answer.text)))


def text_of(pdf: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_the_quarter_gives_its_figures_on_the_page(pack):  # R-60 R-61
    page = signed_in(pack, "quinn").get("/reports?period=2026-Q3").text
    assert "Quarter 3 2026/27" in page and "October to December 2026" in page
    assert "12 cases audited: 1 outstanding, 5 good, 4 requires improvement, 2 inadequate." in page
    grades = page.split('data-testid="grades-table"')[1].split("</table>")[0]
    assert re.findall(r">(\d+ \([\d.]+%\))<", grades) == ["1 (8.3%)", "5 (41.7%)", "4 (33.3%)", "2 (16.7%)"]
    areas = page.split('data-testid="areas-table"')[1].split("</table>")[0]
    assert "Safeguarding and Support" in areas and "8 (66.7%)" in areas and "4 (33.3%)" in areas
    assert "Strongest practice: Child protection conference, Risk Assessment, Key Decisions." in page
    assert "Weakest practice: Strategy discussion, Key Decisions, Risk Assessment." in page
    themed = page.split('data-testid="themed-table"')[1].split("</table>")[0]
    assert "Strategy discussion" in themed and "Child protection conference" in themed
    reaudits = page.split('data-testid="reaudits-table"')[1].split("</table>")[0]
    assert re.findall(r">(\d+ \([\d.]+%\))<", reaudits) == ["1 (50.0%)", "0 (0.0%)", "1 (50.0%)"]
    assert "QA within 1 working day" in page and "Alerts answered within their deadlines (2 or 5 working days)" in page
    assert re.search(r'data-testid="disputes-open"><a[^>]*>0</a> open now; 1 ended', page)
    assert "2 alerts closed in this period." in page
    trend = page.split('data-testid="trend-table"')[1].split("</table>")[0]
    assert [re.sub(r"<[^>]+>", "", cell) for cell in re.findall(r'numeric">(.*?)</td>', trend)] == [
        "3 audits of October 2026", "100.0%", "0", "5 audits of November 2026", "60.0%", "0",
        "4 audits of December 2026", "0.0%", "2"]
    assert 'data-testid="chart-grades"' in page and "<title id=\"chart-grades-title\">" in page


def test_every_figure_links_to_exactly_its_cases_and_rows(pack):  # R-60 R-61
    quinn = signed_in(pack, "quinn")
    page = quinn.get("/reports?period=2026-Q3").text
    inadequate = re.search(r'href="(/cases\?[^"]*figure=grade:inadequate[^"]*)"', page).group(1)
    cases = quinn.get(inadequate.replace("&amp;", "&")).text
    assert listed(cases) == INADEQUATE
    assert "From the audit report:</strong> Audits completed in Quarter 3 2026/27 (October to December 2026), " \
           "graded Inadequate." in cases
    assert listed(quinn.get("/cases?period=2026-Q3&figure=domain:key_decisions:good").text) == {"Q-01", "Q-02"}
    assert listed(quinn.get("/cases?period=2026-Q3&figure=deadline:qa_within_1_day:missed").text) == {"Q-05", "Q-11"}
    assert listed(quinn.get("/cases?period=2026-Q3&figure=dispute:formal:grade_upheld").text) == {"Q-07"}
    assert listed(quinn.get("/cases?period=2026-Q3&figure=change:improved").text) == {"Q-06"}
    assert listed(quinn.get("/cases?period=2026-Q3&figure=cycle:2026-10").text) == {"Q-01", "Q-02", "Q-03"}
    assert len(listed(quinn.get("/cases?period=2026-Q3&figure=alert_stage:3").text)) == 1
    assert listed(quinn.get("/cases?period=2026-Q3&area=children_in_care&figure=grade:good").text) == {"Q-03", "Q-05"}
    rows = rows_of(quinn.get("/reports/rows.csv?period=2026-Q3&figure=grade:inadequate"))
    assert {row["case_ref"] for row in rows} == {"Q-11", "'" + HOSTILE}  # a formula cell is defused
    assert len(rows_of(quinn.get("/reports/rows.csv?period=2026-Q3&figure=audits"))) == 12
    assert len(rows_of(quinn.get("/reports/rows.csv?period=2026"))) == 12 + 8 + 1  # April 2026 to March 2027
    alerts = rows_of(quinn.get("/reports/rows.csv?period=2026-Q3&figure=alerts"))
    assert sorted(row["final_stage"] for row in alerts) == ["1", "3"]


def test_the_pdf_has_the_same_figures(pack):  # R-60 R-61
    answer = signed_in(pack, "quinn").get("/reports/pack.pdf?period=2026-Q3")
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    text = re.sub(r"\s+", " ", text_of(answer.data))
    assert "Audit report: Quarter 3 2026/27" in text
    assert "12 cases audited: 1 outstanding, 5 good, 4 requires improvement, 2 inadequate." in text
    for figure in ("1 (8.3%)", "5 (41.7%)", "4 (33.3%)", "2 (16.7%)", "Strongest practice: Child protection"):
        assert figure in text
    assert "Page 1 of" in text


def test_periods_compare_with_the_one_before_and_a_year_before(pack):  # R-60
    page = signed_in(pack, "quinn").get("/reports?period=2026-Q3").text
    table = page.split('data-testid="comparison"')[1].split("</table>")[0]
    audited = table.split("Cases audited")[1].split("</tr>")[0]
    assert "<strong>12</strong>" in audited
    assert re.sub(r"<[^>]+>|\s+", " ", audited).split() == [
        "12", "8", "▲", ";", "Quarter", "3", "2026/27", "is", "up", "4", "5", "▲", ";", "Quarter", "3", "2026/27",
        "is", "up", "7"]
    inadequate = table.split("Graded Inadequate")[1].split("</tr>")[0]
    assert "down" not in inadequate and "no change" in inadequate  # 2 now, 2 in the quarter before


def test_a_narrowed_report_counts_only_that_area_and_kind(pack):  # R-60
    quinn = signed_in(pack, "quinn")
    page = quinn.get("/reports?period=2026-Q3&area=children_in_care").text
    assert "4 cases audited: 0 outstanding, 2 good, 1 requires improvement, 1 inadequate." in page
    assert "Children in Care" in page.split('data-testid="period-span"')[1].split("</p>")[0]
    assert "1 cases audited" not in quinn.get("/reports?period=2026-Q3&kind=thematic").text
    assert "1 case audited: 0 outstanding, 0 good, 1 requires improvement, 0 inadequate." in quinn.get(
        "/reports?period=2026-Q3&kind=thematic").text


def test_the_reports_are_only_for_those_who_see_across(pack):  # R-81
    for username in ("pat", "tom", "ann"):
        person = signed_in(pack, username)
        for path in ("/reports", "/reports/rows.csv?period=2026-Q3", "/reports/pack.pdf?period=2026-Q3"):
            answer = person.get(path)
            assert answer.status_code == 403, (username, path)
        assert "/reports" not in person.get("/tasks").text  # not in their menu either


@pytest.mark.parametrize("query, named", [
    ("period=2026-Q5", "period"), ("period=2026-13", "period"), ("period=nonsense", "period"),
    ("period=2026-Q3&area=atlantis", "service area"), ("period=2026-Q3&kind=random", "audit kind"),
    ("period=2026-Q3&figure=grade", "figure"), ("period=2026-Q3&figure=drop:table", "figure"),
    ("period=2026-Q3&figure=deadline:qa_within_1_day:maybe", "figure"), ("period=2026-Q3&figure=cycle:2026-x", "figure"),
])
def test_a_bad_choice_is_a_400_naming_it(pack, query, named):
    quinn = signed_in(pack, "quinn")
    for path in ("/reports", "/reports/rows.csv", "/cases"):
        answer = quinn.get(f"{path}?{query}" if path != "/cases" or "figure" in query else f"{path}?figure=audits&{query}")
        assert answer.status_code == 400, (path, query)
        assert named in answer.text


def test_without_a_period_the_page_shows_the_quarter_the_clock_is_in(pack):  # the clock: 2 November 2026
    page = signed_in(pack, "quinn").get("/reports").text
    assert "Quarter 3 2026/27" in page and 'value="2026-Q3" selected' in page


def test_periods_run_by_the_audit_year_april_to_march():
    assert (Period.parse("2026").first.isoformat(), Period.parse("2026").last.isoformat()) == ("2026-04-01",
                                                                                               "2027-03-31")
    q4 = Period.parse("2026-Q4")
    assert (q4.first.isoformat(), q4.last.isoformat(), q4.span) == ("2027-01-01", "2027-03-31",
                                                                   "January to March 2027")
    assert Period.parse("2026-Q1").before == Period.parse("2025-Q4")
    assert Period.parse("2027-01").before == Period.parse("2026-12")
    assert Period.parse("2026-Q3").year_before.token == "2025-Q3"
    assert [m.token for m in Period.parse("2026-Q4").months()] == ["2027-01", "2027-02", "2027-03"]
    assert Period.containing(date(2027, 2, 14), "year").label == "Audit year 2026/27"
    assert choices(date(2026, 11, 2))["quarter"][:2] == [Period.parse("2026-Q3"), Period.parse("2026-Q2")]
