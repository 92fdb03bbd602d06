"""Who did what, when: every action on an instance, a definition, an account or a webhook is one
row of the history, written in the same transaction as the action itself."""
from datetime import datetime

from sqlalchemy.orm import Session

from engine.models import HistoryEvent


def dao_append_history(session: Session, instance_id: int | None, actor: str, event: str, at: datetime,
                       element_id: str | None = None, **detail) -> None:
    session.add(HistoryEvent(instance_id=instance_id, actor=actor, event=event, at=at,
                             element_id=element_id, detail=detail))
