"""Policy as data, written once: the grade scale shared by forms, start forms with their defaults,
and deadlines whose names say what they count."""
import json

import pytest

from engine.errors import InvalidData, InvalidDefinition
from tests.fixtures.diagrams import NOTE_FORM, chain, grades, scripted
from tests.flows.conftest import definition_files
from tests.flows.test_case_audit import FILES

CASE = {"case_ref": "C-1001", "auditor": "ann", "practitioner": "pat", "audit_kind": "audit"}


def test_forms_take_the_shared_grade_scale_and_scripts_read_it(engine):
    relabelled = json.loads(grades()["grades.defs.json"])
    relabelled["$defs"]["grade"]["oneOf"][2]["title"] = "Needs work"
    form = {"type": "object", "properties": {"note": {"type": "string"}, "grade": {"$ref": "#/$defs/grade"}}}
    script = "label = grade_title('requires_improvement')\nrank = grade_rank('requires_improvement')"
    engine.deploy({"graded.bpmn": scripted(pid="graded", script=script), "note.json": json.dumps(form).encode(),
                   "grades.defs.json": json.dumps(relabelled).encode()}, "olive")
    data = engine.reads.instance(engine.start_instance("graded", CASE, "quinn"))["data"]
    assert (data["label"], data["rank"]) == ("Needs work", 3)
    [task] = engine.reads.ready_tasks()
    with pytest.raises(InvalidData) as refused:
        engine.complete_task(task["id"], {"note": "x", "grade": "great"}, "tom")
    assert refused.value.errors["grade"] == ["'great' is not one of: outstanding, good, requires_improvement, "
                                             "inadequate"]


def test_a_form_referring_to_a_definition_nobody_gives_is_not_deployed(engine):
    form = {"type": "object", "properties": {"note": {"$ref": "#/$defs/nowhere"}}}
    with pytest.raises(InvalidDefinition, match="'#/\\$defs/nowhere', which neither the form nor a shared"):
        engine.deploy({"chain.bpmn": chain(), "note.json": json.dumps(form).encode()}, "olive")


def test_a_start_form_fills_defaults_and_refuses_what_it_does_not_ask(engine):
    engine.deploy(definition_files(*FILES), "olive")
    data = engine.reads.instance(engine.start_instance("case_audit", CASE, "quinn"))["data"]
    assert (data["previous_grade"], data["team"], data["iro"]) == (None, None, None)  # declared defaults
    with pytest.raises(InvalidData) as refused:
        engine.start_instance("case_audit", CASE | {"child_name": "Jo", "audit_kind": "re_audit"}, "quinn")
    assert refused.value.errors["child_name"] == ["is not a field of the start form"]
    with pytest.raises(InvalidData) as refused:
        engine.start_instance("case_audit", CASE | {"audit_kind": "re_audit"}, "quinn")
    assert "previous_grade" in refused.value.errors  # a re-audit names the grade it follows


def test_a_timer_named_for_a_number_it_does_not_count_is_not_deployed(engine):
    xml = chain().replace(b'name="5 working days"', b'name="3 working days"')
    with pytest.raises(InvalidDefinition) as refused:
        engine.deploy({"chain.bpmn": xml, "note.json": NOTE_FORM}, "olive")
    problem = refused.value.errors[0]
    assert problem["element_id"] == "timer_1" and "says 3 working day(s) but the timer counts 5" in problem["message"]


def test_the_challenge_window_is_written_once(engine):  # R-18 R-34
    # issue 26: the window is a setting of case_audit_settings.dmn (no window by default), read once
    from lxml import etree
    root = etree.fromstring(definition_files("case_audit.bpmn")["case_audit.bpmn"])
    text = etree.tostring(root).decode()
    scripts = " ".join(root.xpath("//*[local-name()='script']/text()"))
    assert text.count("challenge_window_days") >= 3 and "5 working days" not in scripts  # quoted, never a number
    timer = root.xpath("//*[@id='challenge_window_ends']")[0]
    assert not any(c.isdigit() for c in timer.get("name")) and \
        timer.xpath("string(.//*[local-name()='timeDate'])") == "add_working_days(report_received_at, challenge_window_days)"
