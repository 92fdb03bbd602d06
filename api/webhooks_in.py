"""The case-record system's webhook (R-50): a signed need-to-know notification starts a
need_to_know_audit, once per event id. No bearer token (api/bearer.py PUBLIC): the signature under
WEBHOOK_SECRET is the credential, and without that key the route takes nothing (503)."""
import json
from datetime import datetime, timezone

from flask import current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate
from werkzeug.exceptions import (
    BadRequest,
    RequestEntityTooLarge,
    ServiceUnavailable,
    Unauthorized,
)

from doors import gate
from engine.clock import now
from engine.errors import InvalidData
from webhooks import signing

from .schemas import NO_NUL

blp = Blueprint("webhooks_in", __name__, url_prefix="/api/webhooks",
                description="Events from the case-record system, signed with WEBHOOK_SECRET")

MAX_BODY_BYTES = 64 * 1024  # an event is a few hundred bytes; this route refuses more (413)
ACTOR = "case-record-system"  # who started what, in the history
PROCESS_OF = {"need_to_know.notified": "need_to_know_audit"}
NOTIFICATION_TYPES = ("serious_incident", "child_death", "urgent_escalation")
SIGNING_HEADERS = [
    {"in": "header", "name": "X-Event-Id", "required": True, "schema": {"type": "string", "maxLength": 200},
     "description": "unique per event; an id already taken is answered 200 and does nothing"},
    {"in": "header", "name": "X-Timestamp", "required": True, "schema": {"type": "string", "pattern": "^[0-9]+$"},
     "description": "Unix seconds; more than 5 minutes from the service's clock is refused (401)"},
    {"in": "header", "name": "X-Signature", "required": True, "schema": {"type": "string"},
     "description": 'sha256=<hex HMAC-SHA256 under WEBHOOK_SECRET of "<X-Timestamp>.<raw body>">'},
]


class CaseRecordEventSchema(Schema):
    """A need-to-know notification; other fields the case-record system sends are ignored (R-81)."""
    class Meta:
        unknown = EXCLUDE

    type = fields.String(required=True, validate=validate.OneOf(list(PROCESS_OF)))
    case_ref = fields.String(required=True, validate=[validate.Length(min=1, max=100), NO_NUL])
    summary = fields.String(validate=[validate.Length(max=4000), NO_NUL])
    notification_type = fields.String(load_default="urgent_escalation", validate=validate.OneOf(NOTIFICATION_TYPES),
                                      metadata={"description": "default urgent_escalation"})
    practitioner = fields.String(validate=[validate.Length(min=1, max=100), NO_NUL],
                                 metadata={"description": "username of the case's practitioner, when known"})
    team = fields.String(validate=[validate.Length(min=1, max=100), NO_NUL],
                         metadata={"description": "id of the child's team, when not the practitioner's own"})
    assistant_director = fields.String(
        validate=[validate.Length(min=1, max=100), NO_NUL],
        metadata={"description": "username of the Assistant Director who shared the notification, to whom the "
                                 "findings go back (R-50); when left out, the AD of the practitioner's service"})


class ReceiptSchema(Schema):
    event_id = fields.String(required=True)
    instance_id = fields.Integer(required=True, allow_none=True,
                                 metadata={"description": "the need_to_know_audit the event started"})
    replayed = fields.Boolean(required=True, metadata={"description": "true: the event id was taken before"})


@blp.url_value_preprocessor
def limit_body(_endpoint, _values):
    """This route's own size limit, set before any before_request reads the body."""
    limits = (current_app.config.get("MAX_CONTENT_LENGTH"), MAX_BODY_BYTES)
    request.max_content_length = min(limit for limit in limits if limit)


@blp.route("/case-record")
class CaseRecordWebhook(MethodView):
    @blp.doc(security=[], parameters=SIGNING_HEADERS, requestBody={
        "required": True, "content": {"application/json": {"schema": CaseRecordEventSchema}}})
    @blp.response(201, ReceiptSchema, description="the event started a need_to_know_audit")
    @blp.alt_response(200, schema=ReceiptSchema, description="an event id already taken: nothing done")
    @blp.alt_response(400, response="BAD_REQUEST")
    @blp.alt_response(401, response="UNAUTHORIZED")
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(413, response="REQUEST_ENTITY_TOO_LARGE")
    @blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
    @blp.alt_response(503, response="SERVICE_UNAVAILABLE")
    def post(self):
        """Take a signed event from the case-record system (no bearer token).

        `need_to_know.notified` starts a need_to_know_audit (R-50): 201; an event id already taken
        is answered 200 and does nothing. 401 unless signed with WEBHOOK_SECRET within 5 minutes of the
        service's clock; 413 over 64 KB; 400 unless a JSON object; 422 names the invalid field;
        503 while WEBHOOK_SECRET is not configured. Nothing is started on any of these."""
        secret = current_app.config.get("WEBHOOK_SECRET")
        if not secret:
            raise ServiceUnavailable("WEBHOOK_SECRET is not configured: no event is taken")
        body = _body()
        try:
            event_id, signed = signing.verify(secret, request.headers, body, _clocks())
        except signing.Unverified as refused:
            raise Unauthorized(str(refused)) from None
        event = _event(body)
        data = {k: event[k] for k in ("case_ref", "summary", "notification_type", "practitioner", "team",
                                      "assistant_director") if k in event}
        instance_id, new = gate().start_from_event(
            event_id, event["type"], PROCESS_OF[event["type"]], data, ACTOR, signed)
        return {"event_id": event_id, "instance_id": instance_id, "replayed": not new}, 201 if new else 200


def _clocks() -> list[datetime]:
    """The times a signature's timestamp is judged against: the service's clock, and while it is a
    settable demo clock also the real time, which the sender's own clock shows."""
    if current_app.config["CLOCK"] == "settable":
        return [now(), datetime.now(timezone.utc)]
    return [now()]


def _body() -> bytes:
    """The raw body (the signature is over it), refused past the route's limit: by Content-Length
    before reading, and by what was read."""
    too_large = RequestEntityTooLarge(f"an event is at most {MAX_BODY_BYTES} bytes")
    if (request.content_length or 0) > MAX_BODY_BYTES:
        raise too_large
    body = request.get_data(cache=True)
    if len(body) > MAX_BODY_BYTES:
        raise too_large
    return body


def _event(body: bytes) -> dict:
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        raise BadRequest("the body is not JSON") from None
    if not isinstance(document, dict):
        raise BadRequest("the body is not a JSON object")
    try:
        return CaseRecordEventSchema().load(document)
    except ValidationError as invalid:
        raise InvalidData("the event is not valid", invalid.normalized_messages()) from None
