"""Ended sign-ins are deleted after a while (issue 25, left over): bearer tokens and page sessions that
expired or were revoked more than QA_SIGN_IN_KEPT_DAYS ago, by the worker once an hour; live ones stay."""
from datetime import timedelta

from sqlalchemy import func, select

from engine.instances.worker import every
from engine.models import ApiToken, PageSession
from engine.people.accounts import dao_issue_token, dao_revoke, purge_ended_sign_ins
from engine.people.page_sessions import dao_open_page_session

KEPT = timedelta(days=30)


def held(engine) -> tuple[int, int]:
    with engine.db.reading() as session:
        return (session.scalar(select(func.count()).select_from(ApiToken)),
                session.scalar(select(func.count()).select_from(PageSession)))


def test_only_sign_ins_ended_longer_ago_than_kept_are_deleted(org, clock):
    with org.db.transaction() as session:
        dao_issue_token(session, "pat", timedelta(hours=12))  # expires today
        dao_open_page_session(session, "pat", timedelta(hours=12))
        revoked, _ = dao_issue_token(session, "tom", timedelta(days=90))
        dao_revoke(session, revoked)  # signed out today, though it would have run for 90 days
    clock.advance(days=30)
    with org.db.transaction() as session:
        dao_issue_token(session, "ann", timedelta(hours=12))  # live
    assert purge_ended_sign_ins(org.db, KEPT) == 0  # ended 29.5 and 30 days ago: kept
    assert held(org) == (3, 1)
    clock.advance(days=1)
    assert purge_ended_sign_ins(org.db, KEPT) == 3
    assert held(org) == (1, 0)  # ann's, expired hours ago, is kept for 30 days


def test_the_worker_purges_at_most_once_an_hour(org, clock):
    with org.db.transaction() as session:
        dao_issue_token(session, "pat", timedelta(hours=1))
    job = every(timedelta(hours=1), lambda: purge_ended_sign_ins(org.db, timedelta(0)))
    assert job() == 0  # the token is live: nothing to delete, and the hour starts now
    clock.advance(minutes=90)
    with org.db.transaction() as session:
        dao_issue_token(session, "tom", timedelta(minutes=1))
    assert job() == 1
    clock.advance(minutes=59)
    assert job() == 0 and held(org) == (1, 0)  # tom's ended, but the hour since the last purge has not passed
    clock.advance(minutes=1)
    assert job() == 1 and held(org) == (0, 0)
