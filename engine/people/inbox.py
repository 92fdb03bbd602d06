"""A person's messages: every notification addressed to them, kept for them in the service whether
or not its email went out (no mail service configured, or the address refused). A notification
names its people by their email delivery rows (engine/outbox.py, one per recipient), so a person's
messages are the notifications with a delivery to them: nobody else's, ever. Reading one is their
own read state (`message_read`), not history.

Urgent: a message its diagram sent with `notify(..., urgent=True)` (the child-safety alert's,
R-40 to R-45): policy in the diagram a process owner edits.
"""
from datetime import datetime

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from engine.calendar import LONDON
from engine.db import DIALECT_INSERTS
from engine.errors import NotFound
from engine.models import Delivery, MessageRead, OutboxMessage

EMAIL_WORDS = {"pending": "Email not sent yet", "dead": "Email could not be sent", "cancelled": "Email not sent"}


def _addressed_to(username: str, *columns):
    """The notifications with an email delivery to this person (by default: each with that delivery)."""
    return (select(*(columns or (OutboxMessage, Delivery))).select_from(OutboxMessage)
            .join(Delivery, Delivery.message_id == OutboxMessage.id)
            .where(Delivery.recipient == username, Delivery.channel == "email",
                   OutboxMessage.event_type == "notification"))


def _unread(username: str):
    return ~exists().where(MessageRead.message_id == OutboxMessage.id, MessageRead.username == username)


def dao_count_unread(session: Session, username: str) -> int:
    """What the header counts on every page: one count over the person's deliveries (ix_delivery_recipient)."""
    unread = _addressed_to(username, OutboxMessage.id).where(_unread(username))
    return session.execute(select(func.count()).select_from(unread.subquery())).scalar_one()


def dao_list_messages(session: Session, username: str, page: int = 1, page_size: int = 20) -> dict:
    """A page of the person's messages, newest first, with how many there are and how many unread."""
    total = session.scalar(select(func.count()).select_from(_addressed_to(username).subquery()))
    rows = session.execute(_addressed_to(username).order_by(OutboxMessage.id.desc())
                           .limit(page_size).offset((page - 1) * page_size)).all()
    read = _read_at(session, username, [message.id for message, _ in rows])
    return {"items": [shown(message, delivery, read.get(message.id)) for message, delivery in rows],
            "total": total, "unread": dao_count_unread(session, username), "page": page, "page_size": page_size}


def dao_mark_read(session: Session, username: str, message_id: int, at: datetime) -> dict:
    """Mark one of the person's messages read; again changes nothing (the first time is kept).
    Another person's message, or none, is 404: the same answer, so ids reveal nothing."""
    row = session.execute(_addressed_to(username).where(OutboxMessage.id == message_id)).first()
    if row is None:
        raise NotFound(f"no message {message_id}")
    _dao_read(session, username, [message_id], at)
    return shown(row[0], row[1], _read_at(session, username, [message_id])[message_id])


def dao_mark_all_read(session: Session, username: str, at: datetime) -> int:
    """Mark every unread message of the person read; answers how many were."""
    ids = sorted(set(session.scalars(_addressed_to(username, OutboxMessage.id).where(_unread(username)))))
    _dao_read(session, username, ids, at)
    return len(ids)


def _dao_read(session: Session, username: str, ids: list[int], at: datetime) -> None:
    """INSERT ... ON CONFLICT DO NOTHING: read twice, or in two tabs at once, the first time stays
    and neither fails."""
    if ids:
        insert = DIALECT_INSERTS[session.get_bind().dialect.name](MessageRead)
        session.execute(insert.values([{"message_id": i, "username": username, "read_at": at} for i in ids])
                        .on_conflict_do_nothing(index_elements=["message_id", "username"]))  # type: ignore[attr-defined]  # dialect's insert


def _read_at(session: Session, username: str, ids: list[int]) -> dict[int, datetime]:
    if not ids:
        return {}
    rows = session.execute(select(MessageRead.message_id, MessageRead.read_at)
                           .where(MessageRead.username == username, MessageRead.message_id.in_(ids)))
    return dict(rows.all())


def shown(message: OutboxMessage, delivery: Delivery, read_at: datetime | None) -> dict:
    """One message as the person sees it: what it says (its text is the notification's, names
    withheld when written, R-81), its case, when, whether it was emailed, and whether read."""
    payload = message.payload or {}
    return {"id": message.id, "subject": message.subject, "body": message.body, "case_ref": message.case_ref,
            "instance_id": message.instance_id, "link": payload.get("link"),
            "created_at": message.created_at.isoformat(), "urgent": bool(payload.get("urgent")),
            "read": read_at is not None, "read_at": read_at.isoformat() if read_at else None,
            "email": {"status": delivery.status, "words": email_words(delivery),
                      "sent_at": delivery.delivered_at.isoformat() if delivery.delivered_at else None}}


def email_words(delivery: Delivery) -> str:
    if delivery.status == "delivered" and delivery.delivered_at:
        local = delivery.delivered_at.astimezone(LONDON)
        return f"Sent by email on {local.day} {local:%B %Y} at {local:%H:%M}"
    return EMAIL_WORDS.get(delivery.status, "Email not sent yet")
