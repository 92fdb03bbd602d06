"""The Start page (issue 22, item 1): who sees which process (the API's own check), each start form
drawn by the task pages' renderer with people and teams chosen from the directory, a start creating
the instance with exactly the answers posted, and refused answers named, kept, nothing started.
Also the audit year's start form (item 4): started without a year, it is the current audit year,
and its case page says when the first allocation list is due and why."""
from datetime import datetime, timezone

import pytest
from lxml import html as lxml_html

import doors
from engine.models import ProcessInstance
from engine.people.accounts import dao_set_password
from tests.api.conftest import bearer
from tests.fixtures.directory import add_leaver_and_auditing_practitioner
from tests.flows.conftest import definition_files
from tests.web.browser_form import PageForm
from tests.web.conftest import PASSWORD, signed_in

ALL = ("case_audit.bpmn", "audit_alerts.dmn", "findings_deadline.dmn", "reaudit.dmn", "case_audit_settings.dmn",
       "dispute_resolution.bpmn", "dispute_settings.dmn", "child_safety_alert.bpmn", "audit_cycle.bpmn",
       "audit_calendar.dmn", "auditor_minimum.dmn", "need_to_know_audit.bpmn", "need_to_know_settings.dmn",
       "alert_settings.dmn")


@pytest.fixture
def start_site(app):
    engine = doors.engine(app)
    engine.deploy(definition_files(*ALL), "olive")
    with engine.db.transaction() as session:
        for username in ("ann", "quinn", "pat", "root"):
            dao_set_password(session, username, PASSWORD)
    return app


def _links(page: str, testid: str) -> list[str]:
    return [" ".join(e.text_content().split()) for e in lxml_html.fromstring(page).xpath(f"//*[@data-testid='{testid}']/li")]


def _options(page: str, name: str) -> list[tuple[str, str]]:
    return [(o.get("value"), o.text_content().strip()) for o in lxml_html.fromstring(page).xpath(f"//select[@name='{name}']/option")]


# R-81: starting is for the process's starter roles (camunda:candidateStarterGroups, else the starters)
def test_the_start_page_lists_what_the_person_may_start(start_site):
    quinn = signed_in(start_site, "quinn")
    page = quinn.get("/start").text
    assert _links(page, "startable") == ["Audit cycle: the audit year", "Case audit", "Need-to-know notification audit"]
    assert "Child-safety alert" in _links(page, "not-startable")  # no start form: said, with why
    assert 'href="/start"' in quinn.get("/").text  # in the menu
    ann = signed_in(start_site, "ann")  # an auditor may start an alert (its starter groups), nothing with a form
    assert _links(ann.get("/start").text, "startable") == []
    assert 'href="/start"' not in ann.get("/").text
    assert ann.get("/start/case_audit").status_code == 403
    assert signed_in(start_site, "pat").post("/start/case_audit", data={}).status_code in (400, 403)


# R-03: people and teams are chosen from the directory, by name; an optional one may be left empty
def test_fields_naming_people_are_selects_of_the_directory(start_site):
    page = signed_in(start_site, "quinn").get("/start/case_audit").text
    auditors = _options(page, "auditor")
    assert auditors[0] == ("", "Choose a person")
    assert ("ann", "Ann (auditor, team manager)") in auditors and ("quinn", "Quinn (QA team)") in auditors
    assert "pat" not in dict(auditors)  # a practitioner holds no auditing role
    assert [v for v, _ in _options(page, "practitioner")] == ["", "pat", "pia"]
    assert _options(page, "team")[0] == ("", "None") and ("cic_1", "CIC 1") in _options(page, "team")
    assert [v for v, _ in _options(page, "iro")] == ["", "ivan"]


def test_a_start_from_the_page_keeps_exactly_the_answers_posted(start_site):
    quinn = signed_in(start_site, "quinn")
    form = PageForm(quinn.get("/start/case_audit").text)
    form.set("case_ref", "C-5001")
    sent = form.post_data()  # then chosen from the selects, as a browser sends a chosen option
    sent.setlist("auditor", ["ann"])
    sent.setlist("practitioner", ["pia"])
    sent.setlist("audit_kind", ["audit"])
    answer = quinn.post("/start/case_audit", data=sent)
    assert answer.status_code == 302
    instance_id = int(answer.headers["Location"].rsplit("/", 1)[-1])
    instance = doors.engine(start_site).reads.instance(instance_id)
    assert instance["status"] == "running" and instance["case_ref"] == "C-5001"
    data = instance["data"]
    assert {k: data[k] for k in ("case_ref", "auditor", "practitioner", "audit_kind")} == {
        "case_ref": "C-5001", "auditor": "ann", "practitioner": "pia", "audit_kind": "audit"}
    assert data["team"] is None and data["iro"] is None  # left on "None": the form's defaults


