"""The same work done by SpiffWorkflow alone, storing the full workflow JSON as it would itself.

It uses the engine's script engine, so its timers evaluate add_working_days like the engine's.
"""
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.camunda.serializer.config import CAMUNDA_CONFIG
from SpiffWorkflow.util.task import TaskState

from engine.calendar import WorkingCalendar
from engine.scripts.functions import make_script_engine

from .diagram import NOTE, STEPS, parsed_spec


class RawSpiff:
    def __init__(self):
        self.spec, self.deps = parsed_spec()
        self.script_engine = make_script_engine(WorkingCalendar())
        self.serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(CAMUNDA_CONFIG))

    def start(self, data: dict) -> str:
        workflow = BpmnWorkflow(self.spec, self.deps, script_engine=self.script_engine)
        workflow.task_tree.data.update(data)
        workflow.do_engine_steps()
        return self.serializer.serialize_json(workflow)

    def complete(self, stored: str, data: dict) -> str:
        """Deserialize, complete the ready user task, run the engine steps, serialize."""
        workflow = self.serializer.deserialize_json(stored)
        workflow.script_engine = self.script_engine
        task = workflow.get_tasks(state=TaskState.READY, manual=True)[0]
        task.data.update(data)
        task.run()
        workflow.do_engine_steps()
        return self.serializer.serialize_json(workflow)

    def stored_by_step(self, data: dict) -> dict[str, str]:
        """The stored JSON of one workflow with each step ready, by the step's element id."""
        stored, by_step = self.start(data), {}
        for k in range(1, STEPS + 1):
            by_step[f"step_{k}"] = stored
            stored = self.complete(stored, NOTE)
        return by_step
