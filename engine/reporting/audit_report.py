"""Audit reports (R-60, R-61): SQL GROUP BY over the outcome rows written when audits and alerts
end (engine/reporting/outcomes.py), and over the day totals of their domain and deadline rows
(engine/reporting/day_totals.py), for audits completed between two London dates, both included."""
from collections import Counter
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import case, distinct, func, select
from sqlalchemy.orm import Session

from engine.calendar import LONDON
from engine.clock import now
from engine.grades import GradeScale, dao_deployed_scale
from engine.models import (
    AgreedAction,
    AlertOutcome,
    AuditDeadline,
    AuditDomainGrade,
    AuditOutcome,
    ProcessInstance,
    UserTask,
)
from engine.reporting.actions import action_figures, dao_count_actions, dao_count_inadequate
from engine.reporting.day_totals import (
    dao_sum_deadline_days,
    dao_sum_domain_days,
    dao_sum_learning_days,
    dao_sum_moderation_days,
)
from engine.reporting.moderation import (
    dao_count_learning_rows,
    dao_count_moderation_rows,
    moderation,
    reaudit_domains,
)
from engine.reporting.outcomes import GRADE_CHANGES

RANKED_DOMAINS = 3  # how many domains strongest_domains and weakest_domains name
DISPUTE_PROCESS = "dispute_resolution"  # its tasks (called from an audit or on their own) are open disputes
UNKNOWN = "unknown"  # a service area or stage the data did not give
THEMATIC = "thematic"  # the audit kind of themed audits (API.md)
AUDIT_PROCESS = "case_audit"  # the process of the audits a cycle plans (its instances name their cycle)


@dataclass(frozen=True)
class Scope:
    """Which audits a report counts: those completed from `first` to `last` (London days, both
    included), optionally of one service area (its id) and one audit kind. Alerts are narrowed by
    the service area only: an alert has no audit kind."""
    first: date
    last: date
    service_area: str | None = None
    audit_kind: str | None = None

    @property
    def narrowed(self) -> bool:
        return self.service_area is not None or self.audit_kind is not None

    def outcome_clauses(self) -> list:
        start, end = london_window(self.first, self.last)
        clauses = [AuditOutcome.completed_at >= start, AuditOutcome.completed_at < end]
        if self.service_area is not None:
            clauses.append(matches(AuditOutcome.service_area, self.service_area))
        if self.audit_kind is not None:
            clauses.append(matches(AuditOutcome.audit_kind, self.audit_kind))
        return clauses

    def action_clauses(self) -> list:
        """Actions agreed in the window, of the service area and audit kind if given."""
        start, end = london_window(self.first, self.last)
        clauses = [AgreedAction.agreed_at >= start, AgreedAction.agreed_at < end]
        if self.service_area is not None:
            clauses.append(matches(AgreedAction.service_area, self.service_area))
        if self.audit_kind is not None:
            clauses.append(matches(AgreedAction.audit_kind, self.audit_kind))
        return clauses

    def cycles(self) -> list[str]:
        """The audit cycles ("2026-11") of the months the window touches."""
        months, month = [], date(self.first.year, self.first.month, 1)
        while month <= self.last:
            months.append(f"{month:%Y-%m}")
            month = (month + timedelta(days=32)).replace(day=1)
        return months

    def alert_clauses(self) -> list:
        start, end = london_window(self.first, self.last)
        clauses = [AlertOutcome.closed_at >= start, AlertOutcome.closed_at < end]
        if self.service_area is not None:
            clauses.append(matches(AlertOutcome.service_area, self.service_area))
        return clauses


def matches(column, value: str):
    """column = value, where UNKNOWN (how the report names a value the data did not give) is NULL."""
    return column.is_(None) if value == UNKNOWN else column == value


