"""Item 10: gateway conditions, timers and decision-table cells decide; they may not change data."""
import pytest

from engine.errors import InvalidDefinition
from engine.scripts.sandbox import SandboxedEnvironment
from tests.fixtures.diagrams import GRADE_FORM, chain_bundle, decision, with_decision


@pytest.mark.parametrize("expression", ["lst.append(1) or True", "data.update({'a': 1}) is None",
                                        "(grade := 'good') == 'good'", "d.setdefault('x', 1)"])
def test_a_mutating_decision_cell_is_not_deployed(engine_of, expression):
    with pytest.raises(InvalidDefinition) as refused:
        engine_of.deploy({"needs_reaudit.dmn": decision(output_text=expression), "graded.bpmn": with_decision(),
                          "grade.json": GRADE_FORM}, "olive")
    [problem] = refused.value.errors
    assert problem["file"] == "needs_reaudit.dmn" and problem["element_id"] and problem["line"]
    assert "a condition, timer or decision cell must not" in problem["message"]


def test_a_mutating_timer_expression_is_not_deployed(engine_of):
    with pytest.raises(InvalidDefinition, match="changes data"):
        engine_of.deploy(chain_bundle(timer="marks.append(1) or add_working_days(now(), 5)"), "olive")


def test_a_gateway_condition_cannot_change_data_at_run_time_either():
    environment, data = SandboxedEnvironment(), {"seen": [1, 2]}
    # The deploy sees `seen.append(3)`; a method taken without calling it is refused when it runs.
    with pytest.raises(AttributeError, match="changes data"):
        environment.evaluate("[f(3) for f in [seen.append]]", data)
    assert data == {"seen": [1, 2]}
    assert environment.evaluate("seen.count(1) == 1 and len(seen) == 2", data) is True
