"""Issue 25 item 3: `flask seed-demo` gives every demo person (root, the administrator, too) the
published demo password, so production refuses it (R-81); a weak DEMO_PASSWORD is refused, naming
why, before anything is written."""
import pytest
from sqlalchemy import func, select

import doors
from app import create_app
from engine.models import Credential, Person


@pytest.fixture
def empty_db(db):
    return db


def run_seed(url: str, **settings):
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "k" * 32, **settings})
    try:
        result = app.test_cli_runner().invoke(args=["seed-demo"])
        with doors.engine(app).db.reading() as session:
            seeded = session.scalar(select(func.count()).select_from(Person))
            passwords = session.scalar(select(func.count()).select_from(Credential))
        return result, seeded, passwords
    finally:
        doors.engine(app).db.dispose()


def test_seed_demo_is_refused_in_production(empty_db):
    result, people, passwords = run_seed(empty_db.url, ENVIRONMENT="production")
    assert result.exit_code == 1
    assert "seed-demo is refused in production (QA_ENV=production)" in result.output
    assert "demo password" in result.output
    assert (people, passwords) == (0, 0)


def test_seed_demo_still_seeds_in_development(empty_db):
    result, people, passwords = run_seed(empty_db.url)
    assert result.exit_code == 0, result.output
    assert "demo organisation seeded" in result.output
    assert people > 0 and passwords == people


def test_a_weak_demo_password_is_refused_naming_why(empty_db):
    result, people, passwords = run_seed(empty_db.url, DEMO_PASSWORD="demo")
    assert result.exit_code == 1
    assert "DEMO_PASSWORD is refused: the password has 4 characters; it needs at least 12" in result.output
    assert (people, passwords) == (0, 0)
