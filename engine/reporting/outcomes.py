"""Outcome rows of audits and child-safety alerts, written by the step that ends them, so that
reports are SQL over these tables and never load instances (R-60)."""
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.calendar import WorkingCalendar
from engine.models import AlertOutcome, AuditDeadline, AuditDomainGrade, AuditOutcome, ProcessInstance, UserTask
from engine.outbox import dao_add_event
from engine.people.organisation import case_place, service_area_of
from engine.reporting.agreed_actions import ACTION_EFFECTS, ActionRowError, write_action_rows
from engine.reporting.day_totals import dao_add_day_totals, dao_add_moderation_day
from engine.reporting.moderation import GRADE_CHANGES, dao_mark_movement
from engine.scripts.effects import Effect


class OutcomeError(ValueError):
    def __init__(self, message: str, element_id: str | None = None):
        super().__init__(message)
        self.element_id = element_id


@dataclass(frozen=True)
class DeadlineResult:
    name: str
    due_at: datetime | None
    met: bool


def write_outcomes(session: Session, instance: ProcessInstance, effects: list[Effect], at: datetime,
                   calendar: WorkingCalendar | None = None) -> None:
    """Write the outcome rows that this action's record_audit_outcome/record_alert_outcome asked for,
    and the agreed_action rows of record_actions_agreed/record_action_outcome/record_actions_closed."""
    for effect in effects:
        try:
            if effect.kind == "audit_outcome":
                write_audit_outcome(session, instance, effect, at)
            elif effect.kind == "alert_outcome":
                write_alert_outcome(session, instance, effect, at, calendar)
            elif effect.kind in ACTION_EFFECTS:
                write_action_rows(session, instance, effect, at)
        except OutcomeError as error:
            error.element_id = effect.element_id
            raise
        except ActionRowError as error:
            raise OutcomeError(str(error), effect.element_id) from error


# --- audits ---------------------------------------------------------------------------------

def write_audit_outcome(session: Session, instance: ProcessInstance, effect: Effect, at: datetime) -> None:
    """Fields from the data of the step that called record_audit_outcome; milestones and deadlines
    from this instance's own user-task rows; completed_at is the time of that step."""
    tasks = dao_list_user_tasks(session, instance.id, audit_outcome_tasks(effect))
    outcome, domains, deadlines = audit_outcome_rows(session, instance, effect, at, tasks)
    dao_add_audit_outcome(session, outcome, domains, deadlines)
    dao_add_event(session, "audit.completed", at, instance.id, outcome.case_ref, audit_event(instance, outcome))


def audit_outcome_tasks(effect: Effect) -> set[str]:
    """The user tasks (element ids) whose times an audit's outcome reads: its deadlines, milestones, counts."""
    args = effect.args
    counts = args.get("counts", {})  # an effect recorded before counts existed has none
    return {*args["deadlines"].values(), *args["milestones"].values(), *counts.values()}


def audit_outcome_rows(session: Session, instance, effect: Effect, at: datetime,
                       tasks) -> tuple[AuditOutcome, list[AuditDomainGrade], list[AuditDeadline]]:
    """The outcome, domain and deadline rows of record_audit_outcome, built and not added: `tasks` are
    the instance's user tasks of audit_outcome_tasks, oldest first (rows, or a replay's records with
    their element_id, ready_at, due_at, state and ended_at). Reads the directory only."""
    data, args = effect.data, effect.args
    outcome = audit_outcome_row(session, instance, data, at)
    for column, element_id in args["milestones"].items():
        setattr(outcome, column, first_ready_at(tasks, element_id))
    for column, element_id in args.get("counts", {}).items():
        setattr(outcome, column, sum(t.element_id == element_id for t in tasks))
    domains = domain_grade_rows(data.get("pre_discussion_domains"), data.get("domains"),
                                data.get("discussed_domains"), data.get("accepted_domains"))
    deadlines = [AuditDeadline(name=d.name, due_at=d.due_at, met=d.met)
                 for d in deadline_results(tasks, args["deadlines"])]
    return outcome, domains, deadlines


