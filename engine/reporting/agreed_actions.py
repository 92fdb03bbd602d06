"""The agreed_action rows (R-27, R-28): one per SMART action agreed in an audit's findings
discussion, written by the steps of the agreed_actions process that follows them (its scripts call
record_actions_agreed, record_action_outcome and record_actions_closed, engine/scripts/effects.py),
in the transaction of that step, so the reports count actions agreed, done on time and overdue
without loading instances."""
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.calendar import parse_instant
from engine.models import AgreedAction, ProcessInstance
from engine.people.organisation import case_place
from engine.scripts.effects import Effect

ACTION_EFFECTS = ("actions_agreed", "action_outcome", "actions_closed")


class ActionRowError(ValueError):
    """An effect the rows cannot take (the diagram's mistake): the instance goes to error at its element."""


def write_action_rows(session: Session, instance: ProcessInstance, effect: Effect, at: datetime) -> None:
    if effect.kind == "actions_agreed":
        write_actions_agreed(session, instance, effect, at)
    elif effect.kind == "action_outcome":
        row = _row(session, instance.id, effect.args["position"])
        row.completed_at, row.outcome = at, effect.args["outcome"]
    elif effect.kind == "actions_closed":
        for row in dao_list_actions(session, instance.id):
            row.closed_as, row.carried_reason = effect.args["closed_as"], effect.args.get("carried_reason")


def write_actions_agreed(session: Session, instance: ProcessInstance, effect: Effect, at: datetime) -> None:
    """Each action with its owner and due time; the case's place, kind and grade from the data the
    audit started this process with; the audit is this instance's parent."""
    data = effect.data
    if instance.parent_id is None:
        raise ActionRowError("cannot record the agreed actions: this process was not started by an audit")
    team, service_area = case_place(session, data)
    session.add_all(AgreedAction(
        audit_instance_id=instance.parent_id, actions_instance_id=instance.id, position=_position(item),
        case_ref=data.get("case_ref") or instance.case_ref, service_area=service_area, team=team,
        audit_kind=data.get("audit_kind"), audit_grade=data.get("audit_grade"),
        action=_text(item, "action"), owner=_text(item, "owner"), agreed_at=at, due_at=_due(item))
        for item in effect.args["actions"])


def dao_list_actions(session: Session, actions_instance_id: int) -> list[AgreedAction]:
    query = (select(AgreedAction).where(AgreedAction.actions_instance_id == actions_instance_id)
             .order_by(AgreedAction.position))
    return list(session.scalars(query))


def _row(session: Session, actions_instance_id: int, position: int) -> AgreedAction:
    row = session.scalars(select(AgreedAction).where(AgreedAction.actions_instance_id == actions_instance_id,
                                                     AgreedAction.position == position)).one_or_none()
    if row is None:
        raise ActionRowError(f"no agreed action at position {position} was recorded for this process")
    return row


def _position(item: dict) -> int:
    if not isinstance(item.get("position"), int):
        raise ActionRowError("cannot record an agreed action without its position")
    return item["position"]


def _text(item: dict, key: str) -> str:
    if not isinstance(item.get(key), str) or not item[key]:
        raise ActionRowError(f"cannot record an agreed action without its {key}")
    return item[key]


def _due(item: dict) -> datetime:
    try:
        return parse_instant(item["due_at"])
    except (KeyError, TypeError, ValueError):
        raise ActionRowError(f"cannot record an agreed action without its due time: {item.get('due_at')!r}") from None
