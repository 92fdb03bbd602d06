"""Moderation and re-audit movement (R-28): how often QA returned a report, how often a grade
changed between the stages of an audit (the draft, after the discussion with the practitioner, as
QA accepted it, final after any dispute), and how each domain of a re-audit moved against the same
domain of the case's previous audit.

A stage is compared only where both of its grades are known: rows written before the stages were
kept (migration 0020) have None there and count nowhere. An audit's moderation is known once its
discussed grade is (record_audit_outcome writes it since issue 27).

Domain rows are many (ten per audit), so an unnarrowed report sums their day totals
(engine/reporting/day_totals.py, audit_learning_day); a narrowed one counts the rows themselves,
as for the final grades by domain."""
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
MOVEMENT = "movement"  # the day totals' figure of re-audit movement; stages are "stage:<stage>"


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
    """(figure, domain, result) -> 1 for each domain row's movement and stage results: what the day
    totals add up."""
    keys: Counter = Counter()
    for row in domains:
        if row.movement is not None:
            keys[(MOVEMENT, row.domain, row.movement)] += 1
        for stage, (first, second) in STAGES.items():
            result = stage_result(getattr(row, first), getattr(row, second))
            if result is not None:
                keys[(f"stage:{stage}", row.domain, result)] += 1
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

def moderation(outcome_groups, learning: list[tuple[str, str, Any, int]]) -> dict:
    """The moderation figures from the outcome rows' groups (dao_count_moderation) and the domains'
    (figure, domain, result, count) totals."""
    totals = _audit_figures()
    by_auditor: dict[str, dict[str, Any]] = {}
    for auditor, *grades, returns, n in outcome_groups:
        for counts in (totals, by_auditor.setdefault(auditor or "unknown", _audit_figures())):
            counts["audits"] += n
            counts["qa_returned"] += n if returns else 0
            counts["qa_returns"] += (returns or 0) * n
            _add_stages(counts["grade_changed"], dict(zip(("pre", "discussed", "accepted", "final"), grades)), n)
    audits = totals["audits"]
    return {**totals, "returns_per_audit": round(totals["qa_returns"] / audits, 2) if audits else 0.0,
            "by_domain": _domain_stages(learning), "by_auditor": dict(sorted(by_auditor.items())),
            "reaudit_agreement": reaudit_agreement(reaudit_domains(learning))}


def _audit_figures() -> dict[str, Any]:
    """Audits whose moderation is known, those QA returned at least once, QA's returns in all, and
    per stage the audits whose overall grade it compared and changed."""
    return {"audits": 0, "qa_returned": 0, "qa_returns": 0,
            "grade_changed": {stage: {"changed": 0, "compared": 0} for stage in OUTCOME_STAGES}}


_OUTCOME_PAIRS = {"draft_discussed": ("pre", "discussed"), "discussed_accepted": ("discussed", "accepted"),
                  "accepted_final": ("accepted", "final")}


def _add_stages(counts: dict, grades: dict, n: int) -> None:
    for stage, (first, second) in _OUTCOME_PAIRS.items():
        result = stage_result(grades[first], grades[second])
        if result is not None:
            counts[stage]["compared"] += n
            counts[stage]["changed"] += n if result == "changed" else 0


def _domain_stages(learning) -> dict[str, dict]:
    by_domain: dict[str, dict] = {}
    for figure, domain, result, n in learning:
        if figure.startswith("stage:"):
            stages = by_domain.setdefault(domain, {s: {"changed": 0, "compared": 0} for s in STAGES})
            stages[figure.removeprefix("stage:")]["compared"] += n
            if result == "changed":
                stages[figure.removeprefix("stage:")]["changed"] += n
    return dict(sorted(by_domain.items()))


def reaudit_domains(learning) -> dict[str, dict[str, int]]:
    """{domain: {improved, same, downgraded}}: each re-audit's domain against the previous audit's."""
    moved: dict[str, dict[str, int]] = {}
    for figure, domain, result, n in learning:
        if figure == MOVEMENT:
            moved.setdefault(domain, dict.fromkeys(GRADE_CHANGES, 0))[result] += n
    return dict(sorted(moved.items()))


def reaudit_agreement(moved: dict[str, dict[str, int]]) -> dict[str, dict]:
    """Per domain, the share of re-audits that gave it the grade the previous audit gave it."""
    agreement = {}
    for domain, counts in moved.items():
        compared = sum(counts.values())
        agreement[domain] = {"same": counts["same"], "compared": compared,
                             "percent": round(100 * counts["same"] / compared, 1) if compared else 0.0}
    return agreement


# --- data access --------------------------------------------------------------------------------------

MODERATION_COLUMNS = (AuditOutcome.auditor, AuditOutcome.pre_discussion_grade, AuditOutcome.discussed_grade,
                      AuditOutcome.accepted_grade, AuditOutcome.overall_grade, AuditOutcome.qa_returns)
# ix_audit_outcome_moderation holds them all, after completed_at


def dao_count_moderation(session: Session, clauses: list) -> list[tuple]:
    """Audits whose moderation is known, per (auditor, the four grades, QA's returns)."""
    query = (select(*MODERATION_COLUMNS, func.count()).where(*clauses, AuditOutcome.discussed_grade.is_not(None))
             .group_by(*MODERATION_COLUMNS))
    return list(session.execute(query))


def dao_count_learning_rows(session: Session, clauses: list) -> list[tuple[str, str, Any, int]]:
    """(figure, domain, result, count) from the domain rows of the audits the clauses choose: what
    the day totals give, for a narrowed scope."""
    joined = (AuditOutcome, AuditOutcome.id == AuditDomainGrade.outcome_id)
    found = [(MOVEMENT, domain, result, n) for domain, result, n in session.execute(
        select(AuditDomainGrade.domain, AuditDomainGrade.movement, func.count()).join(*joined)
        .where(*clauses, AuditDomainGrade.movement.is_not(None))
        .group_by(AuditDomainGrade.domain, AuditDomainGrade.movement))]
    for stage, (first, second) in STAGES.items():
        before, after = getattr(AuditDomainGrade, first), getattr(AuditDomainGrade, second)
        result = case((before == after, "same"), else_="changed")
        found += [(f"stage:{stage}", domain, outcome, n) for domain, outcome, n in session.execute(
            select(AuditDomainGrade.domain, result, func.count()).join(*joined)
            .where(*clauses, before.is_not(None), after.is_not(None)).group_by(AuditDomainGrade.domain, result))]
    return found


def stage_changed(row_class, stage: str):
    """The clause: this stage's two grades are both known and differ (of a domain or outcome row)."""
    first, second = (STAGES if row_class is AuditDomainGrade else OUTCOME_STAGES)[stage]
    before, after = getattr(row_class, first), getattr(row_class, second)
    return and_(before.is_not(None), after.is_not(None), before != after)
