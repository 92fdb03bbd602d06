"""Raising a child-safety concern at any step of an audit (R-40): from every task page of the audit
and from its case page, a form that asks only for the concern (forms/child_safety_concern.json, the
message the diagram catches), then a confirmation of who was alerted and by when they must respond."""
from flask import Blueprint, redirect, render_template, request, url_for

from doors import caller
from engine.errors import InvalidData

from .display import due
from .form_answers import answers, keep_typed, place_errors, shape_shown
from .form_fields import FormModel
from .page_session import local_path, signed_in

blp = Blueprint("web_concern", __name__)


@blp.get("/instances/<int:instance_id>/concern")
@signed_in
def concern(instance_id):
    asked = caller().concern_form(instance_id)
    return _form_page(asked, FormModel(asked["form"], asked["ui"]).fields({}), [])


@blp.post("/instances/<int:instance_id>/concern")
@signed_in
def raise_concern(instance_id):
    asked = caller().concern_form(instance_id)
    model, shape = FormModel(asked["form"], asked["ui"]), shape_shown(request.form)
    fields = model.fields({}, shape)
    typed, problems = answers(fields, request.form, everything=True)
    errors = {}
    if not problems:
        try:
            raised = caller().raise_concern(instance_id, answers(fields, request.form)[0])
            [alert] = raised["alerts"]  # the diagram starts one alert per concern
            return redirect(url_for("web_concern.raised", alert_id=alert["instance_id"], back=request.form.get("back")))
        except InvalidData as invalid:
            errors = invalid.by_field()
    fields = keep_typed(model.fields(typed, shape), request.form, problems)
    return _form_page(asked, fields, place_errors(fields, errors, problems), status=400)


@blp.get("/instances/<int:alert_id>/raised")
@signed_in
def raised(alert_id):
    alert = caller().alert_summary(alert_id)
    steps = [step | {"due": due(step["due_at"])} for step in alert["steps"]]
    return render_template("cases/concern_raised.html", alert=alert, steps=steps,
                           back=local_path(request.args.get("back")))


def _form_page(asked: dict, fields, error_summary, status: int = 200):
    return render_template("cases/concern.html", asked=asked, fields=fields, error_summary=error_summary,
                           back=local_path(request.values.get("back"))), status
