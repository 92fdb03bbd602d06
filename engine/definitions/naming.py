"""Who and what a form may name (issue 22): one check for every start and step that names people.

A form declares what its fields name (forms/README.md): `"x-role": "<role or role group>"` on a
person field (the person exists, is active and holds that role, or a role of the group the
organisation file's `role_groups` declares), `"x-team": true` on a team field (the team exists),
and `"x-not-same-as": "<field>"` (not the same person as that field of the same row, or, when the
row has no such field, of the case: the practitioner cannot audit their own case). Fields are
found at any depth: objects, list rows and local `$ref`s (the allocation list's rows).

Errors are keyed by the dotted path the form's other errors use ("allocations.1.auditor"), and
worded for people (errors.Sentence), so a page shows them as they are, beside the row's field.
`people_for` and `teams` are the same directory read as choices for the pages' select fields.
"""
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.definitions.forms import resolve_pointer
from engine.errors import Sentence
from engine.models import Person, PersonRole, Role, RoleGroup, Team

ROLE, TEAM, NOT_SAME_AS = "x-role", "x-team", "x-not-same-as"
MAX_PARTS = 500  # schema parts read for one object's fields: a form whose references loop ends here
ANY_ROLE = None  # `"x-role": None`: any active person (the fields a case names without a form saying whom)


def naming_errors(session: Session, form: dict | None, data: dict, case: dict | None = None) -> dict[str, list[str]]:
    """The fields of `data` that name someone or a team the form does not allow, each with why.
    `case`: the case's data, for an `x-not-same-as` field the form's row does not hold."""
    named = list(_named_fields(form or {}, form or {}, data, ""))
    if not named:
        return {}
    directory = _Directory(session, named)
    errors: dict[str, list[str]] = {}
    for path, key, field, value, row, row_fields in named:
        message = directory.refusal(key, field, value, _other(field, row, row_fields, case))
        if message:
            errors[path] = [Sentence(message)]
    return errors


def people_for(session: Session, x_role: str | None) -> list[tuple[str, str]]:
    """(username, display name) of the active people a field of `x_role` may name, by name."""
    query = select(Person.username, Person.display_name).where(Person.active.is_(True))
    if x_role is not ANY_ROLE:
        holders = select(PersonRole.username).where(PersonRole.role_id.in_(_roles_of(session, x_role)))
        query = query.where(Person.username.in_(holders))
    return [(username, name) for username, name in session.execute(query.order_by(Person.display_name,
                                                                                   Person.username))]


def teams(session: Session) -> list[tuple[str, str]]:
    """(id, name) of every team of the directory, by name."""
    return [(team_id, name) for team_id, name in session.execute(select(Team.id, Team.name).order_by(Team.name,
                                                                                                  Team.id))]


def role_in_words(session: Session, x_role: str) -> str:
    """'an auditing role (auditor, team manager, ...)' for a group; 'the practitioner role' for a role."""
    labels = {role_id: label for role_id, label in session.execute(select(Role.id, Role.label))}
    group = list(session.scalars(select(RoleGroup.role_id).where(RoleGroup.name == x_role)
                                 .order_by(RoleGroup.position)))
    if not group:
        return f"the {_lower(labels.get(x_role, x_role.replace('_', ' ')))} role"
    words = x_role.replace("_", " ")
    article = "an" if words[:1] in "aeiou" else "a"
    return f"{article} {words} role ({', '.join(_lower(labels.get(r, r)) for r in group)})"


# --- the directory, read once for a whole form ------------------------------------------------

