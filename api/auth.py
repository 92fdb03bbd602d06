"""Who is calling: bearer tokens for the API (POST /api/session), stored as SHA-256, expiring and
revocable; passwords hashed with argon2. OIDC sign-in (Authlib) is in api/oidc.py."""
import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import VerificationError
from flask import current_app, g, request
from sqlalchemy import select, update

from engine.clock import now
from engine.models import ApiToken, Credential, Person, PersonRole, ServiceArea, Team

HASHER = PasswordHasher()
PUBLIC = {("POST", "/api/session"), ("GET", "/api/openapi.json"), ("POST", "/api/webhooks/case-record")}


class Unauthenticated(Exception):
    pass


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


def hash_password(password: str) -> str:
    return HASHER.hash(password)


def dao_set_password(session, username: str, password: str) -> None:
    credential = session.get(Credential, username)
    if credential is None:
        session.add(Credential(username=username, password_hash=hash_password(password)))
    else:
        credential.password_hash = hash_password(password)


def dao_sign_in(session, username: str, password: str, lifetime: timedelta) -> tuple[str, ApiToken] | None:
    """A new token for a valid username and password, else None (same answer for both mistakes)."""
    credential = session.get(Credential, username)
    person = session.get(Person, username)
    try:
        HASHER.verify(credential.password_hash if credential else _DUMMY_HASH, password)
    except VerificationError:
        return None
    if credential is None or person is None or not person.active:
        return None
    return dao_issue_token(session, username, lifetime)


def dao_issue_token(session, username: str, lifetime: timedelta) -> tuple[str, ApiToken]:
    token = secrets.token_urlsafe(32)
    row = ApiToken(token_hash=_digest(token), username=username, created_at=now(), expires_at=now() + lifetime)
    session.add(row)
    return token, row


def dao_revoke(session, token: str) -> None:
    session.execute(update(ApiToken).where(ApiToken.token_hash == _digest(token)).values(revoked_at=now()))


def dao_user_for_token(session, token: str) -> CurrentUser:
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(token)))
    if row is None or row.revoked_at is not None or row.expires_at <= now():
        raise Unauthenticated("the token is unknown, expired or revoked")
    person = session.get(Person, row.username)
    if person is None or not person.active:
        raise Unauthenticated("the account is not active")
    return dao_load_user(session, person)


def dao_load_user(session, person: Person) -> CurrentUser:
    roles = frozenset(session.scalars(select(PersonRole.role_id).where(PersonRole.username == person.username)))
    teams = frozenset(session.scalars(select(Team.id).where(Team.manager == person.username)))
    services = frozenset(session.scalars(select(ServiceArea.id).where(
        (ServiceArea.service_manager == person.username) | (ServiceArea.head_of_service == person.username)
        | (ServiceArea.assistant_director == person.username))))
    return CurrentUser(person.username, roles, person.team_id, teams, services)


def authenticate() -> None:
    """before_request for /api/: set g.user from the bearer token, or answer 401."""
    if not request.path.startswith("/api/") or (request.method, request.path) in PUBLIC:
        return None
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        return _unauthorised("send Authorization: Bearer <token> (POST /api/session gives one)")
    try:
        with current_app.extensions["qa_engine"].db.transaction() as session:
            g.user = dao_user_for_token(session, token.strip())
    except Unauthenticated as error:
        return _unauthorised(str(error))
    g.token = token.strip()
    return None


def _unauthorised(detail: str):
    from .errors import problem
    return problem(401, "Unauthorized", detail, headers={"WWW-Authenticate": "Bearer"})


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


_DUMMY_HASH = HASHER.hash(secrets.token_urlsafe(16))  # verify against it for unknown users: same timing
