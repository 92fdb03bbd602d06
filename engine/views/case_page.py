"""What the case page shows of one instance (R-80): the instance, where it stands element by
element, its history, the people it names by their names, the instances of the same case, and the
diagram files to draw it with. Reads only: engine/caller/ checks access and records the view.
"""
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.allocation.year import first_list_note
from engine.errors import NotFound
from engine.instances import store
from engine.instances.messages import messages_taken
from engine.instances.runtime import EngineContext, InstanceRuntime
from engine.models import DefinitionFile, HistoryEvent, OutboxMessage, ProcessInstance, ProcessVersion
from engine.people.directory import display_names
from engine.views import queries
from engine.views.case_list import CaseFilter, case_list, place_names
from engine.views.diagram_state import diagram_state

VIEWED = "instance_viewed"


def case_page(session: Session, ctx: EngineContext, instance_id: int, may_see, at) -> dict:
    runtime = InstanceRuntime.load(session, ctx, instance_id)
    row = runtime.row
    version = store.dao_get_version(session, row.process_version_id)
    view = queries.instance_view(session, instance_id, runtime.current_data())
    events = queries.history(session, instance_id)
    places = place_names(session)
    named = {row.started_by, *(t["assignee"] or "" for t in view["tasks"]), *(e["actor"] for e in events),
             *(c for t in view["tasks"] for c in t["candidates"])}
    return view | {
        "process_name": version.name, "started_by": row.started_by, "created_at": row.created_at.isoformat(),
        "updated_at": row.updated_at.isoformat(), "parent_id": row.parent_id, "parent": parent(session, row.parent_id),
        "cycle": row.cycle,
        "team": places["team"].get(row.team_id), "service_area": places["service_area"].get(row.service_area_id),
        "diagram": diagram_state(runtime.workflow, row.error), "messages": sorted(messages_taken(runtime.workflow)),
        "children": children(events), "history": events, "names": display_names(session, named),
        "change": change_of(session, instance_id), "element_names": element_names(runtime.workflow),
        "field_titles": field_titles(runtime.version.forms or {}),
        "forms": {key: form.get("schema") for key, form in (runtime.version.forms or {}).items()},
        "element_forms": element_forms(runtime.workflow), "start_form": runtime.version.start_form,
        "value_titles": value_titles(runtime.version.forms or {}),
        "same_case": same_case(session, may_see, at, row.case_ref, instance_id),
        "first_list": first_list_note(session, ctx, row, view["timers"], view["tasks"]),
        "error_words": error_in_words(row.error, element_names(runtime.workflow)) if row.error else None,
    }


# What went wrong, by the kind of failure (runtime.ExecutionFailed), and who can put it right.
DIAGRAM_FIX = "An administrator can retry this step after the process owner fixes the diagram."
FAILURES = {
    "diagram": ("a script, condition or deadline in the process diagram could not be worked out", DIAGRAM_FIX),
    "budget": ("the step needed more work or data than one step may use (a script that does not end, or "
               "the case's data grown too large)", DIAGRAM_FIX),
    "loop": ("the case went round a loop (such as a return for amendment) more often than one case can",
             "An administrator can end this case and start a new one for it; processes/README.md says how many "
             "rounds a loop may take."),
    "data": ("a script in the process diagram left answers the case cannot keep", DIAGRAM_FIX),
    "outcome": ("the audit's outcome could not be recorded for the reports: the case lacks a field it needs",
                DIAGRAM_FIX),
    "recipients": ("a notification at this step names nobody who can receive it",
                   "An administrator can retry this step once the directory names someone in that role, or "
                   "after the process owner fixes the diagram."),
}


def error_in_words(error: dict, names: dict[str, str]) -> dict:
    """An instance in error, said to the QA team: the step by its name, what went wrong in plain
    words, and who can fix it. The exception's text stays in `error` for administrators."""
    element = error.get("element_id")
    step = names.get(element, element) if element else None
    what, who = FAILURES.get(error.get("kind") or "diagram", FAILURES["diagram"])
    where = f"at the step \u201c{step}\u201d" if step else "at a step the diagram does not name"
    return {"step": step, "what": what, "who": who, "sentence": f"This case stopped {where}: {what}."}


def parent(session: Session, parent_id: int | None) -> dict | None:
    """The instance that started this one, by its process and case ("Case audit of C-1001")."""
    if parent_id is None:
        return None
    row = store.dao_get_instance(session, parent_id)
    return {"id": row.id, "case_ref": row.case_ref,
            "process_name": store.dao_get_version(session, row.process_version_id).name}


