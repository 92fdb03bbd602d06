"""Process instances: start, list, read (recording who looked, R-80), history, raising a
child-safety concern at any step (R-40), and the operators' verbs: suspend, resume, terminate,
migrate, retry. Who may do what is engine/caller/'s (R-81):
starting needs one of the process's starter roles (camunda:candidateStarterGroups, by default
engine/people/access.py's "starters"); suspending, resuming and terminating are for operators, migrating
for migrators, retrying for administrators.
"""
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from doors import caller
from engine.errors import NotFound
from engine.instances.notes import NOTE_MAX
from engine.limits import MAX_ID
from engine.views.case_list import CYCLE, SORTS

from .schemas import (
    NO_NUL,
    HistoryEventSchema,
    InstancePageSchema,
    InstanceSchema,
    InstanceSummarySchema,
    NoteSchema,
    Text,
)

blp = Blueprint("instances", __name__, url_prefix="/api/process-instances", description="Process instances")

STATUSES = ("running", "suspended", "completed", "terminated", "error")


class StartRequest(Schema):
    process_id = fields.String(required=True, validate=[validate.Length(min=1, max=255), NO_NUL])
    data = fields.Dict(required=True, metadata={"description": "the start data, e.g. case_ref"})


class InstanceQuery(Schema):
    """The filters of the case list (engine/views/case_list.py); case_ref is a whole reference, in any case."""
    process_id = Text()
    status = fields.String(validate=validate.OneOf(STATUSES))
    case = Text(data_key="case_ref")
    service_area_id = Text(data_key="service_area")
    team_id = Text(data_key="team")
    step = Text(metadata={"description": "an element id: instances with a ready task there"})
    overdue = fields.Boolean(load_default=False, metadata={"description": "only those with a task past its deadline"})
    cycle = fields.String(validate=validate.Regexp(CYCLE), metadata={"description": "e.g. 2026-11"})
    person = Text(metadata={"description": "a username: cases naming them (practitioner, auditor, asked to act)"})
    grade = Text(metadata={"description": "a completed audit's final grade, e.g. good"})
    sort = fields.String(load_default="newest", validate=validate.OneOf(SORTS))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    page_size = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class Reason(Schema):
    reason = fields.String(required=True, validate=[validate.Length(min=1, max=2000), NO_NUL])


class ConcernRequest(Schema):
    """The fields of the audit's child-safety concern message (forms/child_safety_concern.json):
    the form checks them."""
    fields = fields.Dict(required=True, metadata={"description": 'e.g. {"concern": "..."}'})


class RaisedAlertSchema(Schema):
    instance_id = fields.Integer(metadata={"description": "the child-safety alert started"})
    told = fields.List(fields.String(), metadata={"description": "who it told at once, by name"})
    steps = fields.List(fields.Dict(), metadata={"description": "its first tasks: who acts, by when"})


class ConcernRaisedSchema(Schema):
    instance_id = fields.Integer(metadata={"description": "the audit the concern was raised on"})
    alerts = fields.List(fields.Nested(RaisedAlertSchema))


class NoteRequest(Schema):
    """Trimmed and checked by the engine (422 naming what is wrong: empty, or too long)."""
    text = fields.String(required=True, validate=NO_NUL,
                         metadata={"description": f"at most {NOTE_MAX} characters once trimmed"})
    task_id = fields.String(load_default=None, allow_none=True, validate=[validate.Length(max=36), NO_NUL],
                            metadata={"description": "the task of this case the note is left on, if any"})


class AgreedActionSchema(Schema):
    """An action agreed after an audit (R-27), as it stands."""
    position = fields.Integer(metadata={"description": "its place in the list agreed, from 0"})
    action = fields.String()
    owner = fields.String(metadata={"description": "username"})
    owner_name = fields.String()
    due_at = fields.String()
    completed_at = fields.String(allow_none=True)
    outcome = fields.String(allow_none=True, metadata={"description": "done, not_done; null while open"})
    state = fields.String(metadata={"description": "done_on_time, done_late, not_done, overdue or open"})
    closed_as = fields.String(allow_none=True, metadata={"description": "all_done or carried_into_reaudit"})
    carried_reason = fields.String(allow_none=True)


class AuditSeenSchema(Schema):
    """A completed audit of the case: its grades, never case data."""
    instance_id = fields.Integer()
    may_open = fields.Boolean(metadata={"description": "whether the caller may open that audit itself"})
    case_ref = fields.String(allow_none=True)
    audit_kind = fields.String()
    overall_grade = fields.String(metadata={"description": "the final grade"})
    previous_grade = fields.String(allow_none=True)
    grade_change = fields.String(allow_none=True, metadata={"description": "improved, same or downgraded"})
    disputed = fields.Boolean()
    completed_at = fields.String()


class PreviousAuditSchema(AuditSeenSchema):
    domains = fields.List(fields.Dict(), metadata={"description": '[{"domain", "grade"}]: final grades by domain'})
    actions = fields.List(fields.Nested(AgreedActionSchema))


class EarlierAuditSchema(AuditSeenSchema):
    actions = fields.Dict(metadata={"description": 'how many actions were agreed and how many stand each way: '
                                                   '{"agreed": 3, "done_on_time": 2, "overdue": 1}'})


