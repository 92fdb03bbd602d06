"""The pages auditors and the QA team inspect cases with, without a browser: the case list's
filters, counts and paging; the search box; a case by reference; the case page, its live answers
and who viewed it; the operators' confirmation pages; the overview (the browser tests walk them)."""
import re

import pytest
from sqlalchemy import true

import doors
from engine.clock import get_clock, now
from engine.models import AuditOutcome
from engine.people.accounts import dao_set_password
from engine.views.case_list import CaseFilter, case_list
from tests.fixtures.diagrams import NOTE_FORM, scripted
from tests.flows.conftest import complete
from tests.flows.test_case_audit import discussion, draft
from tests.web.conftest import CASE, PASSWORD, csrf_of, signed_in


def start(site, **data) -> int:
    return doors.engine(site).start_instance("case_audit", CASE | data, "quinn")


def listed(page: str) -> list[str]:
    """The case references of a case list, in order."""
    return re.findall(r'href="/instances/\d+">([^<]+)<span', page)


@pytest.fixture
def cases(site):
    """Four audits: two in SAS 1 (pat's team, managed by tom), of which one in the November cycle
    and at QA; one in CIC 1 (pia's); one suspended."""
    engine = doors.engine(site)
    at_qa = start(site, case_ref="C-1001", cycle_year=2026, cycle_month=11)
    complete(engine, at_qa, "draft_audit", draft("good"), "ann")
    complete(engine, at_qa, "discuss_draft_findings", discussion("good"), "ann")
    start(site, case_ref="C-1002", cycle_year=2026, cycle_month=10)
    start(site, case_ref="D-2001", practitioner="pia")
    suspended = start(site, case_ref="C-1003")
    engine.suspend(suspended, "quinn", "records being checked")
    return site


def test_the_case_list_filters_counts_sorts_and_pages(cases):  # R-80 R-81
    quinn = signed_in(cases, "quinn")
    everything = quinn.get("/cases").text
    assert listed(everything) == ["C-1003", "D-2001", "C-1002", "C-1001"]  # newest first
    assert "Running (3)" in everything and "Suspended (1)" in everything and "2026-11 (1)" in everything
    assert listed(quinn.get("/cases?status=running").text) == ["D-2001", "C-1002", "C-1001"]
    assert listed(quinn.get("/cases?case_ref=c-10").text) == ["C-1003", "C-1002", "C-1001"]
    assert listed(quinn.get("/cases?service_area_id=children_in_care").text) == ["D-2001"]
    assert listed(quinn.get("/cases?team_id=sas_1&sort=oldest").text) == ["C-1001", "C-1002", "C-1003"]
    assert listed(quinn.get("/cases?cycle=2026-11").text) == ["C-1001"]
    at_qa = quinn.get("/cases?step=quality_assure_report").text
    assert listed(at_qa) == ["C-1001"] and "Quality assure the audit report (1)" in at_qa
    assert listed(quinn.get("/cases?sort=deadline").text)[0] == "C-1001"  # QA is due tomorrow
    assert listed(quinn.get("/cases?overdue=1").text) == []
    get_clock().advance(days=2)  # QA's one working day has passed (and quinn's session with it)
    quinn = signed_in(cases, "quinn")
    assert listed(quinn.get("/cases?overdue=1").text) == ["C-1001"]
    for bad in ("status=lost", "cycle=2026-13", "sort=random", "page=0", "page=x"):
        answer = quinn.get(f"/cases?{bad}")
        assert answer.status_code == 400 and "There is a problem" in answer.text, bad