def audit_report(session: Session, date_from: date, date_to: date, service_area: str | None = None,
                 audit_kind: str | None = None) -> dict:
    """The report of GET /api/reports/audits (API.md) for audits completed from date_from to
    date_to, London days, inclusive. Eight queries: the grade scale, one GROUP BY over the outcome
    rows for every figure they give and one for the cycles, the day totals of domains and of
    deadlines, themed audits' domains, open disputes and alerts (bench/README.md, "Reports").
    Narrowed to a service area or an audit kind, domains and deadlines are counted from their rows
    instead of the day totals."""
    scope = Scope(date_from, date_to, service_area, audit_kind)
    scale = dao_deployed_scale(session)  # the grades, best first, from forms/grades.defs.json
    outcomes = OutcomeCounts.of(dao_count_outcomes(session, scope))
    by_grade = dict.fromkeys(scale.grades, 0) | _sorted(outcomes.by_grade)
    by_domain = domain_grades(session, scope)
    total = sum(by_grade.values())
    return {
        "total": total,
        "by_grade": by_grade,
        "by_grade_percent": {grade: percent(n, total) for grade, n in by_grade.items()},
        "by_service_area": _sorted(outcomes.by_service_area),
        "by_audit_kind": _sorted(outcomes.by_audit_kind),
        "by_domain": by_domain,
        "strongest_domains": strongest_domains(by_domain, scale),
        "weakest_domains": weakest_domains(by_domain, scale),
        "re_audit_outcomes": dict.fromkeys(GRADE_CHANGES, 0) | _sorted(outcomes.by_grade_change),
        "thematic_by_domain": thematic_domain_grades(session, scope),
        "timeliness": timeliness(session, scope),
        "disputes": disputes(session, outcomes, service_area),
        "alerts": alerts(session, scope),
        "trend": trend(session, scope, scale),
        **learning(session, scope, scale),
    }


def learning(session: Session, scope: Scope, scale: GradeScale) -> dict:
    """The figures of issue 27 (R-27, R-28): agreed actions, re-audit movement per domain,
    moderation, and the audits planned for the window's cycles against those completed."""
    worst = scale.grades[-1] if scale.grades else "inadequate"
    action_clauses = scope.action_clauses()
    if scope.narrowed:  # counted from the rows; else from their day totals
        domains = dao_count_learning_rows(session, scope.outcome_clauses())
        auditors = dao_count_moderation_rows(session, scope.outcome_clauses())
    else:
        domains = dao_sum_learning_days(session, scope.first, scope.last)
        auditors = dao_sum_moderation_days(session, scope.first, scope.last)
    return {
        "actions": action_figures(dao_count_actions(session, action_clauses, now()),
                                  dao_count_inadequate(session, action_clauses, worst)),
        "reaudit_domains": reaudit_domains(domains),
        "moderation": moderation(auditors, domains),
        "plan": dao_count_plan(session, scope),
    }


def headline(session: Session, date_from: date, date_to: date, service_area: str | None = None,
             audit_kind: str | None = None) -> dict:
    """The few figures periods are compared by (issue 14), from three of the report's queries."""
    scope = Scope(date_from, date_to, service_area, audit_kind)
    scale = dao_deployed_scale(session)
    counts = Counter({_known(grade): n for grade, n in dao_count_grades(session, scope)})
    by_grade = dict.fromkeys(scale.grades, 0) | _sorted(counts)
    return headline_of(by_grade, timeliness(session, scope), alerts(session, scope)["total"], scale)


def headline_of(by_grade: dict[str, int], deadlines: dict[str, dict[str, int]], alerts_closed: int,
                scale: GradeScale) -> dict:
    """Audits, grades, the share good or better, deadlines met and alerts closed. A share of
    nothing (no audit, no deadline) is None, not 0%."""
    total = sum(by_grade.values())
    good = sum(n for grade, n in by_grade.items() if grade in scale.good_or_better)
    met = sum(d["met"] for d in deadlines.values())
    applied = sum(d["met"] + d["missed"] for d in deadlines.values())
    return {"total": total, "by_grade": by_grade, "good_or_better_percent": percent(good, total) if total else None,
            "deadlines_met_percent": percent(met, applied) if applied else None, "alerts": alerts_closed}


