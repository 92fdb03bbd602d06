"""Acting on several tasks at once (issue 23, item 6): claim the selected tasks of My tasks, or
reassign the selected tasks of My teams' tasks to one person with one reason. Each task is its own
transaction through the same engine verb as one task, so one refusal does not undo the others;
the page lists what happened to each."""
from flask import Blueprint, flash, redirect, render_template, request, url_for

from doors import caller
from engine.errors import EngineError, InvalidData

from .page_session import local_path, signed_in

blp = Blueprint("web_bulk", __name__)
MOST = 50  # tasks in one go: a page of a list, not a whole service


@blp.post("/tasks/selected")
@signed_in
def selected():
    ids, back = _selected(), local_path(request.form.get("back")) or url_for("web_tasks.my_tasks")
    if not ids:
        flash("Select at least one task first.")
        return redirect(back)
    if request.form.get("action") == "reassign":
        return _reassign_page(ids, back, {}, {})
    return _results("Claim the selected tasks", [_attempt(task_id, caller().claim, "Claimed") for task_id in ids], back)


@blp.post("/tasks/selected/reassign")
@signed_in
def reassign_selected():
    ids, back = _selected(), local_path(request.form.get("back")) or url_for("web_tasks.my_tasks", view="team")
    typed = {"to": request.form.get("to", ""), "reason": request.form.get("reason", "")}
    errors = {}
    if not typed["to"]:
        errors["to"] = ["Select who should do the tasks"]
    if not typed["reason"].strip():
        errors["reason"] = ["Enter why the tasks are reassigned"]
    if errors or not ids:
        return _reassign_page(ids, back, typed, errors, status=400)
    done = [_attempt(task_id, lambda task_id: caller().reassign(task_id, typed["to"], typed["reason"]), "Reassigned")
            for task_id in ids]
    return _results("Reassign the selected tasks", done, back)


def _selected() -> list[str]:
    return list(dict.fromkeys(request.form.getlist("task")))[:MOST]


def _attempt(task_id: str, verb, success: str) -> dict:
    """One task's outcome in words: its own transaction, its refusal named."""
    try:
        verb(task_id)
        outcome, ok = success, True
    except InvalidData as invalid:
        outcome, ok = " ".join(m for messages in invalid.by_field().values() for m in messages), False
    except EngineError as refused:
        outcome, ok = refused.detail, False
    task = _describe(task_id)
    if not ok and task.get("held_by"):
        outcome = f"Held by {task['held_by']}: nobody else can take it until they hand it back"
    return {"task": task, "outcome": outcome, "ok": ok}


def _describe(task_id: str) -> dict:
    try:
        return caller().task_summary(task_id)
    except EngineError:
        return {"id": task_id, "name": "A task you cannot see", "case_ref": None}


def _reassign_page(ids: list[str], back: str, typed: dict, errors: dict, status: int = 200):
    forms = []
    for task_id in ids:
        try:
            forms.append(caller().reassign_form(task_id))
        except EngineError:
            pass  # not the person's to reassign: left out, and the page says how many
    common = [pair for pair in forms[0]["choices"] if all(pair in f["choices"] for f in forms[1:])] if forms else []
    summary = [(field, message) for field in ("to", "reason") for message in errors.get(field, [])]
    return render_template("handover/reassign_many.html", tasks=forms, left_out=len(ids) - len(forms),
                           choices=common, typed=typed, errors=errors, error_summary=summary, back=back), status


def _results(title: str, results: list[dict], back: str):
    return render_template("handover/results.html", title=title, results=results, back=back)
