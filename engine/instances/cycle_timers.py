"""Cycle timers (`R/PT1H`) catch up once, not once per missed cycle.

SpiffWorkflow fires a cycle timer whose next firing has passed, moves `next` on by one period and
fires again at the next refresh, so a worker that was down for an hour would run an `R/PT1S`
cycle 3,600 times in one transaction (issue 25). Before a step runs, the cycles missed but the
last are skipped here: the timer fires once, and the history says how many cycles it stood for.
"""
from dataclasses import dataclass
from datetime import datetime, timedelta

from SpiffWorkflow.bpmn.specs.event_definitions.timer import CycleTimerEventDefinition

from engine.limits import MIN_CYCLE_SECONDS


@dataclass(frozen=True)
class MissedCycles:
    element_id: str
    due_at: datetime  # the firing it stands for: the last one missed
    cycles: int  # how many cycles this one firing stands for


class CycleTooShort(Exception):
    def __init__(self, element_id: str, seconds: float):
        super().__init__(f"a cycle timer repeats every {seconds:g} s; at most once a minute "
                         f"({MIN_CYCLE_SECONDS} s) is allowed")
        self.element_id = element_id


def catch_up_once(workflow, at: datetime) -> list[MissedCycles]:
    """Skip every missed cycle of each waiting cycle timer but the last; answer what each firing
    stands for. Raises CycleTooShort for a period under MIN_CYCLE_SECONDS (one computed at run time:
    constants are refused at deploy, definitions/rules.py)."""
    missed = []
    for task in list(workflow.event_manager.tasks.values()):  # the waiting events, as refresh_timers reads them
        value = task.internal_data.get("event_value")
        if not isinstance(getattr(task.task_spec, "event_definition", None), CycleTimerEventDefinition):
            continue
        if not isinstance(value, dict) or value.get("cycles") == 0:
            continue
        if value["duration"] < MIN_CYCLE_SECONDS:
            raise CycleTooShort(task.task_spec.bpmn_id, value["duration"])
        firing = _skip_to_last_missed(value, at)
        if firing:
            missed.append(MissedCycles(task.task_spec.bpmn_id, *firing))
    return missed


def _skip_to_last_missed(value: dict, at: datetime) -> tuple[datetime, int] | None:
    """Move `value` (SpiffWorkflow's {"cycles", "next", "duration"}) to its last missed firing."""
    due = datetime.fromisoformat(value["next"])
    if due >= at:
        return None
    period = timedelta(seconds=value["duration"])
    count = -(-(at - due) // period)  # the firings strictly before `at`, as SpiffWorkflow compares
    if value["cycles"] > 0:  # -1: repeats for ever
        count = min(count, value["cycles"])
        value["cycles"] -= count - 1
    due += period * (count - 1)
    value["next"] = due.isoformat()
    return due, count
