"""Whom a form's field may name, as choices for a page: a field marked `"x-role"` names an active
person holding that role, or one of the roles of that role group of the organisation file
(`role_groups`, e.g. "auditing"); a field marked `"x-team": true` names a team (forms/README.md).
The pages draw such fields as a choice of these, so that nobody is named blind.

The check that refuses a wrong name on every entry point lives with the engine's start and
completion checks; this module only offers the choices.
"""
import functools
import json
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import Person, PersonRole, Team

ORGANISATION_FILE = Path(__file__).resolve().parent.parent / "data" / "demo_organisation.json"


@functools.cache
def role_groups() -> dict[str, tuple[str, ...]]:
    """The role groups the organisation file declares ({"auditing": ("auditor", ...)}); its
    `_comment` is not a group."""
    try:
        declared = json.loads(ORGANISATION_FILE.read_text()).get("role_groups") or {}
    except (OSError, ValueError):
        return {}
    return {name: tuple(roles) for name, roles in declared.items()
            if not name.startswith("_") and isinstance(roles, list)}


def roles_of(x_role: str) -> tuple[str, ...]:
    """The roles a field's x-role stands for: a group's roles, or the role itself."""
    return role_groups().get(x_role, (x_role,))


def people_for(session: Session, x_role: str) -> list[tuple[str, str]]:
    """(username, display name) of the active people who may be named in a field of this x-role,
    by name."""
    query = (select(Person.username, Person.display_name).join(PersonRole, PersonRole.username == Person.username)
             .where(PersonRole.role_id.in_(roles_of(x_role)), Person.active.is_(True))
             .distinct().order_by(Person.display_name, Person.username))
    return [(username, name) for username, name in session.execute(query)]


def teams(session: Session) -> list[tuple[str, str]]:
    """(id, name) of every team of the directory, by name."""
    return [(team_id, name) for team_id, name in session.execute(select(Team.id, Team.name).order_by(Team.name, Team.id))]


def choices_for(session: Session, schema: dict | None) -> dict:
    """What a form's page offers for the fields that name people or teams:
    {"people": {x_role: [(username, name)]}, "teams": [(id, name)]} (teams only when a field asks)."""
    roles, wants_teams = set(), False
    for node in _nodes(schema or {}):
        if isinstance(node.get("x-role"), str):
            roles.add(node["x-role"])
        wants_teams = wants_teams or node.get("x-team") is True
    return {"people": {role: people_for(session, role) for role in sorted(roles)},
            "teams": teams(session) if wants_teams else []}


def _nodes(value):
    """Every object of a schema, its $defs included (the rows of a list are declared there)."""
    if isinstance(value, dict):
        yield value
        for inner in value.values():
            yield from _nodes(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _nodes(inner)
