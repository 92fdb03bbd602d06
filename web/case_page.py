"""One case as auditors and the QA team inspect it (R-80): where it stands (the live diagram and
its text equivalent), what is due, who did what, and the operators' actions behind a confirmation
page. The link in every notification opens it. Opening it is recorded as a view; an open page
polls a small JSON answer and refreshes its parts when the case changes."""
from flask import Blueprint, Response, abort, flash, jsonify, redirect, render_template, request, url_for

from doors import caller
from engine.errors import Conflict, InvalidData, NotFound
from engine.limits import MAX_ID
from engine.workflow_engine import STATUS_CHANGES

from .audit_history import audits_listed, audits_seen
from .display import due, held_in_words, holder, process_names, role_label
from .page_session import signed_in
from .timeline import CaseWords, timeline, viewers

blp = Blueprint("web_case", __name__)

ACTIONS = {  # action → (new status, the verb as the page says it, who may: "operate" or "retry")
    "suspend": ("suspended", "Suspend", "operate"),
    "resume": ("running", "Resume", "operate"),
    "terminate": ("terminated", "End", "operate"),
    "retry": (None, "Retry", "retry"),
}
ALLOWED_FROM = {action: STATUS_CHANGES[status][0] if status else ("error",)
                for action, (status, _, _) in ACTIONS.items()}  # the statuses each action is offered in


@blp.url_value_preprocessor
def _bounded_id(_endpoint, values) -> None:
    if values and values.get("instance_id", 0) > MAX_ID:
        raise NotFound("no such case")


@blp.get("/instances/<int:instance_id>")
@signed_in
def case_page(instance_id):
    return render_template("cases/case.html", **_page(caller().case(instance_id)))


@blp.get("/instances/<int:instance_id>/live")
@signed_in
def live(instance_id):
    """The same page, not recorded as a view: an open page takes its changed parts from it."""
    return render_template("cases/case.html", **_page(caller().case(instance_id, record=False)))


@blp.get("/instances/<int:instance_id>/changes")
@signed_in
def changes(instance_id):
    return jsonify(change=caller().change(instance_id))


@blp.get("/instances/<int:instance_id>/diagram.bpmn")
@signed_in
def diagram(instance_id):
    xml = caller().diagram(instance_id, request.args.get("process") or None)
    return Response(xml, mimetype="application/xml")


@blp.route("/instances/<int:instance_id>/<action>", methods=("GET", "POST"))
@signed_in
def act(instance_id, action):
    """Suspend, resume, end or retry: a confirmation page (with a reason, except for a retry),
    then the action, recorded in the history."""
    if action not in ACTIONS:
        abort(404)
    status, verb, right = ACTIONS[action]
    case = caller().case(instance_id, record=False)
    if not case["may"][right]:
        abort(403)
    if case["status"] not in ALLOWED_FROM[action]:
        raise Conflict(f"the case is {case['status']} now, and {verb.lower()} is not open to it")
    reason = request.form.get("reason", "").strip()
    error = None
    if request.method == "POST":
        if action == "retry":
            caller().retry(instance_id)
            return _done(instance_id, "The step that failed was run again.")
        if not reason:
            error = "Enter the reason: it is kept in the case's history"
        elif len(reason) > 2000:
            error = "The reason must be 2,000 characters or fewer"
        else:
            try:
                caller().set_status(instance_id, status, reason)
            except InvalidData as invalid:
                error = invalid.detail
            else:
                return _done(instance_id, f"{verb}: done. The reason is in the case's history.")
    return render_template("cases/confirm.html", case=case, action=action, verb=verb, reason=reason,
                           error=error), 400 if error else 200


def _done(instance_id: int, message: str):
    flash(message)
    return redirect(url_for("web_case.case_page", instance_id=instance_id))


def _page(case: dict) -> dict:
    names, steps = case["names"], case["element_names"]
    open_tasks = [t for t in case["tasks"] if t["state"] == "ready"]
    return {"case": case, "open_tasks": [_open(t, names) for t in open_tasks],
            "done_tasks": [t for t in case["tasks"] if t["state"] == "completed"],
            "timers": [t | {"step": steps.get(t["element_id"], t["name"] or t["element_id"]), "due": due(t["due_at"])}
                       for t in case["timers"]],
            "next_deadline": due(min((t["due_at"] for t in open_tasks if t["due_at"]), default=None)),
            "timeline": timeline(case["history"], _words(case)),
            "viewers": viewers(case["history"], names) if case["may"]["see_viewers"] else None,
            "diagrams": _diagrams(case, names), "actions": _actions(case), "processes": process_names(),
            "history": audits_seen(case), "earlier_audits": audits_listed(case["earlier_audits"])}


page_of = _page  # web/notes.py shows the page again with a note's error


def _words(case: dict) -> CaseWords:
    return CaseWords(case["names"], case["element_names"], process_names(), case["forms"], case["element_forms"],
                     case["start_form"], case["field_titles"], case["value_titles"])


def _open(task: dict, names: dict) -> dict:
    return task | {"holder": holder(task, names), "held": held_in_words(task), "due": due(task["due_at"]),
                   "role_label": role_label(task["role"])}


def _actions(case: dict) -> list[dict]:
    return [{"action": action, "verb": verb} for action, (_, verb, right) in ACTIONS.items()
            if case["may"][right] and case["status"] in ALLOWED_FROM[action]]


def _diagrams(case: dict, names: dict) -> list[dict]:
    """Each drawn process with its element states and the badges its elements carry (in words:
    a colour is never the only sign)."""
    tasks = {t["id"]: t for t in case["tasks"]}
    error = case["error"] or {}
    drawn = []
    for process_id, state in case["diagram"].items():
        badges: dict[str, list[dict]] = {}
        for element, task_ids in state["ready"].items():
            for task_id in task_ids:
                if task_id in tasks:
                    badges.setdefault(element, []).append(
                        {"kind": "ready", "text": f"Ready, {holder(tasks[task_id], names)}"})
        for element, due_at in state["timers"].items():
            badges.setdefault(element, []).append({"kind": "timer", "text": due(due_at)["words"]})
        if error.get("element_id") in state["elements"]:
            badges.setdefault(error["element_id"], []).append({"kind": "error", "text": "Stopped here with an error"})
        for child in case["children"]:
            if child["element_id"] in state["elements"]:
                badges.setdefault(child["element_id"], []).append(
                    {"kind": "child", "text": f"Opened case {child['id']}",
                     "href": url_for("web_case.case_page", instance_id=child["id"])})
        drawn.append({"process_id": process_id, "elements": state["elements"], "badges": badges,
                      "url": url_for("web_case.diagram", instance_id=case["id"],
                                     process=None if process_id == case["process_id"] else process_id)})
    return drawn
