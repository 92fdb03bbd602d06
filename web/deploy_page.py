"""Process owners change policy (R-01): upload changed files (the way without JavaScript), or edit a
diagram or decision table in the browser; either way the files are checked as a deploy checks
them, the changes against what runs are shown, and deploying takes a change note. Others get 403."""
from functools import wraps
from pathlib import PurePosixPath

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for

from doors import caller, require
from engine.errors import InvalidDefinition
from engine.limits import MAX_NOTE
from engine.people.access import DEPLOYERS

from .display import process_names
from .form_fields import FormModel
from .page_session import signed_in

blp = Blueprint("web_deploy", __name__)


def process_owners(view):
    """After signed_in: 403 (a page) for anyone who is not a process owner."""
    @wraps(view)
    def guarded(*args, **kwargs):
        require(*DEPLOYERS)
        return view(*args, **kwargs)
    return guarded


@blp.get("/definitions/deploy")
@signed_in
@process_owners
def upload():
    return render_template("definitions/upload.html", problems=[])


@blp.post("/definitions/deploy/check")
@signed_in
@process_owners
def check():
    """Validate what was uploaded (or sent by the modeller); if it passes, show what changes and ask for a note."""
    files = carried_files()
    if not files:
        return refused([{"file": "", "element_id": None, "line": None,
                          "message": "Choose one or more .bpmn, .dmn or .json files to upload"}])
    try:
        checked = caller().validate(files)
    except InvalidDefinition as invalid:
        return refused(invalid.errors or [{"file": "", "element_id": None, "line": None, "message": invalid.detail}])
    return review(files, checked)


@blp.post("/definitions/deploy")
@signed_in
@process_owners
def deploy():
    files, note = carried_files(), request.form.get("note", "").strip()
    if not note or len(note) > MAX_NOTE:
        error = "Write a short change note: what changes and why" if not note else \
            f"The change note must be {MAX_NOTE} characters or fewer"
        return review(files, caller().validate(files), note_error=error, note=note)
    deployed = [d for d in caller().deploy(files, note) if d.created]
    if not deployed:
        flash("Nothing the engine runs changed, so no new version was made.")
        return redirect(url_for("web_definitions.definitions"))
    flash("Deployed " + ", ".join(f"{d.process_id} version {d.version}" for d in deployed) + ".")
    return redirect(url_for("web_definitions.history", process_id=deployed[0].process_id))


@blp.post("/definitions/validate")
@signed_in
@process_owners
def validate():
    """For the modeller: the same checks, as JSON ({"valid": true} or 422 with the problems)."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("files"), dict):
        abort(400, 'send {"files": {"<file name>": "<content>"}}')
    files = {_base_name(name): str(content).encode() for name, content in body["files"].items()}
    try:
        checked = caller().validate(files)
    except InvalidDefinition as invalid:
        return jsonify(valid=False, problems=invalid.errors or [], detail=invalid.detail), 422
    return jsonify(valid=True, would_deploy=[d.__dict__ for d in checked["would_deploy"]])


@blp.get("/definitions/<process_id>/edit")
@signed_in
@process_owners
def edit(process_id):
    return render_template("definitions/modeller.html", editing=caller().editing(process_id), kind="bpmn")


@blp.get("/definitions/files/<file_name>/edit")
@signed_in
@process_owners
def edit_file(file_name):
    editing = caller().editing_file(file_name)
    return render_template("definitions/modeller.html", editing=editing | {"xml": editing["content"]}, kind="dmn")


def carried_files() -> dict[str, bytes]:
    """Uploaded files, or the files a review page or the modeller carries (file_name, file_content pairs)."""
    files = {_base_name(u.filename or ""): u.read() for _, u in request.files.items(multi=True) if u.filename}
    carried = zip(request.form.getlist("file_name"), request.form.getlist("file_content"), strict=False)
    files |= {_base_name(name): content.replace("\r\n", "\n").encode() for name, content in carried if name}
    return {name: content for name, content in files.items() if name}


def _base_name(name: str) -> str:
    return PurePosixPath(name.replace("\\", "/")).name


def refused(problems: list[dict]):
    return render_template("definitions/upload.html", problems=problems), 422


def review(files: dict[str, bytes], checked: dict, note_error: str | None = None, note: str = "",
           replay_error: tuple[str, str] | None = None):
    """The review page; `replay_error` (process id, message) when a replay was asked for wrongly."""
    diffs = caller().upload_diff(files)
    forms = []
    for name in sorted(n for n in files if n.endswith(".json") and not n.endswith((".ui.json", ".defs.json"))):
        form = caller().form_preview(name[:-5], files)
        forms.append({"key": name[:-5], "fields": FormModel(form["schema"], form["ui"]).fields({})})
    return render_template("definitions/review.html", files={n: c.decode() for n, c in files.items()},
                           checked=checked, diffs=diffs, forms=forms, note=note, note_error=note_error,
                           replayable=_replayable(checked),
                           replay_error=replay_error), 400 if note_error or replay_error else 200


def _replayable(checked: dict) -> list[dict]:
    """The processes the change makes a new version of that have past cases: those can be replayed."""
    names, counts = process_names(), caller().past_cases([d.process_id for d in checked["would_deploy"]])
    return [{"process_id": d.process_id, "name": names.get(d.process_id, d.process_id), "cases": counts[d.process_id]}
            for d in checked["would_deploy"] if counts.get(d.process_id)]
