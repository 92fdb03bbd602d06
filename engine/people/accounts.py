"""Accounts: passwords (argon2), bearer tokens (stored as SHA-256, expiring, revocable), signing in
with a throttle on wrong passwords, and people synchronised from the identity provider (OIDC).
Every person row and credential is written here; the API and the pages only call these verbs.

Signing in is throttled per username and per address (R-80: each failure and each lock is in the
history). After THROTTLE.failures wrong passwords within THROTTLE.window, the key is locked for
THROTTLE.first_lock, doubling with each further failure up to THROTTLE.longest_lock; while locked,
a sign-in is refused (429) before the password is even checked. A success clears the username's
count. The lock is temporary so that an attacker cannot shut a colleague out for long.
"""
import hashlib
import math
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import VerificationError
from sqlalchemy import delete, literal_column, or_, select, union_all, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.sql.selectable import CompoundSelect

from engine.clock import now
from engine.db import Database
from engine.errors import EngineError
from engine.history import dao_append_history
from engine.models import (
    ApiToken,
    Credential,
    PageSession,
    Person,
    PersonRole,
    Role,
    ServiceArea,
    SignInThrottle,
    Team,
)
from engine.people.passwords import check_password

HASHER = PasswordHasher()
_DUMMY_HASH = HASHER.hash(secrets.token_urlsafe(16))  # verified for unknown users: the same timing


class Unauthenticated(Exception):
    """A token or password that does not sign anyone in."""


class TooManyAttempts(EngineError):
    status, title = 429, "Too many sign-in attempts"

    def __init__(self, until: datetime):
        self.retry_after = max(1, math.ceil((until - now()).total_seconds()))
        super().__init__(f"too many wrong passwords: try again in {self.retry_after} seconds")


@dataclass(frozen=True)
class Throttle:
    failures: int = 5  # per username within the window, before a lock
    address_failures: int = 20  # per address: one person mistyping stays well under it
    window: timedelta = timedelta(minutes=15)
    first_lock: timedelta = timedelta(minutes=1)
    longest_lock: timedelta = timedelta(hours=1)


THROTTLE = Throttle()


@dataclass(frozen=True)
class CurrentUser:
    """The caller, with what access control needs: roles and the teams and services they manage."""
    username: str
    roles: frozenset[str]
    team_id: str | None = None
    managed_teams: frozenset[str] = field(default_factory=frozenset)
    managed_services: frozenset[str] = field(default_factory=frozenset)

    def has(self, *roles: str) -> bool:
        return bool(self.roles & set(roles))


# --- passwords and signing in ----------------------------------------------------------------

def hash_password(password: str) -> str:
    """The argon2 hash of a password that may be set: every way of setting one comes through here,
    so a weak one (engine/people/passwords.py) is refused with WeakPassword (422) wherever it is given."""
    check_password(password)
    return HASHER.hash(password)


def dao_set_password_hash(session: Session, username: str, password_hash: str) -> None:
    credential = session.get(Credential, username)
    if credential is None:
        session.add(Credential(username=username, password_hash=password_hash))
    else:
        credential.password_hash = password_hash


def dao_set_password(session: Session, username: str, password: str) -> None:
    dao_set_password_hash(session, username, hash_password(password))


def sign_in(db: Database, username: str, password: str, address: str | None, lifetime: timedelta,
            throttle: Throttle = THROTTLE, issue=None) -> tuple[str, ApiToken]:
    """A new token for a valid, active account (or what `issue` gives: the pages' session,
    engine/people/page_sessions.py). Raises TooManyAttempts while the username or the
    address is locked, Unauthenticated otherwise (one answer for both mistakes). The password is
    checked (slowly, on purpose) outside any transaction, after the attempt has taken its place in
    the count: attempts arriving together cannot all pass a check made before any of them failed."""
    keys = _throttle_keys(username, address)
    with db.transaction() as session:
        counted = _reserve_attempt(session, keys, throttle)
        credential = session.get(Credential, username)
        person = session.get(Person, username)
        stored = credential.password_hash if credential else None
        active = person is not None and person.active
    try:
        HASHER.verify(stored or _DUMMY_HASH, password)
        valid = stored is not None and active
    except VerificationError:
        valid = False
    with db.transaction() as session:
        if not valid:
            _record_failure(session, counted, username, address)
        else:
            _give_back(session, keys, throttle)
            dao_append_history(session, None, username, "signed_in", now(), address=address)
            return (issue or dao_issue_token)(session, username, lifetime)
    raise Unauthenticated("unknown username or wrong password")


