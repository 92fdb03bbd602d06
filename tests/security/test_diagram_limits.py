"""Issue 25, item 9: a deploy refuses, each with a sentence naming file, element and line, what
would make a start or a step never end: a diagram over the size limits of processes/README.md
(1,700 parallel branches deployed and their start was killed at 30 s; a chain of ~490 steps was
refused with a raw RecursionError), a form referring to itself (deployed; its task could never be
completed), and a process that starts itself, directly or through others (deployed; a start
answered 500 after 6-11 s with a 2,000-line traceback, or never returned)."""
import json
import statistics
import time

import pytest

from engine.errors import InvalidDefinition
from tests.fixtures.big_diagrams import calling, fork_tree, long_chain, parallel, starting
from tests.fixtures.diagrams import chain
from tests.flows.conftest import ROOT, definition_files


def _refused(engine, files: dict[str, bytes]) -> list[dict]:
    with pytest.raises(InvalidDefinition) as refused:
        engine.deploy(files, "olive")
    assert "Error" not in str(refused.value)  # a sentence, never an exception's name
    return refused.value.errors


def test_a_file_of_thousands_of_elements_is_refused_before_it_is_parsed(engine_of):
    [problem] = _refused(engine_of, {"wide.bpmn": parallel(1_700)})  # the issue's 5,108 elements
    assert problem["file"] == "wide.bpmn"
    assert problem["message"] == "holds 5,108 BPMN elements; a file may hold at most 1,000"


def test_a_gateway_starting_more_paths_at_once_than_allowed_is_refused(engine_of):
    [problem] = _refused(engine_of, {"wide.bpmn": parallel(6)})
    assert (problem["file"], problem["element_id"]) == ("wide.bpmn", "fork")
    assert problem["line"] == 5
    assert problem["message"] == "starts 6 paths at once; at most 5 may leave an element that takes them all"


@pytest.mark.parametrize("steps", [249, 490])
def test_a_long_chain_is_refused_with_a_sentence_not_a_recursion_error(engine_of, steps):
    [problem] = _refused(engine_of, {"long.bpmn": long_chain(steps)})
    assert (problem["file"], problem["element_id"], problem["line"]) == ("long.bpmn", "long", 3)
    assert problem["message"] == (f"has {steps + 2:,} tasks, events and gateways; a process may have at most 250: "
                                  "split it into processes that call each other")


def _start_cpu(engine, process_id: str) -> float:
    """The median CPU seconds of five starts (this process's CPU, not the wall clock)."""
    spent = []
    for _ in range(5):
        before = time.process_time()
        engine.start_instance(process_id, {}, "olive")
        spent.append(time.process_time() - before)
    return statistics.median(spent)


@pytest.mark.parametrize("shape", [[5, 5, 5], [2, 5, 5, 2], "chain"])
def test_the_largest_diagrams_allowed_deploy_and_start_in_under_a_second(engine_of, shape):
    # 125 paths at once in 189 elements, 100 in 228 (about the most 250 elements and 5 paths a
    # gateway allow); a chain of 250 elements. Measured medians: 0.46 s, 0.49 s and 0.14 s.
    document = long_chain(248, pid="tree") if shape == "chain" else fork_tree(shape)
    engine_of.deploy({"tree.bpmn": document}, "olive")
    assert _start_cpu(engine_of, "tree") < 1.0


def test_a_process_calling_more_than_allowed_is_refused(engine_of):
    engine_of.deploy({"tree.bpmn": fork_tree([5, 5, 5])}, "olive")  # 189 elements
    [problem] = _refused(engine_of, {"caller.bpmn": calling("tree", 4)})  # 8 + 4 x 189 = 764
    assert (problem["file"], problem["element_id"], problem["line"]) == ("caller.bpmn", "caller", 3)
    assert problem["message"] == ("runs more than 600 tasks, events and gateways with the processes it calls and "
                                  "starts (each call or start counted)")
    # calls that call again multiply: five calls of a process making five calls of one of 34 elements
    engine_of.deploy({"leaf.bpmn": fork_tree([5, 4], pid="leaf")}, "olive")
    [problem] = _refused(engine_of, {"middle.bpmn": calling("leaf", 5, pid="middle"),
                                     "top.bpmn": calling("middle", 5, pid="top")})
    assert (problem["element_id"], problem["message"][:22]) == ("top", "runs more than 600 tas")


def test_the_most_a_start_may_run_with_its_calls_starts_in_under_two_seconds(engine_of):
    # three calls of the widest process allowed: 574 elements, 375 paths at once. Median 1.3 s.
    engine_of.deploy({"tree.bpmn": fork_tree([5, 5, 5]), "caller.bpmn": calling("tree", 3)}, "olive")
    assert _start_cpu(engine_of, "caller") < 2.0


