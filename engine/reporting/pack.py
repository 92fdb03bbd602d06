"""The audit pack the reports page and its PDF show (issue 14): a period's report, what the
reports call things, and the headline figures of the period before and of the same period a year
before, side by side."""
from sqlalchemy.orm import Session

from engine.grades import dao_deployed_scale
from engine.reporting.audit_report import audit_report, headline, headline_of
from engine.reporting.figures import Figure
from engine.reporting.labels import dao_report_labels


def audit_pack(session: Session, figure: Figure, compare: bool = False) -> dict:
    """{"report", "labels"} of the figure's period, service area and kind; with `compare`,
    {"compared": {"this", "before", "year_before"}} too."""
    scope = figure.scope
    pack = {"report": audit_report(session, scope.first, scope.last, scope.service_area, scope.audit_kind),
            "labels": dao_report_labels(session)}
    if compare:
        pack["compared"] = compared(session, figure, pack["report"])
    return pack


def compared(session: Session, figure: Figure, report: dict) -> dict:
    """This period's headline from its report; each earlier period's from its own queries, once (a
    year's period before is also the year before)."""
    scope, earlier = figure.scope, {}
    this = headline_of(report["by_grade"], report["timeliness"], report["alerts"]["total"],
                       dao_deployed_scale(session))
    for period in (figure.period.before, figure.period.year_before):
        if period not in earlier:
            earlier[period] = headline(session, period.first, period.last, scope.service_area, scope.audit_kind)
    return {"this": this, "before": earlier[figure.period.before], "year_before": earlier[figure.period.year_before]}
