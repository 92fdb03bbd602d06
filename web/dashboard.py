"""The QA team's overview: the audit cycle's open cases by step and by service area, every open
step by process (alerts by stage, disputes by stage), and how many are late. Each number links to
the case list filtered to the cases behind it."""
from datetime import date

from flask import Blueprint, abort, g, render_template, request, url_for

from doors import caller
from engine.people.access import manages
from engine.views.case_list import CYCLE

from .display import due, held_in_words, places, process_names
from .page_session import signed_in

blp = Blueprint("web_dashboard", __name__)


@blp.get("/overview")
@signed_in
def overview():
    cycle = request.args.get("cycle") or None
    if cycle and not CYCLE.match(cycle):
        abort(400, "the cycle is a year and month, e.g. 2026-11")
    counts = caller().dashboard(cycle)
    cycle = counts["cycle"]
    areas = places()["service_area"]
    names = process_names()
    by_process: dict[str, list[dict]] = {}
    for step in counts["open_steps"]:
        by_process.setdefault(step["process_id"], []).append(
            _linked(step, step["name"], status="running", step=step["element_id"]))
    return render_template(
        "dashboard.html", cycle=cycle, cycle_name=_month(cycle), names=names,
        cycle_steps=[_linked(s, s["name"], status="running", cycle=cycle, step=s["element_id"])
                     for s in counts["cycle_steps"]],
        cycle_areas=[_linked(a, areas.get(a["service_area_id"], "No service area"), status="running", cycle=cycle,
                             service_area_id=a["service_area_id"]) for a in counts["cycle_areas"]],
        by_process=sorted(by_process.items(), key=lambda item: names.get(item[0], item[0])),
        late=_late_in_my_area() if manages(g.user) else None,
        previous=_shift(cycle, -1), following=_shift(cycle, 1))


def _late_in_my_area() -> list[dict]:
    """For a manager, the overdue steps of their teams' and services' cases, the most overdue first,
    with whom each waits for: what to chase."""
    rows = [{"task": task, "due": due(task["due_at"]), "held": held_in_words(task)}
            for task in caller().task_list(team=True)]
    late = [row for row in rows if row["due"]["overdue"]]
    return sorted(late, key=lambda row: (row["task"]["due_at"], row["task"]["id"]))


def _linked(row: dict, label: str, **filters) -> dict:
    """A row with its label and the links of its numbers: every case behind it, and the late ones."""
    filters = {k: v for k, v in filters.items() if v is not None}
    return row | {"label": label, "href": url_for("web_cases.case_list", **filters),
                  "overdue_href": url_for("web_cases.case_list", overdue=1, **filters)}


def _month(cycle: str) -> str:
    year, month = map(int, cycle.split("-"))
    return f"{date(year, month, 1):%B %Y}"


def _shift(cycle: str, months: int) -> str:
    year, month = map(int, cycle.split("-"))
    index = year * 12 + month - 1 + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"