def _throttle_keys(username: str, address: str | None) -> list[str]:
    keys = [f"user:{username[:100]}"]
    return keys + [f"address:{address[:100]}"] if address else keys


def _allowed(key: str, throttle: Throttle) -> int:
    return throttle.failures if key.startswith("user:") else throttle.address_failures


def _reserve_attempt(session: Session, keys: list[str], throttle: Throttle) -> list[SignInThrottle]:
    """Check and count in one go, under the keys' row locks: refused (TooManyAttempts, nothing
    counted) while a key is locked; otherwise the attempt is counted as a failure before its password
    is checked, locking the key if it is the last one allowed. A right password gives it back."""
    at = now()
    rows = [_throttle_row(session, key, at) for key in sorted(keys)]  # one order: no deadlock
    locked = [row.locked_until for row in rows if row.locked_until and row.locked_until > at]
    if locked:
        raise TooManyAttempts(max(locked))
    for row in rows:
        if at - row.window_started_at > throttle.window:
            row.failures, row.window_started_at = 0, at
        row.failures += 1
        allowed = _allowed(row.key, throttle)
        if row.failures >= allowed:
            row.locked_until = at + min(throttle.first_lock * 2 ** (row.failures - allowed), throttle.longest_lock)
    return rows


def _record_failure(session: Session, counted: list[SignInThrottle], username: str, address: str | None) -> None:
    """R-80: the wrong password, and the lock it brought (counted when the attempt began), unless a
    right password given meanwhile has lifted it."""
    at = now()
    dao_append_history(session, None, username[:100], "sign_in_failed", at, address=address)
    for row in counted:
        if row.locked_until and row.locked_until > at and _still_locked(session, row):
            dao_append_history(session, None, username[:100], "sign_in_locked", at, key=row.key,
                               failures=row.failures, until=row.locked_until.isoformat())


def _still_locked(session: Session, counted: SignInThrottle) -> bool:
    return session.scalar(select(SignInThrottle.locked_until).where(SignInThrottle.key == counted.key)) \
        == counted.locked_until


def _give_back(session: Session, keys: list[str], throttle: Throttle) -> None:
    """A right password: the username's count is cleared; the address's loses this attempt (and the
    lock it set, if it was the one that reached the limit)."""
    user_key, *address_keys = keys
    session.execute(delete(SignInThrottle).where(SignInThrottle.key == user_key))
    for key in address_keys:
        row = session.get(SignInThrottle, key, with_for_update=True)
        if row is not None and row.failures > 0:
            row.failures -= 1
            if row.failures < _allowed(key, throttle):
                row.locked_until = None


def _throttle_row(session: Session, key: str, at: datetime) -> SignInThrottle:
    """The key's row, locked for this transaction (two attempts at once both count)."""
    row = session.get(SignInThrottle, key, with_for_update=True)
    if row is not None:
        return row
    try:
        with session.begin_nested():
            row = SignInThrottle(key=key, failures=0, window_started_at=at)
            session.add(row)
            session.flush()
        return row
    except IntegrityError:  # another failure created it at the same moment
        return session.get_one(SignInThrottle, key, with_for_update=True)


# --- tokens ----------------------------------------------------------------------------------

def dao_issue_token(session: Session, username: str, lifetime: timedelta) -> tuple[str, ApiToken]:
    token = secrets.token_urlsafe(32)
    row = ApiToken(token_hash=token_digest(token), username=username, created_at=now(), expires_at=now() + lifetime)
    session.add(row)
    return token, row


def dao_revoke(session: Session, token: str) -> None:
    session.execute(update(ApiToken).where(ApiToken.token_hash == token_digest(token)).values(revoked_at=now()))


def dao_revoke_all(session: Session, username: str) -> None:
    """End every session of a person (deactivated, or their password changed): tokens and pages."""
    for table in (ApiToken, PageSession):
        session.execute(update(table).where(table.username == username, table.revoked_at.is_(None))
                        .values(revoked_at=now()))


