"""What a step asks of the world: notify people, put a document on the case record, publish an
event to webhook subscribers, start another process, store an audit's or alert's outcome for
reports. Scripts call these functions; the calls are collected while the step runs and written
when it saves, so a failed step sends nothing.
"""
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from copy import deepcopy
from dataclasses import dataclass

from engine.scripts.sandbox import data_so_far


@dataclass
class Effect:
    kind: str  # "notify" | "case_record" | "publish" | "start" | "audit_outcome" | "alert_outcome" | "place"
    #          | "actions_agreed" | "action_outcome" | "actions_closed" (agreed actions, R-27)
    element_id: str
    data: dict  # the task's data when the call was made: who the case's people are, what to say
    args: dict


# The event types a diagram may publish; the engine writes the others itself (engine/outbox.py).
PUBLISHED_BY_DIAGRAMS = ("alert.raised", "alert.escalated")
AUDIT_MILESTONES = ("submitted_at",)  # outcome columns a diagram may mark with a user task
AUDIT_COUNTS = ("qa_returns",)  # outcome columns a diagram may count a user task's times ready into
ACTION_OUTCOMES = ("done", "not_done")  # how the owner of an agreed action ends its task
ACTIONS_CLOSED_AS = ("all_done", "carried_into_reaudit")  # how the loop on them is closed
_collected: ContextVar[list[Effect] | None] = ContextVar("collected_effects", default=None)


@contextmanager
def collecting() -> Iterator[list[Effect]]:
    effects: list[Effect] = []
    token = _collected.set(effects)
    try:
        yield effects
    finally:
        _collected.reset(token)


def task_functions(task) -> dict[str, Callable]:
    """The effect functions a script may call, bound to the task running it."""

    def notify(to, subject: str, body: str = "", about: dict | None = None, urgent: bool = False) -> None:
        """Tell people: `to` lists roles (resolved for this case), data fields naming a person,
        or role@field (a role relative to the person a field names, e.g. team_manager@previous_practitioner).
        `about` overrides the case's fields for this message, e.g. one allocation of a list;
        `urgent` marks it so in each person's Messages (a child's safety)."""
        _record(task, "notify", about, to=[to] if isinstance(to, str) else list(to), subject=subject, body=body,
                urgent=bool(urgent))

    def record_on_case(title: str, note: str, report: dict | None = None) -> None:
        """Upload a document and its case note to the case record (Mosaic)."""
        _record(task, "case_record", None, title=title, note=note, report=report or {})

    def publish(event_type: str, **data) -> None:
        """Publish an event to its webhook subscribers, e.g. publish("alert.escalated", to_stage=2).
        The event carries these fields and the instance, process, case and element it came from."""
        if event_type not in PUBLISHED_BY_DIAGRAMS:
            raise ValueError(f"publish: '{event_type}' is not an event a diagram publishes; "
                             f"known: {', '.join(PUBLISHED_BY_DIAGRAMS)}")
        try:
            json.dumps(data)
        except (TypeError, ValueError) as error:  # refused now, with the element, not at commit
            raise ValueError(f"publish: the fields of '{event_type}' must be JSON values ({error})") from None
        _record(task, "publish", None, event_type=event_type, data=data)

    def start_process(process_id: str, **data) -> None:
        """Start another process, e.g. a child-safety alert, as a child of this instance."""
        _record(task, "start", None, process_id=process_id, data=data)

    def record_audit_outcome(deadlines: dict | None = None, milestones: dict | None = None,
                             counts: dict | None = None) -> None:
        """Store this audit's outcome for reports when the step saves (R-60). `deadlines` maps a
        deadline's name to the user task whose due time it is; `milestones` maps an outcome column
        (submitted_at) to the user task whose first becoming ready marks it; `counts` maps an outcome
        column (qa_returns) to the user task whose times becoming ready it counts (R-28)."""
        for kind, given, known in (("milestones", milestones, AUDIT_MILESTONES), ("counts", counts, AUDIT_COUNTS)):
            unknown = sorted(set(given or {}) - set(known))
            if unknown:
                raise ValueError(f"record_audit_outcome: unknown {kind} {unknown}; known: {list(known)}")
        _record(task, "audit_outcome", None, deadlines=dict(deadlines or {}), milestones=dict(milestones or {}),
                counts=dict(counts or {}))

    def place_case() -> None:
        """Place a case by the people its data names now (R-50: a need-to-know notification that
        names no practitioner is placed by the audit team): when the step saves, the people named
        must be active people of the directory (else the step is refused), they see the case, and
        a case its start could not place takes the team and service area they give it."""
        _record(task, "place", None)

    def record_alert_outcome(final_stage: int, outcome: str, response_tasks=()) -> None:
        """Store this child-safety alert's outcome for reports (R-60): the stage it ended at, how it
        ended, and the user tasks whose responses were due within their deadline."""
        _record(task, "alert_outcome", None, final_stage=int(final_stage), outcome=outcome,
                response_tasks=list(response_tasks))

    return {"notify": notify, "record_on_case": record_on_case, "publish": publish, "start_process": start_process,
            "record_audit_outcome": record_audit_outcome, "record_alert_outcome": record_alert_outcome,
            "place_case": place_case, **agreed_action_functions(task)}


def agreed_action_functions(task) -> dict[str, Callable]:
    """The rows of the actions agreed after an audit (R-27, R-28), written with the step that calls them."""

    def record_actions_agreed(actions) -> None:
        """One row per action agreed (a list of {"position", "action", "owner", "due_at"}), for the
        case of this instance's data; the audit is the instance that started this one."""
        rows = [{key: item.get(key) for key in ("position", "action", "owner", "due_at")}
                for item in (actions if isinstance(actions, list) else []) if isinstance(item, dict)]
        _record(task, "actions_agreed", None, actions=rows)

    def record_action_outcome(position: int, outcome: str) -> None:
        """The owner completed the action at `position`: done or not_done, at the time of this step."""
        if outcome not in ACTION_OUTCOMES:
            raise ValueError(f"record_action_outcome: '{outcome}' is not one of {list(ACTION_OUTCOMES)}")
        _record(task, "action_outcome", None, position=int(position), outcome=outcome)

    def record_actions_closed(closed_as: str, carried_reason: str | None = None) -> None:
        """The loop on every action of this instance is closed: all done, or carried into the re-audit."""
        if closed_as not in ACTIONS_CLOSED_AS:
            raise ValueError(f"record_actions_closed: '{closed_as}' is not one of {list(ACTIONS_CLOSED_AS)}")
        _record(task, "actions_closed", None, closed_as=closed_as, carried_reason=carried_reason)

    return {"record_actions_agreed": record_actions_agreed, "record_action_outcome": record_action_outcome,
            "record_actions_closed": record_actions_closed}


def _record(task, kind: str, about: dict | None, **args) -> None:
    effects = _collected.get()
    if effects is None:
        raise RuntimeError(f"{kind} can only be called while the engine runs a step")
    data = deepcopy(data_so_far(task.data)) | deepcopy(about or {})  # the script's assignments above the call too
    effects.append(Effect(kind, task.task_spec.bpmn_id, data, deepcopy(args)))


EFFECT_FUNCTIONS = frozenset(task_functions(None))  # their names (scripts call them; data may not shadow them)
