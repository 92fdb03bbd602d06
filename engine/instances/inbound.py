"""The replay log of the case-record system's webhook (R-50): each event id taken once, in the same
transaction as the instance it starts. The signature is checked before (webhooks/signing.py)."""
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine.models import InboundEvent


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
        earlier = session.scalars(select(InboundEvent).where(
            (InboundEvent.event_id == event_id) | (InboundEvent.signature == signed))).first()
        if earlier is None:  # not a delivery taken already: some other constraint failed
            raise
        return earlier, False
    return row, True
