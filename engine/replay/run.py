"""A replay: a bundle, the past cases selected, each replayed and compared with its record."""
from dataclasses import asdict, dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.clock import install_engine_clock, now
from engine.definitions.answers import case_fields
from engine.definitions.deploy import Candidate, candidate_versions
from engine.definitions.notifications import free_text_fields
from engine.errors import NotFound
from engine.grades import scale_of_forms
from engine.instances.runtime import EngineContext
from engine.models import Role
from engine.replay.case import CaseReplay, ReplayVersion
from engine.replay.figures import escalation_elements, figures, path_change
from engine.replay.progress import Progress, tell
from engine.replay.record import CaseRun, RecordedCase, dao_selected_instances, recorded_cases
from engine.serialization import load_specs


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
           as_of: datetime | None = None, progress: Progress | None = None) -> ReplayResult:
    """Replay the selected cases on the bundle's version of their process (engine/replay/__init__.py).
    InvalidDefinition when the bundle fails a deploy's checks; NotFound when it has no such process.
    `progress(done, total)` is told once the selection is known and after each case; when it answers
    False the replay stops with Cancelled (engine/replay/progress.py). Reads only."""
    install_engine_clock()  # SpiffWorkflow's timers read engine.clock, and so the replay's clock
    candidates = candidate_versions(session, files)
    if selection.process_id not in candidates:
        raise NotFound(f"the bundle and the deployed files hold no process '{selection.process_id}'")
    candidate = candidates[selection.process_id]
    version = _replay_version(session, ctx, candidate)
    as_of = as_of or now()
    result = ReplayResult(selection.process_id, candidate.content_hash, selection.started_from.isoformat(),
                          selection.started_to.isoformat(), selection.service_area, as_of.isoformat())
    rows = dao_selected_instances(session, selection.process_id, selection.started_from, selection.started_to,
                                  selection.service_area)
    escalations = escalation_elements([version.spec, *version.deps.values()])
    versions_read: set[int] = set()  # the recorded versions whose escalations are known
    compared: list[tuple[CaseRun, CaseRun]] = []
    tell(progress, 0, len(rows))
    for recorded in recorded_cases(session, ctx, rows):
        if recorded.row.process_version_id not in versions_read:
            versions_read.add(recorded.row.process_version_id)
            escalations |= escalation_elements(recorded.specs)
        replayed = _replay_one(session, version, recorded, as_of, result)
        if replayed is not None and replayed.status == "completed":
            compared.append((recorded.run, replayed))
        tell(progress, result.selected, len(rows))
    _compare(result, compared, escalations, ctx)
    return result


def _replay_one(session, version: ReplayVersion, recorded: RecordedCase, as_of: datetime,
                result: ReplayResult) -> CaseRun | None:
    result.selected += 1
    if recorded.run.status == "skipped":
        result.skipped += 1
        return None
    replayed = CaseReplay(session, version, recorded).replay(as_of)
    result.cases.append({"instance_id": recorded.row.id, "recorded": recorded.run.as_dict(),
                         "replayed": replayed.as_dict()})
    if replayed.status in ("diverged", "failed"):
        stop = {"instance_id": replayed.instance_id, "case_ref": replayed.case_ref,
                "element_id": replayed.element_id, "reason": replayed.reason}
        (result.diverged if replayed.status == "diverged" else result.failed).append(stop)
    elif replayed.status == "open":
        result.open += 1
    return replayed


def _compare(result: ReplayResult, compared: list[tuple[CaseRun, CaseRun]], escalations: set[str],
             ctx: EngineContext) -> None:
    result.compared = len(compared)
    result.recorded = figures([recorded for recorded, _ in compared], escalations, ctx.calendar)
    result.replayed = figures([replayed for _, replayed in compared], escalations, ctx.calendar)
    changes = (path_change(recorded, replayed) for recorded, replayed in compared)
    result.path_changes = [change for change in changes if change]


def _replay_version(session: Session, ctx: EngineContext, candidate: Candidate) -> ReplayVersion:
    spec, deps = load_specs(candidate.specs)  # as an instance restores its version's specs
    roles = ctx.roles or {role.id: role.label for role in session.scalars(select(Role))}
    forms = {key: form.get("schema") or {} for key, form in candidate.forms.items()}
    elements = {s.bpmn_id for process in [spec, *deps.values()] for s in process.task_specs.values() if s.bpmn_id}
    return ReplayVersion(candidate.process_id, spec, deps, candidate.forms, scale_of_forms(candidate.forms),
                         ctx.script_engine, ctx.reserved, roles,
                         frozenset(free_text_fields(forms, case_fields(roles))), elements, ctx.calendar,
                         ctx.base_url, ctx.max_state_bytes)
