"""The monthly allocation list from a spreadsheet (issue 22, item 3; R-11). The QA team uploads the
list they keep (CSV or Excel) on the allocation task's page or from /allocations; the rows become
their draft of the task, so the ordinary task form shows them to fix one, and the preview shows
every row as it will start, with its errors and warnings. Confirming completes the task with those
rows, as the task page's "Complete task" does, and the result page lists the case audits started."""
from flask import Blueprint, Response, abort, redirect, render_template, request, url_for

from doors import caller
from engine.allocation.preview import cycle_of
from engine.allocation.sheet import ALLOCATION_FORM, FILE_FIELD, MAX_ROWS, choice_options, read_sheet, sheet_field
from engine.allocation.template import CSV_TYPE, XLSX_TYPE, template_csv, template_xlsx
from engine.errors import InvalidData
from engine.views.case_list import CaseFilter

from .display import case_rows, due
from .form_answers import MAX_ROWS as FORM_ROWS
from .page_session import signed_in

blp = Blueprint("web_allocations", __name__)
ACCEPT = "I have checked these warnings"
STARTED_PROCESS = "case_audit"  # what each allocation starts (processes/audit_cycle.bpmn, send_allocation)


@blp.get("/allocations")
@signed_in
def allocations():
    """The allocation lists waiting for the person: the open allocation tasks they may act on."""
    tasks = [task | {"due": due(task.get("due_at"))["words"]} for task in caller().inbox(form_key=ALLOCATION_FORM)]
    return render_template("allocations/index.html", tasks=tasks)


@blp.get("/allocations/template.<kind>")
@signed_in
def template(kind):
    """The template to fill in, with the columns the upload reads."""
    if kind == "csv":
        return _download(template_csv(), CSV_TYPE, "allocation-list-template.csv")
    if kind == "xlsx":
        return _download(template_xlsx(caller().form_preview(ALLOCATION_FORM)["schema"]), XLSX_TYPE,
                         "allocation-list-template.xlsx")
    abort(404)


@blp.get("/tasks/<task_id>/allocations")
@signed_in
def upload_page(task_id):
    return _upload_page(_sheet_task(task_id), [])


@blp.post("/tasks/<task_id>/allocations")
@signed_in
def upload(task_id):
    """Read the file, keep its rows as the person's draft of the task, and show the preview."""
    detail = _sheet_task(task_id)
    chosen = request.files.get(FILE_FIELD)
    if chosen is None or not chosen.filename:
        return _upload_page(detail, ["Choose the allocation list to upload: a CSV file or an Excel workbook"], 400)
    try:
        sheet = read_sheet(chosen.filename, chosen.read(), detail["form"])
        shown = caller().allocation_preview(task_id, sheet.allocations)
        caller().save_draft(task_id, {sheet_field(detail["form"]): [row.allocation for row in shown["rows"]]})
    except InvalidData as refused:
        return _upload_page(detail, [refused.detail], 422)
    return redirect(url_for("web_allocations.preview", task_id=task_id, ignored=sheet.ignored or None))


@blp.get("/tasks/<task_id>/allocations/preview")
@signed_in
def preview(task_id):
    """The person's draft of the list, row by row as it will start. It changes nothing."""
    rows = _draft_rows(task_id)
    if rows is None:
        return redirect(url_for("web_allocations.upload_page", task_id=task_id))
    return _preview_page(task_id, caller().allocation_preview(task_id, rows))


@blp.post("/tasks/<task_id>/allocations/preview")
@signed_in
def confirm(task_id):
    """Complete the task with the previewed rows: refused while a row has an error, or while there
    are warnings not accepted. The preview is worked out again: the draft or the cases may have moved."""
    rows = _draft_rows(task_id)
    if rows is None:
        return redirect(url_for("web_allocations.upload_page", task_id=task_id))
    shown = caller().allocation_preview(task_id, rows)
    if any(row.errors for row in shown["rows"]):
        return _preview_page(task_id, shown, status=422)
    if any(row.warnings for row in shown["rows"]) and request.form.get("accept_warnings") != "yes":
        return _preview_page(task_id, shown, accept_error="Tick “I have checked these warnings” to start the list "
                                                         "with them, or fix the rows they are about", status=422)
    field = sheet_field(shown["task"]["form"])
    try:
        caller().complete(task_id, {field: [row.allocation for row in shown["rows"]]})
    except InvalidData as refused:  # the form's own check at completion: the same as the task page's
        return _preview_page(task_id, shown, refusal=refused.detail, status=422)
    return redirect(url_for("web_allocations.started", task_id=task_id))


@blp.get("/tasks/<task_id>/allocations/started")
@signed_in
def started(task_id):
    """What the completed list started: the case audits of this cycle month started by the audit
    cycle's instance (its children), as the case list shows them to this person."""
    detail = caller().task(task_id)
    if detail["state"] != "completed":
        return redirect(url_for("web_allocations.preview", task_id=task_id))
    cycle = cycle_of(detail["data"])
    found = caller().cases(CaseFilter(process_id=STARTED_PROCESS, parent_id=detail["instance_id"], cycle=cycle),
                           "oldest", 1, MAX_ROWS)
    listed = len((detail["data"] or {}).get(sheet_field(detail["form"]) or "") or [])
    return render_template("allocations/started.html", task=detail, rows=case_rows(found["items"]),
                           total=found["total"], listed=listed)


# --- helpers ------------------------------------------------------------------------------------

def _sheet_task(task_id: str) -> dict:
    """The task, if its form takes a spreadsheet (`x-sheet`) and it is still to do; else 404."""
    detail = caller().task(task_id)
    if not sheet_field(detail["form"]):
        abort(404)
    if detail["state"] == "completed":
        abort(redirect(url_for("web_allocations.started", task_id=task_id)))
    return detail


def _draft_rows(task_id: str) -> list | None:
    detail = _sheet_task(task_id)
    rows = (detail["draft"] or {}).get(sheet_field(detail["form"]))
    return rows if isinstance(rows, list) and rows else None


def _upload_page(detail: dict, errors: list[str], status: int = 200):
    return render_template("allocations/upload.html", task=detail, errors=errors), status


def _preview_page(task_id: str, shown: dict, accept_error: str | None = None, refusal: str | None = None,
                  status: int = 200):
    form = shown["task"]["form"]
    labels = {field: dict(choice_options(form, field)) for field in ("audit_kind", "previous_grade")}
    labels["team"] = caller().places()["team"]  # the case keeps the team's id; people read its name
    return render_template("allocations/preview.html", task=shown["task"], rows=shown["rows"], labels=labels,
                           cycle=shown["cycle"], accept_error=accept_error, refusal=refusal, accept_label=ACCEPT,
                           ignored=request.args.getlist("ignored"),
                           too_many_for_form=len(shown["rows"]) > FORM_ROWS), status


def _download(content: bytes, mimetype: str, name: str) -> Response:
    return Response(content, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'})
