"""Batches of a replay on several processes (issue 29: a year of audits in a minute on 2 cores).

Each process is started fresh ("spawn": nothing of the parent's connections, threads or clock is
inherited), opens its own connection from the database's URL, builds the candidate version once, then
replays the batches it is handed in read-only transactions of its own, and sends back their runs; the
parent merges them in the order of the selection and computes the figures once. A case's replay reads
only its own rows and the directory, so where it runs changes nothing of its result.
"""
import multiprocessing
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from datetime import datetime

from engine.calendar import WorkingCalendar
from engine.clock import install_engine_clock
from engine.db import Database
from engine.definitions.deploy import Candidate
from engine.instances.runtime import EngineContext
from engine.replay.batch import BatchResult, replay_batch, replay_version


@dataclass(frozen=True)
class Job:
    """What every process of the pool needs, sent to each once as it starts."""
    url: str
    candidate: Candidate
    as_of: datetime
    calendar: WorkingCalendar
    base_url: str
    max_state_bytes: int
    roles: dict[str, str]


def replay_in_pool(job: Job, batches: list[list[int]], processes: int,
                   keep_going: Callable[[int], bool]) -> list[BatchResult] | None:
    """Each batch's result, in the order of `batches`. As each batch ends, `keep_going(cases done so far)` is
    called in this process; when it answers False the batches not yet started are dropped and the pool stops
    (once the running ones end, so that no process is left behind): None."""
    context = multiprocessing.get_context("spawn")
    results: dict[int, BatchResult] = {}
    with ProcessPoolExecutor(processes, mp_context=context, initializer=_start, initargs=(job,)) as pool:
        pending: dict[Future, int] = {pool.submit(_replay, ids): index for index, ids in enumerate(batches)}
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                results[pending.pop(future)] = future.result()
            if not keep_going(sum(len(batches[index]) for index in results)):
                pool.shutdown(wait=True, cancel_futures=True)
                return None
    return [results[index] for index in range(len(batches))]


# --- in each process of the pool ------------------------------------------------------------------

_worker: dict = {}


def _start(job: Job) -> None:
    install_engine_clock()  # SpiffWorkflow's timers read engine.clock, and so each case's replay clock
    db = Database(job.url)
    ctx = EngineContext(job.calendar, job.base_url, max_state_bytes=job.max_state_bytes, roles=dict(job.roles))
    with db.reading() as session:
        version = replay_version(session, ctx, job.candidate)
    _worker.update(db=db, ctx=ctx, version=version, as_of=job.as_of)


def _replay(ids: list[int]) -> BatchResult:
    with _worker["db"].reading() as session:
        return replay_batch(session, _worker["ctx"], _worker["version"], ids, _worker["as_of"])
