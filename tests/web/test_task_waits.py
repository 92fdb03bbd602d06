"""Whom a task waits for, who holds it and since when, on the task lists and the task page (issue 23,
item 1): a manager chasing overdue work sees whom to chase."""
from datetime import datetime, timezone

from lxml import html as lxml_html

import doors
from engine.models import UserTask
from tests.web.conftest import signed_in


def _cells(page: str, label: str) -> list[str]:
    """The text of every task row's cell under the column `label` (data-label, as phones show it)."""
    return [" ".join(cell.text_content().split())
            for cell in lxml_html.fromstring(page).xpath(f"//td[@data-label='{label}']")]


# R-03 R-81: the team manager sees whom the auditor's draft waits for, and when the auditor took it
def test_the_team_list_names_whom_a_task_waits_for_and_who_holds_it_since_when(site, audit, clock):
    instance_id, task_id = audit
    tom = signed_in(site, "tom")
    page = tom.get("/?view=team").text
    assert _cells(page, "Waits for") == ["Ann (auditor, team manager)"]
    assert _cells(page, "Held by") == ["Nobody yet"]
    clock.set(datetime(2026, 11, 4, 10, 0, tzinfo=timezone.utc))
    engine = doors.engine(site)
    with engine.db.transaction() as session:
        engine.claim_in(session, task_id, "ann")
    tom = signed_in(site, "tom")  # a new session: two days idle signed the last one out
    page = tom.get("/?view=team").text
    assert _cells(page, "Held by") == ["Ann (auditor, team manager), since Wednesday 4 November"]
    task_page = tom.get(f"/tasks/{task_id}").text
    assert "Ann (auditor, team manager), since Wednesday 4 November" in task_page


# a step open to a role names the role and the case's team, not a person
def test_a_task_open_to_a_role_waits_for_anyone_with_that_role_in_the_cases_team(site, audit):
    _, task_id = audit
    engine = doors.engine(site)
    with engine.db.transaction() as session:  # the auditor's step handed to the role (as when nobody is named)
        task = session.get(UserTask, task_id)
        task.candidates, task.open_to_role = [], True
    page = signed_in(site, "tom").get("/?view=team").text
    assert _cells(page, "Waits for") == ["Anyone with the role Auditor, SAS 1"]
