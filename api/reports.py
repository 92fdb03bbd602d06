"""Audit reports (R-60, R-61) as JSON, or as CSV rows (one per audit) for downloading."""
from datetime import date

from flask import Response, request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from doors import caller
from engine.reporting.actions import ROW_COLUMNS as ACTION_ROW_COLUMNS
from engine.reporting.audit_report import ROW_COLUMNS
from engine.reporting.csv_rows import to_csv

blp = Blueprint("reports", __name__, url_prefix="/api/reports", description="Audit reports (JSON or CSV)")

CSV = "text/csv"
DATES = validate.Range(min=date(1900, 1, 1), max=date(9999, 12, 30))


class ReportQuery(Schema):
    date_from = fields.Date(required=True, data_key="from", validate=DATES,
                            metadata={"description": "first day (London), YYYY-MM-DD"})
    date_to = fields.Date(required=True, data_key="to", validate=DATES,
                          metadata={"description": "last day (London), included, YYYY-MM-DD"})
    service_area = fields.String(validate=validate.Length(min=1, max=64),
                                 metadata={"description": "only audits (and alerts) of this service area (its id)"})
    audit_kind = fields.String(validate=validate.Length(min=1, max=32),
                               metadata={"description": "only audits of this kind, e.g. thematic"})
    format = fields.String(validate=validate.OneOf(["json", "csv"]),
                           metadata={"description": "csv: the rows, as `Accept: text/csv` gives (for download links)"})
    rows = fields.String(validate=validate.OneOf(["audits", "actions"]), load_default="audits",
                         metadata={"description": "what the CSV has a line for: each audit completed in the window "
                                                  "(the default) or each agreed action agreed in it (R-27)"})

    @validates_schema
    def from_before_to(self, data, **_kwargs):
        if data["date_from"] > data["date_to"]:
            raise ValidationError("must not be before 'from'", field_name="to")


Counts = fields.Dict(keys=fields.String(), values=fields.Integer())


class AuditReportSchema(Schema):
    total = fields.Integer(required=True)
    by_grade = Counts
    by_grade_percent = fields.Dict(keys=fields.String(), values=fields.Float())
    by_service_area = Counts
    by_audit_kind = Counts
    by_domain = fields.Dict(keys=fields.String(), values=fields.Dict(keys=fields.String(), values=fields.Integer()),
                            metadata={"description": "domain -> final grade -> audits"})
    strongest_domains = fields.List(fields.String())
    weakest_domains = fields.List(fields.String())
    thematic_by_domain = fields.Dict(keys=fields.String(),
                                     values=fields.Dict(keys=fields.String(), values=fields.Integer()),
                                     metadata={"description": "themed audits only: domain -> final grade -> audits"})
    re_audit_outcomes = Counts
    timeliness = fields.Dict(metadata={"description": "deadline -> {met, missed}"})
    disputes = fields.Dict()
    alerts = fields.Dict()
    trend = fields.List(fields.Dict(), metadata={
        "description": "per audit cycle, oldest first: {cycle, total, good_or_better_percent, worst}"})
    actions = fields.Dict(metadata={"description": (
        "agreed actions agreed in the window (R-27): agreed, done_on_time, done_late, not_done, "
        "carried_into_reaudit, open, overdue (open and past due now); the same by_service_area and by_team; "
        "inadequate: {grade, agreed, reaudit_started, done_before_reaudit} for actions of audits graded the "
        "scale's worst grade")})
    reaudit_domains = fields.Dict(metadata={"description": (
        "re-audits completed in the window: domain -> {improved, same, downgraded} against the same domain of "
        "the latest audit of the case completed before (R-28)")})
    moderation = fields.Dict(metadata={"description": (
        "audits whose stages are known (R-28): audits, qa_returned, qa_returns, returns_per_audit, "
        "grade_changed: stage -> {changed, compared}, by_domain: domain -> stage -> {changed, compared}, "
        "by_auditor: auditor -> {audits, qa_returned, qa_returns, grade_changed}, reaudit_agreement: "
        "domain -> {same, compared, percent}; stages: draft_discussed, discussed_accepted, accepted_final")})
    plan = fields.Dict(metadata={"description": "audits of the window's cycles: {planned, completed}"})


@blp.route("/audits")
class AuditReport(MethodView):
    @blp.arguments(ReportQuery, location="query")
    @blp.response(200, AuditReportSchema)
    @blp.alt_response(200, schema={"type": "string"}, content_type=CSV, success=True,
                      description="the report; as text/csv, its rows: a header line, then one line per audit")
    @blp.alt_response(403, response="FORBIDDEN")
    def get(self, query):
        """Audits completed between two dates: counts by grade, service area, kind and domain,
        re-audit outcomes, timeliness, disputes and alerts; agreed actions, re-audit movement per
        domain, moderation and the plan (issue 27). With `Accept: text/csv` (or `?format=csv`), the
        rows behind it, one per audit (`rows=actions`: one per agreed action)."""
        as_csv = query.get("format") == "csv" or (
            "format" not in query and request.accept_mimetypes.best_match(["application/json", CSV]) == CSV)
        scope = (query["date_from"], query["date_to"], query.get("service_area"), query.get("audit_kind"))
        if not as_csv:
            return caller().audit_report_between(*scope)
        actions = query["rows"] == "actions"
        rows = caller().audit_report_between(*scope, rows=True, actions=actions)
        name = f"{query['rows']}_{query['date_from']}_{query['date_to']}.csv"
        return Response(to_csv(rows, ACTION_ROW_COLUMNS if actions else ROW_COLUMNS), mimetype=CSV,
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})
