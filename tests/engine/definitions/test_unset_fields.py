"""A notification uses only fields an earlier step can have set: a deploy refuses a placeholder (or
a name its text reads) that no path from the start to the message sets, as it refuses free text
(R-81; engine/definitions/unset_fields.py)."""
import json

import pytest

from engine.definitions.answers import case_fields
from engine.definitions.bundle import parse_files
from engine.definitions.unset_fields import unset_field_problems
from engine.errors import InvalidDefinition
from tests.fixtures.diagrams import decision, sketch
from tests.flows.conftest import ROOT, definition_files

FORMS = {
    "begin.json": json.dumps({"type": "object", "properties": {
        "case_ref": {"type": "string", "pattern": "^C-"}, "kind": {"enum": ["audit", "re_audit"]}}}).encode(),
    "grade.json": json.dumps({"type": "object", "properties": {"grade": {"enum": ["good", "inadequate"]}}}).encode(),
}
LABEL = 'grade_words = "Good"'


def tell(field: str, function: str = "notify") -> str:
    if function == "record_on_case":
        return f'record_on_case("Audit of case {{case_ref}}", "Graded {{{field}}}.", {{}})'
    return f'notify(["auditor"], "Audit of case {{case_ref}}: {{{field}}}", "Read it on the case page: {{link}}")'


def told(nodes: dict, flows: str, start_form: str | None = "begin", **files) -> dict[str, bytes]:
    return {"told.bpmn": sketch("told", nodes, flows, start_form)} | FORMS | files


def refused(engine, files: dict[str, bytes]) -> list[dict]:
    with pytest.raises(InvalidDefinition) as caught:
        engine.deploy(files, "olive")
    return caught.value.errors


def deploys(engine, files: dict[str, bytes]) -> None:
    engine.deploy(files, "olive")


# --- refused --------------------------------------------------------------------------------

@pytest.mark.parametrize("function", ["notify", "record_on_case"])
def test_a_placeholder_no_step_sets_is_refused_with_its_element_and_line(engine, function):  # R-81
    files = told({"message": "script: " + tell("grade_words", function)}, "start > message > end")
    [problem] = refused(engine, files)
    line = next(n for n, text in enumerate(files["told.bpmn"].decode().splitlines(), 1) if "<bpmn:script>" in text)
    assert (problem["file"], problem["element_id"], problem["line"]) == ("told.bpmn", "message", line)
    assert f"{function}(...) uses 'grade_words', which no earlier step can have set" in problem["message"]
    assert "would read '{grade_words}' as written" in problem["message"]


def test_a_field_set_only_after_the_message_is_refused(engine):  # R-81
    nodes = {"message": "script: " + tell("grade_words"), "label": "script: " + LABEL}
    assert [p["element_id"] for p in refused(engine, told(nodes, "start > message > label > end"))] == ["message"]


def test_a_field_set_below_the_message_in_its_own_script_is_refused(engine):  # R-81
    nodes = {"message": "script: " + tell("grade_words") + "\n" + LABEL}
    assert [p["element_id"] for p in refused(engine, told(nodes, "start > message > end"))] == ["message"]


def test_a_name_the_text_reads_that_no_step_sets_is_refused(engine):  # R-81
    nodes = {"message": 'script: notify(["auditor"], "Audit graded " + grade_words, "{link}")'}
    [problem] = refused(engine, told(nodes, "start > message > end"))
    assert "'grade_words'" in problem["message"] and "the step would stop with an error" in problem["message"]


def test_a_boundary_timer_starts_before_its_task_is_answered(engine):  # R-81
    nodes = {"grade_it": "user: grade", "late": "timer: grade_it", "remind": "script: " + tell("grade"),
             "reminded": '<bpmn:endEvent id="reminded" />'}
    problems = refused(engine, told(nodes, "start > grade_it > end, late > remind > reminded"))
    assert [(p["element_id"], "'grade'" in p["message"]) for p in problems] == [("remind", True)]


def test_a_called_process_starts_with_what_its_caller_holds_before_the_call(engine):  # R-81
    child = sketch("child", {"message": "script: " + tell("grade_words")}, "start > message > end", None)
    nodes = {"child_call": "call: child", "label": "script: " + LABEL}
    problems = refused(engine, told(nodes, "start > child_call > label > end", **{"child.bpmn": child}))
    assert [(p["file"], p["element_id"]) for p in problems] == [("child.bpmn", "message")]


# --- accepted -------------------------------------------------------------------------------

@pytest.mark.parametrize("nodes, flows", [
    ({"label": "script: " + LABEL, "message": "script: " + tell("grade_words")}, "start > label > message > end"),
    ({"message": "script: " + LABEL + "\n" + tell("grade_words")}, "start > message > end"),
    ({"grade_it": "user: grade", "message": "script: " + tell("grade")}, "start > grade_it > message > end"),
    ({"message": "script: " + tell("kind")}, "start > message > end"),
    ({"decide": "rule: needs_reaudit", "message": "script: " + tell("reaudit")}, "start > decide > message > end"),
    ({"message": 'script: notify(["auditor"], "{who}", "{link}", about={"who": "the auditor"})'}, "start > message > end"),
    ({"grade_it": "user: grade", "message": 'script: notify(["auditor"], "Graded " + grade_title(grade), "")'},
     "start > grade_it > message > end"),
], ids=["script", "same script above", "form", "start form", "decision", "about", "functions"])
def test_a_field_an_earlier_step_sets_is_accepted(engine, nodes, flows):  # R-81
    deploys(engine, told(nodes, flows, **{"reaudit.dmn": decision()}))


