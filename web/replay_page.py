"""What would this change have done? (issue 29) From the review page a process owner replays the
last 3, 6 or 12 months of a process's cases on the files being reviewed; the worker runs it in the
background and the run's page shows its progress (a Refresh link; a script, when it runs, polls the
page instead of a <meta> refresh, which moves a reader's place: WCAG 2.2.1), lets it be cancelled,
then compares the recorded cases with the replayed ones and carries the same files on to the review
and deploy. Others get 403."""
from flask import Blueprint, redirect, render_template, request, url_for

from doors import caller
from engine.errors import InvalidDefinition, NotFound
from engine.limits import MAX_ID

from . import replay_view
from .deploy_page import carried_files, process_owners, refused, review
from .page_session import signed_in

blp = Blueprint("web_replay", __name__)
MONTHS = (3, 6, 12)
UNFINISHED = ("queued", "running")


@blp.url_value_preprocessor
def _bounded_id(_endpoint, values) -> None:
    if values and values.get("run_id", 0) > MAX_ID:
        raise NotFound("no such replay")


@blp.post("/definitions/<process_id>/replays")
@signed_in
@process_owners
def request_replay(process_id):
    """Queue a replay of the files the review page carries; 303 to its page."""
    files = carried_files()
    months = request.form.get(f"months-{process_id}", "")
    if not months.isdigit() or int(months) not in MONTHS:
        return review(files, caller().validate(files),
                      replay_error=(process_id, "Choose how many months of past cases to replay: 3, 6 or 12"))
    try:
        run = caller().request_replay(files, process_id, months=int(months))
    except InvalidDefinition as invalid:
        return refused(invalid.errors or [{"file": "", "element_id": None, "line": None, "message": invalid.detail}])
    return redirect(url_for("web_replay.run", process_id=process_id, run_id=run["id"]), 303)



@blp.get("/definitions/<process_id>/replays/<int:run_id>")
@signed_in
@process_owners
def run(process_id, run_id):
    found = _run_of(process_id, run_id)
    shown = {"run": found, "unfinished": found["status"] in UNFINISHED, "definition": caller().definition(process_id)}
    result = found["result"]
    if result:
        files = caller().replay_bundle(run_id)
        names = caller().element_names(files)
        shown |= {"files": {name: content.decode() for name, content in files.items()},
                  "tables": replay_view.comparison(result),
                  "diverged": replay_view.stopped(result["diverged"], names),
                  "failed": replay_view.stopped(result["failed"], names),
                  "path_changes": replay_view.path_changes(result["path_changes"], names)}
    return render_template("definitions/replay.html", **shown)


@blp.post("/definitions/<process_id>/replays/<int:run_id>/cancel")
@signed_in
@process_owners
def cancel(process_id, run_id):
    _run_of(process_id, run_id)
    caller().cancel_replay(run_id)
    return redirect(url_for("web_replay.run", process_id=process_id, run_id=run_id), 303)


def _run_of(process_id: str, run_id: int) -> dict:
    found = caller().replay_run(run_id)
    if found["process_id"] != process_id:
        raise NotFound(f"replay {run_id} is not of process '{process_id}'")
    return found
