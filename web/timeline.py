"""The history of a case in words (R-80): who did what, when, on which step, with the answers given."""
from engine.calendar import LONDON, parse_instant

from .display import role_label

VIEWED = "instance_viewed"


def timeline(events: list[dict], names: dict[str, str], steps: dict[str, str], titles: dict[str, str],
             choices: dict[str, str]) -> list[dict]:
    """Newest first; views are listed apart (for those who may see them), not in the timeline.
    `titles` name the forms' fields, `choices` their answers' values."""
    entries = [_entry(e, names, steps, titles, choices) for e in events if e["event"] != VIEWED]
    return list(reversed(entries))


def viewers(events: list[dict], names: dict[str, str]) -> list[dict]:
    return [{"who": names.get(e["actor"], e["actor"]), "at": e["at"]} for e in reversed(events)
            if e["event"] == VIEWED]


def _entry(event: dict, names: dict, steps: dict, titles: dict, choices: dict) -> dict:
    who = "The service" if event["actor"] == "system" else names.get(event["actor"], event["actor"])
    step = steps.get(event["element_id"], event["element_id"]) if event["element_id"] else None
    detail = event["detail"] or {}
    words = _words(event["event"], who, step, detail, names)
    answers = detail.get("data") if event["event"] in ("task_completed", "instance_started") else None
    return {"at": event["at"], "who": who, "step": step, "text": words, "event": event["event"],
            "answers": [{"key": titles.get(k, k.replace("_", " ").capitalize()), "value": answer_text(v, choices)}
                        for k, v in (answers or {}).items() if v is not None]}


def _words(kind: str, who: str, step: str | None, detail: dict, names: dict) -> str:
    reason = f": {detail['reason']}" if detail.get("reason") else ""
    named = ", ".join(names.get(n, n) for n in detail.get("candidates") or [])
    texts = {
        "instance_started": f"{who} started the case (version {detail.get('version', '?')})",
        "task_ready": f"{step} became ready for {named or role_label(detail.get('role'))}"
                      + (f", due {_when(detail['due_at'])}" if detail.get("due_at") else ""),
        "task_claimed": f"{who} took {step}",
        "task_released": f"{who} released {step}",
        "task_completed": f"{who} completed {step}",
        "task_cancelled": f"{step} was closed without an answer",
        "timer_fired": f"Deadline reached: {step}",
        "process_started": f"{who} started {detail.get('process_id', 'a process')} (case {detail.get('child_id')})",
        "instance_suspended": f"{who} suspended the case{reason}",
        "instance_resumed": f"{who} resumed the case{reason}",
        "instance_terminated": f"{who} ended the case{reason}",
        "instance_error": f"An error stopped the case at {step}: {detail.get('message', '')}"
                          + (f" (line {detail['line']})" if detail.get("line") else ""),
        "instance_retried": f"{who} retried the step that failed",
        "instance_migrated": f"{who} moved the case from version {detail.get('from_version', '?')} to "
                             f"{detail.get('to_version', '?')}",
        "instance_completed": "The case finished",
        "event_received": f"A message arrived: {detail.get('event_type', detail.get('name', 'event'))}",
    }
    return texts.get(kind, f"{who}: {kind.replace('_', ' ')}" + (f" ({step})" if step else ""))


def answer_text(value, choices: dict[str, str]) -> str:
    """An answer as one line of text: choices by their titles, lists joined, nested answers as 'name: value'."""
    if value is None or value == "":
        return "Not given"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, dict):
        return "; ".join(f"{k.replace('_', ' ')}: {answer_text(v, choices)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(answer_text(v, choices) for v in value) or "None"
    return choices.get(value, str(value)) if isinstance(value, str) else str(value)


def _when(instant: str) -> str:
    local = parse_instant(instant).astimezone(LONDON)
    return f"{local:%a} {local.day} {local:%b %Y}, {local:%H:%M}"
