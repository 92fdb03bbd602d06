"""The audits a case had before (R-27): the next audit of a case reference sees the last one, its
final grades by domain and the actions agreed after it with their outcome; a case's page lists every
earlier audit of its reference, and a task page shows its own audit's actions as they stand. Read
from the rows the reports keep (audit_outcome, audit_domain_grade, agreed_action), never from
instances. Reads only: engine/caller/ checks that the person may see the case first.

A case reference is the same whatever its letter case, as the case list finds it (CaseFilter.case).
"""
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from engine.models import AgreedAction, AuditDomainGrade, AuditOutcome, ProcessInstance
from engine.people.directory import display_names

# How an agreed action stands: done by its due time or after it, not done, or still open (overdue
# once its due time has passed). The loop closed on it says whether it was carried into the re-audit.
DONE_ON_TIME, DONE_LATE, NOT_DONE, OVERDUE, OPEN = "done_on_time", "done_late", "not_done", "overdue", "open"


def previous_audit(session: Session, instance_id: int, may_see, at: datetime) -> dict | None:
    """The audit before this instance: the latest completed audit of its case reference that was
    completed before this instance started (never this instance itself, nor one completed since),
    with its domains and agreed actions, and whether `may_see` lets the person open its page; None
    when there is none. An instance started from an audit (its alert, its agreed actions) started
    while that audit ran, so it sees the same audit before."""
    row = _reference_and_start(session, instance_id)
    if row is None or not row.case_ref:
        return None
    query = (select(AuditOutcome, _visible(may_see))
             .where(same_reference(AuditOutcome.case_ref, row.case_ref), _not_its_own(instance_id, row),
                    AuditOutcome.completed_at <= row.created_at)
             .order_by(AuditOutcome.completed_at.desc(), AuditOutcome.id.desc()).limit(1))
    found = session.execute(query).first()
    if found is None:
        return None
    outcome, may_open = found
    return audit_view(outcome) | {"may_open": bool(may_open), "domains": domain_grades(session, outcome.id),
                                  "actions": agreed_actions(session, outcome.instance_id, at)}


def earlier_audits(session: Session, instance_id: int, may_see, at: datetime) -> list[dict]:
    """Every audit of this instance's case reference completed before it started, newest first, each
    with how its agreed actions stand, and whether the person may open its own page (`may_see`)."""
    row = _reference_and_start(session, instance_id)
    if row is None or not row.case_ref:
        return []
    return audits_of_reference(session, row.case_ref, may_see, at,
                               _not_its_own(instance_id, row), AuditOutcome.completed_at <= row.created_at)


def audits_of_reference(session: Session, case_ref: str, may_see, at: datetime, *clauses) -> list[dict]:
    """The completed audits of one case reference (those `clauses` let through), newest first, with
    their actions counted by how they stand and whether `may_see` lets the person open each."""
    query = (select(AuditOutcome, _visible(may_see)).where(same_reference(AuditOutcome.case_ref, case_ref), *clauses)
             .order_by(AuditOutcome.completed_at.desc(), AuditOutcome.id.desc()))
    found = session.execute(query).all()
    counts = action_counts(session, [outcome.instance_id for outcome, _ in found], at)
    return [audit_view(outcome) | {"may_open": bool(may_open), "actions": counts.get(outcome.instance_id, {})}
            for outcome, may_open in found]


def agreed_actions(session: Session, instance_id: int, at: datetime) -> list[dict]:
    """The actions agreed after one audit, in the order agreed, each with how it stands at `at`: given
    the audit's instance, or the instance that follows its actions (agreed_actions.bpmn)."""
    query = (select(AgreedAction)
             .where(or_(AgreedAction.audit_instance_id == instance_id, AgreedAction.actions_instance_id == instance_id))
             .order_by(AgreedAction.position, AgreedAction.id))
    rows = list(session.scalars(query))
    names = display_names(session, [row.owner for row in rows])
    return [action_view(row, at, names) for row in rows]


def action_counts(session: Session, audit_instance_ids: list[int], at: datetime) -> dict[int, dict[str, int]]:
    """How many actions each audit agreed, and how many stand each way ({"agreed": 3, "done_on_time": 2, ...})."""
    counts: dict[int, dict[str, int]] = {}
    if not audit_instance_ids:
        return counts
    query = (select(AgreedAction.audit_instance_id, AgreedAction.outcome, AgreedAction.due_at,
                    AgreedAction.completed_at)
             .where(AgreedAction.audit_instance_id.in_(audit_instance_ids)))
    for audit_id, outcome, due_at, completed_at in session.execute(query):
        tally = counts.setdefault(audit_id, {"agreed": 0})
        tally["agreed"] += 1
        state = action_state(outcome, due_at, completed_at, at)
        tally[state] = tally.get(state, 0) + 1
    return counts


def action_state(outcome: str | None, due_at: datetime, completed_at: datetime | None, at: datetime) -> str:
    if outcome == "done":
        return DONE_ON_TIME if completed_at is None or completed_at <= due_at else DONE_LATE
    if outcome == "not_done":
        return NOT_DONE
    return OVERDUE if due_at < at else OPEN


def action_view(row: AgreedAction, at: datetime, names: dict[str, str]) -> dict:
    return {"position": row.position, "action": row.action, "owner": row.owner,
            "owner_name": names.get(row.owner, row.owner), "due_at": row.due_at.isoformat(),
            "completed_at": row.completed_at.isoformat() if row.completed_at else None, "outcome": row.outcome,
            "state": action_state(row.outcome, row.due_at, row.completed_at, at),
            "closed_as": row.closed_as, "carried_reason": row.carried_reason}


def audit_view(outcome: AuditOutcome) -> dict:
    """An audit as its history shows it: no case data but its reference and grades."""
    return {"instance_id": outcome.instance_id, "case_ref": outcome.case_ref, "audit_kind": outcome.audit_kind,
            "overall_grade": outcome.overall_grade, "previous_grade": outcome.previous_grade,
            "grade_change": outcome.grade_change, "disputed": outcome.disputed,
            "completed_at": outcome.completed_at.isoformat()}


def domain_grades(session: Session, outcome_id: int) -> list[dict]:
    """An audit's domains with their final grades (after any discussion and dispute), by domain id."""
    query = (select(AuditDomainGrade.domain, AuditDomainGrade.grade_after)
             .where(AuditDomainGrade.outcome_id == outcome_id).order_by(AuditDomainGrade.domain))
    return [{"domain": domain, "grade": grade} for domain, grade in session.execute(query)]


def _reference_and_start(session: Session, instance_id: int):
    """The instance's case reference and when it started (not its state, which may be large)."""
    return session.execute(select(ProcessInstance.case_ref, ProcessInstance.created_at, ProcessInstance.parent_id)
                           .where(ProcessInstance.id == instance_id)).first()


def _not_its_own(instance_id: int, row):
    """Neither this instance nor the audit that started it (the audit whose actions it follows, or
    whose concern raised it, is not an audit before it, even when it ended the moment this began)."""
    return AuditOutcome.instance_id.not_in([i for i in (instance_id, row.parent_id) if i is not None])


def _visible(may_see):
    """Whether the person may open an audit's own page: a clause of access.visible_instances, on its instance."""
    return select(ProcessInstance.id).where(ProcessInstance.id == AuditOutcome.instance_id, may_see).exists()


def same_reference(column, case_ref: str):
    return func.lower(column) == case_ref.lower()
