"""What comes in before a person is known: signing in and out (a password or the council's
identity provider), the person a token signs in, and the case-record system's signed events
(R-50). The faces reach the engine through this door or through a signed-in person's Caller.
"""
from datetime import timedelta

from engine.people import accounts
from engine.people.accounts import CurrentUser


class Gate:
    def __init__(self, engine):
        self.engine, self.db = engine, engine.db

    def sign_in(self, username: str, password: str, address: str | None, lifetime: timedelta):
        """A new token and its row; TooManyAttempts or Unauthenticated (engine/people/accounts.py)."""
        return accounts.sign_in(self.db, username, password, address, lifetime)

    def sign_in_oidc(self, username: str, name: str, email: str | None, roles: set[str], lifetime: timedelta):
        return accounts.sign_in_oidc(self.db, username, name, email, roles, lifetime)

    def sign_out(self, token: str) -> None:
        accounts.sign_out(self.db, token)

    def person(self, token: str) -> CurrentUser:
        """Whom a token signs in; Unauthenticated if nobody (unknown, expired, revoked, deactivated)."""
        return accounts.user_for_token(self.db, token)

    def start_from_event(self, event_id: str, event_type: str, process_id: str, data: dict, actor: str,
                         signed: str | None = None) -> tuple[int | None, bool]:
        """Start a process for an event of the case-record system, once per event id (R-50)."""
        return self.engine.start_instance_once(event_id, event_type, process_id, data, actor, signed)
