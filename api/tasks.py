"""User tasks: the caller's inbox, one task with its form, claiming, releasing and completing.
Who may do what is engine/caller/'s (R-81): routes only parse and dump."""
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from doors import caller
from engine.errors import NotFound
from engine.limits import MAX_ID

from .schemas import InstanceSchema, TaskDetailSchema, TaskSchema, Text

blp = Blueprint("tasks", __name__, url_prefix="/api/tasks", description="User tasks")


class TaskQuery(Schema):
    case_ref = Text()
    process_id = Text()
    instance_id = fields.Integer(validate=validate.Range(min=1, max=MAX_ID))


class Completion(Schema):
    data = fields.Dict(required=True, metadata={"description": "the form's values"})


@blp.url_value_preprocessor
def _plausible_id(_endpoint, values) -> None:
    """Task ids are UUIDs: anything longer, or with characters no column can hold, names no task."""
    task_id = (values or {}).get("task_id")
    if task_id is not None and (len(task_id) > 36 or "\x00" in task_id):
        raise NotFound("no such task")


@blp.route("")
class Inbox(MethodView):
    @blp.arguments(TaskQuery, location="query")
    @blp.response(200, TaskSchema(many=True))
    def get(self, query):
        """The ready tasks of running instances that the caller may act on, oldest first."""
        return caller().inbox(**query)


@blp.route("/<task_id>")
class TaskView(MethodView):
    @blp.response(200, TaskDetailSchema)
    def get(self, task_id):
        """One task with its form (JSON Schema), UI schema and current data; 404 unless the caller
        may act on it or see its instance."""
        return caller().task(task_id)


@blp.route("/<task_id>/claim")
class Claim(MethodView):
    @blp.response(200, TaskSchema)
    def post(self, task_id):
        """Hold the task: nobody else may complete it until it is released (409 if another holds it)."""
        return caller().claim(task_id)


@blp.route("/<task_id>/release")
class Release(MethodView):
    @blp.response(200, TaskSchema)
    def post(self, task_id):
        """Give a held task back: its holder, or an operator for someone else's (R-80 records who)."""
        return caller().release(task_id)


class Reassignment(Schema):
    to = Text(required=True, metadata={"description": "username of the person the task will wait for"})
    reason = Text(required=True, metadata={"description": "why, for the history (not sent in messages)"})


@blp.route("/<task_id>/reassign")
class Reassign(MethodView):
    @blp.arguments(Reassignment)
    @blp.response(200, TaskSchema)
    def post(self, body, task_id):
        """Make another person the only one the task waits for, free for them to take: a manager
        above the case or the person, or an operator; 422 names why the person or reason will not do."""
        return caller().reassign(task_id, body["to"], body["reason"])


@blp.route("/<task_id>/complete")
class Complete(MethodView):
    @blp.arguments(Completion)
    @blp.response(200, InstanceSchema)
    def post(self, body, task_id):
        """Complete the task with its form's data; answers the instance's new state.
        422 with field paths when the data fails the form or names a field it does not ask;
        409 when no longer ready or held by another, or when the step would take the case past the
        limit on loops (processes/README.md): then the instance is in `error` and the task stays ready."""
        return caller().complete(task_id, body["data"])


class DraftSchema(Schema):
    task_id = fields.String()
    data = fields.Dict(required=True, allow_none=True,
                       metadata={"description": "the answers so far, as the form would take them; null: no draft"})
    saved_at = fields.String(allow_none=True)


class DraftRequest(Schema):
    data = fields.Dict(required=True, metadata={"description": "the answers so far, as the form would take them"})


@blp.route("/<task_id>/draft")
class Draft(MethodView):
    @blp.response(200, DraftSchema)
    def get(self, task_id):
        """The caller's saved answers to the task (null when none): theirs alone, kept until it is completed."""
        return caller().draft(task_id)

    @blp.arguments(DraftRequest)
    @blp.response(200, DraftSchema)
    def put(self, body, task_id):
        """Save answers to come back to; not checked against the form until completing (which drops the
        draft), nor recorded in the history. Only someone who may act on the task."""
        return caller().save_draft(task_id, body["data"])
