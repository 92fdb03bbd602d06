"""Who may see what and do what (R-81), in one place for every face of the service (the API and
the pages). Role groups are declared here and documented in the README's security model;
visibility is a SQL clause, so lists are filtered by the database and never by loading everything.
"""
from sqlalchemy import and_, case, func, not_, or_, select, true, union
from sqlalchemy.orm import Session

from engine.calendar import london_date
from engine.clock import now
from engine.errors import Forbidden, NotFound
from engine.models import AwayPeriod, InstanceParticipant, Person, ProcessInstance, TaskCandidate, Team, UserTask
from engine.people.accounts import CurrentUser

ROLE_GROUPS: dict[str, tuple[str, ...]] = {
    # They oversee every case (and see who viewed one) and read the reports: QA team, PSW, head of QA, AD,
    # director, admin.
    "sees_across": ("qa_team", "psw", "head_of_service_qa", "assistant_director", "director", "admin"),
    # Start a process that names no camunda:candidateStarterGroups.
    "starters": ("qa_team", "head_of_service_qa", "psw", "admin"),
    # Suspend, resume, terminate; see the outbox; release a task another holds.
    "operators": ("admin", "qa_team", "head_of_service_qa"),
    # Move an instance to another version (they act on versions, not on cases).
    "migrators": ("admin", "process_owner"),
    # Deploy definitions: policy changes only by process owners; admins manage accounts.
    "deployers": ("process_owner",),
    # Replay a failed action of an instance in error; manage people, webhooks and the clock.
    "administrators": ("admin",),
    # The audit team, who raise a child-safety concern on any case they see; so may
    # everyone a case names and whoever may act on one of its steps (require_may_raise_concern).
    "audit_team": ("qa_team", "psw", "head_of_service_qa"),
}
SEES_ACROSS = ROLE_GROUPS["sees_across"]
STARTERS = ROLE_GROUPS["starters"]
OPERATORS = ROLE_GROUPS["operators"]
MIGRATORS = ROLE_GROUPS["migrators"]
DEPLOYERS = ROLE_GROUPS["deployers"]
ADMINISTRATORS = ROLE_GROUPS["administrators"]
AUDIT_TEAM = ROLE_GROUPS["audit_team"]


def require(user: CurrentUser, *roles: str) -> None:
    """403 unless the user holds one of the roles."""
    if not user.has(*roles):
        raise Forbidden(f"this needs one of the roles: {', '.join(roles)}")


def manages(user: CurrentUser) -> bool:
    """Whether the user manages a team or a service area (team manager, service manager, head of
    service, assistant director): they oversee their area (issue 23)."""
    return bool(user.managed_teams or user.managed_services)


def may_oversee(user: CurrentUser) -> bool:
    """The overview and the audit year: across the service for SEES_ACROSS, narrowed to their area for managers."""
    return user.has(*SEES_ACROSS) or manages(user)


def require_oversight(user: CurrentUser) -> None:
    if not may_oversee(user):
        raise Forbidden("this is for the QA team, the roles that see across, and managers of a team or service")


def people_managed(user: CurrentUser):
    """SELECT of the usernames of the people in the teams and service areas the user manages."""
    teams = select(Team.id).where(or_(Team.id.in_(user.managed_teams), Team.service_area_id.in_(user.managed_services)))
    return select(Person.username).where(Person.team_id.in_(teams))


def may_start(user: CurrentUser, version) -> bool:
    """Whether the user may start a process version: its camunda:candidateStarterGroups, else the starters."""
    return user.has(*(version.starter_roles or STARTERS))


def require_may_start(user: CurrentUser, version) -> None:
    """403 unless the user may start the process version (may_start)."""
    require(user, *(version.starter_roles or STARTERS))


def visible_instances(user: CurrentUser):
    """Instances of cases in the user's part of the organisation, or that name them."""
    if user.has(*SEES_ACROSS):
        return true()
    # A UNION of the ways in, each from an index that starts from the person or their area (issue 28):
    # an OR of them would test every instance.
    return ProcessInstance.id.in_(union(
        select(InstanceParticipant.instance_id).where(InstanceParticipant.username == user.username),
        select(ProcessInstance.id).where(ProcessInstance.team_id.in_(user.managed_teams)),
        select(ProcessInstance.id).where(ProcessInstance.service_area_id.in_(user.managed_services))))


def covered_now(username: str):
    """SELECT of the people `username` covers today (London): their away periods naming this cover
    (engine/people/away.py)."""
    today = london_date(now())
    return select(AwayPeriod.username).where(AwayPeriod.cover == username, AwayPeriod.cancelled_at.is_(None),
                                             AwayPeriod.first_day <= today, AwayPeriod.last_day >= today)


