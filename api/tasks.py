"""User tasks: the caller's inbox, one task with its form, claiming, releasing and completing.

Who may do what (R-81): a task is visible to whoever may act on it (named, open to a role they
hold, or holding it) or may see its instance; anyone else gets 404. Claiming and completing need
the right to act (else 403); a task held by another is 409. Releasing is for the holder, or an
operator (admin, qa_team, head_of_service_qa) freeing a task whose holder is away.
"""
from flask import current_app, g
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy import or_
from werkzeug.exceptions import Forbidden

from engine import queries
from engine.errors import NotFound
from engine.models import UserTask

from .instances import OPERATORS  # they may also release a task another holds
from .policy import actionable_tasks, visible_instances
from .schemas import MAX_ID, InstanceSchema, TaskDetailSchema, TaskSchema, Text

blp = Blueprint("tasks", __name__, url_prefix="/api/tasks", description="User tasks")


class TaskQuery(Schema):
    case_ref = Text()
    process_id = Text()
    instance_id = fields.Integer(validate=validate.Range(min=1, max=MAX_ID))


class Completion(Schema):
    data = fields.Dict(required=True, metadata={"description": "the form's values"})


def _engine():
    return current_app.extensions["qa_engine"]


@blp.url_value_preprocessor
def _plausible_id(_endpoint, values) -> None:
    """Task ids are UUIDs: anything longer, or with characters no column can hold, names no task."""
    task_id = (values or {}).get("task_id")
    if task_id is not None and (len(task_id) > 36 or "\x00" in task_id):
        raise NotFound("no such task")


def _task(task_id: str, act: bool = False) -> UserTask:
    """The task if the caller may see it (404 otherwise); with `act`, 403 unless they may act on it."""
    with _engine().db.transaction() as session:
        found = queries.task_access(session, task_id, visible_instances(g.user), actionable_tasks(g.user))
    if found is None:
        raise NotFound(f"task {task_id} does not exist")
    task, may_act = found
    if act and not may_act:
        raise Forbidden("you may see this task but not act on it")
    return task


@blp.route("")
class Inbox(MethodView):
    @blp.arguments(TaskQuery, location="query")
    @blp.response(200, TaskSchema(many=True))
    def get(self, query):
        """The ready tasks of running instances that the caller may act on, oldest first."""
        free_or_mine = or_(UserTask.assignee.is_(None), UserTask.assignee == g.user.username)
        with _engine().db.transaction() as session:
            return queries.inbox(session, actionable_tasks(g.user), free_or_mine, **query)


@blp.route("/<task_id>")
class TaskView(MethodView):
    @blp.response(200, TaskDetailSchema)
    def get(self, task_id):
        """One task with its form (JSON Schema), UI schema and current data."""
        _task(task_id)
        return _engine().task(task_id)


@blp.route("/<task_id>/claim")
class Claim(MethodView):
    @blp.response(200, TaskSchema)
    def post(self, task_id):
        """Hold the task: nobody else may complete it until it is released (409 if another holds it)."""
        _task(task_id, act=True)
        return _engine().claim_task(task_id, g.user.username)


@blp.route("/<task_id>/release")
class Release(MethodView):
    @blp.response(200, TaskSchema)
    def post(self, task_id):
        """Give a held task back: its holder, or an operator for someone else's (R-80 records who)."""
        task = _task(task_id)
        holder = task.assignee or g.user.username
        if holder != g.user.username and not g.user.has(*OPERATORS):
            raise Forbidden(f"only its holder or one of {', '.join(OPERATORS)} may release this task")
        return _engine().release_task(task_id, g.user.username, holder)


@blp.route("/<task_id>/complete")
class Complete(MethodView):
    @blp.arguments(Completion)
    @blp.response(200, InstanceSchema)
    def post(self, body, task_id):
        """Complete the task with its form's data; answers the instance's new state.
        422 with field paths when the data fails the form; 409 when no longer ready or held by another."""
        _task(task_id, act=True)
        return _engine().complete_held_task(task_id, body["data"], g.user.username)
