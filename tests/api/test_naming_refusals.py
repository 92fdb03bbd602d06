"""Nobody is named who could not act (issue 22, item 2), over the API: a case audit's start, the
allocation list's rows and the need-to-know placement each refuse an unknown or inactive person,
one without the field's role, the practitioner as the auditor of their own case and an unknown
team, with 422 naming the field (the row's, for a list), and nothing starts or changes."""
import pytest
from sqlalchemy import func, select

from engine.models import ProcessInstance
from tests.fixtures.directory import add_leaver_and_auditing_practitioner
from tests.flows.conftest import definition_files
from tests.flows.test_audit_cycle import deploy as deploy_everything
from tests.flows.test_case_audit import FILES as CASE_AUDIT_FILES
from tests.flows.test_need_to_know_audit import FILES as NEED_TO_KNOW_FILES
from tests.flows.test_need_to_know_audit import UNPLACED

AUDIT = {"case_ref": "C-1001", "auditor": "ann", "practitioner": "pat", "audit_kind": "audit"}
ROW = {"case_ref": "C-1", "auditor": "ann", "practitioner": "pat", "audit_kind": "audit"}
# (what changes, the field refused, words of the refusal): one per kind of refusal
REFUSALS = [
    ({"auditor": "an"}, "auditor", "'an' is not a person of the directory"),
    ({"auditor": "gus"}, "auditor", "'gus' is no longer active in the directory"),
    ({"auditor": "sue"}, "auditor", "'sue' does not hold an auditing role (auditor, team manager, CP chair"),
    ({"auditor": "pia", "practitioner": "pia"}, "auditor", "'pia' is the practitioner of this case and cannot audit it"),
    ({"team": "nowhere"}, "team", "'nowhere' is not a team of the directory"),
]


@pytest.fixture
def directory(engine_of):
    """gus, an auditor who left; pia, a practitioner who also audits (never her own case)."""
    add_leaver_and_auditing_practitioner(engine_of)
    return engine_of


def instances(engine) -> int:
    with engine.db.reading() as session:
        return session.scalar(select(func.count()).select_from(ProcessInstance))


def refused(response, field: str, words: str) -> None:
    assert response.status_code == 422, response.text
    assert response.content_type == "application/problem+json"
    assert list(response.json["errors"]) == [field]
    assert response.json["errors"][field][0].startswith(words)


# R-02 R-12 R-81
@pytest.mark.parametrize("change, field, words", REFUSALS)
def test_a_case_audit_start_naming_whom_it_may_not_is_422_and_starts_nothing(client, auth, directory, change, field,
                                                                             words):
    directory.deploy(definition_files(*CASE_AUDIT_FILES), "olive")
    response = client.post("/api/process-instances", json={"process_id": "case_audit", "data": AUDIT | change},
                           headers=auth("quinn"))
    refused(response, field, words)
    assert instances(directory) == 0


def test_a_case_audit_naming_whom_it_may_starts(client, auth, directory):
    directory.deploy(definition_files(*CASE_AUDIT_FILES), "olive")
    data = AUDIT | {"auditor": "pia", "team": "sas_1"}  # pia audits another practitioner's case
    response = client.post("/api/process-instances", json={"process_id": "case_audit", "data": data},
                           headers=auth("quinn"))
    assert response.status_code == 201, response.text


@pytest.fixture
def allocation_list(directory, clock):
    """The audit year started on Monday 2 November 2026: November's allocation list is ready."""
    deploy_everything(directory)
    cycle = directory.start_instance("audit_cycle", {"year": 2026}, "quinn")
    while directory.fire_due_timers():
        pass
    [task] = [t for t in directory.reads.ready_tasks(instance_id=cycle) if t["element_id"] == "prepare_allocation_list"]
    return cycle, task["id"]


# R-11 R-12 R-81
@pytest.mark.parametrize("change, field, words", REFUSALS)
def test_an_allocation_row_naming_whom_it_may_not_is_422_naming_the_row(client, auth, directory, allocation_list,
                                                                       change, field, words):
    cycle, task_id = allocation_list
    rows = [ROW, ROW | {"case_ref": "C-2"} | change]
    response = client.post(f"/api/tasks/{task_id}/complete", json={"data": {"allocations": rows}},
                           headers=auth("quinn"))
    refused(response, f"allocations.1.{field}", words)
    assert directory.reads.task(task_id)["state"] == "ready"
    assert directory.reads.instance(cycle)["children"] == []  # no audit started


@pytest.fixture
def placement(directory):
    """A need-to-know notification naming no practitioner: the audit team places it."""
    directory.deploy(definition_files(*NEED_TO_KNOW_FILES), "olive")
    iid = directory.start_instance("need_to_know_audit", UNPLACED, "case-record-system")
    [task] = directory.reads.ready_tasks(instance_id=iid)
    return iid, task["id"]


# R-50 R-81
@pytest.mark.parametrize("allocation, field, words", [
    ({"practitioner": "ghost", "auditor": "ann"}, "practitioner", "'ghost' is not a person of the directory"),
    ({"practitioner": "pat", "auditor": "gus"}, "auditor", "'gus' is no longer active in the directory"),
    ({"practitioner": "quinn", "auditor": "ann"}, "practitioner", "'quinn' does not hold the practitioner role"),
    ({"practitioner": "pia", "auditor": "pia"}, "auditor", "'pia' is the practitioner of this case and cannot audit"),
])
def test_the_need_to_know_placement_naming_whom_it_may_not_is_422(client, auth, directory, placement, allocation,
                                                                   field, words):
    iid, task_id = placement
    response = client.post(f"/api/tasks/{task_id}/complete", json={"data": {"allocation": allocation}},
                           headers=auth("quinn"))
    refused(response, f"allocation.{field}", words)
    assert directory.reads.task(task_id)["state"] == "ready"
    assert directory.reads.instance(iid)["data"].get("practitioner") is None  # not placed


def test_the_need_to_know_allocation_compares_the_auditor_with_the_cases_practitioner(client, auth, directory):
    # need_to_know_allocation asks for the auditor only; the notification named the practitioner
    directory.deploy(definition_files(*NEED_TO_KNOW_FILES), "olive")
    iid = directory.start_instance("need_to_know_audit", UNPLACED | {"practitioner": "pia"}, "case-record-system")
    [task] = directory.reads.ready_tasks(instance_id=iid)
    response = client.post(f"/api/tasks/{task['id']}/complete", json={"data": {"allocation": {"auditor": "pia"}}},
                           headers=auth("quinn"))
    refused(response, "allocation.auditor", "'pia' is the practitioner of this case and cannot audit it")
