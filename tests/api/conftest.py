"""API fixtures: the Flask app on the test database with the demo organisation, a client, and
bearer headers for any demo user (tokens minted directly: argon2 is slow on purpose)."""
import secrets
from datetime import timedelta

import pytest

from api.auth import _digest
from app import create_app
from engine.clock import now
from engine.models import ApiToken


@pytest.fixture
def app(org):
    app = create_app({"DATABASE_URL": org.db.url, "TESTING": True})
    yield app
    app.extensions["qa_engine"].db.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def engine_of(app):
    return app.extensions["qa_engine"]


@pytest.fixture
def auth(app):
    """auth("tom") -> headers carrying a valid bearer token for tom."""
    def headers(username: str) -> dict:
        token = secrets.token_urlsafe(16)
        with app.extensions["qa_engine"].db.transaction() as session:
            session.add(ApiToken(token_hash=_digest(token), username=username, created_at=now(),
                                 expires_at=now() + timedelta(hours=1)))
        return {"Authorization": f"Bearer {token}"}
    return headers
