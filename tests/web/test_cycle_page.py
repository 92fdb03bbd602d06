"""The Cycle page (issue 22, item 4): the audit calendar of the current audit year from
audit_calendar.dmn (a Practice Week shown), when the next allocation list is due, each cycle's
audits by service area, and the auditors below the minimum of auditor_minimum.dmn, named."""
import re
from datetime import datetime, timezone

import pytest
from lxml import html as lxml_html

import doors
from engine.models import UserTask
from engine.people.accounts import dao_set_password
from tests.flows.conftest import ROOT, definition_files
from tests.flows.test_audit_cycle import PRACTICE_WEEK_OCTOBER_2026
from tests.web.conftest import PASSWORD, signed_in
from tests.web.test_start_pages import ALL


@pytest.fixture
def cycle_site(app):
    engine = doors.engine(app)
    files = definition_files(*ALL)
    calendar = (ROOT / "processes" / "audit_calendar.dmn").read_text()
    files["audit_calendar.dmn"] = calendar.replace('<rule id="rule_january">', PRACTICE_WEEK_OCTOBER_2026, 1).encode()
    engine.deploy(files, "olive")
    with engine.db.transaction() as session:
        for username in ("ann", "quinn", "pat", "tom"):
            dao_set_password(session, username, PASSWORD)
    return app


def _audit(engine, ref: str, practitioner: str, month: int, auditor: str = "ann") -> int:
    return engine.start_instance("case_audit", {"case_ref": ref, "auditor": auditor, "practitioner": practitioner,
                                                "audit_kind": "audit", "cycle_year": 2026, "cycle_month": month}, "quinn")


def _rows(page: str, testid: str) -> list[list[str]]:
    table = lxml_html.fromstring(page).xpath(f"//*[@data-testid='{testid}']")[0]
    return [[" ".join(c.text_content().split()) for c in row.xpath("./th|./td")] for row in table.xpath(".//tbody/tr")]


# R-10 R-12 R-52
def test_the_cycle_page_shows_the_calendar_the_cycles_counts_and_auditors_behind(cycle_site, clock):
    engine = doors.engine(cycle_site)
    first = _audit(engine, "C-8001", "pat", 11)
    _audit(engine, "C-8002", "pia", 11)
    _audit(engine, "C-8003", "pat", 9)
    [task] = engine.reads.ready_tasks(instance_id=first)
    with engine.db.transaction() as session:  # ann takes her first audit: it is started
        engine.claim_in(session, task["id"], "ann")
    clock.set(datetime(2026, 12, 10, 9, 0, tzinfo=timezone.utc))  # the drafts (a month, R-16) are overdue
    quinn = signed_in(cycle_site, "quinn")
    page = quinn.get("/cycle")
    assert page.status_code == 200
    calendar = {row[0]: row[1:] for row in _rows(page.text, "calendar")}
    assert list(calendar)[0] == "April 2026" and list(calendar)[-1] == "March 2027"
    assert calendar["October 2026"][0] == "Practice Observation Week"
    assert calendar["August 2026"][0] == "No cycle" and calendar["December 2026"][0] == "No cycle"
    assert calendar["November 2026"] == ["Audit cycle", "2 allocated in November 2026", "1", "0", "2"]
    assert calendar["September 2026"][:2] == ["Audit cycle", "1 allocated in September 2026"]
    assert _rows(page.text, "areas-2026-11") == [
        ["Children in Care", "1 allocated: Children in Care, November 2026", "0", "0", "1 overdue: Children in Care, November 2026"],
        ["Safeguarding and Support", "1 allocated: Safeguarding and Support, November 2026", "1", "0",
         "1 overdue: Safeguarding and Support, November 2026"]]
    behind = " ".join(lxml_html.fromstring(page.text).xpath("//*[@data-testid='behind']")[0].text_content().split())
    assert "Below the minimum of 7" in behind and "Ann (auditor, team manager)" in behind
    auditors = {row[0]: row[1:] for row in _rows(page.text, "auditors")}
    assert auditors["Ann (auditor, team manager)"][:2] == ["3", "0"]
    assert not re.search(r"\bR-\d", lxml_html.fromstring(page.text).text_content())  # words, not requirement ids


def test_the_cycle_page_is_for_those_who_see_across_and_managers(cycle_site):
    assert signed_in(cycle_site, "pat").get("/cycle").status_code == 403
    assert 'href="/cycle"' not in signed_in(cycle_site, "pat").get("/").text
    assert 'href="/cycle"' in signed_in(cycle_site, "tom").get("/").text
    assert signed_in(cycle_site, "quinn").get("/cycle?year=abc").status_code == 400


# R-12 R-81: a manager's audit year is their area's cases and their own people's audits against the minimum
def test_a_manager_sees_the_year_of_their_area_and_their_people(cycle_site, clock):
    engine = doors.engine(cycle_site)
    _audit(engine, "C-8001", "pat", 11)  # pat: SAS 1, Safeguarding and Support (tom, sue)
    _audit(engine, "C-8002", "pia", 11)  # pia: CIC 1, Children in Care (ann, sid)
    with engine.db.transaction() as session:
        dao_set_password(session, "sid", PASSWORD)
    sid = signed_in(cycle_site, "sid").get("/cycle").text
    assert [row[0] for row in _rows(sid, "areas-2026-11")] == ["Children in Care"]
    assert [row[0] for row in _rows(sid, "auditors")] == ["Ann (auditor, team manager): open tasks"]
    assert _rows(sid, "auditors")[0][1:3] == ["2", "0"]  # both of ann's audits, one outside sid's area
    assert "/?view=team&amp;person=ann" in sid
    tom = signed_in(cycle_site, "tom").get("/cycle").text
    assert [row[0] for row in _rows(tom, "areas-2026-11")] == ["Safeguarding and Support"]
    assert _rows(tom, "auditors") == [["None of your people audits"]]


# a process owner may take the list step's deadline out of audit_cycle.bpmn: the page still answers
def test_the_cycle_page_says_a_list_is_asked_for_when_its_step_has_no_deadline(cycle_site, clock):
    engine = doors.engine(cycle_site)
    clock.set(datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc))  # the first working day of a cycle month
    cycle = engine.start_instance("audit_cycle", {"year": 2026}, "quinn")
    [asked] = [t for t in engine.reads.ready_tasks(instance_id=cycle) if t["element_id"] == "prepare_allocation_list"]
    quinn = signed_in(cycle_site, "quinn")
    assert "The allocation list of this month is due on" in quinn.get("/cycle").text
    with engine.db.transaction() as session:  # as a diagram whose list step has no boundary timer leaves it
        session.get(UserTask, asked["id"]).due_at = None
    page = quinn.get("/cycle")
    assert page.status_code == 200
    assert "The allocation list of this month is asked for now, with no deadline" in page.text