def audit_event(instance: ProcessInstance, outcome: AuditOutcome) -> dict:
    """The data of an audit.completed event: the grades and where the case sits, no case text."""
    return {"instance_id": instance.id, "process_id": instance.process_id, "case_ref": outcome.case_ref,
            "audit_kind": outcome.audit_kind, "overall_grade": outcome.overall_grade,
            "pre_discussion_grade": outcome.pre_discussion_grade, "previous_grade": outcome.previous_grade,
            "grade_change": outcome.grade_change, "disputed": outcome.disputed,
            "dispute_stage": outcome.dispute_stage, "service_area": outcome.service_area, "team": outcome.team,
            "auditor": outcome.auditor, "practitioner": outcome.practitioner,
            "completed_at": outcome.completed_at.isoformat()}


def audit_outcome_row(session: Session, instance: ProcessInstance, data: dict, at: datetime) -> AuditOutcome:
    disputed = data.get("dispute") is True
    team, service_area = case_place(session, data)  # where the case is now, as it completes
    return AuditOutcome(
        instance_id=instance.id, case_ref=data.get("case_ref") or instance.case_ref,
        service_area=service_area, team=team,
        auditor=data.get("auditor"), practitioner=data.get("practitioner"), audit_kind=_required(data, "audit_kind"),
        pre_discussion_grade=data.get("pre_discussion_grade"), overall_grade=_required(data, "overall_grade"),
        discussed_grade=data.get("discussed_grade"), accepted_grade=data.get("accepted_grade"), qa_returns=0,
        previous_grade=data.get("previous_grade"), grade_change=_grade_change(data.get("grade_change")),
        disputed=disputed, dispute_stage=data.get("dispute_resolved_at_stage") if disputed else None,
        dispute_outcome=dispute_outcome(data) if disputed else None,
        cycle_year=_number(data.get("cycle_year")), cycle_month=_number(data.get("cycle_month")),
        started_at=instance.created_at, completed_at=at)


def dispute_outcome(data: dict) -> str | None:
    """grade_upheld when the dispute ended with the grade that was disputed, else grade_changed."""
    disputed_grade = data.get("disputed_grade")
    if not disputed_grade:
        return None
    return "grade_upheld" if data.get("overall_grade") == disputed_grade else "grade_changed"


def domain_grade_rows(before: dict | None, after: dict | None, discussed: dict | None = None,
                      accepted: dict | None = None) -> list[AuditDomainGrade]:
    """A row per domain graded at any stage: draft (before), after the discussion, as QA accepted it,
    final (after)."""
    stages = [_domains(before), _domains(discussed), _domains(accepted), _domains(after)]
    names = sorted(set().union(*(stage.keys() for stage in stages)))
    return [AuditDomainGrade(domain=domain, grade_before=stages[0].get(domain), grade_discussed=stages[1].get(domain),
                             grade_accepted=stages[2].get(domain), grade_after=stages[3].get(domain))
            for domain in names]


def deadline_results(tasks: list[UserTask], deadlines: dict[str, str]) -> list[DeadlineResult]:
    """Each named deadline is the due time of a user task (its boundary timer, R-70).

    Met: every time that task became ready, it was completed by its due time. A task cancelled
    by an interrupting timer, or completed after its due time, missed it. due_at is the deadline
    that decided: the first one missed, else the last one met. A task that never became ready (no
    amendment was asked for) or has no due time gives no row: that deadline did not apply.
    """
    results = []
    for name, element_id in deadlines.items():
        occurrences = [t for t in tasks if t.element_id == element_id and t.due_at is not None]
        if occurrences:
            missed = [t for t in occurrences if not _completed_in_time(t)]
            deciding = missed[0] if missed else occurrences[-1]
            results.append(DeadlineResult(name, deciding.due_at, not missed))
    return results


