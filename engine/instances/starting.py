"""Which processes there are to start: the newest version of each deployed process (what start()
starts), read without their specs."""
from sqlalchemy import func, select
from sqlalchemy.orm import Session, defer

from engine.models import ProcessVersion


def newest_versions(session: Session) -> list[ProcessVersion]:
    """The newest version of every deployed process, by name."""
    newest = (select(ProcessVersion.process_id, func.max(ProcessVersion.version).label("version"))
              .group_by(ProcessVersion.process_id).subquery())
    query = (select(ProcessVersion).options(defer(ProcessVersion.specs), defer(ProcessVersion.forms))
             .join(newest, (newest.c.process_id == ProcessVersion.process_id)
                   & (newest.c.version == ProcessVersion.version))
             .order_by(ProcessVersion.name, ProcessVersion.process_id))
    return list(session.scalars(query))
