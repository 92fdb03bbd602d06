"""Deliveries of the outbox: claimed under a lease, sent, and recorded with every attempt.

Claiming takes, oldest first, pending deliveries that are due, not leased by a live worker, and
the oldest pending one of their stream, so that the events of one instance reach a subscriber (or
a person) in the order they happened. FOR UPDATE SKIP LOCKED lets several workers claim at once
without taking the same rows (SQLite serialises writers instead). The lease is committed before
anything is sent: a worker that dies mid-batch leaves its deliveries pending, and once the lease
runs out another worker sends them. Delivery is therefore at least once; receivers drop a
repeated X-Event-Id.

A failed attempt is retried with exponential back-off and jitter; after the policy's last attempt,
or at once when the other end refuses for good (an address that does not exist), the delivery is
dead: it no longer holds back its stream, and an administrator can replay it.
"""
import json
import random
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session, aliased, selectinload

from engine.errors import Conflict, NotFound
from engine.history import dao_append_history
from engine.models import Delivery, DeliveryAttempt, OutboxMessage, Person, WebhookSubscription


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 12
    backoff_seconds: float = 5.0
    backoff_max_seconds: float = 3600.0

    def delay(self, attempts: int, rng: random.Random) -> timedelta:
        """After the n-th failed attempt: base x 2^(n-1), capped, then between half and all of it
        (jitter), so receivers coming back are not hit by every worker at the same second."""
        full = min(self.backoff_max_seconds, self.backoff_seconds * 2 ** (attempts - 1))
        return timedelta(seconds=full * (0.5 + rng.random() / 2))


@dataclass(frozen=True)
class Job:
    """What a sender needs, read while claiming, so nothing is sent inside a transaction."""
    delivery_id: int
    channel: str  # webhook | email
    event_id: str
    event_type: str
    document: bytes  # the JSON body of a webhook: {"id", "type", "occurred_at", "data"}
    subject: str = ""
    text: str = ""
    case_ref: str | None = None
    link: str | None = None
    process_id: str | None = None
    url: str | None = None  # webhook
    secret: str | None = None
    recipient: str | None = None  # email: the username and their address
    email: str | None = None
    refusal: str | None = None  # why it cannot be sent at all (a person without an address)


@dataclass(frozen=True)
class Result:
    delivered: bool
    permanent: bool = False  # the other end refused for good: retrying cannot help
    status_code: int | None = None
    error: str | None = None
    duration_ms: int = 0


def event_document(message: OutboxMessage) -> bytes:
    """The event as API.md's webhooks carry it; the same bytes on every attempt."""
    document = {"id": message.event_id, "type": message.event_type,
                "occurred_at": message.created_at.isoformat(), "data": message.payload}
    return json.dumps(document, separators=(",", ":"), sort_keys=True).encode()


def dao_claim(session: Session, at: datetime, worker: str, channels: list[str], limit: int,
              lease: timedelta) -> list[Job]:
    """Lease up to `limit` deliveries that may be sent now, and answer what sending them needs."""
    # The oldest pending delivery of the stream, found per candidate through ix_delivery_stream. (A
    # NOT EXISTS over earlier pending rows let the planner pick a nested-loop anti join that read
    # every pending row for every candidate.)
    earlier = aliased(Delivery)
    head = (select(func.min(earlier.id)).where(earlier.stream == Delivery.stream, earlier.status == "pending")
            .scalar_subquery())
    claimable = (select(Delivery)
                 .where(Delivery.status == "pending", Delivery.next_attempt_at <= at, Delivery.channel.in_(channels),
                        or_(Delivery.leased_until.is_(None), Delivery.leased_until <= at), Delivery.id == head)
                 .order_by(Delivery.id).limit(limit).with_for_update(skip_locked=True, of=Delivery))
    deliveries = list(session.scalars(claimable.options(selectinload(Delivery.message))))
    if deliveries:
        session.execute(update(Delivery).where(Delivery.id.in_([d.id for d in deliveries]))
                        .values(leased_until=at + lease, leased_by=worker).execution_options(synchronize_session=False))
    subscriptions = _rows_by_key(session, WebhookSubscription.id, {d.subscription_id for d in deliveries})
    people = _rows_by_key(session, Person.username, {d.recipient for d in deliveries})
    return [_job(delivery, subscriptions, people) for delivery in deliveries]


def _rows_by_key(session: Session, key, values: set) -> dict:
    """The rows whose `key` is one of `values`, in one query."""
    values = values - {None}
    if not values:
        return {}
    return {getattr(row, key.key): row for row in session.scalars(select(key.class_).where(key.in_(values)))}


