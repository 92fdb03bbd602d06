"""Sign in for a bearer token; sign out revokes it."""
from datetime import timedelta

from flask import current_app, g, request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields
from werkzeug.exceptions import Unauthorized

from doors import gate
from engine.people.accounts import Unauthenticated

blp = Blueprint("session", __name__, url_prefix="/api/session", description="Sign in and out")


class Credentials(Schema):
    username = fields.String(required=True)
    password = fields.String(required=True, load_only=True)


class Token(Schema):
    token = fields.String(required=True)
    expires_at = fields.DateTime(required=True)


@blp.route("")
class Session(MethodView):
    @blp.doc(security=[])
    @blp.arguments(Credentials)
    @blp.response(200, Token)
    @blp.alt_response(429, response="TOO_MANY_REQUESTS")
    def post(self, credentials):
        """Sign in: a bearer token for every other call. Repeated wrong passwords lock the username
        or the address for a while (429 with Retry-After)."""
        lifetime = timedelta(hours=current_app.config["TOKEN_HOURS"])
        try:
            token, row = gate().sign_in(credentials["username"], credentials["password"], request.remote_addr, lifetime)
        except Unauthenticated as error:
            raise Unauthorized(str(error)) from None
        return {"token": token, "expires_at": row.expires_at}

    @blp.response(204)
    def delete(self):
        """Sign out: the token stops working at once."""
        gate().sign_out(g.token)
