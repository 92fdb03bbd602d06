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
    action:overdue              audits whose actions agreed in the period are in that state
                                (engine/reporting/actions.py; also action_area:<area>:<state>, action_team:...)
    action_grade:inadequate:done_before_reaudit
                                ... of audits graded so: agreed, reaudit_started, done_before_reaudit
    movement:risk:improved      re-audits whose domain moved so against the case's audit before
    moderation:discussed_accepted
                                audits whose overall grade changed at that stage (or qa_returned: returned by
                                QA at least once); moderation_domain:<domain>:<stage>, moderation_auditor:<who>:<...>

Each key's values are compared as bound parameters: a key names a column, never SQL.
"""
from dataclasses import dataclass, replace

from sqlalchemy import exists, select

from engine.clock import now
from engine.models import AgreedAction, AlertOutcome, AuditDeadline, AuditDomainGrade, AuditOutcome
from engine.reporting.actions import FIGURES as ACTION_FIGURES
from engine.reporting.actions import INADEQUATE_FIGURES, inadequate_clauses, state_clauses
from engine.reporting.audit_report import THEMATIC, Scope, matches, open_dispute_instances
from engine.reporting.moderation import GRADE_CHANGES, OUTCOME_STAGES, STAGES, stage_changed
from engine.reporting.period import Period

AUDIT_COLUMNS = {"grade": AuditOutcome.overall_grade, "area": AuditOutcome.service_area,
                 "kind": AuditOutcome.audit_kind, "change": AuditOutcome.grade_change}
ALERT_COLUMNS = {"alert_stage": AlertOutcome.final_stage, "alert_outcome": AlertOutcome.outcome}
MET = {"met": True, "missed": False}
TWO_VALUES = ("domain", "thematic", "deadline", "dispute", "action_area", "action_team", "action_grade", "movement",
              "moderation_domain", "moderation_auditor")  # names followed by two values
QA_RETURNED = "qa_returned"


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
        return list(rest.rpartition(":")[::2]) if self.name in TWO_VALUES else [rest]

    @property
    def counts_alerts(self) -> bool:
        return self.name == "alerts" or self.name.startswith("alert_")

    @property
    def counts_actions(self) -> bool:
        return self.name.startswith("action")

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
        if self.counts_actions:
            return _action_clauses(name, values)
        if name.startswith("moderation") or name == "movement":
            return _moderation_clauses(name, values)
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
        if self.counts_actions:
            return select(AgreedAction.audit_instance_id).where(*self.scope.action_clauses(), *self.clauses())
        return select(AuditOutcome.instance_id).where(*self.scope.outcome_clauses(), *self.clauses())

    def with_key(self, key: str) -> "Figure":
        """The same period and scope, another figure (a key the report itself names)."""
        return replace(self, key=key)

    def as_query(self) -> dict:
        """The figure as the reports page and the case list write it in a query string."""
        narrowed = {"area": self.service_area, "kind": self.audit_kind}
        return {"period": self.period.token, "figure": self.key} | {k: v for k, v in narrowed.items() if v}


def _action_clauses(name: str, values: list[str]) -> list:
    """Over AgreedAction: the actions in a state, of a service area or team, or of audits graded so."""
    if name == "action":
        state = _one(values)
        _require(state in ACTION_FIGURES)
        return state_clauses(state, now())
    place, what = _two(values)
    if name == "action_grade":
        _require(what in INADEQUATE_FIGURES)
        return inadequate_clauses(what, place)
    _require(name in ("action_area", "action_team") and what in ACTION_FIGURES)
    column = AgreedAction.service_area if name == "action_area" else AgreedAction.team
    return [matches(column, place), *state_clauses(what, now())]


def _moderation_clauses(name: str, values: list[str]) -> list:
    """Over AuditOutcome: re-audits whose domain moved so; audits (whose moderation is known) that QA
    returned, or whose grade (overall, or a domain's) changed at a stage, all or an auditor's."""
    if name == "movement":
        domain, change = _two(values)
        _require(change in GRADE_CHANGES)
        return [exists().where(AuditDomainGrade.outcome_id == AuditOutcome.id, AuditDomainGrade.domain == domain,
                               AuditDomainGrade.movement == change)]
    if name == "moderation_domain":
        domain, stage = _two(values)
        _require(stage in STAGES)
        return [exists().where(AuditDomainGrade.outcome_id == AuditOutcome.id, AuditDomainGrade.domain == domain,
                               stage_changed(AuditDomainGrade, stage))]
    auditor, what = _two(values) if name == "moderation_auditor" else (None, _one(values))
    _require(name in ("moderation", "moderation_auditor") and what in (QA_RETURNED, *OUTCOME_STAGES))
    known = [AuditOutcome.discussed_grade.is_not(None)]
    if auditor is not None:
        known.append(matches(AuditOutcome.auditor, auditor))
    return [*known, AuditOutcome.qa_returns > 0 if what == QA_RETURNED else stage_changed(AuditOutcome, what)]


def _one(values: list[str]) -> str:
    _require(len(values) == 1 and values[0] != "")
    return values[0]


def _two(values: list[str]) -> tuple[str, str]:
    _require(len(values) == 2 and all(values))
    return values[0], values[1]


def _require(good: bool) -> None:
    if not good:
        raise UnknownFigure("a figure's key has a value it does not take")


