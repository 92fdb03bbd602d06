"""Read a live workflow's ready user tasks and waiting timers, to be written as rows on save."""
from dataclasses import dataclass
from datetime import datetime

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import CallActivity
from SpiffWorkflow.util.task import TaskState


@dataclass(frozen=True)
class ReadyUserTask:
    id: str
    element_id: str
    name: str
    lane: str | None
    form_key: str | None
    due_at: datetime | None
    spec_id: str  # the process it belongs to: the instance's, or one it calls (dispute_resolution)
    urgent: str | None = None  # why it comes first in task lists: the diagram's camunda property `urgent`


@dataclass(frozen=True)
class PendingTimer:
    task_id: str
    element_id: str
    name: str | None
    due_at: datetime


def ready_user_tasks(workflow, tasks: list | None = None) -> list[ReadyUserTask]:
    """`tasks`: every task of the workflow (get_tasks()), when the caller has them already."""
    return [
        ReadyUserTask(
            id=str(task.id), element_id=task.task_spec.bpmn_id,
            name=task.task_spec.bpmn_name or task.task_spec.bpmn_id, lane=task.task_spec.lane,
            form_key=getattr(getattr(task.task_spec, "form", None), "key", None), due_at=_boundary_due(task),
            spec_id=process_of(task), urgent=(getattr(task.task_spec, "extensions", None) or {}).get("urgent"))
        for task in (workflow.get_tasks(state=TaskState.READY, manual=True) if tasks is None
                     else [t for t in tasks if t.state == TaskState.READY and t.task_spec.manual])
    ]


def process_of(task) -> str:
    """The process a task belongs to: embedded sub-processes are part of their parent's, a call
    activity runs the process it calls. (The Camunda parser gives both the CallActivity class;
    the element they were parsed from tells them apart.)"""
    workflow = task.workflow
    while getattr(workflow, "parent_task_id", None) is not None:
        parent = workflow.top_workflow.get_task_from_id(workflow.parent_task_id)
        if isinstance(parent.task_spec, CallActivity) and parent.task_spec.description == "Call Activity":
            break
        workflow = parent.workflow
    return workflow.spec.name


def waiting_timers(workflow, tasks: list | None = None) -> list[PendingTimer]:
    """`tasks`: as for ready_user_tasks. (Walking every task finds what get_tasks(state=WAITING)
    does: it leaves out only what lies below predicted tasks, which are predicted too.)"""
    timers = []
    waiting = (workflow.get_tasks(state=TaskState.WAITING) if tasks is None
               else [t for t in tasks if t.state == TaskState.WAITING])
    for task in waiting:
        due = timer_due_at(task)
        if due is not None:
            timers.append(PendingTimer(str(task.id), task.task_spec.bpmn_id,
                                       task.task_spec.bpmn_name, due))
    return timers


def timers_now(workflow) -> tuple[set, list[PendingTimer]]:
    """(the ids of the timers fired, the waiting timers) in one walk of the task tree."""
    tasks = workflow.get_tasks()
    return {task.id for task in fired_timers(workflow, set(), tasks)}, waiting_timers(workflow, tasks)


def completed_tasks(workflow, tasks: list | None = None) -> list:
    """Every completed task, those inside a multi-instance that is still running included.
    SpiffWorkflow's get_tasks(state=COMPLETED) does not descend below a task in a lower state that is
    not itself a sub-process, so it misses the tasks of a running multi-instance's instances (an agreed
    action's reminder, which fired while its action is still open)."""
    return [task for task in (workflow.get_tasks() if tasks is None else tasks) if task.state == TaskState.COMPLETED]


def fired_timers(workflow, known: set, tasks: list | None = None) -> list:
    """Timer tasks that have fired (completed), leaving out those in `known`."""
    return [task for task in completed_tasks(workflow, tasks)
            if task.id not in known and isinstance(getattr(task.task_spec, "event_definition", None),
                                                   TimerEventDefinition)]


def timer_due_at(task) -> datetime | None:
    """When a waiting timer task fires: SpiffWorkflow caches it in internal_data once evaluated."""
    definition = getattr(task.task_spec, "event_definition", None)
    if not isinstance(definition, TimerEventDefinition):
        return None
    value = task.internal_data.get("event_value")
    if isinstance(value, dict):  # a cycle timer keeps its next firing under "next"
        value = value.get("next") if value.get("cycles") != 0 else None
    # Read the value as SpiffWorkflow will when it decides to fire (naive means host-local there).
    return TimerEventDefinition.get_datetime(value) if isinstance(value, str) else None


def _boundary_due(task) -> datetime | None:
    """A user task's deadline: the boundary timer its Camunda property `due` names (a task whose
    reminder comes before its deadline, e.g. an agreed action), else its earliest interrupting
    boundary timer, else any boundary timer."""
    if task.parent is None:
        return None
    waiting = [s for s in task.parent.children if s is not task and s.has_state(TaskState.WAITING)]
    named = (getattr(task.task_spec, "extensions", None) or {}).get("due")
    if named:
        return next((timer_due_at(s) for s in waiting if s.task_spec.bpmn_id == named), None)
    timers = [(s.task_spec.cancel_activity, timer_due_at(s)) for s in waiting]
    dated = [(interrupting, due) for interrupting, due in timers if due is not None]
    interrupting = [due for flag, due in dated if flag]
    candidates = interrupting or [due for _, due in dated]
    return min(candidates) if candidates else None
