"""The replay_run rows: a replay's bundle, selection, progress and result. A row is the job the worker
runs (engine/replay/jobs.py): queued when a process owner asks, running once a worker claims it, then
done (with its result), cancelled or failed. The only rows a replay writes, each in a transaction of its
own beside the replay's, which only reads."""
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.errors import Conflict, NotFound
from engine.models import ReplayRun
from engine.replay.run import ReplayResult, Selection

ENDED = ("done", "cancelled", "failed")
# A running replay tells its progress at least every 50 cases (a second or two): one silent for this
# long has lost its worker (killed, its host restarted).
STALE_AFTER = timedelta(minutes=10)


def bundle_text(files: dict[str, bytes]) -> dict[str, str]:
    """The bundle as its row keeps it (a deploy has checked each file is UTF-8 text)."""
    return {name: content.decode("utf-8") for name, content in files.items()}


def bundle_files(row: ReplayRun) -> dict[str, bytes]:
    return {name: content.encode("utf-8") for name, content in (row.bundle or {}).items()}


def selection_of(row: ReplayRun) -> Selection:
    return Selection(row.process_id, row.started_from, row.started_to, row.service_area)


def dao_add_replay_run(session: Session, selection: Selection, result: ReplayResult, files: dict[str, bytes],
                       created_by: str, at: datetime) -> ReplayRun:
    """A replay run at once (WorkflowEngine.replay with kept_by), kept done with its result."""
    row = ReplayRun(process_id=selection.process_id, bundle_hash=result.bundle_hash, bundle=bundle_text(files),
                    started_from=selection.started_from, started_to=selection.started_to,
                    service_area=selection.service_area, status="done", result=result.as_dict(),
                    done=result.selected, total=result.selected, created_by=created_by, created_at=at,
                    started_at=at, finished_at=at)
    session.add(row)
    session.flush()
    return row


def dao_queue_replay_run(session: Session, selection: Selection, files: dict[str, bytes], bundle_hash: str,
                         months: int | None, created_by: str, at: datetime) -> ReplayRun:
    """A replay for the worker to run: queued, nothing replayed yet."""
    row = ReplayRun(process_id=selection.process_id, bundle_hash=bundle_hash, bundle=bundle_text(files),
                    started_from=selection.started_from, started_to=selection.started_to,
                    service_area=selection.service_area, months=months, status="queued", done=0, total=0,
                    cancel_requested=False, claims=0, created_by=created_by, created_at=at)
    session.add(row)
    session.flush()
    return row


def dao_get_replay_run(session: Session, run_id: int, lock: bool = False, process_id: str | None = None) -> ReplayRun:
    """The run; with `process_id`, only if it replays that process (an address naming another is 404)."""
    query = select(ReplayRun).where(ReplayRun.id == run_id)
    row = session.scalar(query.with_for_update() if lock else query)
    if row is None or process_id not in (None, row.process_id):
        raise NotFound(f"replay {run_id} does not exist" + (f" for process '{process_id}'" if process_id else ""))
    return row


def dao_replay_runs(session: Session, process_id: str, bundle_hash: str | None = None) -> list[ReplayRun]:
    """A process's replays, newest first; with `bundle_hash`, those of one version's content."""
    query = select(ReplayRun).where(ReplayRun.process_id == process_id)
    if bundle_hash is not None:
        query = query.where(ReplayRun.bundle_hash == bundle_hash)
    return list(session.scalars(query.order_by(ReplayRun.created_at.desc(), ReplayRun.id.desc())))


def dao_cancel_replay_run(session: Session, run_id: int, at: datetime, process_id: str | None = None) -> ReplayRun:
    """A queued run ends cancelled at once; a running one is asked to stop (its worker stops at its
    next progress and marks it cancelled). An ended run is a Conflict."""
    row = dao_get_replay_run(session, run_id, lock=True, process_id=process_id)
    if row.status in ENDED:
        raise Conflict(f"replay {run_id} has ended ({row.status}): there is nothing to cancel")
    row.cancel_requested = True
    if row.status == "queued":
        row.status, row.finished_at = "cancelled", at
    return row


def dao_claim_replay_run(session: Session, at: datetime) -> ReplayRun | None:
    """The oldest queued run, now running for this worker. On PostgreSQL a run another worker is
    claiming is skipped; SQLite serialises writers anyway (BEGIN IMMEDIATE)."""
    row = session.scalar(select(ReplayRun).where(ReplayRun.status == "queued").order_by(ReplayRun.id)
                         .limit(1).with_for_update(skip_locked=True))
    if row is not None:
        row.status, row.started_at, row.progressed_at, row.claims = "running", at, at, row.claims + 1
        row.done = row.total = 0
    return row


def dao_reclaim_stale_replay_runs(session: Session, at: datetime) -> int:
    """Runs left running by a dead worker (no progress for STALE_AFTER). The first time, back to
    queued: a worker stopped by a restart or a host going down leaves it so, and the owner gets their
    result without asking again. The second time, failed: a replay that takes its worker down (its
    memory) would take down every worker that claimed it next. One asked to stop ends cancelled."""
    stale = list(session.scalars(select(ReplayRun).where(ReplayRun.status == "running",
                                                         ReplayRun.progressed_at < at - STALE_AFTER)
                                 .with_for_update(skip_locked=True)))
    for row in stale:
        if row.cancel_requested:
            row.status, row.finished_at = "cancelled", at
        elif row.claims < 2:
            row.status, row.done, row.total = "queued", 0, 0
        else:
            row.status, row.finished_at = "failed", at
            row.error = "the worker running this replay stopped twice without finishing it"
    return len(stale)


def run_dict(row: ReplayRun) -> dict:
    """What the API and the pages show of a run (its result only once done)."""
    def iso(at: datetime | None) -> str | None:
        return at.isoformat() if at else None
    return {"id": row.id, "process_id": row.process_id, "bundle_hash": row.bundle_hash, "status": row.status,
            "cancel_requested": row.cancel_requested, "done": row.done, "total": row.total,
            "months": row.months, "started_from": iso(row.started_from), "started_to": iso(row.started_to),
            "service_area": row.service_area, "created_by": row.created_by, "created_at": iso(row.created_at),
            "started_at": iso(row.started_at), "finished_at": iso(row.finished_at), "error": row.error,
            "result": row.result if row.status == "done" else None}
