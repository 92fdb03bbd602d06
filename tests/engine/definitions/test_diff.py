"""The diff a process owner reads before deploying (issue 13): changes in the engine's terms, in words."""
from pathlib import Path

from engine.definitions.diff import file_diff

PROCESSES = Path(__file__).resolve().parents[3] / "processes"
AUDIT = (PROCESSES / "case_audit.bpmn").read_text()


def test_a_changed_qa_deadline_reads_as_the_timer_on_its_task():
    new = AUDIT.replace("add_working_days(now(), 1)</bpmn:timeDate>", "add_working_days(now(), 2)</bpmn:timeDate>")
    [changed] = file_diff(AUDIT, new, "case_audit.bpmn")["changed"]
    assert changed["id"] == "timer_qa_due"
    assert changed["changes"] == ["timer on Quality assure the audit report: add_working_days(now(), 1) → "
                                  "add_working_days(now(), 2)"]


def test_conditions_lanes_and_forms_are_changes_and_layout_is_not():
    moved = AUDIT.replace('qa_outcome == "returned"', 'qa_outcome == "sent back"').replace(
        'camunda:formKey="qa_review"', 'camunda:formKey="qa_review_2"').replace('x="', 'x="1')
    changes = [c for e in file_diff(AUDIT, moved, "case_audit.bpmn")["changed"] for c in e["changes"]]
    assert sorted(changes) == ['condition on returned: qa_outcome == "returned" → qa_outcome == "sent back"',
                       "form on Quality assure the audit report: qa_review → qa_review_2"]


def test_a_decision_rule_change_and_a_new_file():
    table = (PROCESSES / "findings_deadline.dmn").read_text()
    new = table.replace("<text>10</text>", "<text>12</text>")
    [rule] = file_diff(table, new, "findings_deadline.dmn")["changed"]
    assert rule["id"] == "rule_requires_improvement_or_above" and "10" in rule["changes"][0]
    fresh = file_diff(None, table, "findings_deadline.dmn")
    assert {"findings_deadline", "rule_inadequate"} <= {e["id"] for e in fresh["added"]} and not fresh["removed"]
