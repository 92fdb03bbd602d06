"""Auditors, the QA team and managers find cases: the case list with its filters, the search box
that goes straight to a case, and every instance of one case reference. What a person sees is
what the access layer lets through (R-81), as in the API."""

from flask import Blueprint, abort, redirect, render_template, request, url_for

from doors import caller
from engine.errors import NotFound
from engine.reporting.figures import Figure
from engine.views.case_list import CYCLE, SORTS, CaseFilter

from .audit_history import audits_listed
from .display import case_rows, places, process_names
from .page_session import signed_in
from .report_view import describe
from .reports import figure_asked

blp = Blueprint("web_cases", __name__)

PAGE_SIZE = 25
STATUSES = {"running": "Running", "suspended": "Suspended", "error": "In error", "completed": "Completed",
            "terminated": "Terminated"}
SORT_NAMES = {"newest": "Newest first", "oldest": "Oldest first", "updated": "Recently changed",
              "deadline": "Soonest deadline first", "case_ref": "Case reference"}
assert set(SORT_NAMES) == set(SORTS)


@blp.get("/cases")
@signed_in
def case_list():
    where, sort, page = _filters(request.args)
    found = caller().cases(where, sort, page, PAGE_SIZE, counts=True)
    last_page = max(1, -(-found["total"] // PAGE_SIZE))
    return render_template("cases/index.html", found=found, rows=case_rows(found["items"], found["references"]),
                           where=where,
                           behind=_behind(where.report),
                           selects=_selects(found, where, sort), processes=process_names(),
                           last_page=last_page, query=where.as_query() | {"sort": sort})


@blp.get("/cases/find")
@signed_in
def find():
    """The search box: one instance of that case opens it; several list them; none says so."""
    reference = request.args.get("case_ref", "").strip()
    if not reference:
        return redirect(url_for("web_cases.case_list"))
    found = caller().cases(CaseFilter(case=reference), page_size=2)
    if found["total"] == 1:
        return redirect(url_for("web_case.case_page", instance_id=found["items"][0]["id"]))
    return redirect(url_for("web_cases.by_reference", case_ref=reference))


@blp.get("/cases/ref/<path:case_ref>")
@signed_in
def by_reference(case_ref):
    """Every instance of one case the person may see: audits, re-audits, alerts, disputes."""
    found = caller().cases(CaseFilter(case=case_ref), sort="oldest", page_size=100)
    if not found["items"]:
        raise NotFound(f"no case {case_ref} you can see")
    return render_template("cases/by_reference.html", case_ref=found["items"][0]["case_ref"],
                           rows=case_rows(found["items"]), processes=process_names(),
                           audits=audits_listed(caller().audits_of_case(case_ref)))


def _selects(found: dict, where: CaseFilter, sort: str) -> dict[str, list[dict]]:
    """The choices of each filter, with how many cases each would give (the other filters kept)."""
    counts, names = found["counts"], places()
    steps = {s["element_id"]: s["name"] for s in found["steps"]}
    step_counts = {s["element_id"]: s["instances"] for s in found["steps"]}
    cycles = {cycle: cycle for cycle in sorted(counts["cycle"], reverse=True)}
    return {
        "process_id": _counted(process_names(), counts["process_id"], where.process_id, "All processes"),
        "status": _counted(STATUSES, counts["status"], where.status, "Any status"),
        "service_area_id": _counted(names["service_area"], counts["service_area_id"], where.service_area_id,
                                    "All service areas"),
        "team_id": _options(names["team"], where.team_id, "All teams"),
        "step": _counted(steps, step_counts, where.step, "Any step"),
        "cycle": _counted(cycles, counts["cycle"], where.cycle, "Any cycle"),
        "person": _options(dict(caller().directory_people()), where.person, "Anyone"),
        "grade": _options(caller().report_labels()["grades"], where.grade, "Any final grade"),
        "sort": [{"value": value, "text": text, "selected": value == sort} for value, text in SORT_NAMES.items()],
    }


def _counted(names: dict, counts: dict, selected, everything: str) -> list[dict]:
    """Options for the values that would give any case (and the one chosen), each with its count."""
    shown = {value: f"{name} ({counts.get(value, 0)})" for value, name in names.items()
             if counts.get(value) or value == selected}
    return _options(shown, selected, everything)


def _options(names: dict, selected, everything: str) -> list[dict]:
    return [{"value": "", "text": everything}, *({"value": value, "text": text, "selected": value == selected}
                                                  for value, text in names.items())]


def _behind(figure: Figure | None) -> dict | None:
    """The report figure the list shows the cases of, in words, with the way back to the report."""
    if figure is None:
        return None
    words = describe(figure, caller().report_labels(), places()["service_area"])
    back = {k: v for k, v in figure.as_query().items() if k != "figure"}
    return {"words": words, "report_href": url_for("web_reports.reports_page", **back),
            "csv_href": (url_for("web_reports.rows_csv", **figure.as_query())
                         if figure.name != "disputes_open" else None)}


def _filters(args) -> tuple[CaseFilter, str, int]:
    """The list's query string, checked: a value no filter takes is a 400 naming it."""
    status = args.get("status") or None
    cycle = args.get("cycle") or None
    sort = args.get("sort") or "newest"
    page = args.get("page", "1")
    for name, good in (("status", status in (None, *STATUSES)), ("cycle", cycle is None or CYCLE.match(cycle)),
                       ("sort", sort in SORTS), ("page", page.isdigit() and 0 < int(page) <= 100_000)):
        if not good:
            abort(400, f"the filter '{name}' has a value it does not take")
    where = CaseFilter(process_id=args.get("process_id") or None, status=status,
                       case_ref=args.get("case_ref", "").strip()[:100] or None,
                       service_area_id=args.get("service_area_id") or None, team_id=args.get("team_id") or None,
                       step=args.get("step") or None, overdue=bool(args.get("overdue")), cycle=cycle,
                       person=args.get("person") or None, grade=args.get("grade") or None,
                       report=figure_asked(args) if args.get("figure") else None)
    return where, sort, int(page)
