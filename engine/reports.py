"""Audit reports (R-60, R-61): SQL GROUP BY over the outcome rows written when audits and alerts
end (engine/outcomes.py), for audits completed between two London dates, both included."""
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from .calendar import LONDON
from .grades import GradeScale, dao_deployed_scale
from .models import AlertOutcome, AuditDeadline, AuditDomainGrade, AuditOutcome, UserTask
from .outcomes import GRADE_CHANGES

RANKED_DOMAINS = 3  # how many domains strongest_domains and weakest_domains name
DISPUTE_PROCESS = "dispute_resolution"  # its tasks (called from an audit or on their own) are open disputes
UNKNOWN = "unknown"  # a service area or stage the data did not give


def audit_report(session: Session, date_from: date, date_to: date) -> dict:
    """The report of GET /api/reports/audits (API.md) for audits completed from date_from to
    date_to, London days, inclusive."""
    window = london_window(date_from, date_to)
    scale = dao_deployed_scale(session)  # the grades, best first, from forms/grades.defs.json
    by_grade = dict.fromkeys(scale.grades, 0) | dao_count_audits_by(session, AuditOutcome.overall_grade, window)
    by_domain = dao_count_domain_grades(session, window)
    total = sum(by_grade.values())
    return {
        "total": total,
        "by_grade": by_grade,
        "by_grade_percent": {grade: percent(n, total) for grade, n in by_grade.items()},
        "by_service_area": dao_count_audits_by(session, AuditOutcome.service_area, window),
        "by_audit_kind": dao_count_audits_by(session, AuditOutcome.audit_kind, window),
        "by_domain": by_domain,
        "strongest_domains": strongest_domains(by_domain, scale),
        "weakest_domains": weakest_domains(by_domain, scale),
        "re_audit_outcomes": dict.fromkeys(GRADE_CHANGES, 0) | dao_count_audits_by(
            session, AuditOutcome.grade_change, window, AuditOutcome.grade_change.is_not(None)),
        "timeliness": dao_count_deadlines(session, window),
        "disputes": disputes(session, window),
        "alerts": alerts(session, window),
    }


def london_window(date_from: date, date_to: date) -> tuple[datetime, datetime]:
    """[start of date_from, start of the day after date_to) in London, as UTC instants."""
    start = datetime.combine(date_from, time(0), tzinfo=LONDON)
    end = datetime.combine(date_to + timedelta(days=1), time(0), tzinfo=LONDON)
    return start.astimezone(timezone.utc), end.astimezone(timezone.utc)


def percent(part: int, whole: int) -> float:
    return round(100 * part / whole, 1) if whole else 0.0


# --- strongest and weakest practice -----------------------------------------------------------

def strongest_domains(by_domain: dict[str, dict[str, int]], scale: GradeScale) -> list[str]:
    """Domains with the highest share of good-or-better grades (Good, Outstanding) among their
    graded audits (not applicable left out), best first; ties go to the domain graded more often,
    then by id."""
    return _ranked(by_domain, scale, scale.good_or_better)


def weakest_domains(by_domain: dict[str, dict[str, int]], scale: GradeScale) -> list[str]:
    """Domains with the highest share of grades below good (Requires Improvement, Inadequate), weakest first."""
    return _ranked(by_domain, scale, set(scale.grades) - scale.good_or_better)


def _ranked(by_domain: dict[str, dict[str, int]], scale: GradeScale, grades: set[str]) -> list[str]:
    shares = []
    for domain, counts in by_domain.items():
        graded = sum(n for grade, n in counts.items() if grade in scale.grades)
        hits = sum(n for grade, n in counts.items() if grade in grades)
        if hits:
            shares.append((-hits / graded, -graded, domain))
    return [domain for *_, domain in sorted(shares)[:RANKED_DOMAINS]]


# --- disputes and alerts ----------------------------------------------------------------------

def disputes(session: Session, window) -> dict:
    """Disputes that ended with audits completed in the window, by the stage they ended at and
    their outcome (grade_upheld / grade_changed); `open` counts audits disputed now (R-34: their
    grade counts as disputed, not in by_grade, until the dispute ends)."""
    by_stage: dict[str, dict[str, int]] = {}
    for stage, outcome, count in dao_count_disputes(session, window):
        by_stage.setdefault(stage or UNKNOWN, {})[outcome or UNKNOWN] = count
    return {"total": sum(sum(o.values()) for o in by_stage.values()), "by_stage": by_stage,
            "open": dao_count_open_disputes(session)}


def alerts(session: Session, window) -> dict:
    """Child-safety alerts closed in the window: by the stage they ended at, by outcome, and
    whether every stage's response came within its deadline (5 working days, R-42, R-43, R-45)."""
    by_stage = {str(stage): n for stage, n in dao_count_alerts_by(session, AlertOutcome.final_stage, window)}
    answered = dict(dao_count_alerts_by(session, AlertOutcome.answered_in_time, window))
    return {"total": sum(by_stage.values()), "by_final_stage": by_stage,
            "by_outcome": dict(dao_count_alerts_by(session, AlertOutcome.outcome, window)),
            "answered_within_5_days": {"met": answered.get(True, 0), "missed": answered.get(False, 0)}}


# --- the rows behind the report (CSV) ---------------------------------------------------------

ROW_COLUMNS = ("case_ref", "service_area", "team", "auditor", "practitioner", "audit_kind", "cycle_year",
               "cycle_month", "pre_discussion_grade", "overall_grade", "previous_grade", "grade_change",
               "disputed", "dispute_stage", "dispute_outcome", "started_at", "submitted_at", "completed_at")


