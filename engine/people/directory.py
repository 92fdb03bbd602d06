"""The people directory as administrators manage it: add a person, change their roles, team,
name, password or whether they may sign in. Each verb runs in one transaction and records who
changed what in the history (R-80: events with no instance, `person_created`/`person_updated`).

Passwords arrive already hashed (argon2 is slow on purpose: hash before the transaction).
"""
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.clock import now
from engine.db import Database
from engine.errors import Conflict, InvalidData, NotFound
from engine.history import dao_append_history
from engine.models import HistoryEvent, Person, PersonRole, Role, Team
from engine.people.accounts import (
    dao_add_person,
    dao_revoke_all,
    dao_set_password_hash,
    dao_set_roles,
)

PERSON_EVENTS = ("person_created", "person_updated")


class PeopleDirectory:
    def __init__(self, db: Database):
        self.db = db

    # --- reading ---------------------------------------------------------------------------

    def people(self) -> list[dict]:
        with self.db.transaction() as session:
            return [person_view(session, p) for p in session.scalars(select(Person).order_by(Person.username))]

    def person(self, username: str) -> dict:
        with self.db.transaction() as session:
            return person_view(session, dao_get_person(session, username))

    def history(self, username: str) -> list[dict]:
        """Every recorded change to one person, oldest first."""
        with self.db.transaction() as session:
            dao_get_person(session, username)
            query = (select(HistoryEvent)
                     .where(HistoryEvent.instance_id.is_(None), HistoryEvent.event.in_(PERSON_EVENTS))
                     .order_by(HistoryEvent.id))
            return [{"at": e.at.isoformat(), "actor": e.actor, "event": e.event, "element_id": e.element_id,
                     "detail": e.detail} for e in session.scalars(query) if e.detail.get("username") == username]

    # --- changing --------------------------------------------------------------------------

    def create(self, person: dict, actor: str, password_hash: str | None = None) -> dict:
        """Add a person: {"username", "name", "roles", "team"?, "email"?}. 409 if the username is taken."""
        with self.db.transaction() as session:
            username = person["username"]
            if session.get(Person, username) is not None:
                raise Conflict(f"a person with username '{username}' exists already")
            _check_references(session, person)
            dao_add_person(session, username, person["name"], person.get("email"), person.get("team"),
                           person.get("active", True))
            dao_set_roles(session, username, person["roles"])
            if password_hash:
                dao_set_password_hash(session, username, password_hash)
            row = session.get(Person, username)
            view = person_view(session, row)
            dao_append_history(session, None, actor, "person_created", now(), username=username,
                               roles=view["roles"], team=view["team"], active=view["active"],
                               password_set=bool(password_hash))
            return view

    def update(self, username: str, changes: dict, actor: str, password_hash: str | None = None) -> dict:
        """Change any of name, email, roles, team, active, and the password. Deactivating someone or
        setting their password revokes their tokens. Admins cannot lock themselves out."""
        with self.db.transaction() as session:
            row = dao_get_person(session, username)
            _check_references(session, changes)
            before = person_view(session, row)
            _refuse_self_lockout(username, changes, actor)
            if "name" in changes:
                row.display_name = changes["name"]
            for key, column in (("email", "email"), ("team", "team_id"), ("active", "active")):
                if key in changes:
                    setattr(row, column, changes[key])
            if "roles" in changes:
                dao_set_roles(session, username, changes["roles"])
            if password_hash:
                dao_set_password_hash(session, username, password_hash)
            session.flush()
            after = person_view(session, row)
            if password_hash or not after["active"]:
                dao_revoke_all(session, username)
            changed = {k: {"from": before[k], "to": after[k]} for k in after if before[k] != after[k]}
            dao_append_history(session, None, actor, "person_updated", now(), username=username, changes=changed,
                               password_changed=bool(password_hash))
            return after


def dao_get_person(session, username: str) -> Person:
    row = session.get(Person, username)
    if row is None:
        raise NotFound(f"no person has the username '{username}'")
    return row


def person_view(session, person: Person) -> dict:
    roles = sorted(session.scalars(select(PersonRole.role_id).where(PersonRole.username == person.username)))
    team = session.get(Team, person.team_id) if person.team_id else None
    return {"username": person.username, "name": person.display_name, "email": person.email, "roles": roles,
            "team": person.team_id, "service_area": team.service_area_id if team else None,
            "active": person.active}


def _check_references(session, fields: dict) -> None:
    """Roles and team must exist: 422 naming each unknown one."""
    errors: dict[str, list[str]] = {}
    if "roles" in fields:
        known = set(session.scalars(select(Role.id)))
        for index, role in enumerate(fields["roles"]):
            if role not in known:
                errors[f"roles.{index}"] = [f"unknown role '{role}' (known: {', '.join(sorted(known))})"]
    if fields.get("team") and session.get(Team, fields["team"]) is None:
        errors["team"] = [f"unknown team '{fields['team']}'"]
    if errors:
        raise InvalidData("the person refers to unknown roles or teams", errors)


def _refuse_self_lockout(username: str, changes: dict, actor: str) -> None:
    if username != actor:
        return
    if changes.get("active") is False:
        raise Conflict("you cannot deactivate your own account; ask another administrator")
    if "roles" in changes and "admin" not in changes["roles"]:
        raise Conflict("you cannot remove your own admin role; ask another administrator")


def display_names(session: Session, usernames) -> dict[str, str]:
    wanted = {name for name in usernames if name}
    if not wanted:
        return {}
    return dict(session.execute(select(Person.username, Person.display_name).where(Person.username.in_(wanted))).all())
