"""Fixtures: a migrated database per test (SQLite by default, DATABASE_URL for PostgreSQL),
a settable clock, and an engine on both."""
import json
import os
import shutil
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text

from engine.clock import SettableClock, SystemClock, set_clock
from engine.db import Database
from engine.people.organisation import seed_organisation
from engine.schema import upgrade
from engine.workflow_engine import WorkflowEngine

KEPT_TABLES = {"role", "alembic_version"}
ROOT = Path(__file__).resolve().parent.parent


def _postgres_url() -> str | None:
    """DATABASE_URL's PostgreSQL, or with several workers (pytest -n) a database of each worker's own
    beside it: each resets its schema at start and empties its tables after every test."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgresql"):
        return None
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    return _own_database(url, worker) if worker else url


def _own_database(url: str, worker: str) -> str:
    given = make_url(url)
    own = given.set(database=f"{given.database}_{worker}")
    server = create_engine(given, isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        if not connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": own.database}):
            connection.execute(text(f'CREATE DATABASE "{own.database}"'))
    server.dispose()
    return own.render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def migrated_url(tmp_path_factory):
    url = _postgres_url()
    if url:
        _reset_postgres(url)
        upgrade(url)
        return url
    template = tmp_path_factory.mktemp("db") / "template.db"
    upgrade(f"sqlite:///{template}")
    return f"sqlite:///{template}"


def _reset_postgres(url: str) -> None:
    database = Database(url)
    with database.engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    database.dispose()


@pytest.fixture
def db(migrated_url, tmp_path):
    if migrated_url.startswith("sqlite"):
        copy = tmp_path / "test.db"
        shutil.copy(migrated_url.removeprefix("sqlite:///"), copy)
        database = Database(f"sqlite:///{copy}")
        yield database
        database.dispose()
        return
    database = Database(migrated_url)
    yield database
    _truncate(database)
    database.dispose()


def _truncate(database: Database) -> None:
    with database.engine.begin() as connection:
        tables = [t for t in connection.execute(text(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).scalars() if t not in KEPT_TABLES]
        if tables:
            connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))


@pytest.fixture
def clock():
    clock = SettableClock(datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc))  # Monday
    set_clock(clock)
    yield clock
    set_clock(SystemClock())


@pytest.fixture
def engine(db, clock):
    """An engine on the test database with the demo organisation of API.md in its directory: a
    start may name only people who exist."""
    engine = WorkflowEngine(db)
    document = json.loads((ROOT / "data" / "demo_organisation.json").read_text())
    with engine.db.transaction() as session:
        seed_organisation(session, document)
    return engine


@pytest.fixture
def org(engine):
    """The engine, its directory seeded (the name says what a test relies on)."""
    return engine
