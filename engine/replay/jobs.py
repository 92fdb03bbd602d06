"""The worker's "replays run" job: claim the oldest queued replay, run it, keep what it found.

Each write is a short transaction of its own (the claim; each progress, which also reads whether the
owner asked to stop; the end), beside the replay's own, which only reads: a replay holds no lock
while it runs. A run the worker no longer holds (reclaimed as stale meanwhile, or cancelled while
queued just as it was claimed) is left as it is.
"""
import logging
from collections.abc import Callable
from datetime import datetime

from engine.clock import get_clock
from engine.db import Database
from engine.errors import EngineError
from engine.models import ReplayRun
from engine.replay import runs
from engine.replay.progress import Cancelled, Progress
from engine.replay.run import ReplayResult, Selection

log = logging.getLogger(__name__)

Replayer = Callable[[dict[str, bytes], Selection, Progress], ReplayResult]  # WorkflowEngine.replay


def service_now() -> datetime:
    """The service's time, not the replay's own clock (engine/clock.replaying_on), whichever context asks."""
    return get_clock().now()


def run_queued_replays(db: Database, replayer: Replayer) -> int:
    """Reclaim the runs dead workers left, then run the oldest queued one (one per tick, so that the
    worker's other jobs, timers and deliveries, take their turn between replays). Answers how many
    runs it moved."""
    with db.transaction() as session:
        reclaimed = runs.dao_reclaim_stale_replay_runs(session, service_now())
    with db.transaction() as session:
        row = runs.dao_claim_replay_run(session, service_now())
        claimed = row and (row.id, row.claims, runs.bundle_files(row), runs.selection_of(row))
    if not claimed:
        return reclaimed
    run_id, claim, files, selection = claimed
    try:
        result = replayer(files, selection, _progress(db, run_id, claim))
    except Cancelled:
        _end(db, run_id, claim, "cancelled")
    except EngineError as error:  # the bundle no longer fits the deployed set, its process is gone
        _end(db, run_id, claim, "failed", error=error.detail)
    except Exception as error:
        log.exception("replay %s failed", run_id)
        _end(db, run_id, claim, "failed", error=f"{type(error).__name__}: {error}")
    else:
        _end(db, run_id, claim, "done", result=result)
    return reclaimed + 1


def _progress(db: Database, run_id: int, claim: int) -> Progress:
    def progress(done: int, total: int) -> bool:
        with db.transaction() as session:
            row = _held(session, run_id, claim)
            if row is None:
                return False
            row.done, row.total, row.progressed_at = done, total, service_now()
            return not row.cancel_requested
    return progress


def _end(db: Database, run_id: int, claim: int, status: str, result: ReplayResult | None = None,
         error: str | None = None) -> None:
    with db.transaction() as session:
        row = _held(session, run_id, claim)
        if row is None:
            return
        row.status, row.finished_at, row.error = status, service_now(), error
        if result is not None:
            row.result, row.bundle_hash = result.as_dict() | {"run_id": run_id}, result.bundle_hash
            row.done = row.total = result.selected


def _held(session, run_id: int, claim: int) -> ReplayRun | None:
    """The run, if this worker still holds it: running, under the claim it made."""
    row = runs.dao_get_replay_run(session, run_id, lock=True)
    return row if row.status == "running" and row.claims == claim else None
