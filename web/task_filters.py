"""Finding things in a task list (issue 23, item 6): filters and sort, all in the URL so a list can
be bookmarked and shared. The lists are a person's or a manager's ready tasks, already narrowed by
the engine's access rules; these narrow them further by what the page asks."""
from datetime import timedelta

from engine.calendar import LONDON, parse_instant
from engine.clock import now

SORTS = {"due": "Soonest due first", "case": "Case reference"}


def narrowed(rows: list[dict], args) -> list[dict]:
    """The rows the page's filters keep, in the order it asks (urgent first, always)."""
    keep = [row for row in rows if _wanted(row, args)]
    if args.get("sort") == "case":
        order = lambda row: (not row["task"]["urgent"], (row["task"]["case_ref"] or "").lower(), _due_key(row))  # noqa: E731
    else:
        order = lambda row: (not row["task"]["urgent"], *_due_key(row))  # noqa: E731
    return sorted(keep, key=order)


def step_choices(rows: list[dict]) -> list[tuple[str, str]]:
    """(element id, name) of the steps in the unfiltered list, by name: what the Step filter offers."""
    return sorted({(row["task"]["element_id"], row["task"]["name"]) for row in rows}, key=lambda pair: pair[1])


def _wanted(row: dict, args) -> bool:
    task = row["task"]
    person = args.get("person")
    return all((
        not args.get("overdue") or row["overdue"],
        not args.get("due_week") or _due_this_week(task["due_at"]),
        not args.get("urgent") or bool(task["urgent"]),
        not args.get("step") or task["element_id"] == args["step"],
        # a manager chasing one person: the steps naming or held by them
        not person or person in (task["candidates"] or []) or task["assignee"] == person,
    ))


def _due_this_week(due_at: str | None) -> bool:
    """Due from now to the end of this week (Sunday, London): what to do before the week is out."""
    if not due_at:
        return False
    at = now()
    today = at.astimezone(LONDON).date()
    sunday = today + timedelta(days=6 - today.weekday())
    return at <= parse_instant(due_at) and parse_instant(due_at).astimezone(LONDON).date() <= sunday


def _due_key(row: dict) -> tuple:
    task = row["task"]
    return task["due_at"] is None, task["due_at"] or "", task["id"]
