"""A script or condition nested past what Python's parser can walk ('a' + '.b' * 100000, a long run of
unary minus signs) is refused at deploy with a sentence naming the element, never a traceback."""
import pytest

from engine.errors import InvalidDefinition
from engine.scripts.sandbox import ScriptRejected, compile_expression, compile_script
from tests.fixtures.diagrams import NOTE_FORM, chain_bundle, scripted

DEEP = ["a" + ".b" * 100_000, "x = " + "-" * 100_000 + "1", "x = " + "not " * 100_000 + "y"]


@pytest.mark.parametrize("source", DEEP, ids=["attributes", "unary-minus", "not"])
def test_a_script_too_deep_to_parse_is_rejected_not_raised(source):
    with pytest.raises(ScriptRejected, match="nests too deeply"):
        compile_script(source)
    with pytest.raises(ScriptRejected, match="nests too deeply"):
        compile_expression(source.removeprefix("x = "))


@pytest.mark.parametrize("source", [*DEEP[:2], "x = a" + ".b" * 500, "x = a" + ".b" * 2000],
                         ids=["attributes", "unary-minus", "500-attributes", "2000-attributes"])
def test_deploying_one_is_refused_at_its_element(engine_of, source):
    with pytest.raises(InvalidDefinition) as refused:
        engine_of.deploy({"scripted.bpmn": scripted(script=source), "note.json": NOTE_FORM}, "olive")
    problems = refused.value.errors
    assert any(p["element_id"] == "run" and "nests too deeply" in p["message"] for p in problems), problems


def test_a_condition_too_deep_to_parse_is_refused_at_deploy(engine_of):
    with pytest.raises(InvalidDefinition, match="nests too deeply"):
        engine_of.deploy(chain_bundle(timer="a" + ".b" * 100_000), "olive")
