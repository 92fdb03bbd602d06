"""Process definitions: what is deployed, each version's BPMN, and deploying a bundle (process owner)."""
from pathlib import PurePosixPath

from flask import Response, request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from werkzeug.exceptions import BadRequest

from doors import caller, require
from engine.errors import InvalidDefinition, NotFound
from engine.limits import MAX_ID, MAX_NOTE
from engine.people.access import DEPLOYERS

blp = Blueprint("definitions", __name__, url_prefix="/api/process-definitions",
                description="Deployed processes and their versions; deploying BPMN, DMN and form files")



@blp.before_request
def deployers_only():
    """Deploying (and validating, and diffing an upload) is for process owners: 403 before the
    upload is parsed. Migrating is the migrators' (engine/caller/ checks it)."""
    if request.method == "POST" and not request.path.endswith(("/migration-preview", "/migrate")):
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
    change_note = fields.String(allow_none=True, metadata={"description": "what the process owner said changed"})
    running_instances = fields.Integer(required=True, metadata={"description": "its instances that have not ended"})


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


class DeployUploadSchema(UploadSchema):
    note = fields.String(metadata={"description": f"the change note the new versions keep (at most {MAX_NOTE} "
                                                  "characters)"})


class DeployedVersionSchema(Schema):
    process_id = fields.String(required=True)
    version = fields.Integer(required=True)


class DeployResultSchema(Schema):
    deployed = fields.List(fields.Nested(DeployedVersionSchema), required=True,
                           metadata={"description": "the versions this upload created"})
    unchanged = fields.List(fields.Nested(DeployedVersionSchema), required=True,
                            metadata={"description": "processes of the deployed set that kept their version"})


class ValidationSchema(Schema):
    valid = fields.Boolean(required=True)
    would_deploy = fields.List(fields.Nested(DeployedVersionSchema), required=True,
                               metadata={"description": "the versions a deploy of this bundle would create"})
    unchanged = fields.List(fields.Nested(DeployedVersionSchema), required=True)


class ElementSchema(Schema):
    id = fields.String(required=True)
    kind = fields.String(required=True, metadata={"description": "the BPMN or DMN element type, e.g. userTask"})
    label = fields.String(required=True, metadata={"description": "how a person knows it"})


class ChangedElementSchema(ElementSchema):
    changes = fields.List(fields.String(), required=True, metadata={
        "description": 'e.g. "timer on Quality assure the audit report: add_working_days(now(), 1) → '
                       'add_working_days(now(), 2)"'})


class DiffSchema(Schema):
    added = fields.List(fields.Nested(ElementSchema), required=True)
    removed = fields.List(fields.Nested(ElementSchema), required=True)
    changed = fields.List(fields.Nested(ChangedElementSchema), required=True)


class FileDiffSchema(DiffSchema):
    file_name = fields.String(required=True)
    deployed = fields.Boolean(required=True, metadata={"description": "whether a file of this name is deployed"})


class VersionDiffSchema(DiffSchema):
    process_id = fields.String(required=True)
    version = fields.Integer(required=True)
    against = fields.Integer(allow_none=True, metadata={"description": "the version compared with; null: none"})


class DiffQuery(Schema):
    against = fields.Integer(validate=validate.Range(min=1), metadata={"description": "default: the one before"})


class PreviewRequest(Schema):
    version = fields.Integer(validate=validate.Range(min=1, max=MAX_ID),
                             metadata={"description": "the version to move to; default the newest"})


class PreviewInstanceSchema(Schema):
    id = fields.Integer(required=True)
    case_ref = fields.String(allow_none=True)
    version = fields.Integer(required=True)
    status = fields.String(required=True)
    ready_tasks = fields.List(fields.String(), required=True)
    movable = fields.Boolean(required=True)
    reasons = fields.List(fields.String(), required=True, metadata={"description": "why not, when it cannot move"})


class MigrationPreviewSchema(Schema):
    process_id = fields.String(required=True)
    version = fields.Integer(required=True)
    instances = fields.List(fields.Nested(PreviewInstanceSchema), required=True)


class BulkMigrateRequest(Schema):
    version = fields.Integer(required=True, validate=validate.Range(min=1, max=MAX_ID))
    instance_ids = fields.List(fields.Integer(validate=validate.Range(min=1, max=MAX_ID)), required=True,
                               validate=validate.Length(min=1, max=1000))


