"""Signed events from the case-record system (R-50): the signature of API.md's "Webhooks" and the
replay log that takes each event id once.

A sender signs "<X-Timestamp>.<raw body>" with HMAC-SHA256 under the shared key and sends
`X-Signature: sha256=<hex>`, `X-Timestamp` (Unix seconds) and `X-Event-Id`. A timestamp more than
5 minutes from the service's clock is refused, so a captured request cannot be replayed later; an
event id already taken is answered again and does nothing.
"""
import hashlib
import hmac
import re
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .models import InboundEvent

TOLERANCE_SECONDS = 5 * 60
MAX_BODY_BYTES = 64 * 1024  # an event is a few hundred bytes; this route refuses more (413)
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_EVENT_ID = re.compile(r"[\x21-\x7e]{1,200}")  # visible ASCII, no longer than the column


class Unverified(Exception):
    """Not an event signed with the shared key, or signed too long ago: answered 401, nothing done."""


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """The X-Signature value of `body` sent at `timestamp` (Unix seconds, as sent)."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify(secret: str, headers, body: bytes, at: datetime) -> tuple[str, str]:
    """(event id, signature) of a signed request, or Unverified. Compared in constant time."""
    event_id, timestamp, signed = (headers.get(h, "").strip() for h in ("X-Event-Id", "X-Timestamp", "X-Signature"))
    if not (event_id and timestamp and signed):
        raise Unverified("send X-Event-Id, X-Timestamp and X-Signature")
    if not _EVENT_ID.fullmatch(event_id):
        raise Unverified("X-Event-Id must be 1 to 200 visible ASCII characters")
    if not _TIMESTAMP.fullmatch(timestamp):
        raise Unverified("X-Timestamp must be Unix seconds")
    expected = signature(secret, timestamp, body).encode()
    if not hmac.compare_digest(expected, signed.lower().encode("utf-8", "replace")):
        raise Unverified("the signature does not match")
    if abs(at.timestamp() - int(timestamp)) > TOLERANCE_SECONDS:
        raise Unverified("X-Timestamp is more than 5 minutes from the service's clock")
    return event_id, expected.decode()


def dao_take_event(session: Session, event_id: str, event_type: str, at: datetime,
                   signed: str | None = None) -> tuple[InboundEvent, bool]:
    """Log the event: (its new row, True), or (the row of the earlier delivery, False) when its id
    or its signature was taken already, before or at the same time (PostgreSQL: the second insert
    waits for the first transaction, then fails on the key; SQLite serialises writers). No commit.

    The signature covers the timestamp and body but not the event id, so a captured request resent
    under a new id within the 5 minutes is caught by its signature."""
    earlier = session.get(InboundEvent, event_id) or (
        session.scalar(select(InboundEvent).where(InboundEvent.signature == signed)) if signed else None)
    if earlier is not None:
        return earlier, False
    row = InboundEvent(event_id=event_id, event_type=event_type, received_at=at, signature=signed)
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        return session.scalars(select(InboundEvent).where(
            (InboundEvent.event_id == event_id) | (InboundEvent.signature == signed))).first(), False
    return row, True
