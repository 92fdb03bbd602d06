"""Nobody is named who could not act (issue 22, item 2), on the pages: a refused allocation row or
placement shows the GOV.UK error summary naming the row and the field, linked to its input, with
the engine's words; what was typed stays on the page and nothing starts."""
import re

import pytest

import doors
from engine.people.accounts import dao_set_password, dao_set_roles
from tests.api.conftest import bearer
from tests.flows.conftest import definition_files
from tests.flows.test_audit_cycle import deploy as deploy_everything
from tests.flows.test_need_to_know_audit import FILES as NEED_TO_KNOW_FILES
from tests.flows.test_need_to_know_audit import UNPLACED
from tests.web.browser_form import PageForm
from tests.web.conftest import PASSWORD, signed_in

ROW = {"case_ref": "C-1", "auditor": "ann", "practitioner": "pat", "audit_kind": "audit"}


def summary_of(html: str) -> list[tuple[str, str]]:
    summary = re.search(r'govuk-error-summary__list.*?</ul>', html, re.S).group(0)
    return [(href, text.replace("&#39;", "'").strip()) for href, text in re.findall(r'href="#([^"]+)">([^<]+)<', summary)]


def posted_from_page(app, client, task_id: str, data: dict):
    """The task's page holding `data` (as a draft), posted as a browser would."""
    saved = app.test_client().put(f"/api/tasks/{task_id}/draft", json={"data": data}, headers=bearer(app, "quinn"))
    assert saved.status_code == 200, saved.text
    return client.post(f"/tasks/{task_id}", data=PageForm(client.get(f"/tasks/{task_id}").text).post_data())


@pytest.fixture
def quinn(app):
    with doors.engine(app).db.transaction() as session:
        dao_set_password(session, "quinn", PASSWORD)
        dao_set_roles(session, "pia", ["practitioner", "auditor"])  # pia audits too, never her own case
    return signed_in(app, "quinn")


# R-11 R-12 R-81
@pytest.mark.parametrize("change, field, label, words", [
    ({"auditor": "an"}, "auditor", "Auditor (username)", "'an' is not a person of the directory"),
    ({"auditor": "sue"}, "auditor", "Auditor (username)", "'sue' does not hold an auditing role (auditor, team manager"),
    ({"auditor": "pia", "practitioner": "pia"}, "auditor", "Auditor (username)",
     "'pia' is the practitioner of this case and cannot audit it"),
    ({"team": "nowhere"}, "team", "Team (only if not the practitioner's own team)",
     "'nowhere' is not a team of the directory"),
])
def test_a_refused_allocation_row_is_named_by_row_and_field(app, clock, quinn, change, field, label, words):
    engine = doors.engine(app)
    deploy_everything(engine)
    cycle = engine.start_instance("audit_cycle", {"year": 2026}, "quinn")
    while engine.fire_due_timers():
        pass
    [task] = [t for t in engine.reads.ready_tasks(instance_id=cycle) if t["element_id"] == "prepare_allocation_list"]
    answer = posted_from_page(app, quinn, task["id"], {"allocations": [ROW, ROW | {"case_ref": "C-2"} | change]})
    assert answer.status_code == 400
    [(href, text)] = summary_of(answer.text)
    assert href == f"allocations-1-{field}"  # the second row's field
    assert text.startswith(f"{label} for Allocations 2: {words}")
    assert f'id="allocations-1-{field}-error"' in answer.text  # beside the field too
    assert engine.reads.task(task["id"])["state"] == "ready" and engine.reads.instance(cycle)["children"] == []


def test_a_refused_need_to_know_placement_names_the_field(app, quinn):  # R-50 R-81
    engine = doors.engine(app)
    engine.deploy(definition_files(*NEED_TO_KNOW_FILES), "olive")
    iid = engine.start_instance("need_to_know_audit", UNPLACED, "case-record-system")
    [task] = engine.reads.ready_tasks(instance_id=iid)
    answer = posted_from_page(app, quinn, task["id"], {"allocation": {"practitioner": "quinn", "auditor": "ann"}})
    assert answer.status_code == 400
    assert summary_of(answer.text) == [(
        "allocation-practitioner", "Allocated practitioner of the child (username) for Placement and allocation: "
                                   "'quinn' does not hold the practitioner role")]
    assert engine.reads.task(task["id"])["state"] == "ready"