def purge_ended_sign_ins(db: Database, kept_for: timedelta) -> int:
    """Delete the bearer tokens and page sessions that ended (expired or revoked) more than `kept_for`
    ago: they sign nobody in, and what their holders did is in the history, not here. Answers how many."""
    cutoff = now() - kept_for
    with db.transaction() as session:
        return sum(session.execute(delete(table).where(or_(table.expires_at < cutoff, table.revoked_at < cutoff)))
                   .rowcount for table in (ApiToken, PageSession))


def user_for_token(db: Database, token: str) -> CurrentUser:
    """The person a bearer token signs in; Unauthenticated if it is unknown, expired, revoked or theirs
    is no longer an active account."""
    with db.reading() as session:
        return dao_user_for_token(session, token)


def sign_out(db: Database, token: str) -> None:
    with db.transaction() as session:
        dao_revoke(session, token)


def dao_user_for_token(session: Session, token: str) -> CurrentUser:
    """Every request runs this: two statements, the token with its person, then what they hold."""
    found = session.execute(select(ApiToken.revoked_at, ApiToken.expires_at, Person)
                            .outerjoin(Person, Person.username == ApiToken.username)
                            .where(ApiToken.token_hash == token_digest(token))).first()
    if found is None or found.revoked_at is not None or found.expires_at <= now():
        raise Unauthenticated("the token is unknown, expired or revoked")
    if found.Person is None or not found.Person.active:
        raise Unauthenticated("the account is not active")
    return dao_load_user(session, found.Person)


def dao_load_user(session: Session, person: Person) -> CurrentUser:
    """The person with their roles and the teams and services they manage, read in one UNION ALL."""
    name = person.username
    held: CompoundSelect[Any, Any] = union_all(
        select(literal_column("'role'"), PersonRole.role_id).where(PersonRole.username == name),
        select(literal_column("'team'"), Team.id).where(Team.manager == name),
        select(literal_column("'service'"), ServiceArea.id).where(
            (ServiceArea.service_manager == name) | (ServiceArea.head_of_service == name)
            | (ServiceArea.assistant_director == name)))
    by_kind: dict[str, set[str]] = {"role": set(), "team": set(), "service": set()}
    for kind, key in session.execute(held):
        by_kind[kind].add(key)
    return CurrentUser(name, frozenset(by_kind["role"]), person.team_id, frozenset(by_kind["team"]),
                       frozenset(by_kind["service"]))


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# --- person rows --------------------------------------------------------------------------------

def dao_add_person(session: Session, username: str, name: str, email: str | None = None,
                   team: str | None = None, active: bool = True) -> Person:
    person = Person(username=username, display_name=name, email=email, team_id=team, active=active)
    session.add(person)
    session.flush()
    return person


def dao_set_roles(session: Session, username: str, roles) -> None:
    """Exactly these roles, replacing any the person had."""
    session.execute(delete(PersonRole).where(PersonRole.username == username))
    session.add_all(PersonRole(username=username, role_id=r) for r in sorted(set(roles)))


# --- people from the identity provider ---------------------------------------------------------

def sign_in_oidc(db: Database, username: str, name: str, email: str | None, roles: set[str],
                 lifetime: timedelta, issue=None) -> tuple[str, ApiToken]:
    """A token (or what `issue` gives, as in sign_in) for a person the identity provider vouched
    for, their row and roles brought up to date."""
    with db.transaction() as session:
        dao_sync_person(session, username, name, email, roles)
        return (issue or dao_issue_token)(session, username, lifetime)


def dao_sync_person(session: Session, username: str, name: str, email: str | None, roles: set[str]) -> None:
    """Create or update the person, with exactly the mapped roles that exist here (R-80: recorded)."""
    known = set(session.scalars(select(Role.id).where(Role.id.in_(roles))))
    person = session.get(Person, username) or dao_add_person(session, username, name, email)
    person.display_name, person.email = name, email or person.email
    dao_set_roles(session, username, known)
    dao_append_history(session, None, username, "signed_in_oidc", now(), roles=sorted(known))
