"""Item 6: wrong passwords are throttled per username and per address, with growing locks, and
recorded (R-80). The clock is moved, never slept through."""

import pytest

from engine.clock import get_clock
from engine.people.accounts import THROTTLE, dao_set_password

PASSWORD = "correct horse battery"


@pytest.fixture
def accounts(engine_of):
    with engine_of.db.transaction() as session:
        for username in ("tom", "pat", "sue"):
            dao_set_password(session, username, PASSWORD)
    return engine_of


def sign_in(client, username, password, address="203.0.113.7"):
    return client.post("/api/session", json={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def sign_in_events(engine, event):
    with engine.db.transaction() as session:
        from engine.models import HistoryEvent
        return [(e.actor, e.detail) for e in session.query(HistoryEvent).filter_by(event=event).order_by(HistoryEvent.id)]


def test_thirty_wrong_passwords_lock_the_username_with_growing_delays(client, accounts):
    answers = [sign_in(client, "tom", f"guess {n}").status_code for n in range(30)]
    assert answers[:THROTTLE.failures] == [401] * THROTTLE.failures
    assert set(answers[THROTTLE.failures:]) == {429}
    refused = sign_in(client, "tom", PASSWORD)  # even the right password waits out the lock
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) == 60
    assert len(sign_in_events(accounts, "sign_in_failed")) == THROTTLE.failures  # refusals are not counted
    [(actor, lock)] = sign_in_events(accounts, "sign_in_locked")
    assert actor == "tom" and lock["key"] == "user:tom" and lock["failures"] == THROTTLE.failures

    get_clock().advance(seconds=61)
    assert sign_in(client, "tom", "one more guess").status_code == 401  # the lock doubles...
    assert int(sign_in(client, "tom", PASSWORD).headers["Retry-After"]) == 120
    get_clock().advance(seconds=121)
    assert sign_in(client, "tom", PASSWORD).status_code == 200  # ...and a success clears the count
    assert sign_in(client, "tom", "typo").status_code == 401
    assert sign_in_events(accounts, "signed_in")[0][0] == "tom"


def test_one_address_guessing_many_usernames_is_locked(client, accounts):
    usernames = [f"user{n}" for n in range(THROTTLE.address_failures)]
    assert {sign_in(client, name, "guess").status_code for name in usernames} == {401}
    assert sign_in(client, "pat", PASSWORD).status_code == 429  # from that address
    assert sign_in(client, "pat", PASSWORD, address="198.51.100.2").status_code == 200  # pat, elsewhere


def test_the_lock_ends_on_its_own(client, accounts):
    for _ in range(THROTTLE.failures):
        sign_in(client, "sue", "wrong")
    assert sign_in(client, "sue", PASSWORD).status_code == 429
    get_clock().advance(seconds=THROTTLE.first_lock.total_seconds() + 1)
    assert sign_in(client, "sue", PASSWORD).status_code == 200