def test_the_case_list_finds_cases_by_the_person_they_name_and_by_final_grade(cases):  # R-81 issue 23
    engine = doors.engine(cases)
    quinn = signed_in(cases, "quinn")
    assert listed(quinn.get("/cases?person=pia").text) == ["D-2001"]  # her case, as its practitioner
    assert listed(quinn.get("/cases?person=ann").text) == ["C-1003", "D-2001", "C-1002", "C-1001"]  # their auditor
    [c1002] = [row for row in engine.reads.ready_tasks() if row["case_ref"] == "C-1002"]
    with engine.db.transaction() as session:  # C-1002 kept as completed with its final grade, as reports keep it
        session.add(AuditOutcome(instance_id=c1002["instance_id"], case_ref="C-1002", audit_kind="audit",
                                 overall_grade="requires_improvement", started_at=now(), completed_at=now()))
    page = quinn.get("/cases?grade=requires_improvement").text
    assert listed(page) == ["C-1002"] and '<option value="requires_improvement" selected>' in page
    assert listed(signed_in(cases, "pia").get("/cases?person=ann").text) == ["D-2001"]  # still only hers to see


def test_the_case_list_shows_only_what_a_person_may_see(cases):
    tom = signed_in(cases, "tom")  # manages SAS 1
    assert sorted(listed(tom.get("/cases").text)) == ["C-1001", "C-1002", "C-1003"]
    pia = signed_in(cases, "pia")
    page = pia.get("/cases").text
    assert listed(page) == ["D-2001"] and "C-100" not in page


def test_pages_of_the_list_link_to_each_other(site):
    for number in range(30):
        start(site, case_ref=f"P-{number:03d}")
    quinn = signed_in(site, "quinn")
    first = quinn.get("/cases?process_id=case_audit").text
    assert len(listed(first)) == 25 and "30 cases, page 1 of 2" in first
    assert 'href="/cases?page=2&amp;process_id=case_audit&amp;sort=newest"' in first
    second = quinn.get("/cases?page=2&process_id=case_audit").text
    assert listed(second) == ["P-004", "P-003", "P-002", "P-001", "P-000"]


def test_the_search_box_goes_straight_to_the_case(cases):
    quinn = signed_in(cases, "quinn")
    engine = doors.engine(cases)
    [only] = [row["id"] for row in instances_of(engine, "C-1002")]
    assert quinn.get("/cases/find?case_ref=c-1002").headers["Location"] == f"/instances/{only}"
    start(cases, case_ref="C-1002", audit_kind="re_audit", previous_grade="requires_improvement")
    assert quinn.get("/cases/find?case_ref=C-1002").headers["Location"] == "/cases/ref/C-1002"
    both = quinn.get("/cases/ref/C-1002").text
    assert listed(both) == ["C-1002", "C-1002"] and "2 processes for this case" in both
    assert quinn.get("/cases/find?case_ref=NOPE").headers["Location"] == "/cases/ref/NOPE"
    assert quinn.get("/cases/ref/NOPE").status_code == 404
    assert signed_in(cases, "pia").get("/cases/ref/C-1002").status_code == 404  # not hers


def instances_of(engine, case_ref: str) -> list[dict]:
    """Every instance of a case, as the system sees them."""
    with engine.db.reading() as session:
        return case_list(session, true(), now(), CaseFilter(case=case_ref))["items"]


def test_the_case_page_records_the_view_and_shows_where_the_case_is(cases):
    engine = doors.engine(cases)
    [row] = instances_of(engine, "C-1001")
    quinn = signed_in(cases, "quinn")
    page = quinn.get(f"/instances/{row['id']}").text
    assert "Quality assure the audit report" in page and "Due tomorrow, Tuesday 3 November" in page
    assert "Ann (auditor, team manager) completed Review case file and draft audit report" in page
    # the answers given, as their form asks them: its titles, its choices' titles, dates in words
    assert re.search(r'Overall grade</dt>\s*<dd class="govuk-summary-list__value app-answers__text">Good<', page)
    assert "Referral and Response</dt>" in page and "2026-05-02" not in page
    assert 'data-testid="viewers"' in page and page.split('data-testid="viewers"')[1].count("Quinn (QA team)</td>") == 1
    quinn.get(f"/instances/{row['id']}/live")  # an open page refreshing: not another view
    viewed = [e for e in engine.reads.history(row["id"]) if e["event"] == "instance_viewed"]
    assert [e["actor"] for e in viewed] == ["quinn"]
    tom = signed_in(cases, "tom")
    assert 'data-testid="viewers"' not in tom.get(f"/instances/{row['id']}").text  # who viewed: not his to see


