"""Finding due timers from the timer table: idle instances are never scanned or deserialized."""
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.models import ProcessInstance, WaitingTimer


def dao_due_instances(session: Session, at: datetime, after_id: int, limit: int) -> list[int]:
    """Running instances after `after_id` with a timer due before `at`, oldest first (strictly
    before: SpiffWorkflow fires a timer only once it is past)."""
    return list(session.scalars(_due(at).where(ProcessInstance.id > after_id)
                                .order_by(ProcessInstance.id).limit(limit)))


def dao_lock_due_instance(session: Session, instance_id: int, at: datetime) -> bool:
    """Lock the instance for this transaction if it still has a due timer and runs. On PostgreSQL
    an instance another worker holds is skipped (False), so workers sweeping at once share the
    work; SQLite serialises writers anyway (BEGIN IMMEDIATE)."""
    due = select(WaitingTimer.id).where(WaitingTimer.instance_id == instance_id, WaitingTimer.due_at < at).exists()
    locked = (select(ProcessInstance.id).where(ProcessInstance.id == instance_id, ProcessInstance.status == "running",
                                               due).with_for_update(skip_locked=True))
    return session.scalar(locked) is not None


def _due(at: datetime):
    due = select(WaitingTimer.instance_id).where(WaitingTimer.due_at < at)  # the due_at index
    return select(ProcessInstance.id).where(ProcessInstance.id.in_(due), ProcessInstance.status == "running")