class CaseAuditsSchema(Schema):
    previous_audit = fields.Nested(PreviousAuditSchema, allow_none=True,
                                   metadata={"description": "the latest audit of the case reference completed "
                                                            "before this instance started; null if none"})
    agreed_actions = fields.List(fields.Nested(AgreedActionSchema),
                                 metadata={"description": "the actions agreed after this audit"})
    earlier_audits = fields.List(fields.Nested(EarlierAuditSchema),
                                 metadata={"description": "every audit of the case reference completed before "
                                                          "this instance started, newest first"})


class MigrateRequest(Schema):
    version = fields.Integer(required=True, validate=validate.Range(min=1, max=MAX_ID))


@blp.url_value_preprocessor
def _bounded_id(_endpoint, values) -> None:
    """An id no database column can hold names no instance: 404, like any unknown id."""
    if values and values.get("instance_id", 0) > MAX_ID:
        raise NotFound(f"process instance {values['instance_id']} does not exist")


@blp.route("")
class Instances(MethodView):
    @blp.arguments(StartRequest)
    @blp.response(201, InstanceSchema)
    def post(self, body):
        """Start an instance of the newest version of a process (starter roles only). 422 when the
        data names people or a team not in the directory, or a field named like a script function."""
        return caller().start(body["process_id"], body["data"])

    @blp.arguments(InstanceQuery, location="query")
    @blp.response(200, InstancePageSchema)
    def get(self, query):
        """A page of the instances the caller may see, newest first."""
        return caller().instances(**query)


@blp.route("/<int:instance_id>")
class InstanceView(MethodView):
    @blp.response(200, InstanceSchema)
    def get(self, instance_id):
        """The instance with its data, tasks, timers and children; records that the caller viewed it (R-80)."""
        return caller().view(instance_id)


@blp.route("/<int:instance_id>/history")
class History(MethodView):
    @blp.response(200, HistoryEventSchema(many=True))
    def get(self, instance_id):
        """Every recorded event of the instance, oldest first (R-80)."""
        return caller().history(instance_id)


@blp.route("/<int:instance_id>/notes")
class Notes(MethodView):
    @blp.response(200, NoteSchema(many=True))
    def get(self, instance_id):
        """The case's notes, oldest first: for whoever may see the case (R-81)."""
        return caller().notes(instance_id)

    @blp.arguments(NoteRequest)
    @blp.response(201, NoteSchema)
    def post(self, body, instance_id):
        """Add a note to a case the caller may see; never edited afterwards (a correction is a new
        note). Recorded in the history; the people the case names are told a note was added, with
        the link, never its text (R-81)."""
        return caller().add_note(instance_id, body["text"], body["task_id"])


@blp.route("/<int:instance_id>/audits")
class Audits(MethodView):
    @blp.response(200, CaseAuditsSchema)
    def get(self, instance_id):
        """What the next audit of a case sees of the last (R-27): the audit of its case reference before
        this instance, with its final grades by domain and how its agreed actions ended; this audit's
        own agreed actions as they stand; every earlier audit of the reference. For whoever may see
        the case (R-81)."""
        return caller().case_audits(instance_id)


@blp.route("/<int:instance_id>/concerns")
class Concerns(MethodView):
    @blp.arguments(ConcernRequest)
    @blp.response(201, ConcernRaisedSchema)
    def post(self, body, instance_id):
        """Raise a child-safety concern on an audit at any step (R-40): its diagram starts the alert at
        once and the audit goes on. For the audit team, the people the case names and those acting on
        it; 409 when the instance's process takes no concern (an alert, a dispute) or is not running."""
        return caller().raise_concern(instance_id, body["fields"])


@blp.route("/<int:instance_id>/suspend")
class Suspend(MethodView):
    @blp.arguments(Reason)
    @blp.response(200, InstanceSchema)
    def post(self, body, instance_id):
        """Pause a running instance: no task can be completed, no timer fires (operators)."""
        return caller().set_status(instance_id, "suspended", body["reason"])


@blp.route("/<int:instance_id>/resume")
class Resume(MethodView):
    @blp.arguments(Reason)
    @blp.response(200, InstanceSchema)
    def post(self, body, instance_id):
        """Let a suspended instance run again (operators)."""
        return caller().set_status(instance_id, "running", body["reason"])


@blp.route("/<int:instance_id>/terminate")
class Terminate(MethodView):
    @blp.arguments(Reason)
    @blp.response(200, InstanceSchema)
    def post(self, body, instance_id):
        """End an instance for good; its ready tasks are cancelled, its timers dropped (operators)."""
        return caller().set_status(instance_id, "terminated", body["reason"])


@blp.route("/<int:instance_id>/migrate")
class Migrate(MethodView):
    @blp.arguments(MigrateRequest)
    @blp.response(200, InstanceSummarySchema)
    def post(self, body, instance_id):
        """Move the instance to another version of its process (admin, process_owner); 422 naming why not.
        Answers the instance without its case data: a process owner need not see the case."""
        return caller().migrate(instance_id, body["version"])


@blp.route("/<int:instance_id>/retry")
class Retry(MethodView):
    @blp.response(200, InstanceSchema)
    def post(self, instance_id):
        """Replay the action that failed, for an instance in error (admin)."""
        return caller().retry(instance_id)
