"""Outgoing events (admin): webhook subscriptions, the deliveries of events with every attempt,
replaying a dead delivery, and the outbox itself (operators), where notifications wait while no
mail service is configured."""
from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from api.schemas import NO_NUL, PageQuery, Text, page_schema
from doors import dispatcher, require, webhook_admin
from engine.errors import NotFound
from engine.limits import MAX_ID
from engine.outbox import EVENT_TYPES
from engine.people.access import ADMINISTRATORS, OPERATORS
from webhooks.admin import WebhookAdmin

blp = Blueprint("webhooks_out", __name__, url_prefix="/api", description="Outgoing events: webhooks and the outbox")

DELIVERY_STATUSES = ("pending", "delivered", "dead", "cancelled")
ID = validate.Range(min=1, max=MAX_ID)


class NewSubscriptionSchema(Schema):
    url = fields.Url(required=True, schemes={"http", "https"}, require_tld=False, validate=validate.Length(max=2000))
    events = fields.List(fields.String(validate=validate.OneOf(list(EVENT_TYPES))), required=True,
                         validate=validate.Length(min=1), metadata={"description": ", ".join(EVENT_TYPES)})
    secret = fields.String(required=True, load_only=True, validate=validate.Length(min=16, max=200),
                           metadata={"description": "signs every delivery (X-Signature); never shown again"})
    description = fields.String(validate=[validate.Length(max=200), NO_NUL])


class SubscriptionSchema(Schema):
    id = fields.Integer()
    url = fields.String()
    events = fields.List(fields.String())
    description = fields.String(allow_none=True)
    active = fields.Boolean()
    created_at = fields.String()
    created_by = fields.String()


class AttemptSchema(Schema):
    at = fields.String()
    worker = fields.String()
    outcome = fields.String(metadata={"description": "delivered, failed (retried) or refused (for good)"})
    status_code = fields.Integer(allow_none=True)
    error = fields.String(allow_none=True)
    duration_ms = fields.Integer()


class DeliverySchema(Schema):
    id = fields.Integer()
    event_id = fields.String()
    event_type = fields.String()
    instance_id = fields.Integer(allow_none=True)
    case_ref = fields.String(allow_none=True)
    channel = fields.String(metadata={"description": "webhook, or email to a person"})
    subscription_id = fields.Integer(allow_none=True)
    recipient = fields.String(allow_none=True)
    status = fields.String(metadata={"description": ", ".join(DELIVERY_STATUSES)})
    attempt_count = fields.Integer(metadata={"description": "attempts since it was created or replayed"})
    next_attempt_at = fields.String(allow_none=True)
    last_error = fields.String(allow_none=True)
    delivered_at = fields.String(allow_none=True)
    created_at = fields.String()
    attempts = fields.List(fields.Nested(AttemptSchema), metadata={"description": "every attempt, oldest first"})


class DeliveryQuery(PageQuery):
    status = fields.String(validate=validate.OneOf(DELIVERY_STATUSES))
    channel = fields.String(validate=validate.OneOf(("webhook", "email")))
    event_type = fields.String(validate=validate.OneOf(list(EVENT_TYPES)))
    subscription_id = fields.Integer(validate=ID)
    instance_id = fields.Integer(validate=ID)
    case_ref = Text()
    recipient = Text()


DeliveryPageSchema = page_schema(DeliverySchema, "DeliveryPageSchema")


class Delivered(Schema):
    delivered = fields.Integer()


class OutboxQuery(PageQuery):
    type = fields.String(validate=validate.OneOf(list(EVENT_TYPES)))
    instance_id = fields.Integer(validate=ID)
    case_ref = Text()
    pending = fields.Boolean(metadata={"description": "true: events with a delivery still pending"})


class OutboxDeliverySchema(Schema):
    id = fields.Integer()
    channel = fields.String()
    subscription_id = fields.Integer(allow_none=True)
    recipient = fields.String(allow_none=True)
    status = fields.String()
    attempt_count = fields.Integer()
    last_error = fields.String(allow_none=True)