def test_a_field_set_later_in_a_loop_counts_as_set(engine):  # R-81
    nodes = {"join": "gateway", "message": "script: " + tell("grade_words"), "label": "script: " + LABEL,
             "again": '<bpmn:exclusiveGateway id="again" default="f4" />',
             "back": '<bpmn:sequenceFlow id="back" sourceRef="again" targetRef="join"><bpmn:conditionExpression '
                     'xsi:type="bpmn:tFormalExpression">grade_words == "Good"</bpmn:conditionExpression></bpmn:sequenceFlow>'}
    deploys(engine, told(nodes, "start > join > message > label > again > end"))


def test_a_called_process_gives_back_what_it_sets(engine):  # R-81
    child = sketch("child", {"label": "script: " + LABEL}, "start > label > end", None)
    nodes = {"child_call": "call: child", "message": "script: " + tell("grade_words")}
    deploys(engine, told(nodes, "start > child_call > message > end", **{"child.bpmn": child}))


def test_an_embedded_sub_process_starts_with_its_parents_data_and_gives_back_what_it_sets(engine):  # R-81
    inner = ('<bpmn:subProcess id="stage"><bpmn:startEvent id="stage_start" />'
             f'<bpmn:scriptTask id="inner"><bpmn:script>{tell("kind")}\n{LABEL}</bpmn:script></bpmn:scriptTask>'
             '<bpmn:endEvent id="stage_end" /><bpmn:sequenceFlow id="s1" sourceRef="stage_start" targetRef="inner" />'
             '<bpmn:sequenceFlow id="s2" sourceRef="inner" targetRef="stage_end" /></bpmn:subProcess>')
    nodes = {"stage": inner, "message": "script: " + tell("grade_words")}
    deploys(engine, told(nodes, "start > stage > message > end"))


def test_a_started_process_is_checked_against_the_fields_it_is_started_with(engine):  # R-81
    starter = "script: " + 'words = {"concern_words": "a concern"}\nstart_process("alert", **words)'
    alert = sketch("alert", {"message": "script: " + tell("concern_words")}, "start > message > end", None)
    deploys(engine, told({"raise": starter}, "start > raise > end", **{"alert.bpmn": alert}))
    unknown = sketch("alert", {"message": "script: " + tell("stage_words")}, "start > message > end", None)
    [problem] = refused(engine, told({"raise": starter}, "start > raise > end", **{"alert.bpmn": unknown}))
    assert (problem["file"], problem["element_id"]) == ("alert.bpmn", "message")


@pytest.mark.parametrize("starter", [None, 'start_process("alert", **allocation)',
                                     'words = {"a": 1}\nwords.update(allocation)\nstart_process("alert", **words)'],
                         ids=["no starter", "unknown mapping", "mapping changed by a method"])
def test_a_process_whose_start_data_cannot_be_seen_is_not_checked(engine, starter):  # R-81
    """Started over the API or a webhook with no start form, or from a mapping of unknown keys: any
    field may come with the start."""
    alert = sketch("alert", {"message": "script: " + tell("anything")}, "start > message > end", None)
    files = {"alert.bpmn": alert}
    if starter:
        files |= told({"pick": "user: grade", "raise": "script: allocation = dict(grade=grade)\n" + starter},
                      "start > pick > raise > end")
    deploys(engine, files | FORMS)


# --- the real definitions -------------------------------------------------------------------

def real_problems(files: dict[str, bytes]) -> list[str]:
    parsed, _ = parse_files(files)
    return [str(p) for p in unset_field_problems(parsed, case_fields({"auditor": "", "team_manager": ""}))]


def test_every_notification_in_processes_uses_only_fields_set_before_it():  # R-81
    assert real_problems(definition_files(*(p.name for p in _processes()))) == []


def test_the_report_email_names_a_grade_set_before_it_is_sent():  # R-19
    """The email to the practitioner and team manager after QA once read "overall grade {grade_label}":
    the label was set only later, at the upload. Without its own label the deploy refuses it."""
    files = definition_files(*(p.name for p in _processes()))
    diagram = files["case_audit.bpmn"].decode()
    assert "{grade_label}" in _script_of(diagram, "send_audit_report")
    without_label = diagram.replace(_script_of(diagram, "send_audit_report"),
                                    _script_of(diagram, "send_audit_report").split("\n")[-1])
    [problem] = real_problems(files | {"case_audit.bpmn": without_label.encode()})
    assert "case_audit.bpmn, element send_audit_report" in problem and "'grade_label'" in problem


def _processes():
    return sorted(p for p in (ROOT / "processes").iterdir() if p.suffix in (".bpmn", ".dmn"))


def _script_of(diagram: str, task_id: str) -> str:
    start = diagram.index("<bpmn:script>", diagram.index(f'<bpmn:scriptTask id="{task_id}"')) + len("<bpmn:script>")
    return diagram[start:diagram.index("</bpmn:script>", start)]