def test_the_change_token_moves_with_the_case_not_with_its_viewers(cases):
    engine = doors.engine(cases)
    [row] = instances_of(engine, "C-1001")
    quinn, tom = signed_in(cases, "quinn"), signed_in(cases, "tom")
    before = quinn.get(f"/instances/{row['id']}/changes").json["change"]
    tom.get(f"/instances/{row['id']}")
    assert quinn.get(f"/instances/{row['id']}/changes").json["change"] == before
    [task] = engine.reads.ready_tasks(instance_id=row["id"])
    with engine.db.transaction() as session:
        engine.claim_in(session, task["id"], "quinn")
    claimed = quinn.get(f"/instances/{row['id']}/changes").json["change"]
    assert claimed != before
    engine.complete_task(task["id"], {"qa_outcome": "accepted"}, "quinn")
    assert quinn.get(f"/instances/{row['id']}/changes").json["change"] not in (before, claimed)
    assert signed_in(cases, "pia").get(f"/instances/{row['id']}/changes").status_code == 404


def test_diagram_files_are_the_cases_own_and_its_called_processes(cases):
    engine = doors.engine(cases)
    [row] = instances_of(engine, "C-1001")
    quinn = signed_in(cases, "quinn")
    own = quinn.get(f"/instances/{row['id']}/diagram.bpmn")
    assert own.status_code == 200 and own.mimetype == "application/xml" and 'id="case_audit"' in own.text
    called = quinn.get(f"/instances/{row['id']}/diagram.bpmn?process=dispute_resolution")
    assert 'id="dispute_resolution"' in called.text
    assert quinn.get(f"/instances/{row['id']}/diagram.bpmn?process=child_safety_alert").status_code == 404
    assert signed_in(cases, "pia").get(f"/instances/{row['id']}/diagram.bpmn").status_code == 404
    assert quinn.get(f"/instances/{2**40}").status_code == 404


def test_another_teams_case_says_nothing_of_it(cases):
    engine = doors.engine(cases)
    [row] = instances_of(engine, "C-1001")
    answer = signed_in(cases, "pia").get(f"/instances/{row['id']}")
    assert answer.status_code == 404 and "C-1001" not in answer.text and "Case audit," not in answer.text


def test_operators_confirm_with_a_reason_and_others_may_not(cases):  # R-80 R-81
    engine = doors.engine(cases)
    [row] = instances_of(engine, "C-1002")
    url = f"/instances/{row['id']}/suspend"
    tom = signed_in(cases, "tom")
    assert "Suspend" not in re.sub(r"<script.*?</script>", "", tom.get(f"/instances/{row['id']}").text).split(
        "Diagram")[0].split("Next deadline")[1]
    assert tom.get(url).status_code == 403
    quinn = signed_in(cases, "quinn")
    form = quinn.get(url)
    assert form.status_code == 200 and "Suspend case C-1002?" in form.text
    refused = quinn.post(url, data={"csrf_token": csrf_of(form.text), "reason": "  "})
    assert refused.status_code == 400 and "Enter the reason" in refused.text
    assert engine.reads.instance(row["id"])["status"] == "running"
    assert quinn.post(url, data={"reason": "no token"}).status_code == 400  # CSRF
    done = quinn.post(url, data={"csrf_token": csrf_of(form.text), "reason": "Records being checked"})
    assert done.headers["Location"] == f"/instances/{row['id']}"
    assert engine.reads.instance(row["id"])["status"] == "suspended"
    again = quinn.get(url)  # already suspended: nothing to confirm
    assert again.status_code == 409 and "the case is suspended now" in again.text
    [event] = [e for e in engine.reads.history(row["id"]) if e["event"] == "instance_suspended"]
    assert (event["actor"], event["detail"]) == ("quinn", {"reason": "Records being checked"})
    assert quinn.get(f"/instances/{row['id']}/retry").status_code == 403  # administrators only
    assert quinn.get(f"/instances/{row['id']}/explode").status_code == 404


