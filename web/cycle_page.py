"""The audit year for the QA team, the roles that see across and, narrowed to their area and their
people, managers of a team or service (R-10 to R-12): the audit calendar
of the year (April to March), when the next allocation list is due, each cycle's audits by service
area, and each auditor's audits against the minimum. Numbers link to the case list behind them."""
from flask import Blueprint, abort, g, render_template, request, url_for

from doors import caller
from engine.people.access import manages
from web.page_session import signed_in

blp = Blueprint("web_cycle", __name__)


@blp.get("/cycle")
@signed_in
def cycle_page():
    year = request.args.get("year") or None
    if year is not None and not (year.isdigit() and 2000 <= int(year) <= 2100):
        abort(400, "the audit year is the year its April falls in, e.g. 2026")
    overview = caller().audit_year(int(year) if year else None)
    areas = caller().places()["service_area"]
    for month in overview["months"]:
        month["href"] = url_for("web_cases.case_list", cycle=month["cycle"])
        for row in month["areas"]:
            row["label"] = areas.get(row["service_area_id"], "No service area")
            row["href"] = url_for("web_cases.case_list", cycle=month["cycle"], service_area_id=row["service_area_id"])
            row["overdue_href"] = url_for("web_cases.case_list", cycle=month["cycle"], overdue=1,
                                          service_area_id=row["service_area_id"])
    behind = [a["name"] for a in overview["auditors"] if a["behind"]]
    return render_template("cycle.html", o=overview, behind=behind, chase=manages(g.user),
                           previous=overview["year"] - 1, following=overview["year"] + 1)
