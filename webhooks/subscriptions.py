"""Webhook subscriptions: where events of some types go, and the secret they are signed with.
Every change is in the history (R-80); the secret is never shown again once given."""
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from engine.errors import NotFound
from engine.history import dao_append_history
from engine.models import Delivery, WebhookSubscription


def dao_add_subscription(session: Session, url: str, events: list[str], secret: str, description: str | None,
                         actor: str, at: datetime) -> WebhookSubscription:
    """Events of these types from now on are delivered to `url` (earlier events are not)."""
    subscription = WebhookSubscription(url=url, events=list(dict.fromkeys(events)), secret=secret,
                                       description=description, active=True, created_at=at, created_by=actor)
    session.add(subscription)
    session.flush()
    dao_append_history(session, None, actor, "webhook_subscribed", at, subscription_id=subscription.id, url=url,
                       events=subscription.events)
    return subscription


def dao_list_subscriptions(session: Session, include_removed: bool = False) -> list[WebhookSubscription]:
    query = select(WebhookSubscription).order_by(WebhookSubscription.id)
    if not include_removed:
        query = query.where(WebhookSubscription.active.is_(True))
    return list(session.scalars(query))


def dao_get_subscription(session: Session, subscription_id: int) -> WebhookSubscription:
    subscription = session.get(WebhookSubscription, subscription_id)
    if subscription is None:
        raise NotFound(f"webhook subscription {subscription_id} does not exist")
    return subscription


def dao_remove_subscription(session: Session, subscription_id: int, actor: str, at: datetime) -> int:
    """Stop delivering to it: its pending deliveries are cancelled (their log stays). Answers how many."""
    subscription = dao_get_subscription(session, subscription_id)
    if not subscription.active:
        raise NotFound(f"webhook subscription {subscription_id} was removed already")
    subscription.active = False
    cancelled = session.execute(
        update(Delivery).where(Delivery.subscription_id == subscription_id, Delivery.status == "pending")
        .values(status="cancelled", leased_until=None, leased_by=None)
        .execution_options(synchronize_session=False)).rowcount
    dao_append_history(session, None, actor, "webhook_unsubscribed", at, subscription_id=subscription_id,
                       cancelled_deliveries=cancelled)
    return cancelled


def subscription_view(subscription: WebhookSubscription) -> dict:
    return {"id": subscription.id, "url": subscription.url, "events": subscription.events,
            "description": subscription.description, "active": subscription.active,
            "created_at": subscription.created_at.isoformat(), "created_by": subscription.created_by}
