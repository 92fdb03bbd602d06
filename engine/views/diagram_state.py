"""Where a live instance stands, element by element, as its diagram shows it: each element that
ran is "completed", or is "ready" (a user task waiting for a person), "waiting" (a timer or a
message), "active" (a sub-process or call activity under way) or "error". Read from the loaded
workflow's task tree, so engine steps that leave no row (gateways, scripts, events) show too.

Elements are grouped by the process whose diagram draws them: an embedded sub-process is drawn in
its parent's file (bpmn-js drills down into it), a call activity runs a process drawn in its own.
"""
from SpiffWorkflow.util.task import TaskState

from engine.instances.projection import process_of, timer_due_at

# When an element ran more than once (a loop), what it is now wins over what it was.
PRECEDENCE = ("error", "ready", "waiting", "active", "completed")
_STATES = {TaskState.COMPLETED: "completed", TaskState.READY: "ready", TaskState.STARTED: "active",
           TaskState.WAITING: "waiting", TaskState.ERROR: "error"}


def diagram_state(workflow, error: dict | None = None) -> dict[str, dict]:
    """{process id: {"elements": {element id: state}, "timers": {element id: due (ISO)},
    "ready": {element id: [task id, ...]}}}, the instance's own process first."""
    processes: dict[str, dict] = {}
    for task in workflow.get_tasks():
        element, state = task.task_spec.bpmn_id, _STATES.get(task.state)
        if element is None or state is None:  # the engine's own tasks; what has not happened
            continue
        if state == "ready" and not task.task_spec.manual:
            state = "active"  # an engine step about to run
        drawn = processes.setdefault(process_of(task), {"elements": {}, "timers": {}, "ready": {}})
        drawn["elements"][element] = _stronger(drawn["elements"].get(element), state)
        if state == "ready":
            drawn["ready"].setdefault(element, []).append(str(task.id))
        if state == "waiting" and (due := timer_due_at(task)) is not None:
            drawn["timers"][element] = due.isoformat()
    if error and error.get("element_id"):
        _mark_error(processes, workflow.spec.name, error["element_id"])
    return processes


def _stronger(current: str | None, new: str) -> str:
    if current is None:
        return new
    return min(current, new, key=PRECEDENCE.index)


def _mark_error(processes: dict, own: str, element_id: str) -> None:
    """The failed element: in whichever drawn process ran it, else the instance's own."""
    holder = next((p for p in processes.values() if element_id in p["elements"]), None)
    if holder is None:
        holder = processes.setdefault(own, {"elements": {}, "timers": {}, "ready": {}})
    holder["elements"][element_id] = "error"