def london_window(date_from: date, date_to: date) -> tuple[datetime, datetime]:
    """[start of date_from, start of the day after date_to) in London, as UTC instants."""
    start = datetime.combine(date_from, time(0), tzinfo=LONDON)
    end = datetime.combine(date_to + timedelta(days=1), time(0), tzinfo=LONDON)
    return start.astimezone(timezone.utc), end.astimezone(timezone.utc)


def percent(part: int, whole: int) -> float:
    return round(100 * part / whole, 1) if whole else 0.0


def _sorted(counts: Counter) -> dict:
    return dict(sorted(counts.items()))


# --- the outcome rows' figures, from one GROUP BY -------------------------------------------

OUTCOME_COLUMNS = (AuditOutcome.overall_grade, AuditOutcome.service_area, AuditOutcome.audit_kind,
                   AuditOutcome.grade_change, AuditOutcome.disputed, AuditOutcome.dispute_stage,
                   AuditOutcome.dispute_outcome)  # ix_audit_outcome_report holds them all, after completed_at
CYCLE_COLUMNS = (AuditOutcome.cycle_year, AuditOutcome.cycle_month, AuditOutcome.overall_grade)  # and these


@dataclass
class OutcomeCounts:
    """The figures of the outcome rows, added up from their counts per combination of
    OUTCOME_COLUMNS: one pass over the window's rows instead of one per figure."""
    by_grade: Counter = field(default_factory=Counter)
    by_service_area: Counter = field(default_factory=Counter)
    by_audit_kind: Counter = field(default_factory=Counter)
    by_grade_change: Counter = field(default_factory=Counter)  # re-audits only: grade_change set
    disputes: dict[str, Counter] = field(default_factory=dict)  # stage -> outcome -> audits

    @classmethod
    def of(cls, groups) -> "OutcomeCounts":
        counts = cls()
        for grade, area, kind, change, disputed, stage, outcome, n in groups:
            counts.by_grade[_known(grade)] += n
            counts.by_service_area[_known(area)] += n
            counts.by_audit_kind[_known(kind)] += n
            if change is not None:
                counts.by_grade_change[change] += n
            if disputed:
                counts.disputes.setdefault(_known(stage), Counter())[_known(outcome)] += n
        return counts


def _known(value):
    return value if value is not None else UNKNOWN


# --- strongest and weakest practice -----------------------------------------------------------

def strongest_domains(by_domain: dict[str, dict[str, int]], scale: GradeScale) -> list[str]:
    """Domains with the highest share of good-or-better grades (Good, Outstanding) among their
    graded audits (not applicable left out), best first; ties go to the domain graded more often,
    then by id."""
    return _ranked(by_domain, scale, scale.good_or_better)


def weakest_domains(by_domain: dict[str, dict[str, int]], scale: GradeScale) -> list[str]:
    """Domains with the highest share of grades below good (Requires Improvement, Inadequate), weakest first."""
    return _ranked(by_domain, scale, set(scale.grades) - scale.good_or_better)


def _ranked(by_domain: dict[str, dict[str, int]], scale: GradeScale, grades: AbstractSet[str]) -> list[str]:
    shares = []
    for domain, counts in by_domain.items():
        graded = sum(n for grade, n in counts.items() if grade in scale.grades)
        hits = sum(n for grade, n in counts.items() if grade in grades)
        if hits:
            shares.append((-hits / graded, -graded, domain))
    return [domain for *_, domain in sorted(shares)[:RANKED_DOMAINS]]


# --- domains and deadlines, from their day totals ---------------------------------------------

def domain_grades(session: Session, scope: Scope) -> dict[str, dict[str, int]]:
    """{domain: {final grade: audits}}, not applicable included."""
    groups = (dao_count_domain_grades(session, scope) if scope.narrowed
              else dao_sum_domain_days(session, scope.first, scope.last))
    return _nest(groups)


