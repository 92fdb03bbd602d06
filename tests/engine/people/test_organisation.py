"""Who acts for a case, resolved from the organisation hierarchy when a task becomes ready (R-03)."""
import pytest
from sqlalchemy import delete, select

from engine.models import RoleGroup
from engine.people.organisation import resolve_candidates, seed_role_groups, service_area_of

CASE = {"case_ref": "C-1001", "practitioner": "pat", "auditor": "ann"}


@pytest.fixture
def session(org):
    with org.db.transaction() as session:
        yield session


@pytest.mark.parametrize("role, people", [
    ("practitioner", ["pat"]), ("team_manager", ["tom"]), ("service_manager", ["sue"]),
    ("head_of_service", ["hal"]), ("assistant_director", ["ada"]), ("director", ["dee"]),
    ("qa_team", ["quinn"]), ("psw", ["paula"]), ("auditor", ["ann"]), ("iro", ["ivan"]),
])
def test_roles_resolve_along_the_case_hierarchy(session, role, people):
    assert resolve_candidates(session, role, CASE) == people


def test_a_case_in_another_team_resolves_to_that_teams_managers(session):
    case = {"practitioner": "pia"}
    assert [resolve_candidates(session, r, case) for r in ("team_manager", "service_manager")] == [["ann"], ["sid"]]


def test_subject_resolves_relative_to_another_person(session):
    case = CASE | {"previous_practitioner": "pia"}
    assert resolve_candidates(session, "team_manager", case, subject="previous_practitioner") == ["ann"]


def test_data_naming_a_person_for_the_role_wins(session):
    assert resolve_candidates(session, "team_manager", CASE | {"team_manager": "ann"}) == ["ann"]


def test_explicit_team_overrides_the_practitioners_team(session):
    assert resolve_candidates(session, "team_manager", CASE | {"team": "cic_1"}) == ["ann"]


def test_service_area_of_a_case(session):
    assert service_area_of(session, CASE) == "safeguarding_support"
    assert service_area_of(session, {"practitioner": "nobody"}) is None


def test_user_task_candidates_come_from_the_hierarchy(org):
    from tests.fixtures.diagrams import NOTE_FORM, scripted
    org.deploy({"scripted.bpmn": scripted(lane="Service manager"), "note.json": NOTE_FORM}, "olive")
    instance_id = org.start_instance("scripted", CASE, "ann")
    [task] = org.reads.ready_tasks(instance_id=instance_id)
    assert (task["role"], task["candidates"]) == ("service_manager", ["sue"])


def test_the_roles_of_the_framework_are_known(session):
    from engine.models import Role
    known = {role.id for role in session.query(Role)}
    assert {"practitioner", "team_manager", "service_manager", "head_of_service", "assistant_director", "director",
            "psw", "head_of_service_qa", "qa_team", "auditor", "cp_chair", "iro", "process_owner", "admin"} <= known


@pytest.mark.parametrize("auditor", ["ann", "sue", "ivan", "quinn"])  # a TM, an SM (re-audits), an IRO, the QA team
def test_whoever_the_allocation_names_audits_the_case(org, auditor):
    from tests.fixtures.diagrams import NOTE_FORM, scripted
    org.deploy({"scripted.bpmn": scripted(lane="Auditor"), "note.json": NOTE_FORM}, "olive")
    instance_id = org.start_instance("scripted", CASE | {"auditor": auditor}, "quinn")
    assert org.reads.ready_tasks(instance_id=instance_id)[0]["candidates"] == [auditor]


def test_start_data_naming_no_real_person_or_team_is_refused_and_starts_nothing(org):
    from engine.errors import InvalidData
    from tests.fixtures.diagrams import NOTE_FORM, scripted
    org.deploy({"scripted.bpmn": scripted(lane="Team manager"), "note.json": NOTE_FORM}, "olive")
    odd = CASE | {"team_manager": ["tom", "ann"], "team": {"id": "sas_1"}, "auditor": 7, "practitioner": "ghost"}
    with pytest.raises(InvalidData) as refused:
        org.start_instance("scripted", odd, "quinn")
    assert set(refused.value.errors) == {"team_manager", "team", "auditor", "practitioner"}
    assert "'ghost' is not a person of the directory" in refused.value.errors["practitioner"][0]
    assert org.reads.ready_tasks() == []


def test_an_action_owner_is_the_person_the_data_names(session):
    assert resolve_candidates(session, "action_owner", CASE | {"action_owner": "tom"}) == ["tom"]


def test_a_role_group_new_to_the_file_is_added_and_a_stored_one_kept(session):  # R-02 R-27
    session.execute(delete(RoleGroup).where(RoleGroup.name == "action_owning"))
    seed_role_groups(session, {"auditing": ["auditor"], "action_owning": ["practitioner", "team_manager"]})
    stored = session.execute(select(RoleGroup.name, RoleGroup.role_id).order_by(RoleGroup.name, RoleGroup.position))
    assert [(name, role) for name, role in stored] == [
        ("action_owning", "practitioner"), ("action_owning", "team_manager"),
        *(("auditing", role) for role in ("auditor", "team_manager", "cp_chair", "iro", "lado", "qa_team"))]
