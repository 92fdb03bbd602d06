"""Tests for engine/scripts/sandbox.py: escapes refused at compile and run time, normal scripts, error line numbers."""
from xml.sax.saxutils import escape

import pytest
from RestrictedPython import compile_restricted
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.camunda.parser import CamundaParser
from SpiffWorkflow.util.task import TaskState

from engine.scripts.budget import BudgetExceeded
from engine.scripts.sandbox import (
    FORBIDDEN_NAMES,
    SandboxedEnvironment,
    SandboxedScriptEngine,
    ScriptRejected,
    compile_expression,
    compile_script,
)

IMPORT_ESCAPES = ["import os", "from os import system", "__import__('os')"]
OPEN_ESCAPES = ["open('/etc/passwd').read()", "open('/etc/passwd', 'rb')"]
EVAL_ESCAPES = ["eval('1+1')", "exec('x = 1')"]
ATTRIBUTE_WALK_ESCAPES = ["().__class__.__bases__[0].__subclasses__()", "getattr((), '__class__')"]
COMPILE_TIME_ESCAPES = IMPORT_ESCAPES + OPEN_ESCAPES + EVAL_ESCAPES + ATTRIBUTE_WALK_ESCAPES
# RestrictedPython compiles str.format but safer_getattr refuses to hand out `format` on strings.
FORMAT_WALK_ESCAPES = ["'{0.__class__}'.format(1)", "str.format('{0.__class__}', 1)", "'{x}'.format_map({})"]

WORKFLOW_XML = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="defs" targetNamespace="http://example.org/qa">
  <bpmn:process id="pid" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>to_score</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="to_score" sourceRef="start" targetRef="score" />
    <bpmn:scriptTask id="score" name="Score audit">
      <bpmn:incoming>to_score</bpmn:incoming><bpmn:outgoing>to_gateway</bpmn:outgoing>
      <bpmn:script>{script}</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:sequenceFlow id="to_gateway" sourceRef="score" targetRef="gateway" />
    <bpmn:exclusiveGateway id="gateway" default="to_low">
      <bpmn:incoming>to_gateway</bpmn:incoming><bpmn:outgoing>to_high</bpmn:outgoing><bpmn:outgoing>to_low</bpmn:outgoing>
    </bpmn:exclusiveGateway>
    <bpmn:sequenceFlow id="to_high" sourceRef="gateway" targetRef="high">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">{condition}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="to_low" sourceRef="gateway" targetRef="low" />
    <bpmn:endEvent id="high"><bpmn:incoming>to_high</bpmn:incoming></bpmn:endEvent>
    <bpmn:endEvent id="low"><bpmn:incoming>to_low</bpmn:incoming></bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>