def thematic_domain_grades(session: Session, scope: Scope) -> dict[str, dict[str, int]]:
    """The domains of themed audits alone (R-60: "themed-audit breakdowns by domain")."""
    if scope.audit_kind not in (None, THEMATIC):
        return {}
    return _nest(dao_count_domain_grades(session, replace(scope, audit_kind=THEMATIC)))


def _nest(groups) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {}
    for domain, grade, n in groups:
        counts.setdefault(domain, {})[grade] = n
    return counts


def timeliness(session: Session, scope: Scope) -> dict[str, dict[str, int]]:
    """{deadline name: {"met", "missed"}} over the deadlines that applied to each audit."""
    groups = (dao_count_deadlines(session, scope) if scope.narrowed
              else dao_sum_deadline_days(session, scope.first, scope.last))
    counts: dict[str, dict[str, int]] = {}
    for name, met, n in groups:
        counts.setdefault(name, {"met": 0, "missed": 0})["met" if met else "missed"] = n
    return counts


def trend(session: Session, scope: Scope, scale: GradeScale) -> list[dict]:
    """Per audit cycle of the audits counted, oldest first: how many, the share good or better and
    how many inadequate (the worst grade of the scale). A second GROUP BY over the covering index:
    folding the cycle into the first would multiply its groups, and their fetching, by twelve."""
    by_cycle: dict[str, Counter] = {}
    for year, month, grade, n in dao_count_cycles(session, scope):
        if year and month:
            by_cycle.setdefault(f"{year}-{month:02d}", Counter())[_known(grade)] += n
    points = []
    for cycle, grades in sorted(by_cycle.items()):
        total = sum(grades.values())
        good = sum(n for grade, n in grades.items() if grade in scale.good_or_better)
        points.append({"cycle": cycle, "total": total, "good_or_better_percent": percent(good, total),
                       "worst": grades.get(scale.grades[-1], 0)})
    return points


# --- disputes and alerts ----------------------------------------------------------------------

def disputes(session: Session, outcomes: OutcomeCounts, service_area: str | None = None) -> dict:
    """Disputes that ended with audits completed in the window, by the stage they ended at and
    their outcome (grade_upheld / grade_changed); `open` counts audits disputed now (R-34: their
    grade counts as disputed, not in by_grade, until the dispute ends), in the service area if one
    is given."""
    by_stage = {stage: _sorted(by_outcome) for stage, by_outcome in sorted(outcomes.disputes.items())}
    return {"total": sum(sum(o.values()) for o in by_stage.values()), "by_stage": by_stage,
            "open": dao_count_open_disputes(session, service_area)}


def alerts(session: Session, scope: Scope) -> dict:
    """Child-safety alerts closed in the window: by the stage they ended at, by outcome, and
    whether every stage's response came within its deadline (R-42, R-43, R-45), with those deadlines
    in working days as the deployed diagram set them (its timers): no number of the report's own."""
    by_stage: Counter = Counter()
    by_outcome: Counter = Counter()
    answered: Counter[str] = Counter()
    for stage, outcome, in_time, n in dao_count_alerts(session, scope):
        by_stage[stage] += n
        by_outcome[outcome] += n
        answered["met" if in_time else "missed"] += n
    return {"total": sum(by_stage.values()), "by_final_stage": {str(s): n for s, n in sorted(by_stage.items())},
            "by_outcome": _sorted(by_outcome),
            "answered_in_time": {"met": answered["met"], "missed": answered["missed"]},
            "deadline_working_days": dao_list_alert_deadline_days(session, scope)}


# --- the rows behind the report (CSV) ---------------------------------------------------------

ROW_COLUMNS = ("case_ref", "service_area", "team", "auditor", "practitioner", "audit_kind", "cycle_year",
               "cycle_month", "pre_discussion_grade", "discussed_grade", "accepted_grade", "qa_returns",
               "overall_grade", "previous_grade", "grade_change", "disputed", "dispute_stage", "dispute_outcome",
               "started_at", "submitted_at", "completed_at")