def test_an_administrator_sees_the_error_and_retries(site):
    engine = doors.engine(site)
    engine.deploy({"broken.bpmn": scripted("broken", script="x = 1 / 0"), "note.json": NOTE_FORM}, "olive")
    iid = engine.start_instance("broken", {"case_ref": "E-1", "practitioner": "pat"}, "quinn")
    with engine.db.transaction() as session:
        dao_set_password(session, "root", PASSWORD)
    root = signed_in(site, "root")
    page = root.get(f"/instances/{iid}").text
    assert "This case stopped at the step “Run”" in page and "division by zero" in page
    confirm = root.get(f"/instances/{iid}/retry")
    assert 'data-testid="error-detail"' in confirm.text and "division by zero" in confirm.text
    again = root.post(f"/instances/{iid}/retry", data={"csrf_token": csrf_of(confirm.text)})
    assert again.status_code == 302  # retried (it fails again: the script has not changed)
    assert [e["event"] for e in engine.reads.history(iid)].count("instance_retried") == 1


@pytest.mark.parametrize("username, technical", [("root", True), ("quinn", False)])
def test_an_error_is_said_in_words_with_the_detail_for_administrators_only(site, username, technical):
    engine = doors.engine(site)
    engine.deploy({"broken.bpmn": scripted("broken", script="x = 1 / 0"), "note.json": NOTE_FORM}, "olive")
    iid = engine.start_instance("broken", {"case_ref": "E-1", "practitioner": "pat"}, "quinn")
    with engine.db.transaction() as session:
        dao_set_password(session, "root", PASSWORD)
    page = signed_in(site, username).get(f"/instances/{iid}").text
    said = page.split('data-testid="error-in-words"')[1].split('data-testid="case-summary"')[0]
    sentence = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", said)).replace("&#39;", "'")
    assert ("This case stopped at the step “Run”: a script, condition or deadline in the process diagram "
            "could not be worked out. An administrator can retry this step after the process owner fixes the "
            "diagram.") in sentence  # which step, what went wrong, who can fix it
    assert ('data-testid="error-technical"' in page) is technical  # a GOV.UK Details disclosure
    assert ("division by zero" in page) is technical  # the exception's text: administrators only


def test_the_overview_counts_link_to_the_cases_behind_them(cases):
    quinn = signed_in(cases, "quinn")
    page = quinn.get("/overview").text
    assert "Audit cycle: November 2026" in page
    cycle_steps = page.split('data-testid="cycle-steps"')[1].split("</table>")[0]
    assert "Quality assure the audit report" in cycle_steps
    assert 'href="/cases?status=running&amp;cycle=2026-11&amp;step=quality_assure_report">1<' in cycle_steps
    areas = page.split('data-testid="cycle-areas"')[1].split("</table>")[0]
    assert "Safeguarding and Support" in areas and "Children in Care" not in areas
    by_process = page.split('data-testid="steps-case_audit"')[1].split("</table>")[0]
    assert re.search(r"Review case file and draft audit report.*?>2<", by_process, re.S)  # C-1002, D-2001
    get_clock().advance(days=2)
    quinn = signed_in(cases, "quinn")
    late = quinn.get("/overview").text.split('data-testid="cycle-steps"')[1].split("</table>")[0]
    assert 'overdue=1' in late
    october = quinn.get("/overview?cycle=2026-10").text
    assert "Audit cycle: October 2026" in october and "step=draft_audit" in october
    assert quinn.get("/overview?cycle=november").status_code == 400
    assert signed_in(cases, "pia").get("/overview").status_code == 403
    assert "Overview" not in signed_in(cases, "pia").get("/").text.split("</header>")[0]
