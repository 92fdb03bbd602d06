"""Starting a process from the pages: the processes the person may start (the same check as
POST /api/process-instances), each with its start form drawn by the task pages' renderer, read back
by the same reader, and started by the same engine call as the API; then the new case's page."""
from flask import Blueprint, g, redirect, render_template, request, url_for

from doors import caller
from engine.errors import InvalidData

from .form_answers import answers, keep_typed, place_errors, shape_shown
from .form_fields import FormModel
from .page_session import signed_in
from .tasks import edit_rows

blp = Blueprint("web_start", __name__)


def may_start_from_pages() -> bool:
    """Whether the menu offers "Start": the person may start a process that has a start form
    (read once per request)."""
    if "startable" not in g:
        g.startable = caller().startable() if g.user else []
    return any(p["start_form"] for p in g.startable)


@blp.get("/start")
@signed_in
def start_list():
    processes = caller().startable()
    return render_template("start/index.html", with_form=[p for p in processes if p["start_form"]],
                           without_form=[p for p in processes if not p["start_form"]])


@blp.get("/start/<process_id>")
@signed_in
def start_page(process_id):
    start = caller().start_form(process_id)
    return _page(start, FormModel(start["form"], start["ui"], start["directory"]).fields({}), [])


@blp.post("/start/<process_id>")
@signed_in
def start(process_id):
    """Start with the answers the page holds; refused answers come back named, kept, nothing started."""
    start = caller().start_form(process_id)
    if not start["start_form"]:
        return _page(start, [], [], status=400)
    model, action, shape = FormModel(start["form"], start["ui"], start["directory"]), request.form.get("action", ""), \
        shape_shown(request.form)
    fields = model.fields({}, shape)
    typed, problems = answers(fields, request.form, everything=True)
    if action.startswith(("add:", "remove:")):
        return _page(start, model.fields(edit_rows(action, typed, shape.rows), shape), [])
    errors = {}
    if not problems:
        try:
            started = caller().start(process_id, answers(fields, request.form)[0])
            return redirect(url_for("web_case.case_page", instance_id=started["id"]))
        except InvalidData as invalid:
            errors = invalid.by_field()
    fields = keep_typed(model.fields(typed, shape), request.form, problems)
    return _page(start, fields, place_errors(fields, errors, problems), status=400)


def _page(start: dict, fields, error_summary, status: int = 200):
    return render_template("start/form.html", start=start, fields=fields, error_summary=error_summary), status
