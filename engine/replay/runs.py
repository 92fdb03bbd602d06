"""The replay_run rows: a replay's selection and result, kept once it has run (the only row a
replay writes, in a transaction of its own after the replay's, which only reads)."""
from datetime import datetime

from sqlalchemy.orm import Session

from engine.errors import NotFound
from engine.models import ReplayRun
from engine.replay.run import ReplayResult, Selection


def dao_add_replay_run(session: Session, selection: Selection, result: ReplayResult, created_by: str,
                       at: datetime) -> ReplayRun:
    row = ReplayRun(process_id=selection.process_id, bundle_hash=result.bundle_hash,
                    started_from=selection.started_from, started_to=selection.started_to,
                    service_area=selection.service_area, status="done", result=result.as_dict(),
                    created_by=created_by, created_at=at)
    session.add(row)
    session.flush()
    return row


def dao_get_replay_run(session: Session, run_id: int) -> ReplayRun:
    row = session.get(ReplayRun, run_id)
    if row is None:
        raise NotFound(f"replay {run_id} does not exist")
    return row
