"""Issue 27's figures on the reports page (R-27, R-28), without a browser: a known quarter of audits,
re-audits and agreed actions gives its figures beside their definitions, behind their links (the case
list), in their CSV and in the PDF's text, which answers the inspectors' three questions."""
import re
from datetime import datetime, timezone

import pytest

import doors
from tests.fixtures.report_audits import (
    EARLIER,
    LEARNING,
    LEARNING_ACTIONS,
    QUARTER,
    QUARTER_ALERTS,
    REAUDIT_STARTED,
    seed_actions,
    seed_audits,
)
from tests.web.conftest import signed_in
from tests.web.test_reports_page import listed, rows_of, text_of

AUDITS = QUARTER + EARLIER + LEARNING


@pytest.fixture
def learning(site, clock):
    clock.set(datetime(2027, 1, 5, 9, tzinfo=timezone.utc))  # Q-11's open action is overdue since 18 December
    seed_audits(doors.engine(site), AUDITS, QUARTER_ALERTS)
    seed_actions(doors.engine(site), AUDITS, LEARNING_ACTIONS, REAUDIT_STARTED)
    return site


def section(page: str, testid: str) -> str:
    return page.split(f'data-testid="{testid}"')[1].split("</table>")[0].split("</ul>")[0]


def words(html: str) -> str:
    """The text a sighted reader sees (not the links' words for screen readers)."""
    seen = re.sub(r'<span class="govuk-visually-hidden">.*?</span>', "", html)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", seen)).strip()


def test_the_quarter_gives_the_action_figures_with_their_definitions(learning):  # R-27 R-28
    page = signed_in(learning, "quinn").get("/reports?period=2026-Q3").text
    table = words(section(page, "actions-table"))
    for state, text in (("Agreed", "6"), ("Done on time", "2 (33.3%)"), ("Done late", "1 (16.7%)"),
                        ("Not done", "1 (16.7%)"), ("Carried into the re-audit", "1 (16.7%)"), ("Open", "1 (16.7%)"),
                        ("Overdue now", "1 (16.7%)")):
        assert re.search(rf"{state} [^0-9]+ {re.escape(text)}", table), (state, table)
    assert "Done, and completed by its due date." in table and "Open, and its due date has passed." in table
    inadequate = words(section(page, "actions-inadequate"))
    assert "2 actions agreed after audits graded Inadequate" in inadequate
    assert "2 of them on cases whose next audit (the re-audit) has started" in inadequate
    assert "1 of those done before the re-audit started" in inadequate
    areas = words(section(page, "actions-by-area"))
    assert "Safeguarding and Support 2 1 1 0 0 0 0" in areas and "Children in Care 4 1 0 1 1 1 1" in areas
    assert "SAS 1 2 1 1 0 0 0 0" in words(section(page, "actions-by-team"))


def test_the_quarter_gives_movement_agreement_and_moderation(learning):
    page = signed_in(learning, "quinn").get("/reports?period=2026-Q3").text
    movement = words(section(page, "movement-table"))
    assert "Risk Assessment 1 CSV 0 0 1" in movement and "Key Decisions 0 1 CSV 0 1" in movement
    agreement = words(section(page, "agreement-table"))
    assert "Key Decisions 1 1 100.0%" in agreement and "Risk Assessment 0 1 0.0%" in agreement
    assert "Audits completed in this period whose grade at each stage was recorded: 2." in words(page)
    assert "2 (100.0%) returned by QA at least once; 3 returns in all, 1.5 per audit." in words(page)
    stages = words(section(page, "moderation-table"))
    assert "Draft to discussed" in stages and "1 of 2 (50.0%)" in stages and "0 of 2 (0.0%)" in stages
    assert "The grade changed in the discussion with the practitioner" in stages
    assert "Risk Assessment 1 of 2 (50.0%) 1 of 2 (50.0%) 0 of 2 (0.0%)" in words(section(page, "moderation-domains"))
    auditors = words(section(page, "moderation-auditors"))
    assert "ann 1 1 (100.0%)" not in auditors and "ann 1 1 0 of 1 (0.0%) 1 of 1 (100.0%)" in auditors
    assert "bea 1 1 1 of 1 (100.0%) 0 of 1 (0.0%)" in auditors


