"""The caller's messages: every notification addressed to them, kept in the service whether or not
its email went out, with their read state (engine/people/inbox.py). Each person sees only their own."""
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from doors import caller
from engine.errors import NotFound
from engine.limits import MAX_ID

blp = Blueprint("messages", __name__, url_prefix="/api/messages", description="The caller's messages")


class EmailSchema(Schema):
    status = fields.String(metadata={"description": "pending, delivered, dead or cancelled"})
    words = fields.String(metadata={"description": "e.g. \"Sent by email on 2 November 2026 at 09:00\", "
                                                   "\"Email not sent yet\", \"Email could not be sent\""})
    sent_at = fields.String(allow_none=True)


class MessageSchema(Schema):
    id = fields.Integer()
    subject = fields.String()
    body = fields.String(metadata={"description": "the notification's text: case reference and link, no names"})
    case_ref = fields.String(allow_none=True)
    instance_id = fields.Integer(allow_none=True)
    link = fields.String(allow_none=True, metadata={"description": "the case's page"})
    created_at = fields.String()
    urgent = fields.Boolean(metadata={"description": "from a child-safety alert"})
    read = fields.Boolean()
    read_at = fields.String(allow_none=True)
    email = fields.Nested(EmailSchema)


class MessagePageSchema(Schema):
    items = fields.List(fields.Nested(MessageSchema))
    page = fields.Integer()
    page_size = fields.Integer()
    total = fields.Integer()
    unread = fields.Integer(metadata={"description": "how many of all the caller's messages are unread"})


class MessageQuery(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    page_size = fields.Integer(load_default=20, validate=validate.Range(min=1, max=200))


@blp.url_value_preprocessor
def _bounded_id(_endpoint, values) -> None:
    if values and values.get("message_id", 0) > MAX_ID:
        raise NotFound(f"no message {values['message_id']}")


@blp.route("")
class Messages(MethodView):
    @blp.arguments(MessageQuery, location="query")
    @blp.response(200, MessagePageSchema)
    def get(self, query):
        """The caller's messages, newest first, with how many are unread."""
        return caller().messages(**query)


@blp.route("/<int:message_id>/read")
class MarkRead(MethodView):
    @blp.response(200, MessageSchema)
    def post(self, message_id):
        """Mark one of the caller's messages read (again: no change). 404 for another's or none."""
        return caller().mark_read(message_id)
