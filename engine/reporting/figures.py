"""The cases behind one figure of a report (R-60, R-61): the reports page links every bar and
number to the case list narrowed to the audits (or alerts) it counts, and to a CSV of their rows.

A figure is named by a key, as a page's query string gives it:

    audits                      every audit the report counts
    grade:inadequate            ... with that final grade           (also area:, kind:, change:, cycle:2026-11)
    domain:risk:good            ... whose domain had that final grade (thematic:risk:good: themed audits only)
    deadline:qa_within_1_day:missed
    dispute:formal:grade_upheld ... disputed, ended at that stage with that outcome
    disputes_open               instances with a dispute open now
    alerts                      every alert the report counts (also alert_stage:2, alert_outcome:resolved,
                                alert_in_time:met)

Each key's values are compared as bound parameters: a key names a column, never SQL.
"""
from dataclasses import dataclass, replace

from sqlalchemy import exists, select

from engine.models import AlertOutcome, AuditDeadline, AuditDomainGrade, AuditOutcome
from engine.reporting.audit_report import THEMATIC, Scope, matches, open_dispute_instances
from engine.reporting.period import Period

AUDIT_COLUMNS = {"grade": AuditOutcome.overall_grade, "area": AuditOutcome.service_area,
                 "kind": AuditOutcome.audit_kind, "change": AuditOutcome.grade_change}
ALERT_COLUMNS = {"alert_stage": AlertOutcome.final_stage, "alert_outcome": AlertOutcome.outcome}
MET = {"met": True, "missed": False}


class UnknownFigure(ValueError):
    pass


@dataclass(frozen=True)
class Figure:
    """One figure of the report of a period, narrowed or not to a service area and audit kind."""
    period: Period
    key: str = "audits"
    service_area: str | None = None
    audit_kind: str | None = None

    @classmethod
    def asked(cls, period: Period, key: str = "audits", service_area: str | None = None,
              audit_kind: str | None = None) -> "Figure":
        """A figure from a query string: UnknownFigure for a key, or a value, no figure takes."""
        figure = cls(period, key, service_area, audit_kind)
        figure.clauses()
        return figure

    @property
    def name(self) -> str:
        return self.key.partition(":")[0]

    @property
    def values(self) -> list[str]:
        """What follows the name: one value, or a domain or deadline and its grade or result."""
        rest = self.key.partition(":")[2]
        return list(rest.rpartition(":")[::2]) if self.name in ("domain", "thematic", "deadline", "dispute") else [rest]

    @property
    def counts_alerts(self) -> bool:
        return self.name == "alerts" or self.name.startswith("alert_")

    @property
    def scope(self) -> Scope:
        return Scope(self.period.first, self.period.last, self.service_area, self.audit_kind)

    def clauses(self) -> list:
        """WHERE clauses over AuditOutcome (or AlertOutcome, for an alert figure) beyond the scope's."""
        name, values = self.name, self.values
        if name in ("audits", "alerts", "disputes_open") and values == [""]:
            return []
        if name in AUDIT_COLUMNS:
            return [matches(AUDIT_COLUMNS[name], _one(values))]
        if name == "cycle":
            year, _, month = _one(values).partition("-")
            _require(year.isdigit() and month.isdigit() and 1 <= int(month) <= 12)
            return [AuditOutcome.cycle_year == int(year), AuditOutcome.cycle_month == int(month)]
        if name in ("domain", "thematic"):
            domain, grade = _two(values)
            kind = [AuditOutcome.audit_kind == THEMATIC] if name == "thematic" else []
            return [*kind, exists().where(AuditDomainGrade.outcome_id == AuditOutcome.id,
                                          AuditDomainGrade.domain == domain, AuditDomainGrade.grade_after == grade)]
        if name == "deadline":
            deadline, result = _two(values)
            _require(result in MET)
            return [exists().where(AuditDeadline.outcome_id == AuditOutcome.id, AuditDeadline.name == deadline,
                                   AuditDeadline.met == MET[result])]
        if name == "dispute":
            stage, outcome = _two(values)
            return [AuditOutcome.disputed.is_(True), matches(AuditOutcome.dispute_stage, stage),
                    matches(AuditOutcome.dispute_outcome, outcome)]
        if name == "alert_stage":
            _require(_one(values).isdigit())
            return [AlertOutcome.final_stage == int(values[0])]
        if name == "alert_outcome":
            return [AlertOutcome.outcome == _one(values)]
        if name == "alert_in_time":
            _require(_one(values) in MET)
            return [AlertOutcome.answered_in_time.is_(MET[values[0]])]
        raise UnknownFigure(f"no figure '{self.key}'")

    def instance_ids(self):
        """A SELECT of the ids of the instances the figure counts, for the case list."""
        if self.name == "disputes_open":
            return open_dispute_instances(self.service_area)
        if self.counts_alerts:
            return select(AlertOutcome.instance_id).where(*self.scope.alert_clauses(), *self.clauses())
        return select(AuditOutcome.instance_id).where(*self.scope.outcome_clauses(), *self.clauses())

    def with_key(self, key: str) -> "Figure":
        """The same period and scope, another figure (a key the report itself names)."""
        return replace(self, key=key)

    def as_query(self) -> dict:
        """The figure as the reports page and the case list write it in a query string."""
        narrowed = {"area": self.service_area, "kind": self.audit_kind}
        return {"period": self.period.token, "figure": self.key} | {k: v for k, v in narrowed.items() if v}


def _one(values: list[str]) -> str:
    _require(len(values) == 1 and values[0] != "")
    return values[0]


def _two(values: list[str]) -> tuple[str, str]:
    _require(len(values) == 2 and all(values))
    return values[0], values[1]


def _require(good: bool) -> None:
    if not good:
        raise UnknownFigure("a figure's key has a value it does not take")