class OutboxMessageSchema(Schema):
    id = fields.Integer()
    event_id = fields.String()
    type = fields.String()
    occurred_at = fields.String()
    instance_id = fields.Integer(allow_none=True)
    case_ref = fields.String(allow_none=True)
    recipients = fields.List(fields.String(), metadata={"description": "usernames, for a notification"})
    subject = fields.String()
    body = fields.String()
    data = fields.Dict(metadata={"description": "the event's data, as webhooks carry it"})
    deliveries = fields.List(fields.Nested(OutboxDeliverySchema))


OutboxPageSchema = page_schema(OutboxMessageSchema, "OutboxPageSchema")


def admin() -> WebhookAdmin:
    return webhook_admin()


@blp.url_value_preprocessor
def _bounded_id(_endpoint, values) -> None:
    for key in ("subscription_id", "delivery_id"):
        if values and values.get(key, 0) > MAX_ID:
            raise NotFound(f"{key.removesuffix('_id')} {values[key]} does not exist")


@blp.route("/webhook-subscriptions")
class Subscriptions(MethodView):
    @blp.arguments(NewSubscriptionSchema)
    @blp.response(201, SubscriptionSchema)
    def post(self, body):
        """Deliver events of these types to a URL from now on, signed with the secret (admin)."""
        require(*ADMINISTRATORS)
        return admin().subscribe(body["url"], body["events"], body["secret"], body.get("description"),
                                 g.user.username)

    @blp.response(200, SubscriptionSchema(many=True))
    def get(self):
        """The active subscriptions (admin)."""
        require(*ADMINISTRATORS)
        return admin().subscriptions()


@blp.route("/webhook-subscriptions/<int:subscription_id>")
class Subscription(MethodView):
    @blp.response(200, SubscriptionSchema)
    def get(self, subscription_id):
        """One subscription, removed or not (admin)."""
        require(*ADMINISTRATORS)
        return admin().subscription(subscription_id)

    @blp.response(204)
    def delete(self, subscription_id):
        """Stop delivering to it; its pending deliveries are cancelled, its log kept (admin)."""
        require(*ADMINISTRATORS)
        admin().unsubscribe(subscription_id, g.user.username)


@blp.route("/webhook-deliveries")
class Deliveries(MethodView):
    @blp.arguments(DeliveryQuery, location="query")
    @blp.response(200, DeliveryPageSchema)
    def get(self, query):
        """Deliveries of events, newest first, with every attempt (admin)."""
        require(*ADMINISTRATORS)
        return admin().deliveries(**query)


@blp.route("/webhook-deliveries/run")
class RunDeliveries(MethodView):
    @blp.response(200, Delivered)
    def post(self):
        """Deliver at once what is due now (admin). The worker does the same by itself."""
        require(*ADMINISTRATORS)
        return {"delivered": dispatcher().deliver_due()}


@blp.route("/webhook-deliveries/<int:delivery_id>")
class DeliveryView(MethodView):
    @blp.response(200, DeliverySchema)
    def get(self, delivery_id):
        """One delivery with every attempt (admin)."""
        require(*ADMINISTRATORS)
        return admin().delivery(delivery_id)


@blp.route("/webhook-deliveries/<int:delivery_id>/replay")
class Replay(MethodView):
    @blp.response(200, DeliverySchema)
    def post(self, delivery_id):
        """Send a dead (or delivered) delivery again, with a fresh count of attempts (admin; 409 otherwise)."""
        require(*ADMINISTRATORS)
        return admin().replay(delivery_id, g.user.username)


@blp.route("/outbox")
class Outbox(MethodView):
    @blp.arguments(OutboxQuery, location="query")
    @blp.response(200, OutboxPageSchema)
    def get(self, query):
        """Every event, newest first, with its deliveries: notifications wait here while no mail
        service is configured (operators)."""
        require(*OPERATORS)
        return admin().outbox(**query)
