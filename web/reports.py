"""The audit pack (R-60, R-61) for the roles that see across: a month, a quarter or an audit year,
optionally one service area and audit kind, as charts with their numbers and tables; the rows
behind any figure as CSV; the whole pack as a PDF for the committee. Access is the engine's: the
caller's report methods refuse anyone who does not see across (a 403 page)."""
from flask import Blueprint, Response, abort, render_template, request, url_for

from doors import caller
from engine.calendar import LONDON
from engine.clock import now
from engine.reporting.actions import ROW_COLUMNS as ACTION_ROW_COLUMNS
from engine.reporting.audit_report import ALERT_ROW_COLUMNS, ROW_COLUMNS, UNKNOWN
from engine.reporting.csv_rows import to_csv
from engine.reporting.figures import Figure, UnknownFigure
from engine.reporting.period import Period, choices

from .page_session import signed_in
from .report_learning import LearningView
from .report_view import AUDIT_KINDS, ReportView, comparison, legend

blp = Blueprint("web_reports", __name__)

CSV = "text/csv"
PDF = "application/pdf"


@blp.get("/reports")
@signed_in
def reports_page():
    figure = figure_asked(request.args)
    pack = _pack(figure)
    areas_items = [{"value": k, "text": v, "selected": k == figure.service_area} for k, v in pack["areas"].items()]
    kinds_items = [{"value": k, "text": v, "selected": k == figure.audit_kind} for k, v in AUDIT_KINDS.items()]
    return render_template("reports/index.html", **pack, choices=_choices(figure), areas_items=areas_items,
                           kinds_items=kinds_items)


@blp.get("/reports/rows.csv")
@signed_in
def rows_csv():
    figure = figure_asked(request.args)
    rows = caller().report_rows(figure)
    columns = (ALERT_ROW_COLUMNS if figure.counts_alerts
               else ACTION_ROW_COLUMNS if figure.counts_actions else ROW_COLUMNS)
    what = "actions" if figure.counts_actions else "audits"
    name = f"{what}_{figure.period.token}_{figure.key.replace(':', '_')}.csv"
    return Response(to_csv(rows, columns), mimetype=CSV,
                    headers={"Content-Disposition": f'attachment; filename="{_safe(name)}"'})


@blp.get("/reports/pack.pdf")
@signed_in
def pack_pdf():
    from weasyprint import HTML  # a second's import: only the PDF needs it

    figure = figure_asked(request.args)
    html = render_template("reports/pack.html", **_pack(figure))
    pdf = HTML(string=html, url_fetcher=_no_fetching).write_pdf()
    name = f"audit_pack_{figure.period.token}.pdf"
    return Response(pdf, mimetype=PDF, headers={"Content-Disposition": f'attachment; filename="{name}"'})


def figure_asked(args) -> Figure:
    """The period, service area, audit kind and figure of a query string, checked: a value none of
    them takes is a 400 naming it. Without a period, the quarter the service's clock is in."""
    try:
        period = Period.parse(args["period"]) if args.get("period") else Period.containing(_today(), "quarter")
    except ValueError as error:
        abort(400, f"the period {error}")
    area, kind = args.get("area") or None, args.get("kind") or None
    if area is not None and area not in (*caller().places()["service_area"], UNKNOWN):
        abort(400, "the service area is not one of the council's")
    if kind is not None and kind not in AUDIT_KINDS:
        abort(400, f"the audit kind is one of {', '.join(AUDIT_KINDS)}")
    try:
        return Figure.asked(period, args.get("figure") or "audits", area, kind)
    except UnknownFigure as error:
        abort(400, str(error))


def _pack(figure: Figure) -> dict:
    found = caller().audit_report(figure, compare=True)
    places = caller().places()
    areas = places["service_area"]
    view = ReportView(figure, found["report"], found["labels"], areas)
    narrowed = {"area": figure.service_area, "kind": figure.audit_kind}
    return {"figure": figure, "view": view, "learning": LearningView(view, places["team"]),
            "questions": found["questions"], "areas": areas, "kinds": AUDIT_KINDS, "legend": legend,
            "compared": comparison(found["compared"], found["labels"]["grades"]),
            "before": figure.period.before, "year_before": figure.period.year_before,
            "pdf_href": url_for("web_reports.pack_pdf", period=figure.period.token,
                                **{k: v for k, v in narrowed.items() if v}),
            "narrowed_to": _narrowed_words(figure, areas)}


def _choices(figure: Figure) -> dict:
    periods = choices(_today())
    if figure.period not in periods[figure.period.kind]:
        periods[figure.period.kind].insert(0, figure.period)  # an older period asked for by its address
    return periods


def _narrowed_words(figure: Figure, areas: dict) -> str:
    words = []
    if figure.service_area:
        words.append(areas.get(figure.service_area, "no recorded service area"))
    if figure.audit_kind:
        words.append(AUDIT_KINDS[figure.audit_kind].lower() + "s only")
    return ", ".join(words)


def _today():
    return now().astimezone(LONDON).date()


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "._-" else "_" for c in name)


def _no_fetching(url, *args, **kwargs):
    """The pack draws its charts inline: it fetches nothing, from anywhere."""
    raise ValueError(f"the PDF fetches no resources ({url[:40]})")
