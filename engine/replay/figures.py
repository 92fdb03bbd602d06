"""The comparison: the same figures read over the recorded and the replayed runs of the cases that
ended both ways, and the cases whose path changed."""
import math
import statistics
from collections import Counter
from collections.abc import Iterable

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.script_task import ScriptTask

from engine.calendar import WorkingCalendar
from engine.replay.record import CaseRun

REAUDIT_FIELD = "reaudit_due"  # what case_audit's reaudit.dmn decides (processes/README.md)


def escalation_elements(specs: Iterable) -> set[str]:
    """The script tasks that a non-interrupting timer leads to (a reminder or an escalation beside a
    task that stays open), up to the next user task: their notifications are escalations."""
    found: set[str] = set()
    for spec in specs:
        for task_spec in spec.task_specs.values():
            timer = isinstance(getattr(task_spec, "event_definition", None), TimerEventDefinition)
            if timer and getattr(task_spec, "cancel_activity", True) is False:
                found |= _scripts_after(task_spec)
    return found


def _scripts_after(start) -> set[str]:
    seen, todo, scripts = set(), list(start.outputs), set()
    while todo:
        spec = todo.pop()
        if spec.name in seen or getattr(spec, "manual", False):
            continue
        seen.add(spec.name)
        if isinstance(spec, ScriptTask):
            scripts.add(spec.bpmn_id)
        todo.extend(spec.outputs)
    return scripts


def figures(runs: list[CaseRun], escalations: set[str], calendar: WorkingCalendar) -> dict:
    """Deadlines met and missed by name; notifications and escalations in all and by the role (or
    field) the diagram sends them to; re-audits; processes started; child-safety alerts by the stage
    they ended at; working days to completion."""
    deadlines: dict[str, Counter] = {}
    by_stage: Counter[str] = Counter()
    by_role: Counter[str] = Counter()
    escalated_to: Counter[str] = Counter()
    started: Counter[str] = Counter()
    notifications = escalated = reaudits = 0
    for run in runs:
        for name, deadline in run.deadlines.items():
            deadlines.setdefault(name, Counter())["met" if deadline["met"] else "missed"] += 1
        for notice in run.notifications:
            notifications += 1
            by_role.update(notice.to)
            if notice.element_id in escalations:
                escalated += 1
                escalated_to.update(notice.to)
        reaudits += run.data.get(REAUDIT_FIELD) is True
        if run.outcome and "final_stage" in run.outcome:  # a child-safety alert's outcome
            by_stage[str(run.outcome["final_stage"])] += 1
        started.update(run.started)
    return {"cases": len(runs),
            "deadlines": {name: {"met": c["met"], "missed": c["missed"]} for name, c in sorted(deadlines.items())},
            "notifications": notifications, "notifications_by_role": dict(sorted(by_role.items())),
            "escalations": escalated, "escalations_by_role": dict(sorted(escalated_to.items())),
            "reaudits": reaudits, "processes_started": dict(sorted(started.items())),
            "alerts_by_stage": dict(sorted(by_stage.items())),
            "working_days_to_completion": _spread([calendar.working_days_between(run.started_at, run.completed_at)
                                                   for run in runs if run.completed_at])}


def _spread(days: list[int]) -> dict:
    if not days:
        return {"median": None, "p90": None}
    ordered = sorted(days)
    return {"median": statistics.median(ordered), "p90": ordered[math.ceil(0.9 * len(ordered)) - 1]}


def path_change(recorded: CaseRun, replayed: CaseRun) -> dict | None:
    """The first element where the replayed case's path left the recorded one, if it did."""
    for position, (was, now) in enumerate(zip(recorded.path, replayed.path, strict=False)):
        if was != now:
            return _change(replayed, position, now, was)
    if len(recorded.path) == len(replayed.path):
        return None
    shorter = min(len(recorded.path), len(replayed.path))
    return _change(replayed, shorter, _at(replayed.path, shorter), _at(recorded.path, shorter))


def _change(run: CaseRun, position: int, replayed: str | None, recorded: str | None) -> dict:
    return {"instance_id": run.instance_id, "case_ref": run.case_ref, "step": position,
            "element_id": replayed or recorded, "replayed_element_id": replayed, "recorded_element_id": recorded}


def _at(path: list[str], position: int) -> str | None:
    return path[position] if position < len(path) else None
