"""Moderation and re-audit movement (R-28): how often QA returned a report, how often a grade
changed between the stages of an audit (the draft, after the discussion with the practitioner, as
QA accepted it, final after any dispute), and how each domain of a re-audit moved against the same
domain of the case's previous audit.

A stage is compared only where both of its grades are known: rows written before the stages were
kept (migration 0020) have None there and count nowhere. An audit's moderation is known once its
discussed grade is (record_audit_outcome writes it since issue 27).

An unnarrowed report sums day totals (engine/reporting/day_totals.py: audit_learning_day per domain,
audit_moderation_day per auditor) kept as the outcomes are written; a narrowed one counts the rows
themselves, as for the final grades by domain."""
from collections import Counter
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from engine.grades import GradeScale, dao_deployed_scale
from engine.models import AuditDomainGrade, AuditOutcome

GRADE_CHANGES = ("improved", "same", "downgraded")  # a re-audit against the audit before
RE_AUDIT_KINDS = ("re_audit", "re_re_audit")  # the audit kinds of forms/case_audit_start.json compared with one before

# stage -> (the grade before it, the grade after it): of a domain row, and of the outcome row
STAGES = {"draft_discussed": ("grade_before", "grade_discussed"),
          "discussed_accepted": ("grade_discussed", "grade_accepted"),
          "accepted_final": ("grade_accepted", "grade_after")}
OUTCOME_STAGES = {"draft_discussed": ("pre_discussion_grade", "discussed_grade"),
                  "discussed_accepted": ("discussed_grade", "accepted_grade"),
                  "accepted_final": ("accepted_grade", "overall_grade")}
# What the day totals keep, one column each: per (day, auditor) the audits whose moderation is known,
# those QA returned, QA's returns, and per stage the overall grades compared and changed; per (day,
# domain) the re-audit movement, and per stage the domain grades compared and changed.
MODERATION_COUNTS = ("audits", "qa_returned", "qa_returns",
                     *(f"{stage}_{count}" for stage in OUTCOME_STAGES for count in ("compared", "changed")))
LEARNING_COLUMNS = (*GRADE_CHANGES, *(f"{stage}_{count}" for stage in STAGES for count in ("compared", "changed")))


# --- written with the outcome ----------------------------------------------------------------------

def movement(before: str | None, after: str | None, scale: GradeScale) -> str | None:
    """improved / same / downgraded, by the scale's order (best first); None unless both are grades
    (not applicable, or not graded, compares with nothing)."""
    if before not in scale.grades or after not in scale.grades:
        return None
    step = scale.rank(before) - scale.rank(after)
    return GRADE_CHANGES[0] if step > 0 else GRADE_CHANGES[2] if step < 0 else GRADE_CHANGES[1]


def stage_result(before: str | None, after: str | None) -> str | None:
    return None if before is None or after is None else "same" if before == after else "changed"


def learning_keys(domains) -> Counter:
    """(domain, column of LEARNING_COLUMNS) -> domains, for each domain row's movement and stages:
    what the day totals add up."""
    keys: Counter = Counter()
    for row in domains:
        if row.movement is not None:
            keys[(row.domain, row.movement)] += 1
        for stage, (first, second) in STAGES.items():
            result = stage_result(getattr(row, first), getattr(row, second))
            if result is not None:
                keys[(row.domain, f"{stage}_compared")] += 1
                keys[(row.domain, f"{stage}_changed")] += result == "changed"
    return keys


def dao_mark_movement(session: Session, outcome: AuditOutcome, domains: list[AuditDomainGrade]) -> None:
    """A re-audit's domains against the same domains of the latest audit of its case reference
    completed before it, by the deployed grade scale."""
    if outcome.audit_kind not in RE_AUDIT_KINDS or not outcome.case_ref:
        return
    previous = dao_previous_domain_grades(session, outcome.case_ref, outcome.completed_at)
    if not previous:
        return
    scale = dao_deployed_scale(session)
    for row in domains:
        row.movement = movement(previous.get(row.domain), row.grade_after, scale)


def dao_previous_domain_grades(session: Session, case_ref: str, before) -> dict[str, str | None]:
    earlier = (select(AuditOutcome.id).where(AuditOutcome.case_ref == case_ref, AuditOutcome.completed_at < before)
               .order_by(AuditOutcome.completed_at.desc(), AuditOutcome.id.desc()).limit(1)).scalar_subquery()
    rows = session.execute(select(AuditDomainGrade.domain, AuditDomainGrade.grade_after)
                           .where(AuditDomainGrade.outcome_id == earlier))
    return dict(rows.all())


# --- the report's figures ---------------------------------------------------------------------------

def moderation_counts(outcome: AuditOutcome) -> Counter | None:
    """An audit's counts of MODERATION_COUNTS; None while its moderation is unknown."""
    if outcome.discussed_grade is None:
        return None
    counts = Counter(audits=1, qa_returned=int(bool(outcome.qa_returns)), qa_returns=outcome.qa_returns or 0)
    for stage, (first, second) in OUTCOME_STAGES.items():
        result = stage_result(getattr(outcome, first), getattr(outcome, second))
        if result is not None:
            counts[f"{stage}_compared"] += 1
            counts[f"{stage}_changed"] += result == "changed"
    return counts