def alert_raised(session: Session, alert_id: int) -> dict:
    """What an alert just raised did: who it told (by name) and its first step, with who acts and by when."""
    told = session.scalars(select(OutboxMessage.recipients).where(
        OutboxMessage.instance_id == alert_id, OutboxMessage.event_type == "notification")
        .order_by(OutboxMessage.id)).all()
    people = list(dict.fromkeys(username for recipients in told for username in recipients))
    steps = queries.ready_tasks(session, ProcessInstance.id == alert_id)
    names = display_names(session, [*people, *(c for step in steps for c in step["candidates"])])
    return {"instance_id": alert_id, "told": [names.get(username, username) for username in people],
            "steps": [step | {"candidate_names": [names.get(c, c) for c in step["candidates"]]} for step in steps]}


def children(events: list[dict]) -> list[dict]:
    """The instances this one started, with the element that started each (from its history)."""
    return [{"id": e["detail"]["child_id"], "process_id": e["detail"].get("process_id"), "element_id": e["element_id"]}
            for e in events if e["event"] == "process_started" and "child_id" in e["detail"]]


def element_names(workflow) -> dict[str, str]:
    """The name of every element the instance's diagrams draw (its process's and those it calls)."""
    specs = [workflow.spec, *workflow.subprocess_specs.values()]
    return {t.bpmn_id: t.bpmn_name or t.bpmn_id for spec in specs for t in spec.task_specs.values() if t.bpmn_id}


def element_forms(workflow) -> dict[str, str]:
    """The form each element's answers were given on (its user task's, or the message its start
    event catches), so the history shows them as that form asked them."""
    specs = [workflow.spec, *workflow.subprocess_specs.values()]
    forms = {t.bpmn_id: t.form.key for spec in specs for t in spec.task_specs.values()
             if t.bpmn_id and getattr(getattr(t, "form", None), "key", None)}
    return forms | {start_id: message for message, start_id in messages_taken(workflow).items()}


def field_titles(forms: dict) -> dict[str, str]:
    """The titles the forms give their top-level fields (the first form to name one wins)."""
    titles: dict[str, str] = {}
    for form in forms.values():
        for name, field in ((form.get("schema") or {}).get("properties") or {}).items():
            if isinstance(field, dict) and field.get("title"):
                titles.setdefault(name, field["title"])
    return titles


def value_titles(forms: dict) -> dict[str, str]:
    """The titles the forms give their choices (oneOf/anyOf of const and title): "requires_improvement"
    reads "Requires Improvement"."""
    titles: dict[str, str] = {}

    def walk(node) -> None:
        if isinstance(node, dict):
            if "const" in node and isinstance(node.get("title"), str) and isinstance(node["const"], str):
                titles.setdefault(node["const"], node["title"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)
    walk([form.get("schema") for form in forms.values()])
    return titles


def same_case(session: Session, may_see, at, case_ref: str | None, instance_id: int) -> list[dict]:
    """The other instances of the same case the reader may see (audits, re-audits, alerts)."""
    if not case_ref:
        return []
    found = case_list(session, may_see, at, CaseFilter(case=case_ref), sort="oldest", page_size=100)["items"]
    return [item for item in found if item["id"] != instance_id]


def change_of(session: Session, instance_id: int) -> str:
    """A token that changes whenever the instance does (a step, a claim, a status), but not when
    someone only looks at it: what an open page polls for."""
    row = store.dao_get_instance(session, instance_id)
    last = session.scalar(select(func.max(HistoryEvent.id)).where(HistoryEvent.instance_id == instance_id,
                                                                  HistoryEvent.event != VIEWED))
    return f"{row.revision}.{last or 0}"


def diagram_file(session: Session, instance_id: int, process_id: str | None, called_processes) -> str:
    """The BPMN file that draws an instance's process, or a process it calls (the version of it
    deployed when the instance's version was)."""
    row = store.dao_get_instance(session, instance_id)
    own = store.dao_get_version(session, row.process_version_id)
    if process_id in (None, own.process_id):
        return session.get_one(DefinitionFile, own.bpmn_file_id).content
    if process_id not in called_processes:
        raise NotFound(f"process instance {instance_id} calls no process '{process_id}'")
    called = session.scalar(select(ProcessVersion).where(ProcessVersion.process_id == process_id,
                                                         ProcessVersion.deployed_at <= own.deployed_at)
                            .order_by(ProcessVersion.version.desc()).limit(1))
    if called is None:
        raise NotFound(f"process '{process_id}' was not deployed when this instance's version was")
    return session.get_one(DefinitionFile, called.bpmn_file_id).content
