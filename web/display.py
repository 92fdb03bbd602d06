"""How the pages word what the engine answers: process and role names, deadlines, case rows."""
from flask import g

from doors import caller
from engine.calendar import LONDON, parse_instant
from engine.clock import now

from .due import due_in_words


def process_names() -> dict[str, str]:
    """Each process's name, by id: read once a request (a page names processes in its filters and rows)."""
    if "process_names" not in g:
        g.process_names = caller().process_names()
    return g.process_names


def places() -> dict[str, dict[str, str]]:
    """The names of the teams and service areas, by id: read once a request."""
    if "places" not in g:
        g.places = caller().places()
    return g.places


def role_label(role: str | None) -> str:
    return caller().role_name(role)


def in_a_sentence(label: str) -> str:
    """A label as it reads inside a sentence: "Team manager" -> "team manager"; "QA team" stays."""
    return label[:1].lower() + label[1:] if label[1:2].islower() else label


def due(due_at: str | None) -> dict:
    """A deadline in words with its tag colour (the words carry the meaning, the colour repeats it),
    and how many working days away it is."""
    calendar, at = caller().calendar, now()
    words, colour = due_in_words(due_at, at, calendar)
    away = _working_days_away(calendar, at, due_at) if due_at and colour != "red" else None
    return {"words": words, "colour": colour, "overdue": colour == "red",
            "away": None if away is None else f"{away} working day{'s' if away != 1 else ''} from now"}


def _working_days_away(calendar, at, due_at: str) -> int | None:
    try:
        return calendar.working_days_between(at, parse_instant(due_at))
    except ValueError:  # further off than the calendar counts: the date says enough
        return None


def holder(step: dict, names: dict[str, str] | None = None) -> str:
    """Who a ready step waits for: the person holding it, else the role it is open to."""
    if step.get("assignee"):
        return f"held by {(names or {}).get(step['assignee'], step['assignee'])}"
    return f"for the {in_a_sentence(role_label(step.get('role')))}"


def held_in_words(task: dict) -> str:
    """'Nobody yet', or who holds the task and since when ("Ann (auditor), since Monday 2 November")."""
    if not task.get("assignee"):
        return "Nobody yet"
    holder = task.get("held_by") or task["assignee"]
    since = task.get("held_since")
    if since is None:
        return holder
    day = since.astimezone(LONDON)
    return f"{holder}, since {day:%A} {day.day} {day:%B}"


def case_rows(items: list[dict], references: dict[str, dict] | None = None) -> list[dict]:
    """Rows of a case list; with `references` (engine/views/case_list.reference_counts), each row links
    the history of its case reference when the person may see more than this one of it."""
    return [{"case": item, "due": due(item["next_deadline"]),
             "steps": [f"{step['name']} ({holder(step)})" for step in item["steps"]],
             "history": _history_link(item["case_ref"], (references or {}).get((item["case_ref"] or "").lower()))}
            for item in items]


def _history_link(case_ref: str | None, counts: dict | None) -> str | None:
    """ "History: 3 processes, 2 completed audits": said only when there is more than this row."""
    if not case_ref or not counts or counts["instances"] < 2:
        return None
    audits = counts["audits"]
    completed = f", {audits} completed audit{'s' if audits != 1 else ''}" if audits else ""
    return f"History: {counts['instances']} processes{completed}"
