"""The people directory (admin): list, add and change people; every change is in the history (R-80)."""
from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validate

from api.schemas import HistoryEventSchema
from doors import caller, require
from engine.people.access import ADMINISTRATORS
from engine.people.accounts import hash_password
from engine.people.directory import PeopleDirectory
from engine.people.passwords import password_problem

blp = Blueprint("people", __name__, url_prefix="/api/people", description="People, their roles and teams (admin)")

USERNAME = validate.Regexp(r"^[a-z0-9][a-z0-9._-]{0,99}$", error="lower-case letters, digits, '.', '_' or '-'")


def strong_password(password: str) -> None:
    """Refused as engine/people/passwords.py says (length, spaces, common), in the 422 of the other fields."""
    problem = password_problem(password)
    if problem:
        raise ValidationError(problem)


class PersonSchema(Schema):
    username = fields.String(required=True)
    name = fields.String(required=True)
    email = fields.String(allow_none=True)
    roles = fields.List(fields.String(), required=True)
    team = fields.String(allow_none=True, metadata={"description": "team id"})
    service_area = fields.String(allow_none=True, metadata={"description": "the team's service area"})
    active = fields.Boolean(required=True)


class NewPersonSchema(Schema):
    username = fields.String(required=True, validate=USERNAME)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    email = fields.Email(allow_none=True, validate=validate.Length(max=255))
    roles = fields.List(fields.String(), required=True, validate=validate.Length(min=1))
    team = fields.String(allow_none=True)
    active = fields.Boolean(load_default=True)
    password = fields.String(load_only=True, validate=strong_password)


class PersonChangesSchema(Schema):
    name = fields.String(validate=validate.Length(min=1, max=200))
    email = fields.Email(allow_none=True, validate=validate.Length(max=255))
    roles = fields.List(fields.String(), validate=validate.Length(min=1))
    team = fields.String(allow_none=True)
    active = fields.Boolean()
    password = fields.String(load_only=True, validate=strong_password)


@blp.before_request
def admins_only():
    """Every route here is for administrators: 403 before the body is even read (R-81)."""
    require(*ADMINISTRATORS)


def directory() -> PeopleDirectory:
    return caller().people_directory()


def _password_hash(body: dict) -> str | None:
    password = body.pop("password", None)
    return hash_password(password) if password else None


@blp.route("")
class People(MethodView):
    @blp.response(200, PersonSchema(many=True))
    @blp.alt_response(403, response="FORBIDDEN")
    def get(self):
        """Everyone in the directory, with roles, team and service area (admin)."""
        return directory().people()

    @blp.arguments(NewPersonSchema)
    @blp.response(201, PersonSchema)
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(409, response="CONFLICT")
    def post(self, body):
        """Add a person with roles, an optional team and an optional password (admin)."""
        return directory().create(body, g.user.username, _password_hash(body))


@blp.route("/<string:username>")
class PersonView(MethodView):
    @blp.response(200, PersonSchema)
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, username):
        """One person (admin)."""
        return directory().person(username)

    @blp.arguments(PersonChangesSchema)
    @blp.response(200, PersonSchema)
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT")
    def patch(self, changes, username):
        """Change roles, team, name, email, active or password (admin). Deactivating a person or
        setting their password ends their sessions."""
        return directory().update(username, changes, g.user.username, _password_hash(changes))


@blp.route("/<string:username>/history")
class PersonHistory(MethodView):
    @blp.response(200, HistoryEventSchema(many=True))
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, username):
        """Who created and changed this person's account, and what changed, oldest first (admin)."""
        return directory().history(username)
