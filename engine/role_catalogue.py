"""The roles of the framework (R-01) as policy: data/roles.json lists them, like the grade scale in
forms/grades.defs.json, and is their one source. Migration 0001 seeds the role table from it, and
every upgrade (engine/schema.py, `flask db-upgrade`) brings the table to it: roles added, labels
changed. A role taken out of the file is left in the table: people may hold it, tasks wait for it."""
import json
import re
from pathlib import Path

from sqlalchemy import Connection, Table, select, update

from engine.models import Role

ROLES_FILE = Path(__file__).resolve().parent.parent / "data" / "roles.json"
ROLE_ID = re.compile(r"[a-z][a-z0-9_]{0,63}")


def role_catalogue(path: Path = ROLES_FILE) -> dict[str, str]:
    """Role id -> label, in the file's order; ValueError naming the file and the entry if one is wrong."""
    roles: dict[str, str] = {}
    for number, entry in enumerate(json.loads(Path(path).read_text(encoding="utf-8"))["roles"], start=1):
        role_id, label = (entry.get("id"), entry.get("label")) if isinstance(entry, dict) else (None, None)
        if not isinstance(role_id, str) or not ROLE_ID.fullmatch(role_id):
            raise ValueError(f"{Path(path).name}: role {number} needs an id of lower case letters, digits and '_'")
        if not isinstance(label, str) or not label.strip() or len(label) > 200:
            raise ValueError(f"{Path(path).name}: role '{role_id}' needs a label (at most 200 characters)")
        if role_id in roles:
            raise ValueError(f"{Path(path).name}: role '{role_id}' is listed twice")
        roles[role_id] = label.strip()
    return roles


def sync_roles(connection: Connection, catalogue: dict[str, str]) -> None:
    """Add the catalogue's new roles to the role table and give every listed role its label."""
    table = Role.__table__
    assert isinstance(table, Table)  # a mapped class's table: the checker sees only a FromClause
    stored: dict[str, str] = dict(connection.execute(select(table.c.id, table.c.label)).all())
    new = [{"id": role_id, "label": label} for role_id, label in catalogue.items() if role_id not in stored]
    if new:
        connection.execute(table.insert(), new)
    for role_id, label in catalogue.items():
        if role_id in stored and stored[role_id] != label:
            connection.execute(update(table).where(table.c.id == role_id).values(label=label))


def role_for_lane(lane: str | None, roles: dict[str, str]) -> str | None:
    """A lane names a role by its id or its label, ignoring case, spaces and underscores."""
    if not lane:
        return None
    wanted = _normalise(lane)
    for role_id, label in roles.items():
        if wanted in (_normalise(role_id), _normalise(label)):
            return role_id
    return None


def _normalise(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")