class _Directory:
    def __init__(self, session: Session, named: list):
        self.session = session
        usernames = {value for _, _, field, value, *_ in named if ROLE in field and isinstance(value, str)}
        team_ids = {value for _, _, field, value, *_ in named if field.get(TEAM) and isinstance(value, str)}
        # Whole rows, not usernames: a start then finds its practitioner's team (case_place) without a query.
        self.people = {person.username: person.active for person in session.scalars(
            select(Person).where(Person.username.in_(usernames)))} if usernames else {}
        self.roles: dict[str, set[str]] = {}
        for username, role in session.execute(select(PersonRole.username, PersonRole.role_id)
                                              .where(PersonRole.username.in_(set(self.people)))):
            self.roles.setdefault(username, set()).add(role)
        self.teams = set(session.scalars(select(Team.id).where(Team.id.in_(team_ids)))) if team_ids else set()
        self._allowed: dict[str, set[str]] = {}

    def refusal(self, key: str, field: dict, value, other: tuple[str, object] | None) -> str | None:
        if value is None:
            return None
        if field.get(TEAM):
            if isinstance(value, str) and value in self.teams:
                return None
            return f"{value!r} is not a team of the directory"
        if not isinstance(value, str):
            return "must be a username (a string)"
        if value not in self.people:
            return f"'{value}' is not a person of the directory"
        if not self.people[value]:
            return f"'{value}' is no longer active in the directory"
        x_role = field.get(ROLE)
        if x_role is not ANY_ROLE and not self.roles.get(value, set()) & self.allowed(x_role):
            return f"'{value}' does not hold {role_in_words(self.session, x_role)}"
        if other and other[1] == value:
            doing = "audit it" if key == "auditor" else f"also be its {key.replace('_', ' ')}"
            return f"'{value}' is the {other[0].replace('_', ' ')} of this case and cannot {doing}"
        return None

    def allowed(self, x_role: str) -> set[str]:
        if x_role not in self._allowed:
            self._allowed[x_role] = _roles_of(self.session, x_role)
        return self._allowed[x_role]


def _roles_of(session: Session, x_role: str) -> set[str]:
    """The roles a field of `x_role` allows: the group's, or the role itself."""
    return _group_roles(session, x_role) or {x_role}


def _group_roles(session: Session, name: str) -> set[str]:
    return set(session.scalars(select(RoleGroup.role_id).where(RoleGroup.name == name)))


def _lower(label: str) -> str:
    """'Team manager' -> 'team manager'; 'CP chair', 'LADO', 'QA ...' stay as they are."""
    return label[:1].lower() + label[1:] if label[1:2].islower() else label


# --- the fields a form declares, found in the data ----------------------------------------------

def _named_fields(root: dict, schema, value, path: str):
    """(path, key, field schema, value, its row, the row's fields) of every annotated field `value` fills."""
    schema = _resolved(root, schema)
    if isinstance(value, dict):
        fields = _properties(root, schema)
        for key, item in value.items():
            field = fields.get(key)
            where = f"{path}.{key}" if path else key
            if isinstance(field, dict) and (ROLE in field or TEAM in field):
                yield where, key, field, item, value, fields
            elif field is not None:
                yield from _named_fields(root, field, item, where)
    elif isinstance(value, list) and isinstance(schema, dict):
        items = schema.get("items")
        for index, item in enumerate(value if items is not None else []):
            yield from _named_fields(root, items, item, f"{path}.{index}")


def _properties(root: dict, schema) -> dict[str, dict]:
    """An object schema's fields, with those its if/then/else, allOf/anyOf/oneOf and $refs add;
    where a field is declared twice, the declaration that says whom it names wins."""
    fields: dict[str, dict] = {}
    seen: set[int] = set()
    pending = [schema]
    while pending and len(seen) < MAX_PARTS:
        part = _resolved(root, pending.pop())
        if not isinstance(part, dict) or id(part) in seen:
            continue
        seen.add(id(part))
        for key, field in (part.get("properties") or {}).items():
            field = _resolved(root, field)
            if isinstance(field, dict) and (key not in fields or ROLE in field or TEAM in field):
                fields[key] = field
        pending += [part.get(key) for key in ("if", "then", "else")]
        pending += [*part.get("allOf", []), *part.get("anyOf", []), *part.get("oneOf", [])]
    return fields


def _resolved(root: dict, schema):
    seen = 0
    while isinstance(schema, dict) and isinstance(schema.get("$ref"), str) and schema["$ref"].startswith("#/"):
        target = resolve_pointer(root, schema["$ref"])
        schema = {**target, **{k: v for k, v in schema.items() if k != "$ref"}} if isinstance(target, dict) else None
        seen += 1
        if seen > 20:  # a reference loop: nothing to find
            return None
    return schema


def _other(field: dict, row: dict, row_fields: dict, case: dict | None) -> tuple[str, object] | None:
    """(field name, value) of the field an `x-not-same-as` field may not equal: the row's own, or
    the case's when the row has no such field."""
    name = field.get(NOT_SAME_AS)
    if not isinstance(name, str):
        return None
    if name in row_fields:
        return name, row.get(name)
    return name, (case or {}).get(name)