def _job(delivery: Delivery, subscriptions: dict, people: dict) -> Job:
    message = delivery.message
    payload = message.payload
    job = Job(delivery.id, delivery.channel, message.event_id, message.event_type, event_document(message),
              subject=message.subject, text=message.body, case_ref=message.case_ref, link=payload.get("link"),
              process_id=payload.get("process_id"))
    if delivery.channel == "webhook":
        subscription = subscriptions[delivery.subscription_id]
        # Removed after the step that wrote this delivery read the subscriptions, before it committed.
        refusal = None if subscription.active else f"subscription {subscription.id} was removed"
        return replace(job, url=subscription.url, secret=subscription.secret, refusal=refusal)
    person = people.get(delivery.recipient)
    refusal = (f"{delivery.recipient} is not in the directory" if person is None
               else f"{delivery.recipient} is no longer active" if not person.active
               else f"{delivery.recipient} has no email address" if not person.email else None)
    return replace(job, recipient=delivery.recipient, email=person.email if person else None, refusal=refusal)


def dao_lock_deliveries(session: Session, delivery_ids: list[int]) -> dict[int, Delivery]:
    """The deliveries, locked in id order (the order every writer takes, so none deadlock)."""
    query = select(Delivery).where(Delivery.id.in_(delivery_ids)).order_by(Delivery.id).with_for_update()
    return {delivery.id: delivery for delivery in session.scalars(query)}


def dao_record(session: Session, delivery: Delivery, result: Result, at: datetime, worker: str,
               policy: RetryPolicy, rng: random.Random) -> str:
    """Log the attempt and move the (locked) delivery on: delivered, due again after its back-off,
    or dead. Answers its status. If this worker's lease ran out and another took the delivery, only
    the attempt is logged: the other worker decides."""
    outcome = "delivered" if result.delivered else "refused" if result.permanent else "failed"
    session.add(DeliveryAttempt(delivery_id=delivery.id, at=at, worker=worker, outcome=outcome,
                                status_code=result.status_code, error=result.error, duration_ms=result.duration_ms))
    if delivery.status != "pending" or delivery.leased_by != worker:
        return delivery.status
    delivery.attempts += 1
    delivery.leased_until = delivery.leased_by = None
    if result.delivered:
        delivery.status, delivery.delivered_at, delivery.last_error = "delivered", at, None
    elif result.permanent or delivery.attempts >= policy.max_attempts:
        delivery.status, delivery.last_error = "dead", result.error
    else:
        delivery.next_attempt_at, delivery.last_error = at + policy.delay(delivery.attempts, rng), result.error
    return delivery.status


def dao_replay(session: Session, delivery_id: int, actor: str, at: datetime) -> Delivery:
    """Send a dead (or delivered) delivery again, from a fresh count of attempts; recorded (R-80)."""
    delivery = dao_get_delivery(session, delivery_id, lock=True)
    if delivery.status not in ("dead", "delivered"):
        raise Conflict(f"delivery {delivery_id} is {delivery.status}: only a dead or delivered one is replayed")
    if delivery.subscription_id is not None and not session.get(WebhookSubscription, delivery.subscription_id).active:
        raise Conflict(f"delivery {delivery_id} belongs to subscription {delivery.subscription_id}, which was removed")
    dao_append_history(session, delivery.message.instance_id, actor, "delivery_replayed", at,
                       delivery_id=delivery.id, event_id=delivery.message.event_id, channel=delivery.channel,
                       previous_status=delivery.status)
    delivery.status, delivery.attempts, delivery.next_attempt_at = "pending", 0, at
    delivery.leased_until = delivery.leased_by = delivery.delivered_at = None
    return delivery


def dao_get_delivery(session: Session, delivery_id: int, lock: bool = False) -> Delivery:
    delivery = session.get(Delivery, delivery_id, with_for_update=lock or None)
    if delivery is None:
        raise NotFound(f"delivery {delivery_id} does not exist")
    return delivery


def dao_attempts(session: Session, delivery_ids: list[int]) -> dict[int, list[DeliveryAttempt]]:
    """The attempts of each delivery, oldest first."""
    attempts: dict[int, list[DeliveryAttempt]] = {i: [] for i in delivery_ids}
    query = (select(DeliveryAttempt).where(DeliveryAttempt.delivery_id.in_(delivery_ids))
             .order_by(DeliveryAttempt.id))
    for attempt in session.scalars(query):
        attempts[attempt.delivery_id].append(attempt)
    return attempts
