"""API fixtures: the Flask app on the test database with the demo organisation, a client, and
bearer headers for any demo user (tokens minted directly: argon2 is slow on purpose)."""
import json
import secrets
import shutil
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

import doors
from app import create_app
from engine.clock import SettableClock, SystemClock, now, set_clock
from engine.models import ApiToken
from engine.people.accounts import token_digest as _digest
from engine.people.organisation import seed_organisation
from tests.conftest import _truncate

ROOT = Path(__file__).resolve().parent.parent.parent


@contextmanager
def seeded_app(migrated_url: str, folder: Path):
    """An app on its own copy of the database (SQLite) with the demo organisation, for module-wide
    fixtures; the clock set to Monday 2026-11-02 09:00 UTC while it lives."""
    set_clock(SettableClock(datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc)))
    url = migrated_url
    if url.startswith("sqlite"):
        shutil.copy(url.removeprefix("sqlite:///"), folder / "app.db")
        url = f"sqlite:///{folder / 'app.db'}"
    app = create_app({"DATABASE_URL": url, "TESTING": True, "WEBHOOK_ALLOWED_HOSTS": "127.0.0.1"})
    engine = doors.engine(app)
    with engine.db.transaction() as session:
        seed_organisation(session, json.loads((ROOT / "data" / "demo_organisation.json").read_text()))
    try:
        yield app
    finally:
        if not url.startswith("sqlite"):
            _truncate(engine.db)
        engine.db.dispose()
        set_clock(SystemClock())


@pytest.fixture
def app(org):
    app = create_app({"DATABASE_URL": org.db.url, "TESTING": True, "WEBHOOK_ALLOWED_HOSTS": "127.0.0.1"})
    yield app
    doors.engine(app).db.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def engine_of(app):
    return doors.engine(app)


def bearer(app, username: str) -> dict:
    """Headers with a new valid token for `username` (new per call: some calls revoke tokens)."""
    token = secrets.token_urlsafe(16)
    with doors.engine(app).db.transaction() as session:
        session.add(ApiToken(token_hash=_digest(token), username=username, created_at=now(),
                             expires_at=now() + timedelta(hours=1)))
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def auth(app):
    """auth("tom") -> headers carrying a valid bearer token for tom."""
    return lambda username: bearer(app, username)
