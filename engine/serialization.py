"""Instance state and process specs, serialized separately.

A process version stores its specs once; an instance row stores only its task tree and data,
which halves the row and lets one restored spec serve every instance of a version.
"""
import json
from copy import deepcopy
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.bpmn.serializer.migration.version_migration import MIGRATIONS
from SpiffWorkflow.camunda.serializer.config import CAMUNDA_CONFIG


class SpeclessWorkflowConverter(BpmnWorkflowConverter):
    """Converts a workflow without its specs; restoring expects the spec objects in the dict."""

    def to_dict(self, workflow):
        dct = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct):
        spec, subprocess_specs = dct.pop("spec"), dct.pop("subprocess_specs")
        workflow = self.target_class(spec, subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


def _registry(workflow_converter):
    config = deepcopy(CAMUNDA_CONFIG)
    config[BpmnWorkflow] = workflow_converter
    return BpmnWorkflowSerializer.configure(config)


FULL_SERIALIZER = BpmnWorkflowSerializer(_registry(BpmnWorkflowConverter))
STATE_REGISTRY = _registry(SpeclessWorkflowConverter)
SPEC_REGISTRY = FULL_SERIALIZER.registry
SERIALIZER_VERSION = FULL_SERIALIZER.VERSION


def dump_specs(spec, subprocess_specs) -> str:
    return json.dumps({
        "spec": SPEC_REGISTRY.convert(spec),
        "subprocess_specs": {name: SPEC_REGISTRY.convert(s) for name, s in subprocess_specs.items()},
    })


def load_specs(text: str):
    dct = json.loads(text)
    spec = SPEC_REGISTRY.restore(dct["spec"])
    deps = {name: SPEC_REGISTRY.restore(s) for name, s in dct["subprocess_specs"].items()}
    return spec, deps


def dump_state(workflow) -> str:
    STATE_REGISTRY._encoder_mode = True
    try:
        return json.dumps(STATE_REGISTRY.convert(workflow))
    finally:
        STATE_REGISTRY._encoder_mode = False


def load_state(text: str, version: str, spec, subprocess_specs, script_engine=None) -> BpmnWorkflow:
    dct = json.loads(text)
    if version != SERIALIZER_VERSION:
        _upgrade(dct, version, spec, subprocess_specs)
    dct["spec"], dct["subprocess_specs"] = spec, subprocess_specs
    workflow = STATE_REGISTRY.restore(dct)
    if script_engine is not None:
        workflow.script_engine = script_engine
    return workflow


def _upgrade(dct, version, spec, subprocess_specs):
    """Run SpiffWorkflow's format upgrades, which expect the specs inside the dict."""
    dct["spec"] = SPEC_REGISTRY.convert(spec)
    dct["subprocess_specs"] = {n: SPEC_REGISTRY.convert(s) for n, s in subprocess_specs.items()}
    if version in MIGRATIONS:
        MIGRATIONS[version](dct)
    dct.pop("spec"), dct.pop("subprocess_specs")
