"""What administrators do with events out, each in one transaction: subscriptions (checked against
where webhooks may go), deliveries with their attempts, replays, and the outbox itself."""
from engine.clock import now
from engine.db import Database
from engine.errors import InvalidData

from . import subscriptions
from .delivery import dao_get_delivery, dao_replay
from .destinations import Destinations, RefusedDestination
from .views import delivery_detail, delivery_page, outbox_page


class WebhookAdmin:
    def __init__(self, db: Database, destinations: Destinations, https_only: bool = False):
        self.db, self.destinations, self.https_only = db, destinations, https_only

    def subscribe(self, url: str, events: list[str], secret: str, description: str | None, actor: str) -> dict:
        """Deliver events of these types to `url` from now on; 422 for a URL webhooks may not reach."""
        if self.https_only and not url.startswith("https://"):
            raise InvalidData("the subscription is not valid", {"url": ["must be an https:// URL in production"]})
        try:
            self.destinations.check_url(url)
        except RefusedDestination as refused:
            raise InvalidData("the subscription is not valid", {"url": [str(refused)]}) from None
        with self.db.transaction() as session:
            subscription = subscriptions.dao_add_subscription(session, url, events, secret, description, actor, now())
            return subscriptions.subscription_view(subscription)

    def subscriptions(self) -> list[dict]:
        with self.db.reading() as session:
            return [subscriptions.subscription_view(s) for s in subscriptions.dao_list_subscriptions(session)]

    def subscription(self, subscription_id: int) -> dict:
        with self.db.reading() as session:
            return subscriptions.subscription_view(subscriptions.dao_get_subscription(session, subscription_id))

    def unsubscribe(self, subscription_id: int, actor: str) -> None:
        with self.db.transaction() as session:
            subscriptions.dao_remove_subscription(session, subscription_id, actor, now())

    def deliveries(self, **query) -> dict:
        with self.db.reading() as session:
            return delivery_page(session, **query)

    def delivery(self, delivery_id: int) -> dict:
        with self.db.reading() as session:
            return delivery_detail(session, dao_get_delivery(session, delivery_id))

    def replay(self, delivery_id: int, actor: str) -> dict:
        with self.db.transaction() as session:
            return delivery_detail(session, dao_replay(session, delivery_id, actor, now()))

    def outbox(self, **query) -> dict:
        with self.db.reading() as session:
            return outbox_page(session, **query)
