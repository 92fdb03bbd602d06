"""Per-day totals of the domain grade and deadline rows, kept in step with them (issue 14, P4).

A year of audits has ten domain rows and three or four deadline rows per audit: grouping 330,000
joined rows took over a second on SQLite, most of it sorting them. The totals per London day hold
the same counts in a few thousand rows. They are added to in the transaction that writes the
outcome (engine/reporting/outcomes.py), so they are exact: the report of any London days sums the totals
of those days, which are the audits completed in that window (engine/reporting/audit_report.py).
"""
from collections import Counter
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.calendar import LONDON
from engine.db import DIALECT_INSERTS
from engine.models import AuditDeadline, AuditDeadlineDay, AuditDomainDay, AuditDomainGrade, AuditLearningDay
from engine.reporting.moderation import learning_keys


def london_day(at: datetime) -> date:
    return at.astimezone(LONDON).date()


def domain_totals(completed_at: datetime, domains: list[AuditDomainGrade]) -> Counter:
    """(day, domain, final grade) -> audits; a domain without a final grade counts nowhere, as in
    the report."""
    day = london_day(completed_at)
    return Counter((day, d.domain, d.grade_after) for d in domains if d.grade_after is not None)


def learning_totals(completed_at: datetime, domains: list[AuditDomainGrade]) -> Counter:
    """(day, figure, domain, result) -> domains: re-audit movement and the stages' same / changed (R-28)."""
    day = london_day(completed_at)
    return Counter({(day, *key): n for key, n in learning_keys(domains).items()})


def deadline_totals(completed_at: datetime, deadlines: list[AuditDeadline]) -> Counter:
    """(day, deadline name, met) -> audits."""
    day = london_day(completed_at)
    return Counter((day, d.name, bool(d.met)) for d in deadlines)


# --- data access ------------------------------------------------------------------------------

def dao_add_day_totals(session: Session, completed_at: datetime, domains: list[AuditDomainGrade],
                       deadlines: list[AuditDeadline]) -> None:
    """Add one completed audit's rows to the totals of its day."""
    _dao_add_to(session, AuditDomainDay, ("day", "domain", "grade"), domain_totals(completed_at, domains))
    _dao_add_to(session, AuditDeadlineDay, ("day", "name", "met"), deadline_totals(completed_at, deadlines))
    _dao_add_to(session, AuditLearningDay, ("day", "figure", "domain", "result"),
                learning_totals(completed_at, domains))


def _dao_add_to(session: Session, model, key_columns: tuple[str, ...], totals: Counter) -> None:
    """INSERT ... ON CONFLICT DO UPDATE audits = audits + n: two audits completing at once on
    the same day both count. Keys go in sorted order, so two such transactions lock the same rows
    in the same order and never deadlock."""
    if not totals:
        return
    rows = [dict(zip(key_columns, key)) | {"audits": n} for key, n in sorted(totals.items())]
    insert = DIALECT_INSERTS[session.get_bind().dialect.name](model).values(rows)
    # the dialect's own insert (PostgreSQL or SQLite) has ON CONFLICT; the checker sees the generic one
    session.execute(insert.on_conflict_do_update(  # type: ignore[attr-defined]
        index_elements=list(key_columns), set_={"audits": model.audits + insert.excluded.audits}))  # type: ignore[attr-defined]


def dao_sum_domain_days(session: Session, first: date, last: date) -> list[tuple[str, str, int]]:
    """(domain, final grade, audits) over the days first to last, both included."""
    query = (select(AuditDomainDay.domain, AuditDomainDay.grade, func.sum(AuditDomainDay.audits))
             .where(AuditDomainDay.day >= first, AuditDomainDay.day <= last)
             .group_by(AuditDomainDay.domain, AuditDomainDay.grade)
             .order_by(AuditDomainDay.domain, AuditDomainDay.grade))
    return list(session.execute(query))


def dao_sum_deadline_days(session: Session, first: date, last: date) -> list[tuple[str, bool, int]]:
    """(deadline name, met, audits) over the days first to last, both included."""
    query = (select(AuditDeadlineDay.name, AuditDeadlineDay.met, func.sum(AuditDeadlineDay.audits))
             .where(AuditDeadlineDay.day >= first, AuditDeadlineDay.day <= last)
             .group_by(AuditDeadlineDay.name, AuditDeadlineDay.met)
             .order_by(AuditDeadlineDay.name))
    return list(session.execute(query))


def dao_sum_learning_days(session: Session, first: date, last: date) -> list[tuple[str, str, str, int]]:
    """(figure, domain, result, domains) over the days first to last, both included."""
    columns = (AuditLearningDay.figure, AuditLearningDay.domain, AuditLearningDay.result)
    query = (select(*columns, func.sum(AuditLearningDay.audits))
             .where(AuditLearningDay.day >= first, AuditLearningDay.day <= last)
             .group_by(*columns).order_by(*columns))
    return [(figure, domain, result, int(n)) for figure, domain, result, n in session.execute(query)]
