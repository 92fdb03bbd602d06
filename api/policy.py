"""Least privilege (R-81): who may see which instances and act on which tasks, as SQL clauses, so
lists are filtered by the database and never by loading everything."""
from flask import g
from sqlalchemy import and_, or_, select, true
from werkzeug.exceptions import Forbidden

from engine.models import InstanceParticipant, ProcessInstance, TaskCandidate, UserTask

# They oversee every case: the QA team, PSW, head of QA, AD, director and administrators.
SEES_ACROSS = ("qa_team", "psw", "head_of_service_qa", "assistant_director", "director", "admin")


def current_user():
    return g.user


def require(*roles: str) -> None:
    """403 unless the caller holds one of the roles."""
    if not g.user.has(*roles):
        raise Forbidden(f"this needs one of the roles: {', '.join(roles)}")


def visible_instances(user):
    """Instances of cases in the caller's part of the organisation, or that name them."""
    if user.has(*SEES_ACROSS):
        return true()
    named = select(InstanceParticipant.instance_id).where(InstanceParticipant.username == user.username)
    return or_(ProcessInstance.team_id.in_(user.managed_teams),
               ProcessInstance.service_area_id.in_(user.managed_services),
               ProcessInstance.id.in_(named))


def actionable_tasks(user):
    """Tasks the caller may act on: named as a candidate, open to a role they hold, or claimed by them."""
    named = select(TaskCandidate.task_id).where(TaskCandidate.username == user.username)
    return or_(UserTask.id.in_(named), and_(UserTask.open_to_role.is_(True), UserTask.role.in_(user.roles)),
               UserTask.assignee == user.username)
