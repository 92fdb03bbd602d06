"""Issue 25 item 5: the sign-in throttle is exact when attempts arrive together: of 30 wrong
passwords sent at once for one username, exactly THROTTLE.failures are checked (401), the rest
refused (429) before any password check (R-80: each failure recorded once). Each attempt reserves
its place under the row lock (SELECT ... FOR UPDATE on PostgreSQL, BEGIN IMMEDIATE on SQLite)
before its password is checked."""
import threading
from collections import Counter
from datetime import timedelta

import pytest

from engine.db import Database
from engine.models import HistoryEvent
from engine.people.accounts import (
    THROTTLE,
    TooManyAttempts,
    Unauthenticated,
    dao_set_password,
    sign_in,
)

PASSWORD = "correct horse battery"
ATTEMPTS = 30


@pytest.fixture
def postgres(engine):
    # SQLite takes its write lock at BEGIN, so sign-ins there are one after another already;
    # concurrency is only real with several connections to PostgreSQL.
    if engine.db.engine.dialect.name != "postgresql":
        pytest.skip("needs concurrent connections to PostgreSQL (DATABASE_URL)")
    with engine.db.transaction() as session:
        dao_set_password(session, "tom", PASSWORD)
    return engine


def together(db_url: str, attempt, count: int = ATTEMPTS) -> Counter:
    """`attempt(database, n)` run in `count` threads released at once; each answer's name counted."""
    databases = [Database(db_url) for _ in range(count)]
    start, answers = threading.Barrier(count), Counter()

    def run(n: int):
        start.wait()
        try:
            attempt(databases[n], n)
            answers["ok"] += 1
        except (Unauthenticated, TooManyAttempts) as refused:
            answers[type(refused).__name__] += 1
    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for database in databases:
        database.dispose()
    return answers


def recorded(engine, event: str) -> int:
    with engine.db.reading() as session:
        return session.query(HistoryEvent).filter_by(event=event).count()


def test_thirty_wrong_passwords_at_once_check_exactly_five(postgres):
    answers = together(postgres.db.url, lambda db, n: sign_in(db, "tom", f"guess {n}", "203.0.113.7",
                                                                timedelta(hours=1)))
    assert answers == Counter(Unauthenticated=THROTTLE.failures, TooManyAttempts=ATTEMPTS - THROTTLE.failures)
    assert recorded(postgres, "sign_in_failed") == THROTTLE.failures
    assert recorded(postgres, "sign_in_locked") == 1


def test_thirty_usernames_at_once_from_one_address_check_exactly_its_allowance(postgres):
    answers = together(postgres.db.url, lambda db, n: sign_in(db, f"user{n}", "guess", "203.0.113.7",
                                                                timedelta(hours=1)))
    assert answers == Counter(Unauthenticated=THROTTLE.address_failures,
                              TooManyAttempts=ATTEMPTS - THROTTLE.address_failures)


def test_a_right_password_among_wrong_ones_gives_its_place_back(postgres):
    """The right password, sent with four wrong ones, is not a failure: whichever order they run in,
    no lock is left (one may stand for a moment while the right password is being checked)."""
    answers = together(postgres.db.url, lambda db, n: sign_in(db, "tom", PASSWORD if n == 0 else f"guess {n}",
                                                                "203.0.113.7", timedelta(hours=1)),
                       count=THROTTLE.failures)
    assert answers == Counter(ok=1, Unauthenticated=THROTTLE.failures - 1)
    sign_in(postgres.db, "tom", PASSWORD, "203.0.113.7", timedelta(hours=1))  # not TooManyAttempts
