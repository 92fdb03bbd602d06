"""The service's one clock (settable only with QA_CLOCK=settable, for demos and acceptance checks)
and the timers waiting on it."""
from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields
from werkzeug.exceptions import NotFound

from doors import caller
from engine.clock import SettableClock, get_clock, now

blp = Blueprint("clock", __name__, url_prefix="/api", description="Time and timers")


class Clock(Schema):
    now = fields.AwareDateTime(required=True, default_timezone=None)


class Timer(Schema):
    instance_id = fields.Integer()
    element_id = fields.String()
    name = fields.String(allow_none=True)
    due_at = fields.String()


class TimerQuery(Schema):
    due_before = fields.AwareDateTime()


class Fired(Schema):
    fired = fields.Integer()


@blp.route("/clock")
class ClockView(MethodView):
    @blp.response(200, Clock)
    def get(self):
        """The time the service reads."""
        return {"now": now()}

    @blp.arguments(Clock)
    @blp.response(200, Clock)
    def put(self, body):
        """Move the clock (admin; only when the service runs with QA_CLOCK=settable)."""
        clock = get_clock()
        if current_app.config["CLOCK"] != "settable" or not isinstance(clock, SettableClock):
            raise NotFound("the clock is not settable here (QA_CLOCK=settable)")
        caller().share_clock(clock, body["now"])  # the worker and other server processes read it
        return {"now": now()}


@blp.route("/timers")
class Timers(MethodView):
    @blp.arguments(TimerQuery, location="query")
    @blp.response(200, Timer(many=True))
    def get(self, query):
        """Waiting timers of the instances the caller may see, soonest first."""
        return caller().timers(query.get("due_before"))


@blp.route("/timers/run")
class RunTimers(MethodView):
    @blp.response(200, Fired)
    def post(self):
        """Fire every timer due by now, at once (admin). The worker does the same by itself."""
        return {"fired": caller().fire_due_timers()}