def actionable_tasks(user: CurrentUser):
    """Tasks the user may act on: named as a candidate, open to a role they hold, or claimed by them;
    and, with a role of the task, those naming or held by someone they cover today (engine/people/away.py)."""
    named = select(TaskCandidate.task_id).where(TaskCandidate.username == user.username)
    covered = covered_now(user.username)
    covered_named = select(TaskCandidate.task_id).where(TaskCandidate.username.in_(covered))
    # coalesce: a free task's NULL assignee must make this false, not unknown, so that NOT of it holds.
    return or_(UserTask.id.in_(named), and_(UserTask.open_to_role.is_(True), UserTask.role.in_(user.roles)),
               func.coalesce(UserTask.assignee, "") == user.username,
               and_(UserTask.role.in_(user.roles),
                    or_(UserTask.id.in_(covered_named), func.coalesce(UserTask.assignee, "").in_(covered))))


def may_see(session: Session, user: CurrentUser, instance_id: int) -> bool:
    """Whether the instance exists and the user may see it."""
    found = session.scalar(select(ProcessInstance.id).where(ProcessInstance.id == instance_id,
                                                            visible_instances(user)))
    return found is not None


def require_visible(session: Session, user: CurrentUser, instance_id: int) -> None:
    """404 unless the instance exists and the user may see it (the same answer for both)."""
    if not may_see(session, user, instance_id):
        raise NotFound(f"process instance {instance_id} does not exist")


def require_role_on(session: Session, user: CurrentUser, instance_id: int, roles: tuple[str, ...]) -> None:
    """An operator's verb on an instance: without the role, 404 if the user may not see the
    instance (nothing of it is told), else 403."""
    if not user.has(*roles):
        require_visible(session, user, instance_id)
        require(user, *roles)


def may_raise_concern(session: Session, user: CurrentUser, instance_id: int) -> bool:
    """Whether the user may raise a child-safety concern on an instance they see (R-40): the audit
    team, a person the case names (its auditor, practitioner, a manager asked to act on it), or one
    who may act on one of its open steps."""
    if user.has(*AUDIT_TEAM):
        return True
    named = select(InstanceParticipant.instance_id).where(InstanceParticipant.instance_id == instance_id,
                                                          InstanceParticipant.username == user.username)
    acting = select(UserTask.id).where(UserTask.instance_id == instance_id, UserTask.state == "ready",
                                       actionable_tasks(user))
    return session.scalar(named.limit(1)) is not None or session.scalar(acting.limit(1)) is not None


def task_for(session: Session, user: CurrentUser, task_id: str, act: bool = False) -> UserTask:
    """The task if the user may see it (act on it, or see its instance), else 404 whether or not it
    exists; with `act`, 403 unless they may act on it."""
    return task_and_right(session, user, task_id, act)[0]


def task_and_right(session: Session, user: CurrentUser, task_id: str, act: bool = False) -> tuple[UserTask, bool]:
    """task_for, and whether the user may act on the task."""
    query = (select(UserTask, case((actionable_tasks(user), True), else_=False))
             .join(ProcessInstance, ProcessInstance.id == UserTask.instance_id)
             .where(UserTask.id == task_id, or_(actionable_tasks(user), visible_instances(user))))
    found = session.execute(query).first()
    if found is None:
        raise NotFound(f"task {task_id} does not exist")
    if act and not found[1]:
        raise Forbidden("you may see this task but not act on it")
    return found[0], bool(found[1])


def actionable_ids(user: CurrentUser):
    """The ids of the ready tasks actionable_tasks lets through, as a UNION of the ways in, each read
    from an index that starts from the person (issue 28): named as a candidate (task_candidate by
    username, each checked in the partial index of ready tasks: a person's candidate rows include
    every task they ever completed), open to a role they hold (user_task by state and role), held
    by them (by assignee and state), and, with a role of the task, named or held by someone they
    cover today. A list that filters `actionable_tasks` instead reads every ready task and tests each."""
    covered = covered_now(user.username)
    ready = UserTask.state == "ready"
    return union(
        select(TaskCandidate.task_id).join(UserTask, UserTask.id == TaskCandidate.task_id)
        .where(TaskCandidate.username == user.username, ready),
        select(UserTask.id).where(ready, UserTask.role.in_(user.roles), UserTask.open_to_role.is_(True)),
        select(UserTask.id).where(ready, UserTask.assignee == user.username),
        select(TaskCandidate.task_id).join(UserTask, UserTask.id == TaskCandidate.task_id)
        .where(TaskCandidate.username.in_(covered), ready, UserTask.role.in_(user.roles)),
        select(UserTask.id).where(ready, UserTask.assignee.in_(covered), UserTask.role.in_(user.roles)))


def inbox_clauses(user: CurrentUser) -> tuple:
    """The ready tasks a user's inbox lists: theirs to act on (actionable_tasks, read as
    actionable_ids), free or held by them."""
    return UserTask.id.in_(actionable_ids(user)), or_(UserTask.assignee.is_(None), UserTask.assignee == user.username,
                                       UserTask.assignee.in_(covered_now(user.username)))


def oversight_clauses(user: CurrentUser) -> tuple:
    """The ready tasks a manager oversees and may not act on: those of the teams and services they manage."""
    return (or_(ProcessInstance.team_id.in_(user.managed_teams),
                ProcessInstance.service_area_id.in_(user.managed_services)), not_(actionable_tasks(user)))
