"""Whom a form's field may name, as choices for a page: a field marked `"x-role"` names an active
person holding that role, or one of the roles of that role group of the organisation file
(`role_groups`, e.g. "auditing"); a field marked `"x-team": true` names a team (forms/README.md).
The pages draw such fields as a choice of these, so that nobody is named blind.

The check that refuses a wrong name on every entry point (engine/definitions/naming.py) reads the same
directory, role groups included (stored from the organisation file when it is seeded); this module
only gathers, per form, the choices its page offers.
"""
from sqlalchemy.orm import Session

from engine.definitions.naming import people_for, teams


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
