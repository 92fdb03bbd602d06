"""Reassigning a task to another person (issue 23, item 2): an auditor off sick, or a task named
after a typo, must not strand a case.

Who may reassign: operators (admin, QA team, head of QA), and the managers above the case or the
person the task waits for (the team manager of their team, and the service manager, head of service
and assistant director of its service area).

To whom, the same check as naming someone at the start (engine/definitions/naming.py): an active person holding
the task's role; for a practitioner's step, one in the case's team; never the case's own
practitioner for another role's step (a practitioner does not audit their own case).
"""
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from engine.definitions.naming import people_for
from engine.errors import InvalidData, Sentence
from engine.history import dao_append_history
from engine.instances import store
from engine.models import Person, ProcessInstance, Role, TaskCandidate, Team, UserTask
from engine.outbox import dao_tell
from engine.people.access import OPERATORS
from engine.people.accounts import CurrentUser

MAX_REASON = 1000


def may_reassign(session: Session, user: CurrentUser, task: UserTask, instance: ProcessInstance) -> bool:
    if user.has(*OPERATORS):
        return True
    people = _people_of(task)
    # Above the person: not the person themself, who may manage their own team (ann, auditor and manager).
    teams = {instance.team_id} | (_teams_of(session, people) if user.username not in people else set())
    services = {instance.service_area_id} | set(session.scalars(
        select(Team.service_area_id).where(Team.id.in_(teams - {None}))))
    return bool(teams & user.managed_teams or services & user.managed_services)


def choices(session: Session, task: UserTask, instance: ProcessInstance, case: dict) -> list[tuple[str, str]]:
    """(username, name) of everyone the task could be reassigned to, by name."""
    holders = people_for(session, task.role)
    allowed = {username for username, _ in holders}
    return [(username, name) for username, name in holders
            if _refusal(session, task, instance, case, username, allowed) is None]


def dao_reassign(session: Session, task: UserTask, instance: ProcessInstance, case: dict, to: str, reason: str,
                 actor: str, at: datetime, base_url: str) -> None:
    """Make `to` the task's only candidate, free for them to take, with the history and a message to
    the people it waited for and to `to`; 422 naming the field when `to` or the reason will not do."""
    reason = (reason or "").strip()
    errors = {}
    refusal = _refusal(session, task, instance, case, to)
    if refusal:
        errors["to"] = [Sentence(refusal)]
    if not reason:
        errors["reason"] = [Sentence("Enter why the task is reassigned")]
    elif len(reason) > MAX_REASON:
        errors["reason"] = [Sentence(f"The reason must be {MAX_REASON} characters or fewer")]
    if errors:
        raise InvalidData("the task cannot be reassigned so", errors)
    before = _people_of(task)
    session.execute(delete(TaskCandidate).where(TaskCandidate.task_id == task.id))
    store.dao_add_candidates(session, task.id, [to])
    store.dao_add_participants(session, instance.id, {to})
    task.candidates, task.open_to_role, task.assignee = [to], False, None
    dao_append_history(session, instance.id, actor, "task_reassigned", at, task.element_id, task_id=task.id,
                       previously=sorted(before), to=to, reason=reason)
    _tell(session, task, instance, sorted(before | {to}), to, at, base_url)


def _refusal(session: Session, task: UserTask, instance: ProcessInstance, case: dict, to: str,
             holders: set[str] | None = None) -> str | None:
    """Why `to` may not take the task, or None. `holders`: the role's holders, when already read."""
    person = session.get(Person, to) if isinstance(to, str) and to else None
    if person is None or not person.active:
        return "Select an active member of staff"
    if to in task.candidates and not task.open_to_role:
        return "The task already waits for this person: select someone else"
    if holders is None:
        holders = {username for username, _ in people_for(session, task.role)}
    if to not in holders:
        return f"Select someone with the role {_role_label(session, task.role)}"
    practitioner = case.get("practitioner")
    if task.role == "practitioner":
        if instance.team_id and person.team_id != instance.team_id:
            return "Select a practitioner in the case's team"
    elif to == practitioner:
        return "The case's practitioner cannot take this step of their own case"
    return None


def _tell(session: Session, task: UserTask, instance: ProcessInstance, people: list[str], to: str, at: datetime,
          base_url: str) -> None:
    """One notification to everyone concerned; the case reference and a link, no reason (it is free text)."""
    name, case = session.get_one(Person, to).display_name, instance.case_ref or instance.id
    dao_tell(session, instance, people, f"Task reassigned: {task.name}, case {case}",
             f"The task \"{task.name}\" on case {case} now waits for {name}.\n{{link}}", at, base_url, task.element_id)


def _people_of(task: UserTask) -> set[str]:
    """The people the task waits for or is held by."""
    named = set(task.candidates or []) if not task.open_to_role else set()
    return named | ({task.assignee} if task.assignee else set())


def _teams_of(session: Session, people: set[str]) -> set[str]:
    if not people:
        return set()
    return set(session.scalars(select(Person.team_id).where(Person.username.in_(people), Person.team_id.isnot(None))))


def _role_label(session: Session, role: str) -> str:
    row = session.get(Role, role)
    return (row.label if row else role.replace("_", " ")).lower()
