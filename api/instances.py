"""Process instances: start, list, read (recording who looked, R-80), history, and the operators'
verbs: suspend, resume, terminate, migrate, retry.

Who may do what (R-81): an instance the caller may not see (api/policy.visible_instances) is 404
for every path here, except to those allowed to migrate or retry, who act on versions and errors
rather than on cases. Starting needs one of the process's starter roles (camunda:
candidateStarterGroups; by default QA, PSW and admin). Suspending, resuming and terminating are for
OPERATORS; migrating for admin and process_owner; retrying for admin. The history of an instance
is for anyone who may see the instance.
"""
from flask import current_app, g
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validate, validates

from engine import queries
from engine.errors import NotFound

from .policy import require, visible_instances
from .schemas import (MAX_ID, NO_NUL, HistoryEventSchema, InstancePageSchema, InstanceSchema,
                      InstanceSummarySchema, Text)

blp = Blueprint("instances", __name__, url_prefix="/api/process-instances", description="Process instances")

DEFAULT_STARTERS = ("qa_team", "head_of_service_qa", "psw", "admin")  # when a process names none
OPERATORS = ("admin", "qa_team", "head_of_service_qa")  # suspend, resume, terminate
MIGRATORS = ("admin", "process_owner")
STATUSES = ("running", "suspended", "completed", "terminated", "error")
PERSON_FIELDS = ("practitioner", "auditor", "previous_practitioner")


class StartRequest(Schema):
    process_id = fields.String(required=True, validate=[validate.Length(min=1, max=255), NO_NUL])
    data = fields.Dict(required=True, metadata={"description": "the start data, e.g. case_ref"})

    @validates("data")
    def _case_fields(self, data: dict, **_) -> None:
        """The fields that place a case are strings: its reference (its own column, at most 100
        characters), its team and the people it names."""
        errors = {key: ["must be a username (a string)"] for key in PERSON_FIELDS
                  if data.get(key) is not None and not isinstance(data[key], str)}
        case_ref = data.get("case_ref")
        if case_ref is not None and (not isinstance(case_ref, str) or not 1 <= len(case_ref) <= 100
                                     or "\x00" in case_ref):
            errors["case_ref"] = ["a case reference is a string of 1 to 100 characters"]
        if data.get("team") is not None and not isinstance(data["team"], str):
            errors["team"] = ["must be a team id (a string)"]
        if errors:
            raise ValidationError(errors)


class InstanceQuery(Schema):
    process_id = Text()
    status = fields.String(validate=validate.OneOf(STATUSES))
    case_ref = Text()
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    page_size = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class Reason(Schema):
    reason = fields.String(required=True, validate=[validate.Length(min=1, max=2000), NO_NUL])


class MigrateRequest(Schema):
    version = fields.Integer(required=True, validate=validate.Range(min=1, max=MAX_ID))


def _engine():
    return current_app.extensions["qa_engine"]


@blp.url_value_preprocessor
def _bounded_id(_endpoint, values) -> None:
    """An id no database column can hold names no instance: 404, like any unknown id."""
    if values and values.get("instance_id", 0) > MAX_ID:
        raise NotFound(f"process instance {values['instance_id']} does not exist")


def _visible(instance_id: int) -> None:
    """404 unless the instance exists and the caller may see it (the same answer for both)."""
    with _engine().db.transaction() as session:
        if not queries.instance_visible(session, instance_id, visible_instances(g.user)):
            raise NotFound(f"process instance {instance_id} does not exist")


def _operate(instance_id: int, roles: tuple, verb: str, *args) -> dict:
    """Run an operator's verb on an instance, then answer its new state. Without the role: 404 if
    the caller may not see the instance, else 403. (Every operator role here sees across.)"""
    if not g.user.has(*roles):
        _visible(instance_id)
        require(*roles)
    getattr(_engine(), verb)(instance_id, g.user.username, *args)
    return _engine().instance(instance_id)


@blp.route("")
class Instances(MethodView):
    @blp.arguments(StartRequest)
    @blp.response(201, InstanceSchema)
    def post(self, body):
        """Start an instance of the newest version of a process (starter roles only)."""
        with _engine().db.transaction() as session:
            starters = queries.starter_roles(session, body["process_id"])
        require(*(starters or DEFAULT_STARTERS))
        instance_id = _engine().start_instance(body["process_id"], body["data"], g.user.username)
        return _engine().instance(instance_id)

    @blp.arguments(InstanceQuery, location="query")
    @blp.response(200, InstancePageSchema)
    def get(self, query):
        """A page of the instances the caller may see, newest first."""
        with _engine().db.transaction() as session:
            return queries.instance_page(session, visible_instances(g.user), **query)


@blp.route("/<int:instance_id>")
class InstanceView(MethodView):
    @blp.response(200, InstanceSchema)
    def get(self, instance_id):
        """The instance with its data, tasks, timers and children; records that the caller viewed it (R-80)."""
        _visible(instance_id)
        return _engine().view_instance(instance_id, g.user.username)


@blp.route("/<int:instance_id>/history")
class History(MethodView):
    @blp.response(200, HistoryEventSchema(many=True))
    def get(self, instance_id):
        """Every recorded event of the instance, oldest first (R-80)."""
        _visible(instance_id)
        return _engine().history(instance_id)


@blp.route("/<int:instance_id>/suspend")
class Suspend(MethodView):
    @blp.arguments(Reason)
    @blp.response(200, InstanceSchema)
    def post(self, body, instance_id):
        """Pause a running instance: no task can be completed, no timer fires (operators)."""
        return _operate(instance_id, OPERATORS, "suspend", body["reason"])


@blp.route("/<int:instance_id>/resume")
class Resume(MethodView):
    @blp.arguments(Reason)
    @blp.response(200, InstanceSchema)
    def post(self, body, instance_id):
        """Let a suspended instance run again (operators)."""
        return _operate(instance_id, OPERATORS, "resume", body["reason"])


@blp.route("/<int:instance_id>/terminate")
class Terminate(MethodView):
    @blp.arguments(Reason)
    @blp.response(200, InstanceSchema)
    def post(self, body, instance_id):
        """End an instance for good; its ready tasks are cancelled, its timers dropped (operators)."""
        return _operate(instance_id, OPERATORS, "terminate", body["reason"])


@blp.route("/<int:instance_id>/migrate")
class Migrate(MethodView):
    @blp.arguments(MigrateRequest)
    @blp.response(200, InstanceSummarySchema)
    def post(self, body, instance_id):
        """Move the instance to another version of its process (admin, process_owner); 422 naming why not.
        Answers the instance without its case data: a process owner need not see the case."""
        if not g.user.has(*MIGRATORS):
            _visible(instance_id)
            require(*MIGRATORS)
        _engine().migrate(instance_id, body["version"], g.user.username)
        with _engine().db.transaction() as session:
            return queries.summary(session, instance_id)


@blp.route("/<int:instance_id>/retry")
class Retry(MethodView):
    @blp.response(200, InstanceSchema)
    def post(self, instance_id):
        """Replay the action that failed, for an instance in error (admin)."""
        return _operate(instance_id, ("admin",), "retry")
