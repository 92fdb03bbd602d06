"""Page sessions: who a browser signed in to the pages is. The cookie (signed, not encrypted: anyone
holding it can read it) carries only a random id; the server keeps its SHA-256 with the person and
an expiry, so the id is no bearer token of the API, names nobody, and ends on the server on sign-out
or, with every token of the person, on a password change or deactivation (accounts.dao_revoke_all)."""
import secrets
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from engine.clock import now
from engine.db import Database
from engine.models import PageSession, Person
from engine.people.accounts import CurrentUser, Unauthenticated, dao_load_user, token_digest


def dao_open_page_session(session: Session, username: str, lifetime: timedelta) -> tuple[str, PageSession]:
    """A new session id for `username` (the shape of accounts.dao_issue_token, so sign_in takes either)."""
    session_id = secrets.token_urlsafe(32)
    row = PageSession(id_hash=token_digest(session_id), username=username, created_at=now(),
                      expires_at=now() + lifetime)
    session.add(row)
    return session_id, row


def user_for_page_session(db: Database, session_id: str) -> CurrentUser:
    """The person the id signs in; Unauthenticated if it is unknown, expired, ended, or theirs is
    no longer an active account."""
    with db.reading() as session:
        found = session.execute(select(PageSession.revoked_at, PageSession.expires_at, Person)
                                .join(Person, Person.username == PageSession.username)
                                .where(PageSession.id_hash == token_digest(session_id))).first()
        if found is None or found.revoked_at is not None or found.expires_at <= now() or not found.Person.active:
            raise Unauthenticated("the page session is unknown, expired or ended")
        return dao_load_user(session, found.Person)


def end_page_session(db: Database, session_id: str) -> None:
    with db.transaction() as session:
        session.execute(update(PageSession).where(PageSession.id_hash == token_digest(session_id))
                        .values(revoked_at=now()))
