"""Deploying bundles: versions, and every kind of invalid bundle refused with file, element and line."""
import pytest
from sqlalchemy import func, select

from engine.errors import InvalidDefinition
from engine.models import DefinitionFile, HistoryEvent, ProcessVersion
from tests.fixtures.diagrams import GRADE_FORM, NOTE_FORM, chain, chain_bundle, decision, with_decision


def count(engine, model) -> int:
    with engine.db.transaction() as session:
        return session.scalar(select(func.count()).select_from(model))


def refused(engine, files: dict[str, bytes]) -> list[dict]:
    """Deploy, expect refusal, check nothing was stored, return the problems."""
    before = [count(engine, m) for m in (DefinitionFile, ProcessVersion, HistoryEvent)]
    with pytest.raises(InvalidDefinition) as caught:
        engine.deploy(files, "olive")
    assert [count(engine, m) for m in (DefinitionFile, ProcessVersion, HistoryEvent)] == before
    return caught.value.errors


def line_of(content: bytes, needle: str) -> int:
    """The 1-based line of the first line containing needle."""
    return next(number for number, line in enumerate(content.decode().splitlines(), 1) if needle in line)


def graded_bundle(**kwargs) -> dict[str, bytes]:
    return {"graded.bpmn": with_decision(**kwargs), "reaudit.dmn": decision(), "grade.json": GRADE_FORM}


# --- versions ---------------------------------------------------------------------------

def test_first_deploy_creates_version_1(engine):
    deployed = engine.deploy(chain_bundle(), "olive")
    assert [(d.process_id, d.version, d.created) for d in deployed] == [("chain", 1, True)]


def test_unchanged_content_is_not_a_new_version(engine):
    engine.deploy(chain_bundle(), "olive")
    deployed = engine.deploy(chain_bundle(), "olive")
    assert [(d.version, d.created) for d in deployed] == [(1, False)]
    assert count(engine, ProcessVersion) == 1


def test_changed_process_becomes_a_new_version(engine):
    engine.deploy(chain_bundle(days=5), "olive")
    deployed = engine.deploy(chain_bundle(days=7), "olive")
    assert [(d.version, d.created) for d in deployed] == [(2, True)]


def test_changed_form_alone_gives_its_processes_a_new_version(engine):
    engine.deploy(chain_bundle(), "olive")
    stricter = NOTE_FORM.replace(b'"minLength": 1', b'"minLength": 10')
    deployed = engine.deploy({"note.json": stricter}, "olive")
    assert [(d.process_id, d.version) for d in deployed] == [("chain", 2)]


def test_changed_decision_table_gives_its_processes_a_new_version(engine):
    engine.deploy(graded_bundle(), "olive")
    deployed = engine.deploy({"reaudit.dmn": decision(output_text="False")}, "olive")
    assert [(d.process_id, d.version, d.created) for d in deployed] == [("graded", 2, True)]


def test_running_instance_stays_on_its_version(engine):
    engine.deploy(chain_bundle(days=5), "olive")
    first = engine.start_instance("chain", {"case_ref": "C-1"}, "ann")
    engine.deploy(chain_bundle(days=7), "olive")
    second = engine.start_instance("chain", {"case_ref": "C-2"}, "ann")
    assert [engine.reads.instance(i)["version"] for i in (first, second)] == [1, 2]


def test_call_activity_resolves_to_a_deployed_process(engine):
    engine.deploy(chain_bundle(pid="child"), "olive")
    deployed = engine.deploy(graded_bundle(call="child"), "olive")
    assert ("graded", 1) in [(d.process_id, d.version) for d in deployed]


# --- refused bundles --------------------------------------------------------------------

XXE = b'''<?xml version="1.0"?>
<!DOCTYPE foo [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"><bpmn:process id="p">&xxe;</bpmn:process></bpmn:definitions>'''

BILLION_LAUGHS = b'''<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">&lol3;</bpmn:definitions>'''


@pytest.mark.parametrize("content", [XXE, BILLION_LAUGHS], ids=["xxe", "billion-laughs"])
def test_dtds_and_entities_are_refused(engine, content):
    [problem] = refused(engine, {"evil.bpmn": content})
    assert problem["file"] == "evil.bpmn" and problem["line"] == 2
    assert "DTD" in problem["message"]


def test_malformed_xml_names_the_line(engine):
    broken = chain().replace(b'<bpmn:endEvent id="end" />', b'<bpmn:endEvent id="end">')
    [problem] = refused(engine, {"chain.bpmn": broken, "note.json": NOTE_FORM})
    assert problem["file"] == "chain.bpmn" and problem["line"] and "not well-formed" in problem["message"]


def test_gateway_condition_syntax_error_names_flow_and_line(engine):
    bad = with_decision().replace(b"reaudit == True", b"reaudit == = True")
    problems = refused(engine, graded_bundle() | {"graded.bpmn": bad})
    assert [(p["file"], p["element_id"], p["line"]) for p in problems] == [
        ("graded.bpmn", "f_yes", line_of(bad, "reaudit == = True"))]


