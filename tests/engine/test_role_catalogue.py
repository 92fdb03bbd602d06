"""Issue 24: the role catalogue (R-01) is policy in one data file, data/roles.json, as the grade
scale is in forms/grades.defs.json: migration 0001 seeds the role table from it and every upgrade
brings the table to it. No Python spells the roles out."""
import json
from pathlib import Path

import pytest
from sqlalchemy import delete, select

from engine.models import Role
from engine.role_catalogue import role_catalogue
from engine.schema import upgrade

ROOT = Path(__file__).resolve().parent.parent.parent


def stored_roles(db) -> dict[str, str]:
    with db.reading() as session:
        return dict(session.execute(select(Role.id, Role.label)).all())


def catalogue_file(folder: Path, roles: list[dict]) -> Path:
    path = folder / "roles.json"
    path.write_text(json.dumps({"roles": roles}))
    return path


def test_the_role_table_is_the_data_file(db):
    assert stored_roles(db) == role_catalogue()
    assert len(role_catalogue()) == 16 and role_catalogue()["psw"] == "Principal social worker"  # action_owner: R-27


def test_no_migration_spells_the_roles_out():
    labels = set(role_catalogue().values()) - {"Auditor", "Director", "Practitioner"}  # also plain words
    for migration in (ROOT / "migrations" / "versions").glob("*.py"):
        assert not [label for label in labels if f'"{label}"' in migration.read_text()], migration.name


def test_an_upgrade_brings_the_table_to_an_edited_file(db, tmp_path):
    edited = [{"id": k, "label": v} for k, v in role_catalogue().items() if k != "lado"]
    edited[0]["label"] = "Social worker"  # practitioner, relabelled
    edited.append({"id": "family_support_worker", "label": "Family support worker"})
    try:
        upgrade(db.url, roles_file=catalogue_file(tmp_path, edited))
        roles = stored_roles(db)
        assert roles["practitioner"] == "Social worker" and roles["family_support_worker"] == "Family support worker"
        assert roles["lado"] == "LADO"  # taken out of the file, kept: people may hold it
    finally:  # PostgreSQL keeps the role table between tests (tests/conftest.py): leave it as found
        upgrade(db.url)
        with db.transaction() as session:
            session.execute(delete(Role).where(Role.id == "family_support_worker"))
    assert stored_roles(db) == role_catalogue()


@pytest.mark.parametrize("roles, says", [
    ([{"id": "auditor", "label": "Auditor"}, {"id": "auditor", "label": "Again"}], "'auditor' is listed twice"),
    ([{"id": "Head Of QA", "label": "Head"}], "role 1 needs an id"),
    ([{"id": "qa_team", "label": " "}], "'qa_team' needs a label"),
    (["auditor"], "role 1 needs an id"),
])
def test_a_wrong_file_stops_the_upgrade_and_changes_nothing(db, tmp_path, roles, says):
    before = stored_roles(db)
    with pytest.raises(ValueError, match=says):
        upgrade(db.url, roles_file=catalogue_file(tmp_path, roles))
    assert stored_roles(db) == before
