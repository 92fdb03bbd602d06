"""Process definitions: what is deployed, each version's BPMN, and deploying a bundle (process owner)."""
from pathlib import PurePosixPath

from flask import Response, g, request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields
from werkzeug.exceptions import BadRequest

from engine.access import DEPLOYERS
from engine.errors import InvalidDefinition, NotFound
from service import engine, require

from .schemas import MAX_ID

blp = Blueprint("definitions", __name__, url_prefix="/api/process-definitions",
                description="Deployed processes and their versions; deploying BPMN, DMN and form files")

@blp.before_request
def deployers_only():
    """Deploying is for process owners: 403 before the upload is parsed."""
    if request.method == "POST":
        require(*DEPLOYERS)


class VersionSchema(Schema):
    version = fields.Integer(required=True)
    name = fields.String(required=True)
    deployed_at = fields.DateTime(required=True)
    deployed_by = fields.String(required=True)
    bpmn_file = fields.String(required=True, metadata={"description": "the BPMN file that defines it"})
    starter_roles = fields.List(fields.String(), allow_none=True,
                                metadata={"description": "roles that may start it; null: the default"})
    forms = fields.List(fields.String(), required=True, metadata={"description": "form keys its tasks use"})


class DefinitionSchema(Schema):
    process_id = fields.String(required=True)
    name = fields.String(required=True)
    latest_version = fields.Integer(required=True)
    deployed_at = fields.DateTime(required=True, metadata={"description": "when the latest version was deployed"})
    deployed_by = fields.String(required=True)


class DefinitionDetailSchema(DefinitionSchema):
    versions = fields.List(fields.Nested(VersionSchema), required=True, metadata={"description": "oldest first"})


class UploadSchema(Schema):
    files = fields.List(fields.Raw(metadata={"type": "string", "format": "binary"}), metadata={
        "description": "one or more .bpmn, .dmn or form .json files (any field name is accepted; "
                       "each file keeps its uploaded name)"})


class DeployedVersionSchema(Schema):
    process_id = fields.String(required=True)
    version = fields.Integer(required=True)


class DeployResultSchema(Schema):
    deployed = fields.List(fields.Nested(DeployedVersionSchema), required=True,
                           metadata={"description": "the versions this upload created"})
    unchanged = fields.List(fields.Nested(DeployedVersionSchema), required=True,
                            metadata={"description": "processes of the deployed set that kept their version"})


@blp.route("")
class Definitions(MethodView):
    @blp.response(200, DefinitionSchema(many=True))
    def get(self):
        """Every deployed process with its latest version (anyone signed in)."""
        return engine().reads.definitions()

    @blp.arguments(UploadSchema, location="files")
    @blp.response(201, DeployResultSchema)
    @blp.alt_response(400, response="BAD_REQUEST")
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(413, response="REQUEST_ENTITY_TOO_LARGE")
    def post(self, _upload):
        """Deploy a bundle (process owner). Nothing is deployed unless every file is valid; a 422
        names each problem as "file#element:line". New instances use the newest version."""
        deployed = engine().deploy(_uploaded_files(), g.user.username)
        return {"deployed": [d for d in deployed if d.created], "unchanged": [d for d in deployed if not d.created]}


@blp.route("/<string:process_id>")
class Definition(MethodView):
    @blp.response(200, DefinitionDetailSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, process_id):
        """One process with every version, oldest first."""
        return engine().reads.definition(process_id)


@blp.route("/<string:process_id>/versions/<int:version>/bpmn")
class Bpmn(MethodView):
    @blp.response(200, content_type="application/xml", description="the BPMN XML of that version")
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, process_id, version):
        """The BPMN file a version was deployed from, as XML."""
        if version > MAX_ID:  # no column holds it: it names nothing
            raise NotFound(f"version {version} of process '{process_id}' is not deployed")
        return Response(engine().reads.bpmn(process_id, version), mimetype="application/xml")


def _uploaded_files() -> dict[str, bytes]:
    """Every uploaded file under its own (base) name, whatever the form field is called."""
    files: dict[str, bytes] = {}
    for _field, upload in request.files.items(multi=True):
        name = PurePosixPath((upload.filename or "").replace("\\", "/")).name
        if not name:
            raise BadRequest("every uploaded file needs a file name, e.g. case_audit.bpmn")
        if name in files:
            raise InvalidDefinition(f"{name} is uploaded twice", [
                {"file": name, "element_id": None, "line": None, "message": "uploaded twice"}])
        files[name] = upload.read()
    if not files:
        raise BadRequest("send one or more .bpmn, .dmn or .json files as multipart/form-data")
    return files
