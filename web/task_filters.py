"""Finding things in a task list (issue 23, item 6): filters and sort, all in the URL so a list can
be bookmarked and shared. The lists are a person's or a manager's ready tasks, already narrowed by
the engine's access rules; these narrow them further by what the page asks."""
from datetime import timedelta

from engine.calendar import LONDON, parse_instant
from engine.clock import now

SORTS = {"due": "Soonest due first", "case": "Case reference"}


def narrowed(rows: list[dict], args) -> list[dict]:
    """The rows the page's filters keep, in the order it asks (urgent first, always)."""
    at = now()
    keep = [row for row in rows if _wanted(row, args, at)]
    if args.get("sort") == "case":
        order = lambda row: (not row["task"]["urgent"], (row["task"]["case_ref"] or "").lower(), _due_key(row))  # noqa: E731
    else:
        order = lambda row: (not row["task"]["urgent"], *_due_key(row))  # noqa: E731
    return sorted(keep, key=order)


def step_choices(rows: list[dict]) -> list[tuple[str, str]]:
    """(element id, name) of the steps in the unfiltered list, by name: what the Step filter offers."""
    return sorted({(row["task"]["element_id"], row["task"]["name"]) for row in rows}, key=lambda pair: pair[1])


def _wanted(row: dict, args, at) -> bool:
    task = row["task"]
    person = args.get("person")
    return all((
        not args.get("overdue") or row["overdue"],
        not args.get("due_week") or _due_this_week(task["due_at"], at),
        not args.get("urgent") or bool(task["urgent"]),
        not args.get("step") or task["element_id"] == args["step"],
        # a manager chasing one person: the steps naming or held by them
        not person or person in (task["candidates"] or []) or task["assignee"] == person,
    ))


def _due_this_week(due_at: str | None, at) -> bool:
    """Due from `at` (now) to the end of its week (Sunday, London): what to do before the week is out."""
    if not due_at:
        return False
    today, due = at.astimezone(LONDON).date(), parse_instant(due_at)
    return at <= due and due.astimezone(LONDON).date() <= today + timedelta(days=6 - today.weekday())


def _due_key(row: dict) -> tuple:
    task = row["task"]
    return task["due_at"] is None, task["due_at"] or "", task["id"]
