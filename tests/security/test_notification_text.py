"""Item 7: no free text typed by staff in an email or a webhook event. The deploy refuses a message
that uses a free-text field (or a copy of one); at run time such fields are withheld anyway."""
import json

import pytest

from engine.errors import InvalidDefinition
from engine.outbox import WITHHELD, withhold_names
from tests.fixtures.diagrams import chain

FEEDBACK_FORM = json.dumps({"type": "object", "properties": {
    "note": {"type": "string", "minLength": 1},
    "grade": {"enum": ["good", "inadequate"]}, "held_on": {"type": "string", "format": "date"}}}).encode()


def deploy_notifying(engine, script: str):
    """chain's step_1 form declares the free-text `note`; its timer's script sends the message."""
    engine.deploy({"told.bpmn": chain(pid="told", steps=1, script=script), "note.json": FEEDBACK_FORM}, "olive")


@pytest.mark.parametrize("script", [
    'notify(["auditor"], "Case {case_ref}", "They wrote: {note} {link}")',
    'notify(["auditor"], "Case {case_ref}", "They wrote: " + note)',
    'copied = note\nnotify(["auditor"], "Case {case_ref}", "{copied}")',
    'publish("alert.raised", words=note)',
    'start_process("told", said=note)\nnotify(["auditor"], "{said}", "")',
])
def test_a_message_using_free_text_is_not_deployed(engine_of, script):
    with pytest.raises(InvalidDefinition) as refused:
        deploy_notifying(engine_of, script)
    # the last case also starts itself, which is refused too (test_diagram_limits.py)
    problem = next(p for p in refused.value.errors if "free text typed by staff" in p["message"])
    assert (problem["file"], problem["element_id"]) == ("told.bpmn", "escalate_1") and problem["line"]


def test_a_message_using_enums_dates_and_the_case_is_deployed(engine_of):
    deploy_notifying(engine_of, 'notify(["auditor"], "Case {case_ref}: {grade}", "On {held_on} by {auditor} {link}")')


def test_free_text_is_withheld_at_run_time_whatever_a_diagram_says():
    assert withhold_names({"note": "Jane's school", "grade": "good", "child_name": "Jo"}, frozenset({"note"})) == {
        "note": WITHHELD, "grade": "good", "child_name": WITHHELD}


def test_the_feedback_email_points_to_the_case_page(engine_of):
    from engine.definitions.bundle import parse_files
    from tests.flows.conftest import definition_files
    parsed, _ = parse_files(definition_files("case_audit.bpmn"))
    script = next(e.text for x in parsed.xml.values() for e in x.root.iter()
                  if e.getparent() is not None and e.getparent().get("id") == "feed_back_to_previous_practitioner")
    assert "{feedback_for_previous_practitioner}" not in script and "{link}" in script