def moderation(by_auditor: dict[str, dict[str, int]], learning: dict[str, dict[str, int]]) -> dict:
    """The moderation figures from each auditor's counts ({auditor: {column of MODERATION_COUNTS: n}})
    and the domains' totals ({domain: {column of LEARNING_COLUMNS: domains}})."""
    totals: Counter = Counter()
    for counts in by_auditor.values():
        totals.update(counts)
    figures = _audit_figures(totals)
    audits = figures["audits"]
    return {**figures, "returns_per_audit": round(figures["qa_returns"] / audits, 2) if audits else 0.0,
            "by_domain": _domain_stages(learning),
            "by_auditor": {auditor: _audit_figures(counts) for auditor, counts in sorted(by_auditor.items())},
            "reaudit_agreement": reaudit_agreement(reaudit_domains(learning))}


def _audit_figures(counts) -> dict[str, Any]:
    """Audits whose moderation is known, those QA returned at least once, QA's returns in all, and
    per stage the audits whose overall grade it compared and changed."""
    return {"audits": counts.get("audits", 0), "qa_returned": counts.get("qa_returned", 0),
            "qa_returns": counts.get("qa_returns", 0),
            "grade_changed": {stage: {"changed": counts.get(f"{stage}_changed", 0),
                                      "compared": counts.get(f"{stage}_compared", 0)} for stage in OUTCOME_STAGES}}


def _domain_stages(learning: dict[str, dict[str, int]]) -> dict[str, dict]:
    """{domain: {stage: {changed, compared}}} of the domains any stage compared."""
    return {domain: {stage: {"changed": counts[f"{stage}_changed"], "compared": counts[f"{stage}_compared"]}
                     for stage in STAGES}
            for domain, counts in sorted(learning.items())
            if any(counts[f"{stage}_compared"] for stage in STAGES)}


def reaudit_domains(learning: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
    """{domain: {improved, same, downgraded}}: each re-audit's domain against the previous audit's."""
    return {domain: {change: counts[change] for change in GRADE_CHANGES}
            for domain, counts in sorted(learning.items()) if any(counts[change] for change in GRADE_CHANGES)}


def reaudit_agreement(moved: dict[str, dict[str, int]]) -> dict[str, dict]:
    """Per domain, the share of re-audits that gave it the grade the previous audit gave it."""
    agreement = {}
    for domain, counts in moved.items():
        compared = sum(counts.values())
        agreement[domain] = {"same": counts["same"], "compared": compared,
                             "percent": round(100 * counts["same"] / compared, 1) if compared else 0.0}
    return agreement


# --- data access --------------------------------------------------------------------------------------

def dao_count_moderation_rows(session: Session, clauses: list) -> dict[str, dict[str, int]]:
    """{auditor: {column of MODERATION_COUNTS: n}} from the outcome rows the clauses choose whose
    moderation is known (ix_audit_outcome_moderation holds every column): what the day totals give, for a
    narrowed scope."""
    sums = [func.count(), func.sum(case((AuditOutcome.qa_returns > 0, 1), else_=0)),
            func.sum(AuditOutcome.qa_returns)]
    for first, second in OUTCOME_STAGES.values():
        before, after = getattr(AuditOutcome, first), getattr(AuditOutcome, second)
        compared = and_(before.is_not(None), after.is_not(None))
        sums += [func.sum(case((compared, 1), else_=0)), func.sum(case((and_(compared, before != after), 1), else_=0))]
    query = (select(AuditOutcome.auditor, *sums).where(*clauses, AuditOutcome.discussed_grade.is_not(None))
             .group_by(AuditOutcome.auditor))
    return {auditor or "unknown": dict(zip(MODERATION_COUNTS, (int(n or 0) for n in counts)))
            for auditor, *counts in session.execute(query)}


def dao_count_learning_rows(session: Session, clauses: list) -> dict[str, dict[str, int]]:
    """{domain: {column of LEARNING_COLUMNS: domains}} from the domain rows of the audits the clauses
    choose: what the day totals give, for a narrowed scope."""
    sums = [func.sum(case((AuditDomainGrade.movement == change, 1), else_=0)) for change in GRADE_CHANGES]
    for first, second in STAGES.values():
        before, after = getattr(AuditDomainGrade, first), getattr(AuditDomainGrade, second)
        compared = and_(before.is_not(None), after.is_not(None))
        sums += [func.sum(case((compared, 1), else_=0)), func.sum(case((and_(compared, before != after), 1), else_=0))]
    query = (select(AuditDomainGrade.domain, *sums)
             .join(AuditOutcome, AuditOutcome.id == AuditDomainGrade.outcome_id).where(*clauses)
             .group_by(AuditDomainGrade.domain))
    return {domain: dict(zip(LEARNING_COLUMNS, map(int, counts))) for domain, *counts in session.execute(query)}


def stage_changed(row_class, stage: str):
    """The clause: this stage's two grades are both known and differ (of a domain or outcome row)."""
    first, second = (STAGES if row_class is AuditDomainGrade else OUTCOME_STAGES)[stage]
    before, after = getattr(row_class, first), getattr(row_class, second)
    return and_(before.is_not(None), after.is_not(None), before != after)
