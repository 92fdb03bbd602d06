"""Adding a note to a case, from its page or from one of its tasks' pages (engine/instances/notes.py): the
form posts here, then back to the page it came from (POST-redirect-GET); an empty or too long note
shows that page again with the error and the text typed."""
from flask import Blueprint, flash, redirect, render_template, request, url_for

from doors import caller
from engine.errors import InvalidData, NotFound
from engine.limits import MAX_ID

from . import case_page, tasks
from .page_session import signed_in

blp = Blueprint("web_notes", __name__)
ADDED = "Your note is added. The people this case names are told a note was added, not what it says."


@blp.url_value_preprocessor
def _bounded_id(_endpoint, values) -> None:
    if values and values.get("instance_id", 0) > MAX_ID:
        raise NotFound("no such case")


@blp.post("/instances/<int:instance_id>/notes")
@signed_in
def add(instance_id):
    task_id = request.form.get("task_id") or None
    text = request.form.get("text", "")
    try:
        caller().add_note(instance_id, text, task_id)
    except InvalidData as invalid:
        error = (invalid.errors or {}).get("text", [invalid.detail])[0]
        return _again(instance_id, task_id, error, text)
    flash(ADDED)
    back = (url_for("web_tasks.task", task_id=task_id) if task_id
            else url_for("web_case.case_page", instance_id=instance_id))
    return redirect(f"{back}#case-notes")


def _again(instance_id: int, task_id: str | None, error: str, text: str):
    """The page the note was posted from, once more, with the error and what was typed."""
    if task_id:
        return tasks.task_page(task_id, [("note-text", error)], status=400, note_error=error, note_text=text)
    page = case_page.page_of(caller().case(instance_id, record=False))
    return render_template("cases/case.html", **page, note_error=error, note_text=text), 400
