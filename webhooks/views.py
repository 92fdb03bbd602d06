"""Read-only pages of the outbox and of deliveries with their attempts, for operators."""
from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session, selectinload

from engine.models import Delivery, DeliveryAttempt, OutboxMessage

from .delivery import dao_attempts


def delivery_page(session: Session, page: int, page_size: int, **filters) -> dict:
    """Deliveries, newest first, each with every attempt."""
    query = select(Delivery).join(OutboxMessage, OutboxMessage.id == Delivery.message_id)
    for name in ("channel", "status", "subscription_id", "recipient"):
        if filters.get(name) is not None:
            query = query.where(getattr(Delivery, name) == filters[name])
    for name, column in (("event_type", OutboxMessage.event_type), ("instance_id", OutboxMessage.instance_id),
                         ("case_ref", OutboxMessage.case_ref)):
        if filters.get(name) is not None:
            query = query.where(column == filters[name])
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    rows = list(session.scalars(query.options(selectinload(Delivery.message)).order_by(Delivery.id.desc())
                                .offset((page - 1) * page_size).limit(page_size)))
    attempts = dao_attempts(session, [row.id for row in rows])
    return {"items": [delivery_view(row, attempts[row.id]) for row in rows], "page": page, "page_size": page_size,
            "total": total}


def delivery_detail(session: Session, delivery: Delivery) -> dict:
    """One delivery with every attempt."""
    return delivery_view(delivery, dao_attempts(session, [delivery.id])[delivery.id])


def delivery_view(delivery: Delivery, attempts: list[DeliveryAttempt]) -> dict:
    message = delivery.message
    return {"id": delivery.id, "event_id": message.event_id, "event_type": message.event_type,
            "instance_id": message.instance_id, "case_ref": message.case_ref, "channel": delivery.channel,
            "subscription_id": delivery.subscription_id, "recipient": delivery.recipient, "status": delivery.status,
            "attempt_count": delivery.attempts, "next_attempt_at": _iso(delivery.next_attempt_at),
            "last_error": delivery.last_error, "delivered_at": _iso(delivery.delivered_at),
            "created_at": _iso(delivery.created_at), "attempts": [attempt_view(a) for a in attempts]}


def attempt_view(attempt: DeliveryAttempt) -> dict:
    return {"at": _iso(attempt.at), "worker": attempt.worker, "outcome": attempt.outcome,
            "status_code": attempt.status_code, "error": attempt.error, "duration_ms": attempt.duration_ms}


def outbox_page(session: Session, page: int, page_size: int, pending: bool | None = None, **filters) -> dict:
    """Events, newest first, each with where it is going and how far it got."""
    query = select(OutboxMessage)
    for name, column in (("type", OutboxMessage.event_type), ("instance_id", OutboxMessage.instance_id),
                         ("case_ref", OutboxMessage.case_ref)):
        if filters.get(name) is not None:
            query = query.where(column == filters[name])
    if pending is not None:
        waiting = exists().where(Delivery.message_id == OutboxMessage.id, Delivery.status == "pending")
        query = query.where(waiting if pending else ~waiting)
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    rows = session.scalars(query.options(selectinload(OutboxMessage.deliveries)).order_by(OutboxMessage.id.desc())
                           .offset((page - 1) * page_size).limit(page_size))
    return {"items": [message_view(m) for m in rows], "page": page, "page_size": page_size, "total": total}


def message_view(message: OutboxMessage) -> dict:
    return {"id": message.id, "event_id": message.event_id, "type": message.event_type,
            "occurred_at": _iso(message.created_at), "instance_id": message.instance_id, "case_ref": message.case_ref,
            "recipients": message.recipients, "subject": message.subject, "body": message.body,
            "data": message.payload,
            "deliveries": [{"id": d.id, "channel": d.channel, "subscription_id": d.subscription_id,
                            "recipient": d.recipient, "status": d.status, "attempt_count": d.attempts,
                            "last_error": d.last_error} for d in message.deliveries]}


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None
