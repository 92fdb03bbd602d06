"""What is deployed, for everyone signed in: every process with its versions (who deployed them,
when, why, how many instances run on each), every decision table and form with theirs, any
version to download, what a version changed, and a form as staff will see it."""
from flask import Blueprint, Response, g, render_template

from doors import caller
from engine.errors import NotFound
from engine.limits import MAX_ID
from engine.people.access import DEPLOYERS

from .form_fields import FormModel
from .page_session import signed_in

blp = Blueprint("web_definitions", __name__)
KIND_NAMES = {"dmn": "Decision table", "form": "Form", "defs": "Shared form definitions"}


@blp.url_value_preprocessor
def _bounded_numbers(_endpoint, values) -> None:
    if values and max(values.get("version", 0), values.get("number", 0)) > MAX_ID:
        raise NotFound("no such version")


@blp.get("/definitions")
@signed_in
def definitions():
    processes = caller().definitions()
    files = caller().definition_files()
    return render_template("definitions/index.html", processes=processes, kind_names=KIND_NAMES,
                           tables=[f for f in files if f["kind"] == "dmn"],
                           forms=[f for f in files if f["kind"] != "dmn"])


@blp.get("/definitions/<process_id>")
@signed_in
def history(process_id):
    definition = caller().definition(process_id)
    older_running = sum(v["running_instances"] for v in definition["versions"][:-1])
    return render_template("definitions/history.html", definition=definition, older_running=older_running,
                           replays=_replays_by_version(definition) if g.user.has(*DEPLOYERS) else {})


def _replays_by_version(definition: dict) -> dict[int, list[dict]]:
    """The replays run (before deploying, issue 29) on the files each version was deployed from, newest first."""
    found = {v["version"]: caller().replay_runs(definition["process_id"], bundle_hash=v["content_hash"])
             for v in definition["versions"]}
    return {version: runs for version, runs in found.items() if runs}


@blp.get("/definitions/<process_id>/versions/<int:version>/download")
@signed_in
def download(process_id, version):
    return _attachment(caller().bpmn(process_id, version), f"{process_id}-version-{version}.bpmn")


@blp.get("/definitions/<process_id>/versions/<int:version>/changes")
@signed_in
def changes(process_id, version):
    diff = caller().version_diff(process_id, version)
    return render_template("definitions/changes.html", diff=diff, definition=caller().definition(process_id))


@blp.get("/definitions/files/<file_name>")
@signed_in
def file_history(file_name):
    found = [f for f in caller().definition_files() if f["file_name"] == file_name]
    if not found:
        raise NotFound(f"{file_name} is not deployed")
    return render_template("definitions/file.html", file=found[0], kind_names=KIND_NAMES)


@blp.get("/definitions/files/<file_name>/<int:number>/download")
@signed_in
def download_file(file_name, number):
    found = caller().definition_file(file_name, number)
    stem, extension = file_name.rsplit('.', 1)
    return _attachment(found["content"], f"{stem}-version-{number}.{extension}")


@blp.get("/definitions/forms/<key>")
@signed_in
def form_preview(key):
    form = caller().form_preview(key)
    return render_template("definitions/form_preview.html", key=key,
                           fields=FormModel(form["schema"], form["ui"]).fields({}), schema=form["schema"])


def _attachment(content: str, file_name: str) -> Response:
    return Response(content, mimetype="application/xml" if not file_name.endswith(".json") else "application/json",
                    headers={"Content-Disposition": f'attachment; filename="{file_name}"'})