def test_timer_expression_error_names_the_timer(engine):
    files = chain_bundle(timer="add_working_days(now(), 5")
    problems = refused(engine, files)
    assert {p["element_id"] for p in problems} == {"timer_1", "timer_2", "timer_3"}
    assert problems[0]["line"] == line_of(files["chain.bpmn"], "add_working_days(now(), 5<")


def test_script_error_points_at_the_line_inside_the_script(engine):
    script = "x = 1\ny = 2\nz = (\n"
    files = chain_bundle(steps=1, script=script)
    [problem] = refused(engine, files)
    assert problem["element_id"] == "escalate_1"
    assert problem["line"] == line_of(files["chain.bpmn"], "<bpmn:script>x = 1") + 2


@pytest.mark.parametrize("script", ["import os", "open('/etc/passwd').read()", "eval('1+1')",
                                    "().__class__.__bases__[0].__subclasses__()"])
def test_script_escapes_are_refused_at_deploy(engine, script):
    [problem] = refused(engine, chain_bundle(steps=1, script=script))
    assert problem["element_id"] == "escalate_1" and problem["line"]


def test_dmn_expression_error_names_the_rule_cell(engine):
    bad = decision(output_text="True +")
    problems = refused(engine, graded_bundle() | {"reaudit.dmn": bad})
    assert [(p["file"], p["element_id"]) for p in problems] == [("reaudit.dmn", "rule_inadequate_out")]
    assert problems[0]["line"] == line_of(bad, "True +")


def test_user_task_without_lane_is_refused(engine):
    files = chain_bundle(steps=1)
    no_lane = files["chain.bpmn"].replace(b'name="Auditor"', b'name=""')
    [problem] = refused(engine, files | {"chain.bpmn": no_lane})
    assert (problem["element_id"], problem["line"]) == ("step_1", line_of(no_lane, 'id="step_1"'))
    assert "not in a lane" in problem["message"]


def test_lane_naming_an_unknown_role_is_refused(engine):  # lanes name the framework's roles
    [problem] = refused(engine, chain_bundle(steps=1, lane="Chief Auditor"))
    assert problem["element_id"] == "step_1" and "names no known role" in problem["message"]


def test_missing_form_is_refused(engine):
    [problem] = refused(engine, {"chain.bpmn": chain(steps=1, form="nowhere")})
    assert problem["element_id"] == "step_1" and "form 'nowhere' does not exist" in problem["message"]


def test_invalid_json_schema_form_is_refused(engine):
    problems = refused(engine, chain_bundle(steps=1) | {"note.json": b'{"type": "objekt"}'})
    assert problems[0]["file"] == "note.json" and "not a valid JSON Schema" in problems[0]["message"]


def test_unresolved_call_activity_is_refused(engine):
    files = graded_bundle(call="nowhere")
    [problem] = refused(engine, files)
    assert (problem["file"], problem["element_id"]) == ("graded.bpmn", "call_child")
    assert problem["line"] == line_of(files["graded.bpmn"], 'id="call_child"')


def test_unknown_decision_is_refused(engine):
    files = {"graded.bpmn": with_decision(decision_ref="nowhere"), "grade.json": GRADE_FORM}
    [problem] = refused(engine, files)
    assert (problem["file"], problem["element_id"]) == ("graded.bpmn", "decide")
    assert problem["line"] == line_of(files["graded.bpmn"], 'id="decide"')


def test_xsd_violation_is_refused_with_line(engine):
    files = chain_bundle(steps=1)
    bad = files["chain.bpmn"].replace(b'<bpmn:endEvent id="end" />', b'<bpmn:endEvent id="end" /><bpmn:bogus />')
    [problem] = refused(engine, files | {"chain.bpmn": bad})
    assert problem["file"] == "chain.bpmn" and problem["line"] == line_of(bad, "<bpmn:bogus />")


def test_one_bad_file_stops_the_whole_bundle(engine):
    files = chain_bundle() | {"other.bpmn": chain(pid="other", lane="Nobody")}
    refused(engine, files)
    assert count(engine, ProcessVersion) == 0


def test_unknown_file_type_and_empty_bundle_are_refused(engine):
    assert refused(engine, {"notes.txt": b"hello"})[0]["file"] == "notes.txt"
    refused(engine, {})


def test_starter_roles_come_from_the_diagram_and_must_be_roles(engine):
    files = chain_bundle()
    files["chain.bpmn"] = files["chain.bpmn"].replace(
        b'isExecutable="true"', b'isExecutable="true" camunda:candidateStarterGroups="qa_team, auditor"')
    engine.deploy(files, "olive")
    with engine.db.transaction() as session:
        assert session.query(ProcessVersion).one().starter_roles == ["qa_team", "auditor"]
    files["chain.bpmn"] = files["chain.bpmn"].replace(b"qa_team, auditor", b"qa_team, wizard")
    [problem] = refused(engine, files)
    assert problem["element_id"] == "chain" and "wizard" in problem["message"]


def test_a_file_that_is_not_utf8_is_refused(engine):
    files = chain_bundle()
    files["chain.bpmn"] = files["chain.bpmn"].replace(b'name="Chain"', b'name="Cha\xefne"')
    [problem] = refused(engine, files)
    assert problem["file"] == "chain.bpmn" and "UTF-8" in problem["message"]
