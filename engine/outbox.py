"""The outbox: every event a step produces, written in that step's transaction with a delivery row
for each place it must reach (the webhook subscriptions of its type, and for a notification each
person it names). Task events, which every step makes, are kept only while someone subscribes.
Text is filled from the case's data with names withheld (R-81: notifications carry the case
reference and a link, never a name)."""
import re
import string
from collections.abc import Sequence
from datetime import datetime
from uuid import uuid4

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.models import Delivery, OutboxMessage, Person, ProcessInstance, Role, WebhookSubscription
from engine.people.organisation import resolve_candidates
from engine.scripts.effects import Effect

# The event types of API.md "Webhooks": what a subscription may ask for.
EVENT_TYPES = {
    "task.ready": "a user task became ready: who may act on it, and by when",
    "task.completed": "a user task was completed, and by whom",
    "audit.completed": "an audit ended with its final grade (after discussion or dispute)",
    "alert.raised": "a child-safety alert was raised",
    "alert.escalated": "a child-safety alert moved up a stage",
    "case_record.upload": "a document and case note for the case record (Mosaic)",
    "notification": "an email or alert to people: recipients (usernames) and text",
}
# Written at every step, and in the history anyway: kept only while a subscription wants them.
ONLY_WHEN_SUBSCRIBED = ("task.ready", "task.completed")
WITHHELD = "[withheld]"
_PERSONAL = re.compile(r"name", re.IGNORECASE)


class RecipientError(ValueError):
    def __init__(self, message: str, element_id: str | None = None):
        super().__init__(message)
        self.element_id = element_id


def write_messages(session: Session, instance: ProcessInstance, effects: list[Effect], at: datetime,
                   base_url: str, free_text: frozenset[str] = frozenset()) -> None:
    """The notifications, case-record uploads and published events a step's scripts asked for.
    `free_text` names the fields staff type freely: withheld from notifications and events, kept
    in the case-record upload, which is the record itself."""
    for effect in effects:
        case_ref = effect.data.get("case_ref") or instance.case_ref  # a message about one allocation
        withheld = free_text if effect.kind != "case_record" else frozenset()
        fields = effect_fields(effect, instance.id, case_ref, base_url, free_text)
        source = {"instance_id": instance.id, "process_id": instance.process_id, "case_ref": case_ref,
                  "element_id": effect.element_id}
        if effect.kind == "notify":
            try:
                recipients = recipients_for(session, effect.args["to"], effect.data)
            except RecipientError as error:
                error.element_id = effect.element_id
                raise
            subject, body = render(effect.args["subject"], fields), render(effect.args["body"], fields)
            dao_add_event(session, "notification", at, instance.id, case_ref, source | {
                "to": effect.args["to"], "recipients": recipients, "subject": subject, "body": body,
                "link": fields["link"], "urgent": effect.args.get("urgent", False)},
                recipients=recipients, subject=subject, body=body)
        elif effect.kind == "case_record":
            title, note = render(effect.args["title"], fields), render(effect.args["note"], fields)
            dao_add_event(session, "case_record.upload", at, instance.id, case_ref, source | {
                "title": title, "case_note": note, "report": effect.args["report"]}, subject=title, body=note)
        elif effect.kind == "publish":
            dao_add_event(session, effect.args["event_type"], at, instance.id, case_ref,
                          withhold_names(effect.args["data"], withheld) | source | {"link": fields["link"]})


def effect_fields(effect: Effect, instance_id: int, case_ref: str | None, base_url: str,
                  free_text: frozenset[str] = frozenset()) -> dict:
    """The fields an effect's text is filled from (render): its data with names withheld, and free
    text too except in a case-record upload, which is the record itself; the case and its link."""
    withheld = free_text if effect.kind != "case_record" else frozenset()
    return _fields(effect.data, instance_id, case_ref, base_url, withheld)


def dao_add_event(session: Session, event_type: str, at: datetime, instance_id: int | None, case_ref: str | None,
                  data: dict, recipients: Sequence[str] = (), subject: str = "",
                  body: str = "") -> OutboxMessage | None:
    """One event in the outbox, with a pending delivery to each subscription of its type and, for a
    notification, to each recipient by email. No commit: it lands with the step, or not at all."""
    subscriptions = _subscribers(session, event_type)
    if not subscriptions and event_type in ONLY_WHEN_SUBSCRIBED:
        return None
    message = OutboxMessage(event_id=str(uuid4()), event_type=event_type, instance_id=instance_id,
                            case_ref=case_ref, recipients=list(recipients), subject=subject[:300], body=body,
                            payload=data, created_at=at)
    ordered_by = f"instance:{instance_id}" if instance_id is not None else f"event:{message.event_id}"
    message.deliveries = [
        *(_pending(at, "webhook", f"webhook:{s.id}:{ordered_by}", subscription_id=s.id) for s in subscriptions),
        *(_pending(at, "email", f"email:{username}:{ordered_by}", recipient=username) for username in recipients),
    ]
    session.add(message)
    return message


