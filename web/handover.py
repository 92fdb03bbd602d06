"""Handing work over (issue 23, item 2): a manager reassigns a task with a reason; a person, their
manager or an administrator sets an away period with a named cover. The engine checks both
(engine/instances/handover.py, engine/people/away.py); these pages ask, show its refusals beside their fields, and
keep what was typed."""
from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for

from doors import caller
from engine.errors import InvalidData

from .page_session import signed_in

blp = Blueprint("web_handover", __name__)
DATE_PARTS = ("day", "month", "year")


@blp.get("/tasks/<task_id>/reassign")
@signed_in
def reassign_page(task_id):
    return _reassign_page(caller().reassign_form(task_id), {}, {})


@blp.post("/tasks/<task_id>/reassign")
@signed_in
def reassign(task_id):
    typed = {"to": request.form.get("to", ""), "reason": request.form.get("reason", "")}
    asked = caller().reassign_form(task_id)
    try:
        caller().reassign(task_id, typed["to"], typed["reason"])
    except InvalidData as invalid:
        return _reassign_page(asked, typed, invalid.by_field(), status=400)
    flash(f"The task now waits for {dict(asked['choices']).get(typed['to'], typed['to'])}. Both of you are told.")
    return redirect(url_for("web_tasks.task", task_id=task_id))


@blp.get("/away")
@signed_in
def my_away():
    return redirect(url_for("web_handover.away_page", username=caller().user.username))


@blp.get("/people/<username>/away")
@signed_in
def away_page(username):
    return _away_page(caller().away(username), {}, {})


@blp.post("/people/<username>/away")
@signed_in
def mark_away(username):
    typed = {"cover": request.form.get("cover", "")} | {
        f"{field}-{part}": request.form.get(f"{field}-{part}", "").strip()
        for field in ("first_day", "last_day") for part in DATE_PARTS}
    days, errors = {}, {}
    for field, label in (("first_day", "first day"), ("last_day", "last day")):
        days[field] = _date(typed, field)
        if days[field] is None:
            errors[field] = [f"Enter the {label} as a real date, for example 27 3 2027"]
    if not errors:
        try:
            period = caller().mark_away(username, typed["cover"], days["first_day"], days["last_day"])
        except InvalidData as invalid:
            errors = invalid.by_field()
        else:
            flash(f"{period['name']} is away from {_day(period['first_day'])} to {_day(period['last_day'])}; "
                  f"{period['cover_name']} covers.")
            return redirect(url_for("web_handover.away_page", username=username))
    return _away_page(caller().away(username), typed, errors, status=400)


@blp.post("/people/<username>/away/<int:period_id>/cancel")
@signed_in
def cancel_away(username, period_id):
    period = caller().cancel_away(period_id, username)
    flash(f"The away period from {_day(period['first_day'])} to {_day(period['last_day'])} is cancelled.")
    return redirect(url_for("web_handover.away_page", username=username))


def _reassign_page(task: dict, typed: dict, errors: dict, status: int = 200):
    return render_template("handover/reassign.html", task=task, typed=typed, errors=errors,
                           error_summary=_summary(errors, ("to", "reason"))), status


def _away_page(shown: dict, typed: dict, errors: dict, status: int = 200):
    return render_template("handover/away.html", shown=shown, typed=typed, errors=errors, day=_day,
                           error_summary=_summary(errors, ("cover", "first_day", "last_day"))), status


def _summary(errors: dict, order: tuple[str, ...]) -> list[tuple[str, str]]:
    """(field id, message) in the order the page asks; a date's link goes to its day box."""
    first = {"first_day": "first_day-day", "last_day": "last_day-day"}
    return [(first.get(field, field), message) for field in (*order, "") for message in errors.get(field, [])]


def _date(typed: dict, field: str) -> date | None:
    try:
        day, month, year = (int(typed[f"{field}-{part}"]) for part in DATE_PARTS)
        return date(year, month, day) if year >= 1000 else None
    except ValueError:
        return None


def _day(value: date) -> str:
    return f"{value:%A} {value.day} {value:%B %Y}"