class MigrateResultSchema(Schema):
    id = fields.Integer(required=True)
    moved = fields.Boolean(required=True)
    reason = fields.String(allow_none=True)


class BulkMigrateSchema(Schema):
    process_id = fields.String(required=True)
    version = fields.Integer(required=True)
    results = fields.List(fields.Nested(MigrateResultSchema), required=True)


@blp.route("")
class Definitions(MethodView):
    @blp.response(200, DefinitionSchema(many=True))
    def get(self):
        """Every deployed process with its latest version (anyone signed in)."""
        return caller().definitions()

    @blp.arguments(DeployUploadSchema, location="files")
    @blp.response(201, DeployResultSchema)
    @blp.alt_response(400, response="BAD_REQUEST")
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(413, response="REQUEST_ENTITY_TOO_LARGE")
    def post(self, _upload):
        """Deploy a bundle (process owner). Nothing is deployed unless every file is valid; a 422
        names each problem as "file#element:line". New instances use the newest version."""
        deployed = caller().deploy(_uploaded_files(), change_note(request.form.get("note")))
        return {"deployed": [d for d in deployed if d.created], "unchanged": [d for d in deployed if not d.created]}


@blp.route("/validate")
class Validate(MethodView):
    @blp.arguments(UploadSchema, location="files")
    @blp.response(200, ValidationSchema)
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
    def post(self, _upload):
        """Run every check of a deploy on a bundle and store nothing (process owner): 200 with the
        versions a deploy would create, or 422 naming each problem (file, element_id, line, message)."""
        return caller().validate(_uploaded_files())


@blp.route("/diff")
class UploadDiff(MethodView):
    @blp.arguments(UploadSchema, location="files")
    @blp.response(200, FileDiffSchema(many=True))
    @blp.alt_response(403, response="FORBIDDEN")
    def post(self, _upload):
        """What each uploaded .bpmn or .dmn file changes against the deployed file of its name
        (process owner): elements added, removed and changed, each change in words."""
        return caller().upload_diff(_uploaded_files())


@blp.route("/<string:process_id>")
class Definition(MethodView):
    @blp.response(200, DefinitionDetailSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, process_id):
        """One process with every version, oldest first."""
        return caller().definition(process_id)


@blp.route("/<string:process_id>/versions/<int:version>/bpmn")
class Bpmn(MethodView):
    @blp.response(200, content_type="application/xml", description="the BPMN XML of that version")
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, process_id, version):
        """The BPMN file a version was deployed from, as XML."""
        if version > MAX_ID:  # no column holds it: it names nothing
            raise NotFound(f"version {version} of process '{process_id}' is not deployed")
        return Response(caller().bpmn(process_id, version), mimetype="application/xml")


@blp.route("/<string:process_id>/versions/<int:version>/diff")
class VersionDiff(MethodView):
    @blp.arguments(DiffQuery, location="query")
    @blp.response(200, VersionDiffSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, query, process_id, version):
        """What a version changed against another (by default the one before it)."""
        if version > MAX_ID or (query.get("against") or 0) > MAX_ID:
            raise NotFound(f"version {version} of process '{process_id}' is not deployed")
        return caller().version_diff(process_id, version, query.get("against"))


@blp.route("/<string:process_id>/migration-preview")
class MigrationPreview(MethodView):
    @blp.arguments(PreviewRequest)
    @blp.response(200, MigrationPreviewSchema)
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(404, response="NOT_FOUND")
    def post(self, body, process_id):
        """The instances of older versions that have not ended, each marked movable to the version
        (default the newest) or not, with the reasons (admin, process_owner). Changes nothing."""
        return caller().migration_preview(process_id, body.get("version"))


@blp.route("/<string:process_id>/migrate")
class BulkMigrate(MethodView):
    @blp.arguments(BulkMigrateRequest)
    @blp.response(200, BulkMigrateSchema)
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(404, response="NOT_FOUND")
    def post(self, body, process_id):
        """Move the instances to the version, each in its own transaction and recorded in its history
        (admin, process_owner); one that cannot move stays, with the reason."""
        return caller().migrate_many(process_id, body["version"], body["instance_ids"])


def change_note(note: str | None) -> str | None:
    """A change note as stored: trimmed, none when blank; 400 when too long."""
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise BadRequest(f"the change note is {len(note)} characters; at most {MAX_NOTE}")
    return note or None


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
