"""Delivery fixtures: the real servers of tests/fixtures/servers.py, and subscribing through the DAO."""
from engine.clock import now
from tests.engine.flow import checkpoint  # noqa: F401  (fixture)
from tests.fixtures.servers import NOTIFY_API_KEY, SECRET, notify_server, receiver, smtp_server  # noqa: F401
from webhooks.subscriptions import dao_add_subscription


def subscribe(engine, url: str, events: list[str], secret: str = SECRET) -> int:
    with engine.db.transaction() as session:
        return dao_add_subscription(session, url, events, secret, None, "root", now()).id
