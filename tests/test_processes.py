"""The real definitions of processes/ and forms/: they deploy together, as `make run` does, and every
diagram opens legibly (every flow element has its shape), with lanes naming roles (R-01, R-03)."""
from pathlib import Path

import pytest
from lxml import etree

from app import definition_files
from tools import dmn_layout
from tools.bpmn_graph import BPMN_NS
from tools.bpmn_layout import missing_shapes
from tools.traceability import REQUIREMENTS, table

ROOT = Path(__file__).resolve().parent.parent
QA_PROCESSES = {"audit_cycle", "case_audit", "dispute_resolution", "child_safety_alert", "need_to_know_audit",
                "agreed_actions"}
DIAGRAMS = sorted((ROOT / "processes").glob("*.bpmn"))
DECISIONS = sorted((ROOT / "processes").glob("*.dmn"))
DI = {"bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI", "dc": "http://www.omg.org/spec/DD/20100524/DC"}


def test_every_definition_deploys_together(engine):
    deployed = engine.deploy(definition_files(), "system")
    assert {d.process_id for d in deployed} == QA_PROCESSES  # the process ids of API.md


@pytest.mark.parametrize("path", DIAGRAMS, ids=lambda p: p.name)
def test_every_flow_element_has_a_shape(path):
    assert missing_shapes(path.read_bytes()) == []


@pytest.mark.parametrize("path", DECISIONS, ids=lambda p: p.name)
def test_every_decision_has_a_shape_and_layout_is_stable(path):
    content = path.read_bytes()
    assert dmn_layout.missing_shapes(content) == []
    assert dmn_layout.layout(content) == content


@pytest.mark.skipif(not REQUIREMENTS.exists(), reason="shared/spec/REQUIREMENTS.md is not beside the repository")
def test_traceability_table_is_current():
    current = (ROOT / "docs" / "traceability.md").read_text()
    assert current == table(), "run: python -m tools.traceability > docs/traceability.md"


def test_case_audits_main_line_fits_one_screen():
    """Issue 24: the case audit's main plane is at most 1280 px wide (the case page's viewer shows it
    whole at a legible zoom) and has no lane band with nothing in it."""
    root = etree.fromstring((ROOT / "processes" / "case_audit.bpmn").read_bytes())
    main = root.find(".//bpmndi:BPMNPlane[@bpmnElement='collab_case_audit']", DI)
    bounds = [b for b in main.iterfind("bpmndi:BPMNShape/dc:Bounds", DI)]
    left = min(float(b.get("x")) for b in bounds)
    right = max(float(b.get("x")) + float(b.get("width")) for b in bounds)
    assert right - left <= 1280
    lanes = {shape.get("bpmnElement"): _box(shape) for shape in main.iterfind("bpmndi:BPMNShape", DI)
             if shape.get("bpmnElement", "").startswith("lane_")}
    nodes = [_box(shape) for shape in main.iterfind("bpmndi:BPMNShape", DI)
             if not shape.get("bpmnElement", "").startswith(("lane_", "participant_"))]
    empty = [lane for lane, (x, y, w, h) in lanes.items() if not any(y <= ny < y + h for _, ny, _, _ in nodes)]
    assert empty == []


@pytest.mark.parametrize("diagram", sorted(path.name for path in (ROOT / "processes").glob("*.bpmn")))
def test_gateways_say_what_they_ask_and_flows_the_answer(diagram):
    """Issue 24: every exclusive gateway is named (a decision by its question, a join by what it waits
    for), and every flow out of a decision by its answer, the default one too."""
    root = etree.fromstring((ROOT / "processes" / diagram).read_bytes())
    flows = list(root.iter(f"{{{BPMN_NS}}}sequenceFlow"))
    unnamed, unlabelled = [], []
    for gateway in root.iter(f"{{{BPMN_NS}}}exclusiveGateway"):
        if not gateway.get("name"):
            unnamed.append(gateway.get("id"))
        out = [flow for flow in flows if flow.get("sourceRef") == gateway.get("id")]
        if len(out) > 1:
            unlabelled += [flow.get("id") for flow in out if not flow.get("name")]
    assert unnamed == [] and unlabelled == []


def _box(shape) -> tuple[float, float, float, float]:
    bounds = shape.find("dc:Bounds", DI)
    return tuple(float(bounds.get(key)) for key in ("x", "y", "width", "height"))
