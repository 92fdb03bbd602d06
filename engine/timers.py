"""Finding due timers from the timer table: idle instances are never scanned or deserialized."""
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import ProcessInstance, WaitingTimer


def dao_lock_due_instances(session: Session, at: datetime, after_id: int, limit: int) -> list[int]:
    """Running instances with a timer due before `at`, locked for this transaction.

    On PostgreSQL, rows another worker holds are skipped; SQLite serialises writers anyway
    (BEGIN IMMEDIATE). Strictly before `at`: SpiffWorkflow fires a timer only once it is past.
    """
    due = (select(WaitingTimer.instance_id).where(WaitingTimer.due_at < at, WaitingTimer.instance_id > after_id)
           .distinct().order_by(WaitingTimer.instance_id).limit(limit))
    candidates = list(session.scalars(due))
    if not candidates:
        return []
    locked = (select(ProcessInstance.id)
              .where(ProcessInstance.id.in_(candidates), ProcessInstance.status == "running")
              .order_by(ProcessInstance.id)
              .with_for_update(skip_locked=True))
    return list(session.scalars(locked))