ALERT_ROW_COLUMNS = ("case_ref", "service_area", "raised_from", "final_stage", "outcome", "stages_timed_out",
                     "answered_in_time", "raised_at", "closed_at")


def audit_report_rows(session: Session, date_from: date, date_to: date, service_area: str | None = None,
                      audit_kind: str | None = None, where: tuple = ()) -> list[dict]:
    """One row per audit completed in the window (and of the area, kind and `where` clauses over
    AuditOutcome, if given), oldest first: its outcome, then one column per deadline (met /
    missed, blank where it did not apply) and per domain (the final grade)."""
    clauses = [*Scope(date_from, date_to, service_area, audit_kind).outcome_clauses(), *where]
    outcomes = dao_list_outcomes(session, clauses)
    deadlines = _by_outcome(dao_list_deadlines(session, clauses))
    domains = _by_outcome(dao_list_domain_grades(session, clauses))
    deadline_names = sorted({name for values in deadlines.values() for name in values})
    domain_names = sorted({name for values in domains.values() for name in values})
    return [_row(o, deadlines.get(o.id, {}), domains.get(o.id, {}), deadline_names, domain_names) for o in outcomes]


_DEADLINE_WORDS: dict[bool | None, str] = {True: "met", False: "missed"}


def _row(outcome: AuditOutcome, deadlines: dict, domains: dict, deadline_names, domain_names) -> dict:
    row = {column: _plain(getattr(outcome, column)) for column in ROW_COLUMNS}
    row |= {f"deadline:{name}": _DEADLINE_WORDS.get(deadlines.get(name)) for name in deadline_names}
    return row | {f"domain:{name}": domains.get(name) for name in domain_names}


def alert_report_rows(session: Session, scope: Scope, where: tuple = ()) -> list[dict]:
    """One row per alert closed in the scope's window (and area), oldest first."""
    query = select(AlertOutcome).where(*scope.alert_clauses(), *where).order_by(AlertOutcome.closed_at,
                                                                                   AlertOutcome.id)
    return [{column: _plain(getattr(alert, column)) for column in ALERT_ROW_COLUMNS}
            for alert in session.scalars(query)]


def _by_outcome(rows) -> dict[int, dict]:
    grouped: dict[int, dict] = {}
    for outcome_id, key, value in rows:
        grouped.setdefault(outcome_id, {})[key] = value
    return grouped


def _plain(value):
    return value.isoformat() if isinstance(value, datetime) else value


# --- data access ------------------------------------------------------------------------------

def dao_count_outcomes(session: Session, scope: Scope) -> list[tuple]:
    """Audits completed in the window per combination of OUTCOME_COLUMNS (about a thousand groups)."""
    query = select(*OUTCOME_COLUMNS, func.count()).where(*scope.outcome_clauses()).group_by(*OUTCOME_COLUMNS)
    return list(session.execute(query))


def dao_count_cycles(session: Session, scope: Scope) -> list[tuple]:
    """Audits completed in the window per (cycle year, cycle month, final grade)."""
    query = select(*CYCLE_COLUMNS, func.count()).where(*scope.outcome_clauses()).group_by(*CYCLE_COLUMNS)
    return list(session.execute(query))


def dao_count_grades(session: Session, scope: Scope) -> list[tuple[str, int]]:
    """Audits completed in the window per final grade: the comparison's one figure of the outcome rows."""
    query = (select(AuditOutcome.overall_grade, func.count()).where(*scope.outcome_clauses())
             .group_by(AuditOutcome.overall_grade))
    return list(session.execute(query))


