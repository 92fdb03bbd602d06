"""Messages a person sends to a running instance, which its diagram catches with the message start
event of an event sub-process (non-interrupting): "a child-safety concern raised at any step" runs
beside the audit, however far it has come, and the audit goes on.

The fields a message carries are the form named after it (`forms/<message name>.json`): checked like
a task's answers, and put into the data of the sub-process it starts, with the case's data as it
stands when the message arrives.
"""
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition as CatchingMessage
from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.camunda.specs.event_definitions import MessageEventDefinition
from SpiffWorkflow.util.task import TaskState

CHILD_SAFETY_CONCERN = "child_safety_concern"  # what "Raise a child-safety concern" sends


def messages_taken(workflow) -> dict[str, str]:
    """{message name: the id of the start event catching it} of the event sub-processes of the
    instance's process (SpiffWorkflow keeps them as the specs its start triggers)."""
    taken = {}
    for name in getattr(workflow.spec.start, "trigger_specs", []):
        subprocess = workflow.subprocess_specs.get(name)
        for start in (subprocess.bpmn_start_events if subprocess else []):
            if isinstance(start.event_definition, CatchingMessage):
                taken[start.event_definition.name] = start.bpmn_id
    return taken


def deliver(workflow, message: str, fields: dict, case_data: dict) -> bool:
    """Send the message; the start event that caught it gets the case's data and the fields.
    False when nothing waits for it."""
    event = BpmnEvent(MessageEventDefinition(message), payload={"payload": fields, "result_var": message})
    if workflow.event_manager.catch(event, internal=False) == 0:
        return False
    start_id = messages_taken(workflow)[message]
    for task in workflow.get_tasks(state=TaskState.READY):
        if task.task_spec.bpmn_id == start_id:
            task.data.update(case_data | fields)
    return True