def case_link(base_url: str, instance_id: int) -> str:
    """The case page's address, as every notification gives it."""
    return f"{base_url.rstrip('/')}/instances/{instance_id}"


def dao_tell(session: Session, instance: ProcessInstance, recipients: list[str], subject: str, body: str,
             at: datetime, base_url: str, element_id: str | None = None, to: list[str] | None = None) -> None:
    """A notification the service itself sends about a case (a note added, a task reassigned), not
    a diagram's: `{link}` in the body becomes the case page's address. Its text is the caller's,
    written without names or free text (R-81)."""
    link = case_link(base_url, instance.id)
    body = body.replace("{link}", link)
    dao_add_event(session, "notification", at, instance.id, instance.case_ref, {
        "instance_id": instance.id, "process_id": instance.process_id, "case_ref": instance.case_ref,
        "element_id": element_id, "to": to or recipients, "recipients": recipients, "subject": subject,
        "body": body, "link": link, "urgent": False}, recipients=recipients, subject=subject, body=body)


def _pending(at: datetime, channel: str, stream: str, **target) -> Delivery:
    return Delivery(channel=channel, stream=stream[:200], status="pending", attempts=0, next_attempt_at=at,
                    created_at=at, **target)


def _subscribers(session: Session, event_type: str) -> list:
    """(id, events) of the active subscriptions wanting this type, read once per transaction (a step
    writes several events) and only those two columns: this runs at every step."""
    if "webhook_subscriptions" not in session.info:
        session.info["webhook_subscriptions"] = session.execute(
            select(WebhookSubscription.id, WebhookSubscription.events)
            .where(WebhookSubscription.active.is_(True)).order_by(WebhookSubscription.id)).all()
    return [s for s in session.info["webhook_subscriptions"] if event_type in s.events]


def recipients_for(session: Session, to: list[str], data: dict) -> list[str]:
    """Usernames for each entry of `to`, in order, without repeats."""
    people: list[str] = []
    for entry in to:
        for username in _resolve_entry(session, entry, data):
            if username not in people:
                people.append(username)
    return people


def recipients_inputs(to: list[str], data: dict) -> tuple:
    """All that recipients_for reads of `data` for `to`: each entry, its role and subject, and the
    practitioner and team resolve_candidates goes by. In one transaction, equal inputs name the same people
    (a replay resolves each once, engine/replay/case.py)."""
    fields = {"practitioner", "team"}
    for entry in to:
        role, _, subject = entry.partition("@")
        fields |= {entry, role, subject} - {""}
    return tuple(to), tuple((name, repr(data.get(name))) for name in sorted(fields))


def _resolve_entry(session: Session, entry: str, data: dict) -> list[str]:
    role, _, subject = entry.partition("@")
    if session.get(Role, role) is not None:
        if subject and not data.get(subject):
            return []  # e.g. no previous practitioner on this case
        return resolve_candidates(session, role, data, subject or None)
    named = data.get(entry)
    if isinstance(named, str) and session.get(Person, named) is not None:
        return [named]
    raise RecipientError(f"notify: '{entry}' is neither a role nor a data field naming a person")


def withhold_names(data: dict, free_text: frozenset[str] = frozenset()) -> dict:
    """The data with every field whose name says it holds a name, and every free-text field,
    withheld (R-81)."""
    return {key: (WITHHELD if _PERSONAL.search(key) or key in free_text else value) for key, value in data.items()}


def _fields(data: dict, instance_id: int, case_ref: str | None, base_url: str, free_text: frozenset[str]) -> dict:
    fields = {key: value for key, value in withhold_names(data, free_text).items()
              if isinstance(value, (str, int, float, bool))}
    return fields | {"case_ref": case_ref or "", "instance_id": instance_id,
                     "link": case_link(base_url, instance_id)}


def render(template: str, fields: dict) -> str:
    """Fill {field} placeholders; unknown fields stay as written, attributes and indexes are refused."""
    out = []
    for literal, name, spec, _conversion in string.Formatter().parse(template):
        out.append(literal)
        if name is None:
            continue
        if not name.isidentifier():
            out.append(WITHHELD)
        else:
            out.append(format(fields[name], spec or "") if name in fields else "{" + name + "}")
    return "".join(out)