"""


def make_workflow(script: str, condition: str = "x > 1", functions=None) -> BpmnWorkflow:
    parser = CamundaParser()
    xml = WORKFLOW_XML.format(script=escape(script), condition=escape(condition))
    parser.add_bpmn_str(xml.encode())
    return BpmnWorkflow(parser.get_spec("pid"), script_engine=SandboxedScriptEngine(functions=functions))


def completed_spec_names(workflow: BpmnWorkflow) -> set[str]:
    return {task.task_spec.name for task in workflow.get_tasks(state=TaskState.COMPLETED)}


def run_failing_workflow(script: str, condition: str = "x > 1") -> tuple[BpmnWorkflow, WorkflowTaskException]:
    workflow = make_workflow(script, condition)
    with pytest.raises(WorkflowTaskException) as raised:
        workflow.do_engine_steps()
    return workflow, raised.value


def is_import(source: str) -> bool:
    return source.startswith(("import ", "from "))


def as_statement(source: str) -> str:
    return source if is_import(source) else f"leak = {source}"


# --- escapes ---------------------------------------------------------------

@pytest.mark.parametrize("source", COMPILE_TIME_ESCAPES)
def test_escape_is_rejected_when_compiling_a_script(source):
    with pytest.raises(ScriptRejected) as raised:
        compile_script(f"x = 1\n{source}")
    assert raised.value.line == 2


@pytest.mark.parametrize("source", [s for s in COMPILE_TIME_ESCAPES if not is_import(s)])
def test_escape_is_rejected_when_compiling_an_expression(source):
    with pytest.raises(ScriptRejected) as raised:
        compile_expression(source)
    assert raised.value.line == 1


@pytest.mark.parametrize("name", ["eval", "exec", "open", "getattr", "__import__", "compile", "globals", "vars"])
def test_rejection_names_the_forbidden_function(name):
    with pytest.raises(ScriptRejected, match=name):
        compile_script(f"{name}('x')")


@pytest.mark.parametrize("source", COMPILE_TIME_ESCAPES)
def test_escape_is_refused_by_execute_without_touching_task_data(source):
    data = {"kept": 1}
    with pytest.raises(ScriptRejected):
        SandboxedEnvironment().execute(f"marker = 1\n{source}", data)
    assert data == {"kept": 1}


@pytest.mark.parametrize("source", [s for s in COMPILE_TIME_ESCAPES if not is_import(s)])
def test_escape_is_refused_by_evaluate(source):
    with pytest.raises(ScriptRejected):
        SandboxedEnvironment().evaluate(source, {})


@pytest.mark.parametrize("source", FORMAT_WALK_ESCAPES)
def test_format_string_walk_compiles_but_is_refused_at_run_time(source):
    compile_script(source)
    data: dict = {}
    with pytest.raises((NotImplementedError, AttributeError), match="format"):
        SandboxedEnvironment().execute(f"marker = 1\nleak = {source}", data)
    with pytest.raises((NotImplementedError, AttributeError), match="format"):
        SandboxedEnvironment().evaluate(source, {})
    assert data == {}


def test_forbidden_functions_are_not_runtime_builtins_either():
    builtins = SandboxedEnvironment().builtins
    assert FORBIDDEN_NAMES.isdisjoint(builtins)
    assert {"type", "object", "dir", "locals"}.isdisjoint(builtins)
    # Code that skipped our AST walk still finds no open() or __import__ at run time.
    with pytest.raises(NameError):
        exec(compile_restricted("open('/etc/passwd')", "<script>", "exec"), {"__builtins__": builtins})
    with pytest.raises(ImportError):
        exec(compile_restricted("import os", "<script>", "exec"), {"__builtins__": builtins})


@pytest.mark.parametrize("source", COMPILE_TIME_ESCAPES + FORMAT_WALK_ESCAPES)
def test_escape_in_a_script_task_fails_the_workflow_with_no_effect(source):
    workflow, error = run_failing_workflow(f"x = 5\n{as_statement(source)}")
    assert error.task.task_spec.name == "score"
    assert error.line_number == 2
    score_task = workflow.get_next_task(spec_name="score")
    assert score_task.state == TaskState.ERROR
    assert "x" not in score_task.data and "leak" not in score_task.data
    assert not workflow.is_completed()


@pytest.mark.parametrize("source", [s for s in COMPILE_TIME_ESCAPES if not is_import(s)])
def test_escape_in_a_gateway_condition_fails_the_workflow(source):
    workflow, error = run_failing_workflow("x = 5", condition=source)
    assert error.task.task_spec.name == "gateway"
    assert error.line_number == 1
    assert not workflow.is_completed()


def test_escapes_leave_no_file_behind(tmp_path):
    target = tmp_path / "written"
    for script in [f"open({str(target)!r}, 'w').write('x')", f"import os\nos.system('touch {target}')"]:
        run_failing_workflow(script)
    assert not target.exists()


# --- line numbers ----------------------------------------------------------

@pytest.mark.parametrize("bad_line", [
    "import os",
    "data = open('/etc/passwd')",
    "cls = ().__class__",
    "_secret = 1",
    "if x >",
])
def test_rejection_reports_the_offending_line(bad_line):
    with pytest.raises(ScriptRejected) as raised:
        compile_script(f"x = 1\ny = 2\n{bad_line}\nz = 3")
    assert raised.value.line == 3
    assert "3" in raised.value.message


def test_rejected_script_surfaces_from_workflow_with_its_line():
    _, error = run_failing_workflow("x = 1\ny = 2\nz = eval('3')")
    assert error.line_number == 3
    assert error.error_line == "z = eval('3')"
    assert error.task.task_spec.name == "score"


def test_runtime_error_surfaces_from_workflow_with_its_line():
    _, error = run_failing_workflow("x = 1\ny = 1/0\nz = 3")
    assert error.line_number == 2
    assert error.error_line == "y = 1/0"
    assert error.error_type == "ZeroDivisionError"
    assert error.task.task_spec.name == "score"


def test_runtime_error_with_non_string_argument_still_becomes_a_workflow_error():
    _, error = run_failing_workflow("x = 1\nd = {}\nd[1]")
    assert error.error_type == "KeyError"
    assert error.line_number == 3


def test_syntax_error_without_line_number_does_not_crash_the_engine():
    engine = SandboxedScriptEngine()
    assert engine.get_error_line_number_and_content("x = 1", SyntaxError("no line")) == (0, "")


# --- normal scripts --------------------------------------------------------

@pytest.mark.filterwarnings("ignore:.*printed:SyntaxWarning")
def test_normal_script_updates_task_data_in_place():
    data = {"scores": [3, 4, 2], "stale": True}
    script = "\n".join([
        "total = 0",
        "for score in scores:",
        "    total += score",
        "total -= 1",
        "mean = total / len(scores)",
        "doubled = [s * 2 for s in scores if s > 2]",
        "by_name = {name: i for i, name in enumerate(['a', 'b'])}",
        "first, (second, third) = scores[0], scores[1:]",
        "summary = {'ok': True}",
        "summary['total'] = total",
        "pairs = sorted(zip(scores, ['x', 'y', 'z']))",
        "del stale",
        "print('debugging', total)",
    ])
    assert SandboxedEnvironment().execute(script, data) is True
    assert data == {
        "scores": [3, 4, 2], "score": 2, "total": 8, "mean": 8 / 3, "doubled": [6, 8],
        "by_name": {"a": 0, "b": 1}, "first": 3, "second": 4, "third": 2,
        "summary": {"ok": True, "total": 8}, "pairs": [(2, "z"), (3, "x"), (4, "y")],
    }


def test_inplace_operators_on_plain_values():
    data = {"n": 7}
    SandboxedEnvironment().execute("n *= 3\nn //= 2\nn %= 4\nf = 1\nf /= 4\nwords = 'a'\nwords += 'b'", data)
    assert data == {"n": 2, "f": 0.25, "words": "ab"}


def test_augmented_item_assignment_is_a_restricted_python_limitation():
    with pytest.raises(ScriptRejected, match="Augmented assignment of object items"):
        compile_script("counts = {'a': 1}\ncounts['a'] += 1")


def test_unsupported_inplace_operator_is_refused():
    with pytest.raises(NotImplementedError):
        SandboxedEnvironment().execute("n = 2\nn >>= 3", {})


def test_allow_listed_function_is_callable_but_not_written_back():
    environment = SandboxedEnvironment(functions={"add_working_days": lambda day, n: day + n})
    data = {"day": 10}
    environment.execute("due = add_working_days(day, 5)\nhelper = len", data)
    assert data == {"day": 10, "due": 15}


def test_functions_defined_in_a_script_are_not_task_data():
    data: dict = {}
    SandboxedEnvironment().execute("def double(v):\n    return v * 2\nresult = double(4)", data)
    assert data == {"result": 8}


def test_task_data_shadowing_an_allow_listed_function_is_refused():
    environment = SandboxedEnvironment(functions={"now": lambda: 0})
    with pytest.raises(ValueError, match="now"):
        environment.execute("x = 1", {"now": "shadowed"})


def test_external_context_is_readable_but_not_written_back():
    data: dict = {}
    SandboxedEnvironment().execute("y = limit + 1", data, external_context={"limit": 4})
    assert data == {"y": 5}


def test_underscore_task_data_cannot_replace_guards():
    assert SandboxedEnvironment().evaluate("d['a']", {"d": {"a": 1}, "_getitem_": "tampered"}) == 1


def test_missing_attribute_raises_instead_of_returning_none():
    with pytest.raises(AttributeError):
        SandboxedEnvironment().evaluate("grade.missing", {"grade": "good"})


@pytest.mark.parametrize(("data", "expected"), [
    ({"overall_grade": "inadequate", "dispute": False}, True),
    ({"overall_grade": "inadequate", "dispute": True}, False),
    ({"overall_grade": "good", "dispute": False}, False),
])
def test_expression_evaluates_against_task_data(data, expected):
    assert SandboxedEnvironment().evaluate('overall_grade == "inadequate" and not dispute', data) is expected


def test_expression_with_leading_whitespace_evaluates_like_eval():
    assert SandboxedEnvironment().evaluate("  x + 1", {"x": 1}) == 2


def test_compiled_code_is_cached():
    assert compile_expression("a + b") is compile_expression("a + b")
    assert compile_script("a = 1") is compile_script("a = 1")


# --- real workflow ---------------------------------------------------------

@pytest.mark.parametrize(("script", "branch"), [("x = due(1)", "high"), ("x = 0", "low")])
def test_workflow_runs_script_and_gateway_in_the_sandbox(script, branch):
    workflow = make_workflow(f"{script}\nnotes = ['checked']\nnotes[0] = notes[0] + '!'", functions={"due": lambda n: n + 1})
    workflow.do_engine_steps()
    assert workflow.is_completed()
    assert branch in completed_spec_names(workflow)
    other_branch = ({"high", "low"} - {branch}).pop()
    assert other_branch not in completed_spec_names(workflow)
    assert workflow.data["notes"] == ["checked!"]
    assert workflow.get_next_task(spec_name="score", state=TaskState.COMPLETED).data["x"] == workflow.data["x"]


def test_runtime_error_in_a_gateway_condition_reports_its_task_and_line():
    _, error = run_failing_workflow("x = 5", condition="x / 0 > 1")
    assert error.task.task_spec.name == "gateway"
    assert error.line_number == 1
    assert error.error_type == "ZeroDivisionError"


# --- what one C call writes out (issue 25, item 2): weighed first ------------------------------

def test_sum_str_and_formatting_still_behave_as_python_does():
    data = {"rows": [[1, 2], [3]], "pairs": [(1,), (2,)], "n": 5}
    script = "\n".join([
        "flat = sum(rows, [])", "joined = sum(pairs, ())", "total = sum([1, 2.5])", "text = str(rows)",
        "shown = repr('a')", "is_text = isinstance(text, str) and isinstance(n, (str, int))",
        "words = str.join('-', ['a', 'b'])", "framed = f'<{n}>'", "padded = 'n=%s' % (n,)", "empty = str()",
    ])
    SandboxedEnvironment().execute(script, data)
    assert {k: data[k] for k in ("flat", "joined", "total", "text", "shown", "is_text", "words", "framed",
                                 "padded", "empty")} == {
        "flat": [1, 2, 3], "joined": (1, 2), "total": 3.5, "text": "[[1, 2], [3]]", "shown": "'a'",
        "is_text": True, "words": "a-b", "framed": "<5>", "padded": "n=5", "empty": ""}
    with pytest.raises(TypeError, match="can only concatenate list"):
        SandboxedEnvironment().execute("bad = sum([[1], (2,)], [])", {})


@pytest.mark.parametrize("writes", [
    "text = str(big)", "text = repr(big)", "text = f'{big}'", "text = '%s' % (big,)", "print(big)",
    "texts = list(map(str, [big, big]))", "flat = sum([big, big], [])",
])
@pytest.mark.filterwarnings("ignore:.*printed:SyntaxWarning")
def test_writing_out_shared_references_is_refused_before_it_is_built(writes):
    data = {"s": "a" * 1000}
    with pytest.raises(BudgetExceeded, match="exceeded its budget"):
        SandboxedEnvironment().execute(f"big = [s] * 600000\n{writes}", data)
