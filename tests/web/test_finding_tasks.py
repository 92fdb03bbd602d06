"""Finding things in the task lists (issue 23, item 6): filters and sort kept in the URL, and acting
on several selected tasks at once, each in its own transaction, with a list of what happened."""
from datetime import datetime, timezone

import pytest
from lxml import html as lxml_html
from werkzeug.datastructures import MultiDict

import doors
from engine.people.accounts import dao_add_person, dao_set_password, dao_set_roles
from tests.web.conftest import CASE, PASSWORD, csrf_of, signed_in


@pytest.fixture
def audits(site):
    """Three case audits of pat's cases for ann: C-3003, C-1001, C-2002, started in that order."""
    engine = doors.engine(site)
    ids = [engine.start_instance("case_audit", CASE | {"case_ref": ref}, "quinn") for ref in ("C-3003", "C-1001", "C-2002")]
    return [engine.reads.ready_tasks(instance_id=i)[0]["id"] for i in ids]


def _cases(page: str) -> list[str]:
    return [cell.text.strip() for cell in lxml_html.fromstring(page).xpath("//td[@data-label='Case']")]


def test_the_list_sorts_by_case_reference_and_says_so(site, audits):
    ann = signed_in(site, "ann")
    page = ann.get("/?sort=case").text
    assert _cases(page) == ["C-1001", "C-2002", "C-3003"] and "by case reference" in page
    assert '<option value="case" selected>' in page  # the choice is kept in the URL and the form


def test_due_this_week_and_the_step_filter(site, audits, clock):
    ann = signed_in(site, "ann")
    assert _cases(ann.get("/?due_week=1").text) == []  # due at the end of November
    clock.set(datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc))  # the Monday they fall due
    ann = signed_in(site, "ann")
    assert len(_cases(ann.get("/?due_week=1").text)) == 3
    assert len(_cases(ann.get("/?step=draft_audit").text)) == 3
    assert _cases(ann.get("/?step=quality_assure_report").text) == []
    assert "No tasks match these filters" in ann.get("/?urgent=1").text


def _post_selected(client, page_url: str, ids: list[str], action: str):
    page = client.get(page_url).text
    form = [("csrf_token", csrf_of(page)), ("action", action), ("back", page_url)] + [("task", i) for i in ids]
    return client.post("/tasks/selected", data=MultiDict(form))


def test_ann_claims_several_tasks_and_one_refusal_leaves_the_others(site, audits):
    engine = doors.engine(site)
    with engine.db.transaction() as session:  # quinn, an operator, holds the second one already
        engine.claim_in(session, audits[1], "quinn")
    answer = _post_selected(signed_in(site, "ann"), "/", audits, "claim")
    assert answer.status_code == 200
    results = [" ".join(r.text_content().split()) for r in lxml_html.fromstring(answer.text).xpath(
        "//*[@data-testid='results']//div[contains(@class, 'govuk-summary-list__row')]")]
    assert [r.split(", case ")[1][:6] for r in results] == ["C-3003", "C-1001", "C-2002"]
    assert "2 of 3 done" in answer.text and "Held by Quinn (QA team)" in results[1]
    assert [engine.reads.task(t)["assignee"] for t in audits] == ["ann", "quinn", "ann"]


def test_tom_reassigns_selected_tasks_with_one_reason(site, audits):
    with doors.engine(site).db.transaction() as session:
        dao_add_person(session, "bea", "Bea (auditor)", team="cic_1")
        dao_set_roles(session, "bea", ["auditor"])
        dao_set_password(session, "bea", PASSWORD)
    tom = signed_in(site, "tom")
    asked = _post_selected(tom, "/?view=team", audits[:2], "reassign")
    assert asked.status_code == 200 and 'value="bea"' in asked.text
    missing = tom.post("/tasks/selected/reassign", data=MultiDict([("csrf_token", csrf_of(asked.text)), ("to", "bea"),
                                                         ("reason", ""), ("task", audits[0]), ("task", audits[1])]))
    assert missing.status_code == 400 and "Enter why the tasks are reassigned" in missing.text
    done = tom.post("/tasks/selected/reassign", data=MultiDict([("csrf_token", csrf_of(asked.text)), ("to", "bea"),
                                                      ("reason", "Ann is on leave"), ("task", audits[0]),
                                                      ("task", audits[1])]))
    assert done.status_code == 200 and "2 of 2 done" in done.text
    engine = doors.engine(site)
    assert [engine.reads.task(t)["candidates"] for t in audits] == [["bea"], ["bea"], ["ann"]]


def test_nothing_selected_says_so(site, audits):
    ann = signed_in(site, "ann")
    answer = _post_selected(ann, "/", [], "claim")
    assert answer.status_code == 302 and "Select at least one task first" in ann.get(answer.location).text


def test_my_tasks_comes_a_page_at_a_time_with_the_whole_count(site):
    engine = doors.engine(site)
    for n in range(27):
        engine.start_instance("case_audit", CASE | {"case_ref": f"P-{n:03d}"}, "quinn")
    ann = signed_in(site, "ann")
    first, second = ann.get("/?sort=case").text, ann.get("/?sort=case&page=2").text
    assert _cases(first) == [f"P-{n:03d}" for n in range(25)]
    assert _cases(second) == ["P-025", "P-026"]
    assert "27 tasks, by case reference, page 1 of 2" in " ".join(first.split())
    assert "page=2&amp;sort=case" in first  # the next page keeps the filters


@pytest.mark.parametrize("page", ["0", "two", "-1", "100001"])
def test_a_page_number_my_tasks_does_not_have_is_a_400_naming_it(site, page):
    answer = signed_in(site, "ann").get(f"/?page={page}")
    assert answer.status_code == 400 and "page" in answer.text