def test_every_new_figure_links_to_exactly_its_cases_and_rows(learning):  # R-27 R-28
    quinn = signed_in(learning, "quinn")
    page = quinn.get("/reports?period=2026-Q3").text
    assert re.search(r'href="/cases\?[^"]*figure=action:overdue', page)
    for key, cases in (("action:overdue", {"Q-11"}), ("action:done_late", {"Q-07"}),
                       ("action:agreed", {"Q-05", "Q-07", "Q-08", "Q-11"}),
                       ("action_area:children_in_care:carried_into_reaudit", {"Q-05"}),
                       ("action_team:sas_1:done_on_time", {"Q-07"}),
                       ("action_grade:inadequate:done_before_reaudit", {"Q-11"}),
                       ("movement:risk_assessment:improved", {"L-1"}), ("movement:direct_engagement:downgraded", {"L-1"}),
                       ("moderation:qa_returned", {"L-1", "L-2"}), ("moderation:discussed_accepted", {"L-2"}),
                       ("moderation_domain:risk_assessment:draft_discussed", {"L-1"}),
                       ("moderation_auditor:bea:draft_discussed", {"L-1"}), ("moderation:accepted_final", set())):
        assert listed(quinn.get(f"/cases?period=2026-Q3&figure={key}").text) == cases, key
    cases = quinn.get("/cases?period=2026-Q3&figure=action:overdue").text
    assert "Actions agreed in Quarter 3 2026/27 (October to December 2026), overdue now" in words(cases)
    actions = rows_of(quinn.get("/reports/rows.csv?period=2026-Q3&figure=action:agreed"))
    assert len(actions) == 6 and "action" not in actions[0] and actions[0]["owner"] == "pat"
    assert sorted(row["case_ref"] for row in actions) == ["Q-05", "Q-07", "Q-07", "Q-08", "Q-11", "Q-11"]
    returned = rows_of(quinn.get("/reports/rows.csv?period=2026-Q3&figure=moderation:qa_returned"))
    assert sorted((row["case_ref"], row["qa_returns"], row["discussed_grade"]) for row in returned) == [
        ("L-1", "1", "requires_improvement"), ("L-2", "2", "good")]


def test_the_pdf_answers_the_three_questions(learning):  # R-27 R-28
    text = re.sub(r"\s+", " ", text_of(signed_in(learning, "quinn").get("/reports/pack.pdf?period=2026-Q3").data))
    assert "What do we know about the quality of practice?" in text and "How do we know it?" in text
    assert "What are we doing about it?" in text
    assert "14 audits completed: 42.9% good or better." in text
    assert "went from 100.0% (October 2026) to 0.0% (December 2026)" in text
    assert "No case audit was allocated to the period's cycles." in text
    assert "QA returned 2 of 2 reports at least once (100.0%; 1.5 returns per audit)." in text
    assert "6 SMART actions agreed: 2 done on time, 1 done late, 1 not done, 1 carried into a re-audit and 1 open, " \
           "1 of them overdue." in text
    assert "Of 2 actions agreed after audits graded Inadequate, 2 are on cases whose re-audit has started, and 1 of " \
           "those were done before it started." in text
    assert "Re-audits gave 1 of 3 domains the grade of the audit before (33.3% agreement)." in text
    assert "Agreed actions" in text and "Moderation" in text


@pytest.mark.parametrize("key", ["action:maybe", "action_area:children_in_care", "action_grade:inadequate:soon",
                                 "movement:risk_assessment:better", "moderation:nonsense",
                                 "moderation_domain:risk_assessment:qa_returned", "moderation_auditor:ann"])
def test_a_figure_key_no_figure_takes_is_a_400(learning, key):
    quinn = signed_in(learning, "quinn")
    for path in ("/reports", "/reports/rows.csv", "/cases"):
        answer = quinn.get(f"{path}?period=2026-Q3&figure={key}")
        assert answer.status_code == 400 and "figure" in answer.text, (path, key)