def first_ready_at(tasks: list[UserTask], element_id: str) -> datetime | None:
    times = [t.ready_at for t in tasks if t.element_id == element_id]
    return min(times) if times else None


def _completed_in_time(task: UserTask) -> bool:
    return (task.state == "completed" and task.ended_at is not None and task.due_at is not None
            and task.ended_at <= task.due_at)


def _domains(domains: dict | None) -> dict[str, str | None]:
    if not isinstance(domains, dict):
        return {}
    return {name: value.get("grade") for name, value in domains.items() if isinstance(value, dict)}


def _grade_change(value) -> str | None:
    return value if value in GRADE_CHANGES else None  # "none": there was no previous grade


def _number(value) -> int | None:
    return int(value) if value not in (None, "") else None


def _required(data: dict, field: str):
    if not data.get(field):
        raise OutcomeError(f"cannot record the outcome: the data has no {field}")
    return data[field]


# --- child-safety alerts --------------------------------------------------------------------

def write_alert_outcome(session: Session, instance: ProcessInstance, effect: Effect, at: datetime,
                        calendar: WorkingCalendar | None = None) -> None:
    """A stage timed out when its response task was cancelled by its timer or answered after its due time."""
    tasks = dao_list_user_tasks(session, instance.id, set(effect.args["response_tasks"]))
    dao_add_alert_outcome(session, alert_outcome_row(session, instance, effect, at, tasks, calendar))


def alert_outcome_row(session: Session, instance, effect: Effect, at: datetime, tasks,
                      calendar: WorkingCalendar | None = None) -> AlertOutcome:
    """The outcome row of record_alert_outcome, built and not added (`tasks`: its response tasks,
    oldest first, as in audit_outcome_rows). Reads the directory only."""
    data, args = effect.data, effect.args
    timed_out = sum(not _completed_in_time(t) for t in tasks if t.due_at is not None)
    calendar = calendar or WorkingCalendar()
    return AlertOutcome(
        instance_id=instance.id, case_ref=data.get("case_ref") or instance.case_ref,
        service_area=service_area_of(session, data), raised_from=data.get("raised_from"),
        final_stage=args["final_stage"], outcome=args["outcome"], stages_timed_out=timed_out,
        answered_in_time=timed_out == 0, deadline_days=deadline_days(tasks, calendar),
        raised_at=instance.created_at, closed_at=at)


def deadline_days(tasks: list[UserTask], calendar: WorkingCalendar) -> list[int]:
    """The working days each task was given (ready to due, as its timer set them), sorted and distinct."""
    return sorted({calendar.working_days_between(t.ready_at, t.due_at) for t in tasks if t.due_at and t.ready_at})


# --- data access ----------------------------------------------------------------------------

def dao_list_user_tasks(session: Session, instance_id: int, element_ids: set[str]) -> list[UserTask]:
    """The user tasks of one instance (this instance only) for these elements, oldest first."""
    query = (select(UserTask).where(UserTask.instance_id == instance_id, UserTask.element_id.in_(element_ids))
             .order_by(UserTask.ready_at, UserTask.id))
    return list(session.scalars(query))


def dao_add_audit_outcome(session: Session, outcome: AuditOutcome, domains: list[AuditDomainGrade],
                          deadlines: list[AuditDeadline]) -> None:
    """The outcome, its domain and deadline rows, and their day's totals, in one transaction."""
    session.add(outcome)
    session.flush()
    dao_mark_movement(session, outcome, domains)
    rows: list[AuditDomainGrade | AuditDeadline] = [*domains, *deadlines]
    for row in rows:
        row.outcome_id = outcome.id
    session.add_all([*domains, *deadlines])
    dao_add_day_totals(session, outcome.completed_at, domains, deadlines)
    dao_add_moderation_day(session, outcome)


def dao_add_alert_outcome(session: Session, outcome: AlertOutcome) -> None:
    session.add(outcome)
