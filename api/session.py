"""Sign in for a bearer token; sign out revokes it."""
from datetime import timedelta

from flask import current_app, g
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields
from werkzeug.exceptions import Unauthorized

from .auth import dao_revoke, dao_sign_in

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
    def post(self, credentials):
        """Sign in: a bearer token for every other call."""
        lifetime = timedelta(hours=current_app.config["TOKEN_HOURS"])
        with current_app.extensions["qa_engine"].db.transaction() as session:
            issued = dao_sign_in(session, credentials["username"], credentials["password"], lifetime)
        if issued is None:
            raise Unauthorized("unknown username or wrong password")
        token, row = issued
        return {"token": token, "expires_at": row.expires_at}

    @blp.response(204)
    def delete(self):
        """Sign out: the token stops working at once."""
        with current_app.extensions["qa_engine"].db.transaction() as session:
            dao_revoke(session, g.token)
