"""Finding due timers from the timer table: idle instances are never scanned or deserialized."""
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import ProcessInstance, WaitingTimer


def dao_lock_due_instances(session: Session, at: datetime, after_id: int, limit: int) -> list[int]:
    """Running instances after `after_id` with a timer due before `at`, oldest first, locked for
    this transaction.

    On PostgreSQL, rows another worker holds are skipped and the search goes on past them, so two
    workers sweeping at once each take a different batch; SQLite serialises writers anyway
    (BEGIN IMMEDIATE). Strictly before `at`: SpiffWorkflow fires a timer only once it is past.
    """
    due = select(WaitingTimer.instance_id).where(WaitingTimer.due_at < at)  # the due_at index
    locked = (select(ProcessInstance.id)
              .where(ProcessInstance.id.in_(due), ProcessInstance.id > after_id, ProcessInstance.status == "running")
              .order_by(ProcessInstance.id).limit(limit)
              .with_for_update(skip_locked=True))
    return list(session.scalars(locked))
