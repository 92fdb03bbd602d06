"""Process definitions: what is deployed, each version's BPMN, and deploying a bundle (process owner)."""
from collections import defaultdict
from pathlib import PurePosixPath

from flask import Response, current_app, g, request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields
from sqlalchemy import select
from sqlalchemy.orm import defer
from werkzeug.exceptions import BadRequest

from engine.errors import InvalidDefinition, NotFound
from engine.models import DefinitionFile, ProcessVersion
from engine.store import dao_get_process_version

from .policy import require
from .schemas import MAX_ID

blp = Blueprint("definitions", __name__, url_prefix="/api/process-definitions",
                description="Deployed processes and their versions; deploying BPMN, DMN and form files")

# policy is changed by process owners only (administrators manage accounts, not policy).
DEPLOYERS = ("process_owner",)


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
        with current_app.extensions["qa_engine"].db.transaction() as session:
            return [_definition(versions) for versions in _versions_by_process(session).values()]

    @blp.arguments(UploadSchema, location="files")
    @blp.response(201, DeployResultSchema)
    @blp.alt_response(400, response="BAD_REQUEST")
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(413, response="REQUEST_ENTITY_TOO_LARGE")
    def post(self, _upload):
        """Deploy a bundle (process owner). Nothing is deployed unless every file is valid; a 422
        names each problem as "file#element:line". New instances use the newest version."""
        deployed = current_app.extensions["qa_engine"].deploy(_uploaded_files(), g.user.username)
        return {"deployed": [d for d in deployed if d.created], "unchanged": [d for d in deployed if not d.created]}


@blp.route("/<string:process_id>")
class Definition(MethodView):
    @blp.response(200, DefinitionDetailSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, process_id):
        """One process with every version, oldest first."""
        with current_app.extensions["qa_engine"].db.transaction() as session:
            versions = _versions_by_process(session, process_id).get(process_id)
            if not versions:
                raise NotFound(f"process '{process_id}' is not deployed")
            files = dict(session.execute(select(DefinitionFile.id, DefinitionFile.file_name).where(
                DefinitionFile.id.in_({v.bpmn_file_id for v in versions}))).all())
            return _definition(versions) | {"versions": [_version(v, files[v.bpmn_file_id]) for v in versions]}


@blp.route("/<string:process_id>/versions/<int:version>/bpmn")
class Bpmn(MethodView):
    @blp.response(200, content_type="application/xml", description="the BPMN XML of that version")
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, process_id, version):
        """The BPMN file a version was deployed from, as XML."""
        if version > MAX_ID:  # no column holds it: it names nothing
            raise NotFound(f"version {version} of process '{process_id}' is not deployed")
        with current_app.extensions["qa_engine"].db.transaction() as session:
            row = dao_get_process_version(session, process_id, version)
            content = session.get(DefinitionFile, row.bpmn_file_id).content
        return Response(content, mimetype="application/xml")


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
    _require_utf8(files)
    return files


def _require_utf8(files: dict[str, bytes]) -> None:
    """Definitions are stored as UTF-8 text: refuse other encodings here, naming file and line."""
    problems = []
    for name, content in files.items():
        try:
            content.decode("utf-8")
        except UnicodeDecodeError as error:
            problems.append({"file": name, "element_id": None, "line": content[:error.start].count(b"\n") + 1,
                             "message": "not UTF-8 text (save the file as UTF-8)"})
    if problems:
        raise InvalidDefinition(f"{problems[0]['file']} is not UTF-8 text", problems)


def _versions_by_process(session, process_id: str | None = None) -> dict[str, list[ProcessVersion]]:
    query = select(ProcessVersion).options(defer(ProcessVersion.specs)).order_by(
        ProcessVersion.process_id, ProcessVersion.version)
    if process_id is not None:
        query = query.where(ProcessVersion.process_id == process_id)
    grouped: dict[str, list[ProcessVersion]] = defaultdict(list)
    for row in session.scalars(query):
        grouped[row.process_id].append(row)
    return grouped


def _definition(versions: list[ProcessVersion]) -> dict:
    latest = versions[-1]
    return {"process_id": latest.process_id, "name": latest.name, "latest_version": latest.version,
            "deployed_at": latest.deployed_at, "deployed_by": latest.deployed_by}


def _version(row: ProcessVersion, bpmn_file: str) -> dict:
    return {"version": row.version, "name": row.name, "deployed_at": row.deployed_at,
            "deployed_by": row.deployed_by, "bpmn_file": bpmn_file,
            "starter_roles": row.starter_roles, "forms": sorted(row.forms)}
