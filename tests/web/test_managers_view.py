"""Managers' view of their area (issue 23, item 5): the overview narrowed to their teams and services,
the overdue steps first with whom they wait for and links to chase, and one person's open steps."""
from datetime import datetime, timezone

from lxml import html as lxml_html

import doors
from engine.models import Team
from tests.web.conftest import signed_in


def _late(page: str) -> list[list[str]]:
    table = lxml_html.fromstring(page).xpath("//table[@data-testid='late']")
    return [[" ".join(c.text_content().split()) for c in row.xpath("./td")] for row in table[0].xpath(".//tbody/tr")]


# R-03 R-16 R-81: tom finds his team's late draft on the overview, whom it waits for, and how to chase it
def test_the_overview_lists_the_late_steps_of_the_managers_area_first(site, audit, clock):
    _, task_id = audit
    tom = signed_in(site, "tom")
    assert "No step of your area is overdue" in tom.get("/overview").text
    clock.set(datetime(2026, 12, 10, 9, 0, tzinfo=timezone.utc))  # the draft (a month, R-16) is late
    page = signed_in(site, "tom").get("/overview").text
    [row] = _late(page)
    assert row[0] == "C-1001" and row[1] == "Review case file and draft audit report"
    assert row[2].startswith("Overdue by") and row[3] == "Ann (auditor, team manager)"
    assert f"/tasks/{task_id}/reassign" in page
    assert signed_in(site, "pia").get("/overview").status_code == 403  # a practitioner manages nobody


def test_pia_a_manager_of_another_area_sees_nothing_of_pats_case(site, audit, clock):
    with doors.engine(site).db.transaction() as session:
        session.get(Team, "cic_1").manager = "pia"  # pia manages CIC 1, not SAS 1 (pat's case)
    clock.set(datetime(2026, 12, 10, 9, 0, tzinfo=timezone.utc))
    page = signed_in(site, "pia").get("/overview").text
    assert "C-1001" not in page and "No step of your area is overdue" in page


def test_a_managers_team_list_narrows_to_one_person(site, audit):
    _, task_id = audit
    tom = signed_in(site, "tom")
    assert f"/tasks/{task_id}" in tom.get("/?view=team&person=ann").text
    assert f"/tasks/{task_id}" not in tom.get("/?view=team&person=pat").text
