"""Away periods and cover (issue 23): a person away from one day to another names a cover who may
act on their tasks in that window. Who may mark whom is engine/people/away.py's; routes parse and dump."""
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from doors import caller
from engine.errors import NotFound
from engine.limits import MAX_ID

from .schemas import Text

blp = Blueprint("away", __name__, url_prefix="/api/people", description="Away periods and cover")


@blp.url_value_preprocessor
def _plausible_id(_endpoint, values) -> None:
    if (values or {}).get("period_id", 0) > MAX_ID:
        raise NotFound("no such away period")


class AwayPeriodSchema(Schema):
    id = fields.Integer()
    username = fields.String()
    name = fields.String()
    cover = fields.String()
    cover_name = fields.String()
    first_day = fields.Date()
    last_day = fields.Date()
    set_by = fields.String()
    set_at = fields.DateTime()


class AwayPeriodsSchema(Schema):
    username = fields.String()
    name = fields.String()
    periods = fields.List(fields.Nested(AwayPeriodSchema), metadata={"description": "current and future"})
    covering = fields.List(fields.Nested(AwayPeriodSchema), metadata={"description": "whom this person covers"})


class NewAwayPeriod(Schema):
    cover = Text(required=True, metadata={"description": "username of the cover"})
    first_day = fields.Date(required=True)
    last_day = fields.Date(required=True)


@blp.route("/<string:username>/away")
class AwayPeriods(MethodView):
    @blp.response(200, AwayPeriodsSchema)
    def get(self, username):
        """A person's away periods and whom they cover: the person, their managers, administrators."""
        return caller().away(username)

    @blp.arguments(NewAwayPeriod)
    @blp.response(201, AwayPeriodSchema)
    def post(self, body, username):
        """Mark the person away with a cover (422 names each field that will not do)."""
        return caller().mark_away(username, body["cover"], body["first_day"], body["last_day"])


@blp.route("/<string:username>/away/<int:period_id>")
class AwayPeriodView(MethodView):
    @blp.response(200, AwayPeriodSchema)
    def delete(self, username, period_id):
        """Cancel an away period (kept, marked cancelled)."""
        return caller().cancel_away(period_id, username)