def dao_count_domain_grades(session: Session, scope: Scope) -> list[tuple[str, str, int]]:
    """(domain, final grade, audits) from the rows: what the day totals give, for a narrowed scope."""
    columns = (AuditDomainGrade.domain, AuditDomainGrade.grade_after)
    query = (select(*columns, func.count()).join(AuditOutcome, AuditOutcome.id == AuditDomainGrade.outcome_id)
             .where(*scope.outcome_clauses(), AuditDomainGrade.grade_after.is_not(None))
             .group_by(*columns).order_by(*columns))
    return list(session.execute(query))


def dao_count_deadlines(session: Session, scope: Scope) -> list[tuple[str, bool, int]]:
    """(deadline name, met, audits) from the rows, for a narrowed scope."""
    columns = (AuditDeadline.name, AuditDeadline.met)
    query = (select(*columns, func.count()).join(AuditOutcome, AuditOutcome.id == AuditDeadline.outcome_id)
             .where(*scope.outcome_clauses()).group_by(*columns).order_by(AuditDeadline.name))
    return list(session.execute(query))


def open_dispute_instances(service_area: str | None = None):
    """The instances (audits, or disputes started on their own) with a dispute task ready now: a
    dispute always has one of its tasks ready until it ends."""
    query = select(UserTask.instance_id).where(UserTask.state == "ready", UserTask.spec_id == DISPUTE_PROCESS)
    if service_area is not None:
        query = query.join(ProcessInstance, ProcessInstance.id == UserTask.instance_id).where(
            matches(ProcessInstance.service_area_id, service_area))
    return query


def dao_count_open_disputes(session: Session, service_area: str | None = None) -> int:
    instances = open_dispute_instances(service_area).subquery()
    return session.execute(select(func.count(distinct(instances.c.instance_id)))).scalar_one()


def dao_count_plan(session: Session, scope: Scope) -> dict[str, int]:
    """The audits of the window's cycles (allocated and started: the plan) and how many completed,
    of the service area if given (an instance has no audit kind)."""
    clauses = [ProcessInstance.process_id == AUDIT_PROCESS, ProcessInstance.cycle.in_(scope.cycles())]
    if scope.service_area is not None:
        clauses.append(matches(ProcessInstance.service_area_id, scope.service_area))
    completed = func.sum(case((ProcessInstance.status == "completed", 1), else_=0))
    planned, done = session.execute(select(func.count(), completed).where(*clauses)).one()
    return {"planned": planned, "completed": int(done or 0)}


def dao_count_alerts(session: Session, scope: Scope) -> list[tuple]:
    """Alerts closed in the window per (final stage, outcome, answered in time)."""
    columns = (AlertOutcome.final_stage, AlertOutcome.outcome, AlertOutcome.answered_in_time)
    query = select(*columns, func.count()).where(*scope.alert_clauses()).group_by(*columns)
    return list(session.execute(query))


def dao_list_alert_deadline_days(session: Session, scope: Scope) -> list[int]:
    """Every deadline (working days) that the alerts closed in the window had, sorted."""
    recorded = session.scalars(select(AlertOutcome.deadline_days).where(*scope.alert_clauses()))
    return sorted({days for each in recorded for days in each or ()})


def dao_list_outcomes(session: Session, clauses: list) -> list[AuditOutcome]:
    query = select(AuditOutcome).where(*clauses).order_by(AuditOutcome.completed_at, AuditOutcome.id)
    return list(session.scalars(query))


def dao_list_deadlines(session: Session, clauses: list) -> list[tuple]:
    query = (select(AuditDeadline.outcome_id, AuditDeadline.name, AuditDeadline.met)
             .join(AuditOutcome, AuditOutcome.id == AuditDeadline.outcome_id).where(*clauses))
    return list(session.execute(query))


def dao_list_domain_grades(session: Session, clauses: list) -> list[tuple]:
    query = (select(AuditDomainGrade.outcome_id, AuditDomainGrade.domain, AuditDomainGrade.grade_after)
             .join(AuditOutcome, AuditOutcome.id == AuditDomainGrade.outcome_id).where(*clauses))
    return list(session.execute(query))
