"""How far a case may go round its loops.

SpiffWorkflow keeps every task an instance ran as a tree in which each task is the child of the one
before it, so every step a loop runs again adds a level: a QA return (quality_assure_report, its
boundary split, the gateway, amend_audit_report, its split, join_qa) adds six. The tree is never
cut back, and SpiffWorkflow 3.2 breaks near 1,000 levels in two ways:
  - `TaskIterator` stops at `max_depth=1000`: deeper tasks are invisible, so `get_tasks(READY)` finds
    no work and `is_completed()` answers True: the instance looked `completed`, its data `{}`;
  - `Task.is_descendant_of` and `find_ancestor` recurse once per level: a join near 950 levels
    raises RecursionError ("maximum recursion depth exceeded").
So no tree (an instance's, or one of its sub-processes') may grow deeper than MAX_TREE_DEPTH, far
below both: a step that would go deeper fails (LoopTooLong) and the instance goes to `error` naming
the element, with nothing of the step kept. processes/README.md states the rounds this allows.
"""
from SpiffWorkflow.util.task import TaskState

from engine.errors import Conflict
from engine.limits import MAX_TREE_DEPTH


class LoopTooLong(Exception):
    """A step took a task tree deeper than MAX_TREE_DEPTH; `element_id` is where it stood."""

    def __init__(self, element_id: str | None, depth: int):
        self.element_id, self.depth = element_id, depth
        super().__init__(f"exceeded the limit on loops: the case has gone round a loop so often that its steps "
                         f"would stand {depth:,} deep, at most {MAX_TREE_DEPTH:,} (processes/README.md states "
                         f"the rounds each loop may take); the step was not kept")


def check_task(task) -> None:
    """SpiffWorkflow's did_complete_task callback: stop a loop of engine steps (scripts, gateways)
    as soon as it passes the limit, before it runs on to where SpiffWorkflow breaks."""
    depth = task.depth  # a walk up the parents: at most MAX_TREE_DEPTH + 1 lookups
    if depth > MAX_TREE_DEPTH:
        raise LoopTooLong(element_of(task), depth)


def check_workflow(workflow) -> None:
    """After a step: every tree of the instance (its own and each sub-process's) within the limit."""
    for tree in [workflow, *workflow.subprocesses.values()]:
        depth, task = deepest(tree.task_tree)
        if depth > MAX_TREE_DEPTH:
            raise LoopTooLong(element_of(task), depth)


def element_of(task) -> str | None:
    """The diagram's element of a task, or of its nearest ancestor that has one (SpiffWorkflow's own
    steps, such as a boundary event's split, have none)."""
    while task is not None and not task.task_spec.bpmn_id:
        task = task.parent
    return task.task_spec.bpmn_id if task is not None else None


def deepest(root) -> tuple[int, object]:
    """The height of the tree below `root`, and its deepest task that is not only predicted (the
    step a person would recognise), walked without recursion."""
    height, shown, pending = 0, (-1, root), [(root, 0)]
    while pending:
        task, depth = pending.pop()
        height = max(height, depth)
        if depth > shown[0] and not task.has_state(TaskState.PREDICTED_MASK):
            shown = (depth, task)
        pending += [(child, depth + 1) for child in task.children]
    return height, shown[1]


class CompletionNotKept(Conflict):
    """A completion whose step went past the limit on loops: the instance is in `error` and the task
    is still ready, so the answer is 409 (with the instance's error), never 200."""


def refuse_unkept(view: dict) -> None:
    """Raise CompletionNotKept when the completion that led to `view` failed on the limit on loops."""
    error = view.get("error") or {}
    if view.get("status") == "error" and error.get("kind") == "loop":
        raise CompletionNotKept(f"the task was not completed: process instance {view['id']} is in error at "
                                f"{error.get('element_id')}: {error['message']}")
