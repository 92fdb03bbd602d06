"""Finding things in a task list (issue 23, item 6): filters, sort and page, all in the URL so a
list can be bookmarked and shared. The lists are a person's or a manager's ready tasks, narrowed by
the engine's access rules; these narrow them further by what the page asks, in the database
(engine/views/task_list.py)."""
from flask import abort

from engine.views.task_list import TaskFilter

SORTS = {"due": "Soonest due first", "case": "Case reference"}
PAGE_SIZE = 25


def list_filters(args) -> tuple[TaskFilter, int]:
    """The page's query string as a filter and a page number; a page that is not one is a 400."""
    page = args.get("page", "1")
    if not (page.isdigit() and 0 < int(page) <= 100_000):
        abort(400, "the filter 'page' has a value it does not take")
    where = TaskFilter(case_ref=args.get("case_ref", "").strip() or None, process_id=args.get("process_id") or None,
                       step=args.get("step") or None, overdue=bool(args.get("overdue")),
                       due_week=bool(args.get("due_week")), urgent=bool(args.get("urgent")),
                       person=args.get("person") or None, sort="case" if args.get("sort") == "case" else "due")
    return where, int(page)
