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
from engine.models import (
    AuditDeadline,
    AuditDeadlineDay,
    AuditDomainDay,
    AuditDomainGrade,
    AuditLearningDay,
    AuditModerationDay,
    AuditOutcome,
)
from engine.reporting.moderation import LEARNING_COLUMNS, MODERATION_COUNTS, learning_keys, moderation_counts

NO_AUDITOR = ""  # audit_moderation_day's auditor (a key) of an audit that named none: "unknown" in the report


def london_day(at: datetime) -> date:
    return at.astimezone(LONDON).date()


def domain_totals(completed_at: datetime, domains: list[AuditDomainGrade]) -> Counter:
    """(day, domain, final grade) -> audits; a domain without a final grade counts nowhere, as in
    the report."""
    day = london_day(completed_at)
    return Counter((day, d.domain, d.grade_after) for d in domains if d.grade_after is not None)


def learning_totals(completed_at: datetime, domains: list[AuditDomainGrade]) -> Counter:
    """(day, domain, column of LEARNING_COLUMNS) -> domains: re-audit movement and the stages (R-28)."""
    day = london_day(completed_at)
    return Counter({(day, *key): n for key, n in learning_keys(domains).items()})


def learning_rows(totals: Counter) -> list[dict]:
    """The totals as audit_learning_day rows: one per (day, domain), a column per count."""
    rows: dict[tuple, dict] = {}
    for (day, domain, column), n in sorted(totals.items()):
        rows.setdefault((day, domain), {"day": day, "domain": domain} | dict.fromkeys(LEARNING_COLUMNS, 0))[column] += n
    return list(rows.values())


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
    _dao_add_learning(session, learning_rows(learning_totals(completed_at, domains)))


def moderation_row(outcome: AuditOutcome) -> dict | None:
    """An audit's audit_moderation_day row (its day and auditor, its counts); None while its
    moderation is unknown."""
    counts = moderation_counts(outcome)
    if counts is None:
        return None
    return ({"day": london_day(outcome.completed_at), "auditor": outcome.auditor or NO_AUDITOR}
            | {column: counts[column] for column in MODERATION_COUNTS})


def dao_add_moderation_day(session: Session, outcome: AuditOutcome) -> None:
    """Add one completed audit's moderation to the totals of its day and auditor (R-28)."""
    row = moderation_row(outcome)
    if row is not None:
        _dao_add_counts(session, AuditModerationDay, ["day", "auditor"], MODERATION_COUNTS, [row])


def _dao_add_learning(session: Session, rows: list[dict]) -> None:
    _dao_add_counts(session, AuditLearningDay, ["day", "domain"], LEARNING_COLUMNS, rows)


def _dao_add_counts(session: Session, model, keys: list[str], columns: tuple[str, ...], rows: list[dict]) -> None:
    """As _dao_add_to, with a column per count, each added to its own."""
    if not rows:
        return
    insert = DIALECT_INSERTS[session.get_bind().dialect.name](model).values(rows)
    added = {column: getattr(model, column) + getattr(insert.excluded, column)  # type: ignore[attr-defined]
             for column in columns}
    session.execute(insert.on_conflict_do_update(index_elements=keys, set_=added))  # type: ignore[attr-defined]


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


def dao_sum_learning_days(session: Session, first: date, last: date) -> dict[str, dict[str, int]]:
    """{domain: {column of LEARNING_COLUMNS: domains}} over the days first to last, both included."""
    sums = [func.sum(getattr(AuditLearningDay, column)) for column in LEARNING_COLUMNS]
    query = (select(AuditLearningDay.domain, *sums).where(AuditLearningDay.day >= first, AuditLearningDay.day <= last)
             .group_by(AuditLearningDay.domain))
    return {domain: dict(zip(LEARNING_COLUMNS, map(int, counts))) for domain, *counts in session.execute(query)}


def dao_sum_moderation_days(session: Session, first: date, last: date) -> dict[str, dict[str, int]]:
    """{auditor ("unknown" for none): {column of MODERATION_COUNTS: n}} over the days first to last."""
    sums = [func.sum(getattr(AuditModerationDay, column)) for column in MODERATION_COUNTS]
    query = (select(AuditModerationDay.auditor, *sums)
             .where(AuditModerationDay.day >= first, AuditModerationDay.day <= last)
             .group_by(AuditModerationDay.auditor))
    return {auditor or "unknown": dict(zip(MODERATION_COUNTS, map(int, counts)))
            for auditor, *counts in session.execute(query)}