def audit_report_rows(session: Session, date_from: date, date_to: date) -> list[dict]:
    """One row per audit completed in the window, oldest first: its outcome, then one column per
    deadline (met / missed, blank where it did not apply) and per domain (the final grade)."""
    window = london_window(date_from, date_to)
    outcomes = dao_list_outcomes(session, window)
    deadlines = _by_outcome(dao_list_deadlines(session, window))
    domains = _by_outcome(dao_list_domain_grades(session, window))
    deadline_names = sorted({name for values in deadlines.values() for name in values})
    domain_names = sorted({name for values in domains.values() for name in values})
    return [_row(o, deadlines.get(o.id, {}), domains.get(o.id, {}), deadline_names, domain_names) for o in outcomes]


def _row(outcome: AuditOutcome, deadlines: dict, domains: dict, deadline_names, domain_names) -> dict:
    row = {column: _plain(getattr(outcome, column)) for column in ROW_COLUMNS}
    row |= {f"deadline:{name}": {True: "met", False: "missed"}.get(deadlines.get(name)) for name in deadline_names}
    return row | {f"domain:{name}": domains.get(name) for name in domain_names}


def _by_outcome(rows) -> dict[int, dict]:
    grouped: dict[int, dict] = {}
    for outcome_id, key, value in rows:
        grouped.setdefault(outcome_id, {})[key] = value
    return grouped


def _plain(value):
    return value.isoformat() if isinstance(value, datetime) else value


# --- data access ------------------------------------------------------------------------------

def _completed_in(window):
    start, end = window
    return (AuditOutcome.completed_at >= start, AuditOutcome.completed_at < end)


def dao_count_audits_by(session: Session, column, window, *where) -> dict:
    query = select(column, func.count()).where(*_completed_in(window), *where).group_by(column)
    return {(key if key is not None else UNKNOWN): n for key, n in session.execute(query)}


def dao_count_domain_grades(session: Session, window) -> dict[str, dict[str, int]]:
    """{domain: {final grade: audits}}, not applicable included."""
    query = (select(AuditDomainGrade.domain, AuditDomainGrade.grade_after, func.count())
             .join(AuditOutcome, AuditOutcome.id == AuditDomainGrade.outcome_id)
             .where(*_completed_in(window), AuditDomainGrade.grade_after.is_not(None))
             .group_by(AuditDomainGrade.domain, AuditDomainGrade.grade_after)
             .order_by(AuditDomainGrade.domain, AuditDomainGrade.grade_after))
    counts: dict[str, dict[str, int]] = {}
    for domain, grade, n in session.execute(query):
        counts.setdefault(domain, {})[grade] = n
    return counts


def dao_count_deadlines(session: Session, window) -> dict[str, dict[str, int]]:
    """{deadline name: {"met", "missed"}} over the deadlines that applied to each audit."""
    query = (select(AuditDeadline.name, AuditDeadline.met, func.count())
             .join(AuditOutcome, AuditOutcome.id == AuditDeadline.outcome_id)
             .where(*_completed_in(window)).group_by(AuditDeadline.name, AuditDeadline.met)
             .order_by(AuditDeadline.name))
    counts: dict[str, dict[str, int]] = {}
    for name, met, n in session.execute(query):
        counts.setdefault(name, {"met": 0, "missed": 0})["met" if met else "missed"] = n
    return counts


def dao_count_disputes(session: Session, window) -> list[tuple]:
    query = (select(AuditOutcome.dispute_stage, AuditOutcome.dispute_outcome, func.count())
             .where(*_completed_in(window), AuditOutcome.disputed.is_(True))
             .group_by(AuditOutcome.dispute_stage, AuditOutcome.dispute_outcome))
    return list(session.execute(query))


def dao_count_open_disputes(session: Session) -> int:
    """Instances (audits, or disputes started on their own) with a dispute task ready now: a
    dispute always has one of its tasks ready until it ends."""
    query = select(func.count(distinct(UserTask.instance_id))).where(
        UserTask.state == "ready", UserTask.spec_id == DISPUTE_PROCESS)
    return session.scalar(query)


def dao_count_alerts_by(session: Session, column, window) -> list[tuple]:
    start, end = window
    query = (select(column, func.count()).where(AlertOutcome.closed_at >= start, AlertOutcome.closed_at < end)
             .group_by(column).order_by(column))
    return list(session.execute(query))


def dao_list_outcomes(session: Session, window) -> list[AuditOutcome]:
    query = select(AuditOutcome).where(*_completed_in(window)).order_by(AuditOutcome.completed_at, AuditOutcome.id)
    return list(session.scalars(query))


def dao_list_deadlines(session: Session, window) -> list[tuple]:
    query = (select(AuditDeadline.outcome_id, AuditDeadline.name, AuditDeadline.met)
             .join(AuditOutcome, AuditOutcome.id == AuditDeadline.outcome_id).where(*_completed_in(window)))
    return list(session.execute(query))


def dao_list_domain_grades(session: Session, window) -> list[tuple]:
    query = (select(AuditDomainGrade.outcome_id, AuditDomainGrade.domain, AuditDomainGrade.grade_after)
             .join(AuditOutcome, AuditOutcome.id == AuditDomainGrade.outcome_id).where(*_completed_in(window)))
    return list(session.execute(query))
