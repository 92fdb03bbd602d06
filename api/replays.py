"""Replays (issue 29): a process owner sends an edited bundle and the period of past cases to run
through it; the worker replays them in the background; the run is followed, and cancelled, here.
Who may is engine/caller/replays.py's (process owners); routes parse and dump."""
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from doors import caller, require
from engine.errors import NotFound
from engine.limits import MAX_ID
from engine.people.access import DEPLOYERS
from engine.replay.period import MONTHS

from .schemas import NO_NUL, Text

blp = Blueprint("replays", __name__, url_prefix="/api/process-definitions",
                description="Replaying past cases on an edited bundle before deploying it")


@blp.before_request
def deployers_only():
    """Replays are for process owners: 403 before a bundle is parsed."""
    require(*DEPLOYERS)


@blp.url_value_preprocessor
def _plausible_id(_endpoint, values) -> None:
    if (values or {}).get("replay_id", 0) > MAX_ID:
        raise NotFound("no such replay")


class ReplayRequest(Schema):
    files = fields.Dict(keys=fields.String(validate=[NO_NUL, validate.Length(min=1, max=255)]), values=Text(),
                        required=True, validate=validate.Length(min=1), metadata={
                            "description": 'the bundle, file name -> its text, e.g. {"case_audit.bpmn": "<?xml ..."}: '
                                           "put over the deployed files and checked as a deploy checks it"})
    months = fields.Integer(validate=validate.OneOf(MONTHS), metadata={
        "description": "replay the cases started in the last 3, 6 or 12 months, up to now"})
    started_from = fields.AwareDateTime(metadata={"description": "or the cases started from this time..."})
    started_to = fields.AwareDateTime(metadata={"description": "...until this one (not included)"})
    service_area = fields.String(validate=[NO_NUL, validate.Length(max=64)],
                                 metadata={"description": "only this service area's cases"})

    @validates_schema
    def _one_period(self, data, **_kwargs):
        if "months" in data:
            if "started_from" in data or "started_to" in data:
                raise ValidationError("give months, or started_from and started_to, not both", "months")
            return
        for name in ("started_from", "started_to"):
            if name not in data:
                raise ValidationError("required without months", name)
        if data["started_from"] >= data["started_to"]:
            raise ValidationError("must be after started_from", "started_to")


class ReplayRunSchema(Schema):
    id = fields.Integer()
    process_id = fields.String()
    bundle_hash = fields.String(metadata={"description": "the content hash of the version a deploy of the bundle "
                                                         "makes: the version's page finds its replays by it"})
    status = fields.String(metadata={"description": "queued, running, done, cancelled or failed"})
    cancel_requested = fields.Boolean(metadata={"description": "cancelled while running: it stops at its next case"})
    done = fields.Integer(metadata={"description": "cases replayed so far"})
    total = fields.Integer(metadata={"description": "cases selected (0 until the worker has selected them)"})
    months = fields.Integer(allow_none=True)
    started_from = fields.String()
    started_to = fields.String()
    service_area = fields.String(allow_none=True)
    created_by = fields.String()
    created_at = fields.String()
    started_at = fields.String(allow_none=True, metadata={"description": "when a worker began it"})
    finished_at = fields.String(allow_none=True)
    error = fields.String(allow_none=True, metadata={"description": "why it failed"})
    result = fields.Dict(allow_none=True, metadata={
        "description": "once done: selected, compared, open, skipped, diverged and failed cases (each with its "
                       "element and reason), the recorded and replayed figures of the compared cases, "
                       "path_changes and each case's runs (engine/replay/run.py ReplayResult)"})


@blp.route("/<string:process_id>/replays")
class Replays(MethodView):
    @blp.response(200, ReplayRunSchema(many=True))
    @blp.alt_response(403, response="FORBIDDEN")
    def get(self, process_id):
        """The process's replays, newest first (process owner)."""
        return caller().replay_runs(process_id)

    @blp.arguments(ReplayRequest)
    @blp.response(202, ReplayRunSchema)
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
    def post(self, body, process_id):
        """Queue a replay of the process's past cases on the bundle (process owner): 202 with the run,
        which the worker then runs; 422 names each problem a deploy would refuse, or the field that
        will not do; 404 when neither the bundle nor the deployed files hold the process."""
        files = {name: text.encode("utf-8") for name, text in body["files"].items()}
        return caller().request_replay(files, process_id, body.get("months"), body.get("started_from"),
                                       body.get("started_to"), body.get("service_area"))


@blp.route("/<string:process_id>/replays/<int:replay_id>")
class Replay(MethodView):
    @blp.response(200, ReplayRunSchema)
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, process_id, replay_id):
        """A replay as it stands: its progress, and its result once done (process owner)."""
        return caller().replay_run(replay_id, process_id)


@blp.route("/<string:process_id>/replays/<int:replay_id>/cancel")
class CancelReplay(MethodView):
    @blp.response(200, ReplayRunSchema)
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT")
    def post(self, process_id, replay_id):
        """Cancel a replay (process owner): a queued one at once, a running one at its next case
        (cancel_requested until then); 409 once it has ended."""
        return caller().cancel_replay(replay_id, process_id)