def test_refused_answers_are_named_kept_and_nothing_starts(start_site):
    quinn = signed_in(start_site, "quinn")
    engine = doors.engine(start_site)
    sent = PageForm(quinn.get("/start/case_audit").text).post_data()
    sent.setlist("case_ref", ["C-5002"])
    sent.setlist("auditor", ["ann"])  # no practitioner, no kind
    answer = quinn.post("/start/case_audit", data=sent)
    assert answer.status_code == 400
    summary = lxml_html.fromstring(answer.text).xpath("//*[contains(@class, 'govuk-error-summary__list')]//a")
    assert {a.get("href") for a in summary} >= {"#practitioner", "#audit_kind"}
    assert "Select the allocated practitioner" in answer.text
    assert ("ann", "Ann (auditor, team manager)") in _options(answer.text, "auditor")
    assert lxml_html.fromstring(answer.text).xpath("//select[@name='auditor']/option[@selected]")[0].get("value") == "ann"
    assert 'value="C-5002"' in answer.text
    with engine.db.reading() as session:
        assert session.query(ProcessInstance).filter_by(case_ref="C-5002").count() == 0

    # A person not offered (typed by hand into the request) is refused by the engine's check.
    sent.setlist("practitioner", ["nobody"])
    sent.setlist("audit_kind", ["audit"])
    refused = quinn.post("/start/case_audit", data=sent)
    assert refused.status_code == 400 and "#practitioner" in refused.text


# R-12 R-81: the start page refuses, through the engine's one check, whom the case audit may not name
@pytest.mark.parametrize("change, field, words", [
    ({"auditor": "an"}, "auditor", "&#39;an&#39; is not a person of the directory"),
    ({"auditor": "gus"}, "auditor", "&#39;gus&#39; is no longer active in the directory"),
    ({"auditor": "sue"}, "auditor", "&#39;sue&#39; does not hold an auditing role"),
    ({"auditor": "pia", "practitioner": "pia"}, "auditor", "&#39;pia&#39; is the practitioner of this case"),
    ({"team": "nowhere"}, "team", "&#39;nowhere&#39; is not a team of the directory"),
])
def test_the_start_page_refuses_whom_the_case_may_not_name(start_site, change, field, words):
    engine = doors.engine(start_site)
    add_leaver_and_auditing_practitioner(engine)  # gus has left; pia also audits (never her own case)
    quinn = signed_in(start_site, "quinn")
    sent = PageForm(quinn.get("/start/case_audit").text).post_data()
    answers = {"case_ref": "C-5003", "auditor": "ann", "practitioner": "pat", "audit_kind": "audit"} | change
    for name, value in answers.items():  # posted by hand: the selects offer none of these
        sent.setlist(name, [value])
    refused = quinn.post("/start/case_audit", data=sent)
    assert refused.status_code == 400 and f'href="#{field}"' in refused.text and words in refused.text
    with engine.db.reading() as session:
        assert session.query(ProcessInstance).filter_by(case_ref="C-5003").count() == 0


# R-10 R-11: the audit year (April to March) of today when none is given
def test_the_audit_year_started_without_a_year_is_the_current_one(start_site, clock):
    clock.set(datetime(2027, 2, 10, 10, 0, tzinfo=timezone.utc))
    client = start_site.test_client()
    answer = client.post("/api/process-instances", json={"process_id": "audit_cycle", "data": {}},
                         headers=bearer(start_site, "quinn"))
    assert answer.status_code == 201, answer.text
    assert answer.json["status"] == "running" and answer.json["data"]["year"] == 2026


# R-10 R-11: started in December, the first list is January's, and the case page says why
def test_the_audit_year_started_in_december_says_when_its_first_list_is_due(start_site, clock):
    clock.set(datetime(2026, 12, 3, 10, 0, tzinfo=timezone.utc))
    quinn = signed_in(start_site, "quinn")
    page = quinn.get("/start/audit_cycle").text
    answer = quinn.post("/start/audit_cycle", data=PageForm(page).post_data())
    assert answer.status_code == 302
    case = quinn.get(answer.headers["Location"]).text
    note = " ".join(lxml_html.fromstring(case).xpath("//*[@data-testid='first-list']")[0].text_content().split())
    assert note == ("Started on 3 December 2026. December 2026 has no audit cycle (audit calendar); "
                    "the first allocation list is due on Monday 4 January 2027.")
