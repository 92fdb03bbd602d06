"""The history of a case in words (R-80): who did what, when, on which step, with the answers given,
each as the form it was given on shows it (web/form_context.py), in the same words as the task pages."""
import re
from dataclasses import dataclass
from datetime import date

from engine.calendar import LONDON, parse_instant
from engine.instances.messages import CHILD_SAFETY_CONCERN

from .display import role_label
from .form_context import answer_blocks
from .form_fields import FormModel

VIEWED = "instance_viewed"
ANSWERED = ("task_completed", "instance_started", "message_received")
# What the case record system sends (api/webhooks_in.py), in words.
INBOUND = {"need_to_know.notified": "a need-to-know notification from the case record"}
CASE_FIELDS = {"case_ref": "Case reference", "team": "Team"}  # fields the engine sets, not a form


@dataclass
class CaseWords:
    """What the history is worded with: people's and steps' names, the forms answers were given on."""
    names: dict[str, str]
    steps: dict[str, str]
    processes: dict[str, str]
    forms: dict[str, dict]  # form key -> JSON Schema
    element_forms: dict[str, str]  # element id -> the form its answers were given on
    start_form: str | None
    titles: dict[str, str]  # for answers given on no form: the forms' field titles
    choices: dict[str, str]  # and their choices' titles


def timeline(events: list[dict], words: CaseWords) -> list[dict]:
    """Newest first; views are listed apart (for those who may see them), not in the timeline."""
    return list(reversed([_entry(e, words) for e in events if e["event"] != VIEWED]))


def viewers(events: list[dict], names: dict[str, str]) -> list[dict]:
    return [{"who": names.get(e["actor"], e["actor"]), "at": e["at"]} for e in reversed(events)
            if e["event"] == VIEWED]


def _entry(event: dict, words: CaseWords) -> dict:
    who = "The service" if event["actor"] == "system" else words.names.get(event["actor"], event["actor"])
    step = words.steps.get(event["element_id"], event["element_id"]) if event["element_id"] else None
    detail = event["detail"] or {}
    answers = detail.get("data") if event["event"] in ANSWERED else None
    return {"at": event["at"], "who": who, "step": step, "event": event["event"],
            "text": _words(event["event"], who, step, detail, words),
            "blocks": _answers(answers, event, words) if answers else []}


def _answers(answers: dict, event: dict, words: CaseWords) -> list[dict]:
    """The answers as their form shows them; those it does not ask for (a start without a start form,
    the engine's own fields) one per row, in words."""
    key = words.start_form if event["event"] == "instance_started" else words.element_forms.get(event["element_id"])
    schema = words.forms.get(key) if key else None
    blocks = answer_blocks(FormModel(schema).fields(answers)) if schema else []
    asked = set((schema or {}).get("properties") or {})
    rest = [{"label": CASE_FIELDS.get(k) or words.titles.get(k) or _humanised(k), "text": answer_text(v, words.choices)}
            for k, v in answers.items() if k not in asked and v not in (None, "")]
    return blocks + ([{"heading": None, "rows": rest}] if rest else [])


def _words(kind: str, who: str, step: str | None, detail: dict, words: CaseWords) -> str:
    reason = f": {detail['reason']}" if detail.get("reason") else ""
    named = ", ".join(words.names.get(n, n) for n in detail.get("candidates") or [])
    started = words.processes.get(detail.get("process_id"), "a process")
    texts = {
        "instance_started": f"{who} started the case (version {detail.get('version', '?')})",
        "task_ready": f"{step} became ready for {named or role_label(detail.get('role'))}"
                      + (f", due {_when(detail['due_at'])}" if detail.get("due_at") else ""),
        "task_claimed": f"{who} took {step}",
        "task_released": f"{who} released {step}",
        "task_completed": f"{who} completed {step}",
        "task_cancelled": f"{step} was closed without an answer",
        "timer_fired": f"Deadline reached: {step}" + (f" (once for {detail['cycles']} cycles missed)"
                                                      if (detail.get("cycles") or 1) > 1 else ""),
        "process_started": f"{who} started the {started[:1].lower() + started[1:]} it called for",
        "instance_suspended": f"{who} suspended the case{reason}",
        "instance_resumed": f"{who} resumed the case{reason}",
        "instance_terminated": f"{who} ended the case{reason}",
        # The exception's text is for administrators: the case page shows it to them apart.
        "instance_error": f"An error stopped the case at {step or 'a step'}",
        "instance_retried": f"{who} retried the step that failed",
        "instance_migrated": f"{who} moved the case from version {detail.get('from_version', '?')} to "
                             f"{detail.get('to_version', '?')}",
        "instance_completed": "The case finished",
        # The text is in the Notes section only (engine/instances/notes.py keeps it in one place).
        "note_added": f"{who} added a note" + (f" on {step}" if step else ""),
        "event_received": f"{who} sent {INBOUND.get(detail.get('event_type'), 'a message')}",
        "message_received": (f"{who} raised a child-safety concern" if detail.get("message") == CHILD_SAFETY_CONCERN
                             else f"{who} sent {_humanised(detail.get('message', 'a message')).lower()}"),
    }
    return texts.get(kind, f"{who}: {kind.replace('_', ' ')}" + (f" ({step})" if step else ""))


def answer_text(value, choices: dict[str, str]) -> str:
    """An answer given on no form as one line: choices by their titles, dates and ids in words."""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, dict):
        return "; ".join(f"{_humanised(k)}: {answer_text(v, choices)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(answer_text(v, choices) for v in value) or "None"
    if not isinstance(value, str):
        return str(value)
    if value in choices:
        return choices[value]
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            day = date.fromisoformat(value)
            return f"{day.day} {day:%B %Y}"
        except ValueError:
            return value
    return _humanised(value) if re.fullmatch(r"[a-z]+(_[a-z]+)+", value) else value


def _humanised(name: str) -> str:
    text = name.replace("_", " ").replace(".", " ").strip()
    return text[:1].upper() + text[1:]


def _when(instant: str) -> str:
    local = parse_instant(instant).astimezone(LONDON)
    return f"{local:%a} {local.day} {local:%b %Y}, {local:%H:%M}"
