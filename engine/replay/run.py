"""A replay: a bundle, the past cases selected, each replayed and compared with its record."""
import os
from dataclasses import asdict, dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from engine.clock import install_engine_clock, now
from engine.definitions.deploy import candidate_versions
from engine.errors import NotFound
from engine.instances.runtime import EngineContext
from engine.replay.batch import CaseOutcome, dao_selected_ids, replay_batch, replay_version
from engine.replay.figures import escalation_elements, figures, path_change
from engine.replay.pool import Job, replay_in_pool
from engine.replay.progress import Cancelled, Progress, tell
from engine.replay.record import CaseRun

PROCESSES = os.cpu_count() or 1  # issue 29: a year of audits replayed on both cores of the council's machine
# Fewer cases than this replay in the caller's process: starting a pool's processes (importing the engine,
# building the candidate version: ~2 s each) costs more than a second core saves on them.
PARALLEL_FROM = 200
BATCH = 25  # cases per batch a pool's process takes: both busy to the end, progress at least every 50 cases

@dataclass(frozen=True)
class Selection:
    """The past cases to replay: a process's instances started in [started_from, started_to),
    optionally of one service area."""
    process_id: str
    started_from: datetime
    started_to: datetime
    service_area: str | None = None


@dataclass
class ReplayResult:
    """What the bundle would have done to the selected cases; JSON values throughout (as_dict)."""
    process_id: str
    bundle_hash: str  # the digest a deploy of the bundle would give the process's version
    started_from: str
    started_to: str
    service_area: str | None
    as_of: str  # the moment the replay ran the cases up to
    selected: int = 0
    compared: int = 0  # ended as recorded and as replayed: the figures count these
    open: int = 0  # not ended in the record: replayed as far as it goes, not in the figures
    skipped: int = 0  # ended otherwise than by completing (terminated, in error): not replayed
    diverged: list[dict] = field(default_factory=list)  # {"instance_id", "case_ref", "element_id", "reason"}
    failed: list[dict] = field(default_factory=list)
    recorded: dict = field(default_factory=dict)  # figures.figures over the compared cases as recorded
    replayed: dict = field(default_factory=dict)  # and as replayed
    path_changes: list[dict] = field(default_factory=list)
    cases: list[dict] = field(default_factory=list)  # each case: {"instance_id", "recorded", "replayed"}
    run_id: int | None = None  # its replay_run row, once kept (engine/replay/runs.py)

    def as_dict(self) -> dict:
        return asdict(self)


def replay(session: Session, ctx: EngineContext, files: dict[str, bytes], selection: Selection,
           as_of: datetime | None = None, progress: Progress | None = None,
           processes: int | None = None) -> ReplayResult:
    """Replay the selected cases on the bundle's version of their process (engine/replay/__init__.py).
    InvalidDefinition when the bundle fails a deploy's checks; NotFound when it has no such process.
    `progress(done, total)` is called once the selection is known (done=0), then as cases end (after each
    in this process; after each batch of at most BATCH in a pool) and at the end: False stops the replay
    (Cancelled). `processes`: how many to replay on (default: every core, for PARALLEL_FROM cases or
    more on a database other processes can open). Reads only."""
    install_engine_clock()  # SpiffWorkflow's timers read engine.clock, and so the replay's clock
    candidates = candidate_versions(session, files)
    if selection.process_id not in candidates:
        raise NotFound(f"the bundle and the deployed files hold no process '{selection.process_id}'")
    candidate = candidates[selection.process_id]
    version = replay_version(session, ctx, candidate)
    as_of = as_of or now()
    result = ReplayResult(selection.process_id, candidate.content_hash, selection.started_from.isoformat(),
                          selection.started_to.isoformat(), selection.service_area, as_of.isoformat())
    ids = dao_selected_ids(session, selection.process_id, selection.started_from, selection.started_to,
                           selection.service_area)
    tell(progress, 0, len(ids))
    url = _shareable_url(session)
    processes = processes or (PROCESSES if len(ids) >= PARALLEL_FROM else 1)
    if processes > 1 and url is not None:
        job = Job(url, candidate, as_of, ctx.calendar, ctx.base_url, ctx.max_state_bytes, version.roles)
        batches = replay_in_pool(job, _batches(ids), processes, lambda done: _keeps_going(progress, done, len(ids)))
        if batches is None:
            raise Cancelled(f"the replay was cancelled after {len(ids)} cases were selected")
    else:
        done = iter(range(1, len(ids) + 1))
        batches = [replay_batch(session, ctx, version, ids, as_of,
                                lambda: tell(progress, next(done), len(ids)))]
    escalations = escalation_elements([version.spec, *version.deps.values()])
    compared = []
    for batch in batches:
        escalations |= batch.escalations
        compared += [_tally(result, outcome) for outcome in batch.outcomes]
    _compare(result, [pair for pair in compared if pair is not None], escalations, ctx)
    return result


def _batches(ids: list[int]) -> list[list[int]]:
    return [ids[start:start + BATCH] for start in range(0, len(ids), BATCH)]


def _shareable_url(session: Session) -> str | None:
    """The database's URL, for the pool's processes to open; None for an in-memory SQLite database."""
    url = session.get_bind().engine.url
    if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
        return None
    return url.render_as_string(hide_password=False)


def _keeps_going(progress: Progress | None, done: int, total: int) -> bool:
    return progress is None or progress(done, total) is not False


def _tally(result: ReplayResult, outcome: CaseOutcome) -> tuple[CaseRun, CaseRun] | None:
    """Count one case into the result; answers (recorded, replayed) when it ended both ways."""
    result.selected += 1
    recorded, replayed = outcome.recorded, outcome.replayed
    if replayed is None:
        result.skipped += 1
        return None
    result.cases.append({"instance_id": recorded.instance_id, "recorded": recorded.as_dict(),
                         "replayed": replayed.as_dict()})
    if replayed.status in ("diverged", "failed"):
        stop = {"instance_id": replayed.instance_id, "case_ref": replayed.case_ref,
                "element_id": replayed.element_id, "reason": replayed.reason}
        (result.diverged if replayed.status == "diverged" else result.failed).append(stop)
    elif replayed.status == "open":
        result.open += 1
    return (recorded, replayed) if replayed.status == "completed" else None


def _compare(result: ReplayResult, compared: list[tuple[CaseRun, CaseRun]], escalations: set[str],
             ctx: EngineContext) -> None:
    result.compared = len(compared)
    result.recorded = figures([recorded for recorded, _ in compared], escalations, ctx.calendar)
    result.replayed = figures([replayed for _, replayed in compared], escalations, ctx.calendar)
    changes = (path_change(recorded, replayed) for recorded, replayed in compared)
    result.path_changes = [change for change in changes if change]
