"""Move a running workflow onto a newer version of its process (SpiffWorkflow's diff/migrate).

Refused, with the reason, when a task that is ready, waiting or done would lose its element.
Waiting timers keep the due times they had: a deadline already running is not restarted.
"""
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.util.diff import diff_workflow, migrate_workflow
from SpiffWorkflow.util.task import TaskState

from engine.errors import MigrationRefused
from engine.serialization import SPEC_REGISTRY

KEPT_STATES = TaskState.READY | TaskState.WAITING | TaskState.STARTED | TaskState.COMPLETED | TaskState.ERROR


def migrate(workflow: BpmnWorkflow, spec, deps: dict, version: int) -> BpmnWorkflow:
    """The workflow on the new spec, or MigrationRefused naming every task that would be lost."""
    if workflow.task_tree.state == TaskState.READY:
        # Never ran (its start failed): nothing to keep but the start data.
        fresh = BpmnWorkflow(spec, deps, script_engine=workflow.script_engine)
        fresh.task_tree.data.update(workflow.task_tree.data)
        return fresh
    diff, sub_diffs, problems = _diff(workflow, spec, deps, version)
    if problems:
        raise MigrationRefused("; ".join(problems), {"tasks": problems})
    due_times = _timer_values(workflow)
    migrate_workflow(diff, workflow, spec)
    for sub_id, sub_diff in sub_diffs.items():
        subprocess = workflow.subprocesses[sub_id]
        migrate_workflow(sub_diff, subprocess, deps[subprocess.spec.name])
    workflow.subprocess_specs = deps
    _restore_timer_values(workflow, due_times)
    _check_every_task_has_its_element(workflow, version)
    return workflow


def refusals(workflow: BpmnWorkflow, spec, deps: dict, version: int) -> list[str]:
    """Why the workflow cannot move to the new spec (each task that would lose its element); none
    when it can. Changes nothing: what a migration preview shows."""
    if workflow.task_tree.state == TaskState.READY:
        return []
    return _diff(workflow, spec, deps, version)[2]


def _diff(workflow, spec, deps: dict, version: int):
    diff, sub_diffs = diff_workflow(SPEC_REGISTRY, workflow, spec, deps)
    problems = _lost(diff.removed, version)
    for sub_id, sub_diff in sub_diffs.items():
        if sub_diff is None:
            name = workflow.subprocesses[sub_id].spec.name
            problems.append(f"called process '{name}' no longer exists in version {version}")
        else:
            problems += _lost(sub_diff.removed, version)
    return diff, sub_diffs, problems


def _lost(removed_tasks, version: int) -> list[str]:
    """A line for each kept task that would lose its element; the engine's own inner tasks (a
    boundary event's split and join) only when no element of the diagram is named."""
    kept = [t for t in removed_tasks if t.has_state(KEPT_STATES)]
    shown = [t for t in kept if t.task_spec.bpmn_id] or kept
    return [f"task '{t.task_spec.bpmn_id or t.task_spec.name}'"
            + (f" ({t.task_spec.bpmn_name})" if t.task_spec.bpmn_name else "")
            + f" is {TaskState.get_name(t.state)} but its element does not exist in version {version}"
            for t in shown]


def _timer_values(workflow) -> dict:
    return {task.id: task.internal_data["event_value"] for task in workflow.get_tasks(state=TaskState.WAITING)
            if "event_value" in task.internal_data}


def _restore_timer_values(workflow, values: dict) -> None:
    for task in workflow.get_tasks(state=TaskState.WAITING):
        if task.id in values:
            task.internal_data["event_value"] = values[task.id]


def _check_every_task_has_its_element(workflow, version: int) -> None:
    for process in [workflow, *workflow.subprocesses.values()]:
        for task in process.tasks.values():
            if process.spec.task_specs.get(task.task_spec.name) is not task.task_spec:
                raise MigrationRefused(f"task '{task.task_spec.name}' would have no element in version {version}")
