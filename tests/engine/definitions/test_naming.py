"""engine/definitions/naming.py: one check of whom a form's fields may name (issue 22, item 2), read from the
forms' x-role / x-team / x-not-same-as and the organisation file's role groups, at any depth."""
import json

import pytest
from sqlalchemy import select

from engine.definitions.naming import naming_errors, people_for, teams
from engine.errors import InvalidData, Sentence
from engine.models import ProcessInstance, RoleGroup
from tests.fixtures.directory import add_leaver_and_auditing_practitioner
from tests.flows.conftest import ROOT, definition_files
from tests.flows.test_case_audit import FILES as CASE_AUDIT_FILES

AUDITING = "(auditor, team manager, CP chair, independent reviewing officer, LADO, QA and practice improvement team)"
ROW = {"case_ref": "C-1", "auditor": "ann", "practitioner": "pat", "audit_kind": "audit"}


def form(key: str) -> dict:
    return json.loads((ROOT / "forms" / f"{key}.json").read_text())


@pytest.fixture
def directory(org):
    """The demo directory with one person who left (gus, an auditor no longer active) and a
    practitioner who also audits (pia), who may audit any case but her own."""
    add_leaver_and_auditing_practitioner(org)
    return org


def errors_of(engine, key: str, data: dict, case: dict | None = None) -> dict:
    with engine.db.reading() as session:
        return naming_errors(session, form(key), data, case)


def test_seeding_stores_the_organisation_files_role_groups(org):
    with org.db.reading() as session:
        rows = session.execute(select(RoleGroup.name, RoleGroup.role_id).order_by(RoleGroup.position)).all()
    assert [(name, role) for name, role in rows if name == "auditing"] == [("auditing", role) for role in (
        "auditor", "team_manager", "cp_chair", "iro", "lado", "qa_team")]  # `_comment` is not a group
    assert [role for name, role in rows if name == "action_owning"] == ["practitioner", "team_manager"]
    assert {name for name, _ in rows} == {"auditing", "action_owning"}


# R-02 R-12 R-81
@pytest.mark.parametrize("change, field, message", [
    ({"auditor": "an"}, "auditor", "'an' is not a person of the directory"),
    ({"auditor": "gus"}, "auditor", "'gus' is no longer active in the directory"),
    ({"auditor": "pat", "practitioner": "pia"}, "auditor", f"'pat' does not hold an auditing role {AUDITING}"),
    ({"auditor": "pia", "practitioner": "pia"}, "auditor", "'pia' is the practitioner of this case and cannot audit it"),
    ({"practitioner": "quinn"}, "practitioner", "'quinn' does not hold the practitioner role"),
    ({"team": "nowhere"}, "team", "'nowhere' is not a team of the directory"),
    ({"cp_chair": "ivan"}, "cp_chair", "'ivan' does not hold the CP chair role"),
])
def test_each_row_of_the_allocation_list_is_checked_and_named_by_its_path(directory, change, field, message):
    errors = errors_of(directory, "allocation_list", {"allocations": [ROW, ROW | change]})
    assert errors == {f"allocations.1.{field}": [message]}
    assert isinstance(errors[f"allocations.1.{field}"][0], Sentence)  # pages show it as it is


def test_a_good_list_names_nobody_it_may_not(directory):
    rows = [ROW, ROW | {"auditor": "tom", "practitioner": "pia", "team": "cic_1"}, ROW | {"auditor": "ivan"},
            ROW | {"auditor": "quinn", "iro": "ivan", "previous_practitioner": "pia"}]
    assert errors_of(directory, "allocation_list", {"allocations": rows}) == {}


def test_the_auditor_of_a_step_is_compared_with_the_cases_practitioner(directory):
    # need_to_know_allocation asks for the auditor only: the practitioner is the case's
    assert errors_of(directory, "need_to_know_allocation", {"allocation": {"auditor": "pat"}},
                     case={"practitioner": "pat"}) == {
        "allocation.auditor": [f"'pat' does not hold an auditing role {AUDITING}"]}
    assert errors_of(directory, "need_to_know_allocation", {"allocation": {"auditor": "pia"}},
                     case={"practitioner": "pia"}) == {
        "allocation.auditor": ["'pia' is the practitioner of this case and cannot audit it"]}
    assert errors_of(directory, "need_to_know_allocation", {"allocation": {"auditor": "pia"}},
                     case={"practitioner": "pat"}) == {}


def test_choices_come_from_the_same_directory(directory):
    with directory.db.reading() as session:
        auditing = [username for username, _ in people_for(session, "auditing")]
        practitioners = people_for(session, "practitioner")
        all_teams = teams(session)
    assert set(auditing) == {"ann", "tom", "ivan", "cara", "quinn", "pia"}  # gus left; pat and sue audit nothing
    assert practitioners == [("pat", "Pat (practitioner)"), ("pia", "Pia (practitioner)")]
    assert ("sas_1", "SAS 1") in all_teams and len(all_teams) == 3


# R-02 R-12 R-81
@pytest.mark.parametrize("change, field", [
    ({"auditor": "an"}, "auditor"), ({"auditor": "gus"}, "auditor"), ({"auditor": "sue"}, "auditor"),
    ({"auditor": "pat"}, "auditor"), ({"team": "nowhere"}, "team"), ({"practitioner": "quinn"}, "practitioner"),
    ({"auditor": "pia", "practitioner": "pia"}, "auditor"),
])
def test_a_case_audit_start_naming_whom_it_may_not_starts_nothing(directory, change, field):
    directory.deploy(definition_files(*CASE_AUDIT_FILES), "olive")
    with pytest.raises(InvalidData) as refused:
        directory.start_instance("case_audit", ROW | change, "quinn")
    assert list(refused.value.errors) == [field]
    with directory.db.reading() as session:
        assert session.scalar(select(ProcessInstance.id)) is None
