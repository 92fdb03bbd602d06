"""Turn collected effects into outbox rows: recipients resolved for the case, text filled from
the case's data with names withheld (R-81: notifications carry the case reference, never a name)."""
import re
import string
from datetime import datetime

from sqlalchemy.orm import Session

from .effects import Effect
from .models import OutboxMessage, Person, Role
from .org import resolve_candidates

WITHHELD = "[withheld]"
_PERSONAL = re.compile(r"name", re.IGNORECASE)


class RecipientError(ValueError):
    def __init__(self, message: str, element_id: str | None = None):
        super().__init__(message)
        self.element_id = element_id


def write_messages(session: Session, instance_id: int, instance_case_ref: str | None, effects: list[Effect],
                   at: datetime, base_url: str) -> None:
    for effect in effects:
        case_ref = effect.data.get("case_ref") or instance_case_ref  # a message about one allocation
        fields = _fields(effect.data, instance_id, case_ref, base_url)
        if effect.kind == "notify":
            try:
                session.add(_notification(session, effect, fields, instance_id, case_ref, at))
            except RecipientError as error:
                error.element_id = effect.element_id
                raise
        elif effect.kind == "case_record":
            session.add(_case_record_upload(effect, fields, instance_id, case_ref, at))


def _notification(session, effect: Effect, fields: dict, instance_id, case_ref, at) -> OutboxMessage:
    recipients = recipients_for(session, effect.args["to"], effect.data)
    return OutboxMessage(
        instance_id=instance_id, event_type="notification", case_ref=case_ref, recipients=recipients,
        subject=render(effect.args["subject"], fields), body=render(effect.args["body"], fields), created_at=at,
        payload={"instance_id": instance_id, "case_ref": case_ref, "element_id": effect.element_id,
                 "to": effect.args["to"], "link": fields["link"]})


def _case_record_upload(effect: Effect, fields: dict, instance_id, case_ref, at) -> OutboxMessage:
    note = render(effect.args["note"], fields)
    return OutboxMessage(
        instance_id=instance_id, event_type="case_record.upload", case_ref=case_ref, recipients=[],
        subject=render(effect.args["title"], fields), body=note, created_at=at,
        payload={"instance_id": instance_id, "case_ref": case_ref, "element_id": effect.element_id,
                 "case_note": note, "report": effect.args["report"]})


def recipients_for(session: Session, to: list[str], data: dict) -> list[str]:
    """Usernames for each entry of `to`, in order, without repeats."""
    people: list[str] = []
    for entry in to:
        for username in _resolve_entry(session, entry, data):
            if username not in people:
                people.append(username)
    return people


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


def _fields(data: dict, instance_id: int, case_ref: str | None, base_url: str) -> dict:
    fields = {key: (WITHHELD if _PERSONAL.search(key) else value) for key, value in data.items()
              if isinstance(value, (str, int, float, bool))}
    return fields | {"case_ref": case_ref or "", "instance_id": instance_id,
                     "link": f"{base_url.rstrip('/')}/instances/{instance_id}"}


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
