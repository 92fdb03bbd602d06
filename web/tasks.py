"""Staff's daily path: the tasks they may act on, a task's form, saving a draft, completing it."""
from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from doors import caller
from engine.errors import InvalidData
from engine.people.access import manages

from .audit_history import audits_seen
from .display import due, held_in_words, process_names
from .form_answers import answers, keep_typed, place_errors, shape_shown
from .form_context import shown_answers
from .form_fields import FormModel
from .page_session import local_path, signed_in
from .task_filters import PAGE_SIZE, SORTS, list_filters

blp = Blueprint("web_tasks", __name__)


@blp.get("/")
@signed_in
def my_tasks():
    """A page of the tasks the person may act on, urgent first, then soonest due; managers also see
    their teams' (read only). The database filters, sorts and pages them (engine/views/task_list.py)."""
    where, page = list_filters(request.args)
    team = request.args.get("view") == "team" and manages(g.user)
    found = caller().task_page(where, page, PAGE_SIZE, team=bool(team))
    query = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template("tasks/index.html", rows=[_row(task) for task in found["items"]], found=found,
                           last_page=max(1, -(-found["total"] // PAGE_SIZE)), query=query, team=team,
                           manages=manages(g.user), covering=caller().covering_now(), processes=process_names(),
                           filters=request.args, steps=found["steps"], sorts=SORTS)


@blp.post("/tasks/<task_id>/claim")
@signed_in
def claim(task_id):
    caller().claim(task_id)
    flash("You hold this task: nobody else can complete it until you release it.")
    return redirect(local_path(request.form.get("back")) or url_for("web_tasks.task", task_id=task_id))


@blp.post("/tasks/<task_id>/release")
@signed_in
def release(task_id):
    caller().release(task_id)
    flash("You handed the task back: anyone who may act on it can take it.")
    return redirect(local_path(request.form.get("back")) or url_for("web_tasks.my_tasks"))


@blp.get("/tasks/<task_id>")
@signed_in
def task(task_id):
    return task_page(task_id, [])


def task_page(task_id: str, error_summary, status: int = 200, **extra):
    """The task's page as opened (the draft, else the task's data); web/notes.py shows it again with a note's error."""
    detail = caller().task(task_id)
    model = FormModel(detail["form"], detail["ui"], detail["directory"])
    values = detail["draft"] if detail["draft"] is not None else model.prefilled(detail["data"])
    return _task_page(detail, model.fields(values), error_summary, status, **extra)


@blp.post("/tasks/<task_id>")
@signed_in
def answer(task_id):
    """One form, four buttons: complete, save a draft, add a row to a list, remove one. The page is
    read with the form alone; the whole task is read again only to show the page once more."""
    form = caller().task_form(task_id)
    model, action = FormModel(form["form"], form["ui"], form["directory"]), request.form.get("action", "complete")
    shape = shape_shown(request.form)
    fields = model.fields({}, shape)
    typed, problems = answers(fields, request.form, everything=True)  # all of it, for the page and drafts
    if action.startswith(("add:", "remove:")):
        return _task_page(caller().task(task_id), model.fields(edit_rows(action, typed, shape.rows), shape), [])
    if action == "save":
        caller().save_draft(task_id, typed)
        flash("Your answers are saved. They are yours alone until you complete the task.")
        return redirect(url_for("web_tasks.task", task_id=task_id))
    errors = {}
    if not problems:
        try:
            caller().complete(task_id, answers(fields, request.form)[0])
            return redirect(url_for("web_tasks.completed", task_id=task_id))
        except InvalidData as invalid:
            errors = invalid.by_field()
    fields = keep_typed(model.fields(typed, shape), request.form, problems)
    return _task_page(caller().task(task_id), fields, place_errors(fields, errors, problems), status=400)


@blp.get("/tasks/<task_id>/done")
@signed_in
def completed(task_id):
    detail = caller().task(task_id)
    following = [t for t in caller().inbox(instance_id=detail["instance_id"]) if t["id"] != task_id]
    return render_template("tasks/completed.html", task=detail, finished=detail["instance_status"] == "completed",
                           next_task=_row(following[0]) if following else None)


# --- helpers ------------------------------------------------------------------------------------

def _task_page(detail: dict, fields, error_summary, status: int = 200, **extra):
    shown = shown_answers(detail["form"], detail["ui"], detail["data"])
    return render_template("tasks/task.html", task=detail, row=_row(detail), fields=fields, shown=shown,
                           history=audits_seen(detail), error_summary=error_summary, **extra), status


def edit_rows(action: str, data: dict, rows: dict[str, int]) -> dict:
    """Add an empty row to a list, or take one out (its answers with it)."""
    kind, _, target = action.partition(":")
    name, _, index = target.rpartition(":") if kind == "remove" else (target, "", "")
    holder, key = _container(data, name)
    items = list(holder.get(key) or []) if holder is not None else []
    if kind == "add":
        rows[name] = max(rows.get(name, 1), len(items)) + 1
    elif index.isdigit():
        if int(index) < len(items):
            del items[int(index)]
        rows[name] = max(rows.get(name, 1) - 1, 1)
    if holder is not None:
        holder[key] = items
    return data


def _container(data: dict, dotted: str):
    """The dict holding a dotted field, and the field's own key (the dict is made if missing)."""
    *parents, key = dotted.split(".")
    holder = data
    for part in parents:
        holder = holder.setdefault(part, {}) if isinstance(holder, dict) else None
        if holder is None:
            return None, key
    return holder, key


def _row(task: dict) -> dict:
    deadline = due(task.get("due_at"))
    return {"task": task, "due": deadline["words"], "colour": deadline["colour"], "overdue": deadline["overdue"],
            "away": deadline["away"], "held": held_in_words(task)}




