"""The real definitions of processes/ and forms/: they deploy together, as `make run` does, and every
diagram opens legibly (every flow element has its shape), with lanes naming roles (R-01, R-03)."""
from pathlib import Path

import pytest

from app import definition_files
from tools import dmn_layout
from tools.bpmn_layout import missing_shapes
from tools.traceability import REQUIREMENTS, table

ROOT = Path(__file__).resolve().parent.parent
QA_PROCESSES = {"audit_cycle", "case_audit", "dispute_resolution", "child_safety_alert", "need_to_know_audit"}
DIAGRAMS = sorted((ROOT / "processes").glob("*.bpmn"))
DECISIONS = sorted((ROOT / "processes").glob("*.dmn"))


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
