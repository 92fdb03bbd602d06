"""The organisation directory and who acts for a case (R-03).

A case's place comes from its practitioner (or the person a task names as its subject): their
team, its manager, the team's service area and the managers above it. Roles outside that line
(QA team, PSW, director, IRO, ...) resolve to everyone holding them.
"""
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.models import Person, PersonRole, RoleGroup, ServiceArea, Team
from engine.people.accounts import dao_add_person, dao_set_roles

# The line of management above a case's team, as attributes of its team or service area.
HIERARCHY = {
    "team_manager": ("team", "manager"),
    "service_manager": ("service", "service_manager"),
    "head_of_service": ("service", "head_of_service"),
    "assistant_director": ("service", "assistant_director"),
}


def resolve_candidates(session: Session, role: str, data: dict, subject: str | None = None) -> list[str]:
    """The people who may act in `role` for the case in `data`; [] means anyone holding the role."""
    named = data.get(role) if subject is None else None
    if named:
        return [named] if isinstance(named, str) else [p for p in named if isinstance(p, str)]
    person = data.get(subject or "practitioner")
    if role == "practitioner":
        return [person] if isinstance(person, str) and person else []
    if role in HIERARCHY:
        manager = _manager_of(session, role, person, data.get("team") if subject is None else None)
        if manager:
            return [manager]
    return holders_of(session, role)


def _manager_of(session: Session, role: str, person: str | None, team_id: str | None) -> str | None:
    team = session.get(Team, team_id) if isinstance(team_id, str) and team_id else _team_of(session, person)
    if team is None:
        return None
    level, attribute = HIERARCHY[role]
    holder = team if level == "team" else session.get(ServiceArea, team.service_area_id)
    return getattr(holder, attribute) if holder else None


def _names(value) -> list:
    """A data value naming people: one username, or a list of them."""
    return [value] if isinstance(value, str) else [v for v in value if isinstance(v, str)] if isinstance(
        value, list) else []


def _team_of(session: Session, username: str | None) -> Team | None:
    person = session.get(Person, username) if isinstance(username, str) else None
    return session.get(Team, person.team_id) if person and person.team_id else None


def holders_of(session: Session, role: str) -> list[str]:
    query = (select(PersonRole.username).join(Person, Person.username == PersonRole.username)
             .where(PersonRole.role_id == role, Person.active.is_(True)).order_by(PersonRole.username))
    return list(session.scalars(query))


def service_area_of(session: Session, data: dict) -> str | None:
    """The service area a case belongs to, through its team or its practitioner's team."""
    return case_place(session, data)[1]


def case_place(session: Session, data: dict) -> tuple[str | None, str | None]:
    """(team id, service area id) of a case: its `team`, else its practitioner's team."""
    team_id = data.get("team")
    team = session.get(Team, team_id) if isinstance(team_id, str) and team_id else _team_of(
        session, data.get("practitioner"))
    return (team.id, team.service_area_id) if team else (None, None)


def people_named(session: Session, data: dict, roles: dict, also: tuple = ()) -> set[str]:
    """The people a case's data names in a role (practitioner, auditor, ...) or as previous
    practitioner, and those of `also` who are people (not the system)."""
    named = {n for key in [*roles, "previous_practitioner"] for n in _names(data.get(key))} | set(also)
    named = {n for n in named if isinstance(n, str) and n}
    if not named:
        return set()
    return set(session.scalars(select(Person.username).where(Person.username.in_(named))))


def seed_organisation(session: Session, document: dict) -> bool:
    """Load an organisation document into an empty directory; False if people already exist. Its
    role groups are stored whenever they are not yet, so a directory seeded before a group existed
    gets it (`action_owning`, R-27)."""
    seed_role_groups(session, document.get("role_groups") or {})
    if session.scalar(select(Person.username).limit(1)):
        return False
    session.add_all(ServiceArea(id=s["id"], name=s["name"], service_manager=s.get("service_manager"),
                                head_of_service=s.get("head_of_service"),
                                assistant_director=s.get("assistant_director"))
                    for s in document["service_areas"])
    session.add_all(Team(id=t["id"], name=t["name"], service_area_id=t["service_area"], manager=t.get("manager"))
                    for t in document["teams"])
    session.flush()
    for p in document["people"]:
        dao_add_person(session, p["username"], p["name"], p.get("email", f"{p['username']}@council.example"),
                       p.get("team"))
        dao_set_roles(session, p["username"], p["roles"])
    return True


def seed_role_groups(session: Session, groups: dict) -> None:
    """The organisation file's `role_groups` ({"auditing": ["auditor", ...]}; `_comment` is not a
    group), each unless a group of its name is stored already (a stored group is kept as it is)."""
    stored = set(session.scalars(select(RoleGroup.name).distinct()))
    session.add_all(RoleGroup(name=name, role_id=role, position=position) for name, roles in groups.items()
                    if not name.startswith("_") and isinstance(roles, list) and name not in stored
                    for position, role in enumerate(dict.fromkeys(roles)))
    session.flush()
