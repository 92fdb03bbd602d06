"""A batch of selected cases replayed in one session: the same work whether the replay runs them all in
its own process or hands batches to a pool (engine/replay/pool.py), so either way gives the same runs."""
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.definitions.answers import case_fields
from engine.definitions.deploy import Candidate
from engine.definitions.notifications import free_text_fields
from engine.grades import scale_of_forms
from engine.instances.runtime import EngineContext
from engine.models import ProcessInstance, Role
from engine.replay.case import CaseReplay, ReplayVersion
from engine.replay.figures import escalation_elements
from engine.replay.record import CaseRun, recorded_cases
from engine.serialization import load_specs


@dataclass
class CaseOutcome:
    """One selected case: as recorded, and as replayed (None: skipped, not replayed)."""
    recorded: CaseRun
    replayed: CaseRun | None


@dataclass
class BatchResult:
    outcomes: list[CaseOutcome] = field(default_factory=list)  # in the order of the ids asked for
    escalations: set[str] = field(default_factory=set)  # the escalation elements of the recorded versions read


def replay_batch(session: Session, ctx: EngineContext, version: ReplayVersion, ids: list[int], as_of: datetime,
                 after_case: Callable[[], None] | None = None) -> BatchResult:
    """Replay these instances (ids of dao_selected_ids) up to `as_of`; `after_case` is called after each."""
    batch, versions_read = BatchResult(), set()
    directory: dict[tuple, list[str]] = {}  # recipients resolved in this transaction (CaseReplay.directory)
    for recorded in recorded_cases(session, ctx, dao_instances(session, ids)):
        if recorded.row.process_version_id not in versions_read:
            versions_read.add(recorded.row.process_version_id)
            batch.escalations |= escalation_elements(recorded.specs)
        skipped = recorded.run.status == "skipped"
        replayed = None if skipped else CaseReplay(session, version, recorded, directory).replay(as_of)
        batch.outcomes.append(CaseOutcome(recorded.run, replayed))
        if after_case is not None:
            after_case()
    return batch


def dao_selected_ids(session: Session, process_id: str, started_from: datetime, started_to: datetime,
                     service_area: str | None) -> list[int]:
    """The instances of a process started in [started_from, started_to), oldest first."""
    query = select(ProcessInstance.id).where(ProcessInstance.process_id == process_id,
                                             ProcessInstance.created_at >= started_from,
                                             ProcessInstance.created_at < started_to)
    if service_area:
        query = query.where(ProcessInstance.service_area_id == service_area)
    return list(session.scalars(query.order_by(ProcessInstance.created_at, ProcessInstance.id)))


def dao_instances(session: Session, ids: list[int]) -> list[ProcessInstance]:
    """These instances, in the order given."""
    found = {row.id: row for row in session.scalars(select(ProcessInstance).where(ProcessInstance.id.in_(ids)))}
    return [found[iid] for iid in ids if iid in found]


def replay_version(session: Session, ctx: EngineContext, candidate: Candidate) -> ReplayVersion:
    """The candidate version with what its replayed steps need (the context's script engine, roles, calendar)."""
    spec, deps = load_specs(candidate.specs)  # as an instance restores its version's specs
    roles = ctx.roles or {role.id: role.label for role in session.scalars(select(Role))}
    forms = {key: form.get("schema") or {} for key, form in candidate.forms.items()}
    elements = {s.bpmn_id for process in [spec, *deps.values()] for s in process.task_specs.values() if s.bpmn_id}
    return ReplayVersion(candidate.process_id, spec, deps, candidate.forms, scale_of_forms(candidate.forms),
                         ctx.script_engine, ctx.reserved, roles,
                         frozenset(free_text_fields(forms, case_fields(roles))), elements, ctx.calendar,
                         ctx.base_url, ctx.max_state_bytes)