def test_every_process_of_ours_is_within_the_limits(engine_of):
    names = [path.name for path in (ROOT / "processes").glob("*.bpmn")]
    engine_of.deploy(definition_files(*names), "olive")  # processes/ and forms/, as `flask deploy` does


@pytest.mark.parametrize("form, pointer, cycle", [
    ({"type": "object", "properties": {"note": {"$ref": "#"}}}, "/properties/note/$ref", "# -> #"),
    ({"type": "object", "properties": {"note": {"type": "object", "properties": {"again": {"$ref": "#/properties/note"}}}}},
     "/properties/note/properties/again/$ref", "#/properties/note -> #/properties/note"),
    ({"type": "object", "properties": {"note": {"$ref": "#/$defs/a"}},
      "$defs": {"a": {"anyOf": [{"$ref": "#/$defs/b"}]}, "b": {"allOf": [{"$ref": "#/$defs/a"}]}}},
     "/$defs/b/allOf/0/$ref", "#/$defs/a -> #/$defs/b -> #/$defs/a"),
])
def test_a_form_referring_to_itself_is_refused(engine_of, form, pointer, cycle):
    [problem] = _refused(engine_of, {"chain.bpmn": chain(), "note.json": json.dumps(form).encode()})
    assert problem["file"] == "note.json"
    assert problem["message"] == (f"{pointer}: refers to itself ({cycle}); a form's parts may not refer back to "
                                  "what holds them")


def test_a_form_whose_references_multiply_is_refused(engine_of):
    # 20 definitions each referring twice to the next: 2 ** 20 checks of one answer
    defs = {f"d{i}": {"allOf": [{"$ref": f"#/$defs/d{i + 1}"}, {"$ref": f"#/$defs/d{i + 1}"}]} for i in range(20)}
    form = {"type": "object", "properties": {"note": {"$ref": "#/$defs/d0"}}, "$defs": defs | {"d20": {"type": "string"}}}
    [problem] = _refused(engine_of, {"chain.bpmn": chain(), "note.json": json.dumps(form).encode()})
    assert problem["file"] == "note.json"
    assert problem["message"] == ("has more than 20,000 parts when its references are followed (definitions "
                                  "referring to others several times)")


def test_a_form_using_one_definition_twice_is_deployed(engine_of):
    form = {"type": "object", "properties": {"note": {"$ref": "#/$defs/text"}, "more": {"$ref": "#/$defs/text"}},
            "$defs": {"text": {"type": "string"}}}
    engine_of.deploy({"chain.bpmn": chain(), "note.json": json.dumps(form).encode()}, "olive")


def test_a_process_starting_itself_by_a_script_is_refused(engine_of):
    [problem] = _refused(engine_of, {"a.bpmn": starting("a", "a")})
    assert (problem["file"], problem["element_id"], problem["line"]) == ("a.bpmn", "go", 5)
    assert problem["message"] == ("process 'a' starts itself; a process may not start itself, directly or "
                                  "through the processes it starts")


def test_a_process_calling_itself_is_refused(engine_of):
    [problem] = _refused(engine_of, {"b.bpmn": starting("b", "b", by_call=True)})
    assert (problem["file"], problem["element_id"], problem["line"]) == ("b.bpmn", "go", 5)
    assert "process 'b' starts itself" in problem["message"]


def test_processes_starting_each_other_are_refused(engine_of):
    engine_of.deploy({"b.bpmn": starting("b", "c"), "c.bpmn": _ended("c")}, "olive")
    # a, then b (deployed), then c (deployed) ... back to a: refused, naming the start that closes it
    problems = _refused(engine_of, {"a.bpmn": starting("a", "b", by_call=True), "c.bpmn": starting("c", "a")})
    assert [p["message"] for p in problems] == [(
        "process 'c' starts 'a' again (a -> b -> c -> a); a process may not start itself, directly or through "
        "the processes it starts")]
    assert (problems[0]["file"], problems[0]["element_id"]) == ("c.bpmn", "go")


def test_a_start_process_naming_its_process_otherwise_than_by_a_quoted_id_is_refused(engine_of):
    [problem] = _refused(engine_of, {"a.bpmn": starting("a", "a").replace(b'start_process("a")',
                                                                          b"start_process(next_one)")})
    assert (problem["element_id"], problem["line"]) == ("go", 5)
    assert problem["message"].startswith("calls start_process with a process id that is not a quoted string")


def _ended(pid: str) -> bytes:
    return starting(pid, "x").replace(b'<bpmn:script>start_process("x")</bpmn:script>', b"<bpmn:script>x = 1</bpmn:script>")
