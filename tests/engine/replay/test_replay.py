"""Replaying recorded case audits on a bundle before it is deployed (issue 29)."""
import json
from datetime import date, datetime

import pytest
from sqlalchemy import inspect, text

from engine.errors import InvalidDefinition, NotFound
from engine.replay import Selection
from engine.replay.runs import dao_get_replay_run
from engine.reporting.audit_report import audit_report
from tests.engine.replay import cases
from tests.engine.reporting.test_audit_report import alert_with_stage_2_due_in
from tests.flows.conftest import definition_files
from tests.flows.test_case_audit import FILES
from tests.flows.test_child_safety_alert import ALERT, STAGE_TASKS
from tests.flows.test_child_safety_alert import answer as answer_alert

PERIOD = Selection("case_audit", datetime.fromisoformat("2026-11-01T00:00:00+00:00"),
                   datetime.fromisoformat("2026-12-01T00:00:00+00:00"))
AS_OF = datetime.fromisoformat("2026-12-31T12:00:00+00:00")


@pytest.fixture
def audits(org):
    org.deploy(definition_files(*FILES), "olive")
    return org


def replay(engine, files: dict[str, bytes], as_of: datetime | None = AS_OF):
    return engine.replay(files, PERIOD, as_of)


def compared(result) -> dict[int, tuple[dict, dict]]:
    return {case["instance_id"]: (case["recorded"], case["replayed"]) for case in result.cases}


def test_an_unchanged_bundle_replays_every_case_as_it_was_recorded(audits, clock):  # R-01 R-60
    walked = [cases.qa_on_time(audits, clock), cases.qa_late(audits, clock, "2026-11-04T10:00:00+00:00"),
              cases.qa_returned_and_late(audits, clock), cases.disputed(audits, clock),
              cases.reaudit_due(audits, clock), cases.with_concern(audits, clock)]
    open_case = cases.still_open(audits, clock)
    result = replay(audits, definition_files(*FILES), as_of=None)  # the open case, up to the clock's now
    assert (result.selected, result.compared, result.open, result.diverged, result.failed) == (7, 6, 1, [], [])
    for iid, (recorded, replayed) in compared(result).items():
        assert replayed["status"] == recorded["status"], iid
        assert replayed["outcome"] == recorded["outcome"], iid
        assert replayed["deadlines"] == recorded["deadlines"], iid
        assert replayed["notifications"] == recorded["notifications"], iid
        assert replayed["started"] == recorded["started"], iid
    assert set(compared(result)) == {*walked, open_case}
    assert result.replayed == result.recorded and result.path_changes == []
    assert result.recorded["cases"] == 6 and result.recorded["reaudits"] == 1
    assert result.recorded["processes_started"] == {"child_safety_alert": 1, "agreed_actions": 6}  # one an audit
    with audits.db.reading() as session:  # the recorded side read as the reports read it
        pack = audit_report(session, date(2026, 11, 1), date(2026, 11, 30))
    assert pack["total"] == result.compared and pack["timeliness"] == result.recorded["deadlines"]


# --- what a process owner's change would have done ---------------------------------------------------

def edited(files: dict[str, bytes], name: str, old: str, new: str, count: int = 1) -> dict[str, bytes]:
    """The bundle with one file edited as a process owner would: `old` replaced by `new`, `count` times."""
    text = files[name].decode()
    assert text.count(old) == count, f"{old!r} is in {name} {text.count(old)} times"
    return files | {name: text.replace(old, new).encode()}


def qa_in_two_working_days() -> dict[str, bytes]:
    """case_audit with quality assurance due in 2 working days instead of 1 (its reminder moves too)."""
    files = definition_files(*FILES)
    text = files["case_audit.bpmn"].decode()
    timer = text.index('<bpmn:boundaryEvent id="timer_qa_due"')
    end = text.index("</bpmn:boundaryEvent>", timer)
    changed = text[timer:end].replace("add_working_days(now(), 1)", "add_working_days(now(), 2)") \
                             .replace('name="1 working day"', 'name="2 working days"')
    return files | {"case_audit.bpmn": (text[:timer] + changed + text[end:]).encode()}


def reminders(run: dict, element_id: str) -> int:
    return sum(n["element_id"] == element_id for n in run["notifications"])


def test_qa_in_two_working_days_drops_the_reminders_of_the_cases_qa_took_one_to_two_days(audits, clock):
    # R-01 R-17 R-70: QA answered the same day, on the 2nd working day (reminded at the end of the 1st), on the
    # 3rd (reminded either way): with 2 days, only the case answered on the 2nd working day loses its reminder
    same_day = cases.qa_on_time(audits, clock)
    second_day = cases.qa_late(audits, clock, "2026-11-04T10:00:00+00:00")
    third_day = cases.qa_late(audits, clock, "2026-11-05T10:00:00+00:00")
    result = replay(audits, qa_in_two_working_days())
    assert (result.compared, result.diverged, result.failed) == (3, [], [])
    runs = compared(result)
    recorded = {iid: reminders(runs[iid][0], "remind_qa_due") for iid in runs}
    replayed = {iid: reminders(runs[iid][1], "remind_qa_due") for iid in runs}
    assert recorded == {same_day: 0, second_day: 1, third_day: 1}
    assert replayed == {same_day: 0, second_day: 0, third_day: 1}
    took_one_to_two_days = 1  # second_day: submitted on Monday, answered on Wednesday before its end
    assert result.recorded["escalations"] - result.replayed["escalations"] == took_one_to_two_days
    assert result.recorded["escalations_by_role"] == {"qa_team": 2}
    assert result.replayed["escalations_by_role"] == {"qa_team": 1}
    # the deadline as record_audit_outcome names it, judged by the edited timer's due time
    assert result.recorded["deadlines"]["qa_within_1_day"] == {"met": 1, "missed": 2}
    assert result.replayed["deadlines"]["qa_within_1_day"] == {"met": 2, "missed": 1}
    [change] = result.path_changes
    assert (change["instance_id"], change["recorded_element_id"]) == (second_day, "timer_qa_due")
    assert runs[third_day][1]["deadlines"]["qa_within_1_day"]["due_at"] == "2026-11-04T23:59:59+00:00"


def test_alerting_the_hos_of_requires_improvement_moves_her_notifications_by_the_ri_audits(audits, clock):
    # R-01 R-19: audit_alerts.dmn's inadequate row made to take requires improvement too
    for grade in ("good", "requires_improvement", "requires_improvement", "inadequate"):
        cases.qa_on_time(audits, clock, grade)
    files = edited(definition_files(*FILES), "audit_alerts.dmn",
                   '<inputEntry id="rule_inadequate_grade"><text>"inadequate"</text></inputEntry>',
                   '<inputEntry id="rule_inadequate_grade"><text>? in ("inadequate", "requires_improvement")'
                   '</text></inputEntry>')
    result = replay(audits, files)
    assert (result.compared, result.diverged, result.failed) == (4, [], [])
    ri_audits = sum(case["recorded"]["outcome"]["overall_grade"] == "requires_improvement" for case in result.cases)
    assert ri_audits == 2
    before, after = result.recorded["notifications_by_role"], result.replayed["notifications_by_role"]
    assert after["head_of_service"] - before["head_of_service"] == ri_audits
    assert {role: n for role, n in after.items() if role != "head_of_service"} == {
        role: n for role, n in before.items() if role != "head_of_service"}
    assert result.replayed["notifications"] - result.recorded["notifications"] == 0  # the same alerts, one more role
    told_hal = [case for case in result.cases
                if any("hal" in n["recipients"] for n in case["replayed"]["notifications"])]
    assert len(told_hal) == ri_audits + 1  # and the inadequate one, as before
    assert result.path_changes == []


# --- divergence, honestly ----------------------------------------------------------------------------

SIGN_OFF = ('<bpmn:userTask id="sign_off_report" name="Sign off the accepted report" camunda:formKey="qa_review"/>\n'
            '      <bpmn:sequenceFlow id="flow_signed_off" sourceRef="sign_off_report" targetRef="qa_accepted"/>\n'
            '      <bpmn:endEvent id="qa_accepted" name="Report accepted"/>')


def with_a_sign_off_step() -> dict[str, bytes]:
    """case_audit with a new user task: the QA team signs the accepted report off before it is sent."""
    files = definition_files(*FILES)
    files = edited(files, "case_audit.bpmn", '<bpmn:endEvent id="qa_accepted" name="Report accepted"/>', SIGN_OFF)
    files = edited(files, "case_audit.bpmn", 'sourceRef="qa_outcome_gateway" targetRef="qa_accepted"/>',
                   'sourceRef="qa_outcome_gateway" targetRef="sign_off_report"/>')
    return edited(files, "case_audit.bpmn", "<bpmn:flowNodeRef>quality_assure_report</bpmn:flowNodeRef>",
                  "<bpmn:flowNodeRef>quality_assure_report</bpmn:flowNodeRef>\n"
                  "        <bpmn:flowNodeRef>sign_off_report</bpmn:flowNodeRef>")


def test_a_new_step_stops_the_cases_that_reach_it_and_nothing_is_invented(audits, clock):
    reached = [cases.qa_on_time(audits, clock), cases.disputed(audits, clock)]
    clock.set(cases.START)
    drafting = cases.start(audits)  # still drafting: never reaches the new step
    result = replay(audits, with_a_sign_off_step(), as_of=None)  # up to the clock's now, as recorded
    assert [(d["instance_id"], d["element_id"]) for d in result.diverged] == [(iid, "sign_off_report") for iid in reached]
    assert all(d["reason"] == 'the edited diagram asks for "Sign off the accepted report", which the recorded case '
                              "never answered" for d in result.diverged)
    assert (result.compared, result.open, result.failed) == (0, 1, [])
    assert result.recorded["cases"] == result.replayed["cases"] == 0  # no figures from cases that did not end
    for iid, (recorded, replayed) in compared(result).items():
        assert replayed["outcome"] is None and replayed["deadlines"] == {}  # nothing invented past the stop
        assert replayed["notifications"] == recorded["notifications"][:len(replayed["notifications"])]
        assert replayed["status"] == ("open" if iid == drafting else "diverged")


def test_a_recorded_answer_the_edited_form_refuses_stops_the_case_there(audits, clock):  # R-01 R-06
    iid = cases.qa_on_time(audits, clock)
    files = edited(definition_files(*FILES), "qa_review.json", '"required": [\n    "qa_outcome"\n  ]',
                   '"required": [\n    "qa_outcome",\n    "discussion_with_audit_team"\n  ]')
    result = replay(audits, files)
    [stop] = result.diverged
    assert (stop["instance_id"], stop["element_id"]) == (iid, "quality_assure_report")
    assert stop["reason"].startswith("the recorded answer no longer fits the form 'qa_review'")
    assert "discussion_with_audit_team" in stop["reason"] and result.compared == 0


# --- nothing is written ------------------------------------------------------------------------------

def row_counts(engine) -> dict[str, int]:
    with engine.db.reading() as session:
        tables = inspect(session.get_bind()).get_table_names()
        return {table: session.execute(text(f'SELECT COUNT(*) FROM "{table}"')).scalar_one() for table in tables}


def test_a_replay_writes_nothing(audits, clock):  # R-01 R-80
    cases.qa_returned_and_late(audits, clock)
    cases.with_concern(audits, clock)
    cases.still_open(audits, clock)
    before = row_counts(audits)
    assert before["outbox_message"] and before["history_event"] and before["audit_outcome"]
    result = audits.replay(qa_in_two_working_days(), PERIOD, AS_OF, kept_by="olive")
    assert result.compared == 2 and result.replayed["notifications"]
    after = row_counts(audits)
    assert after.pop("replay_run") == before.pop("replay_run") + 1  # its result, the only row it writes
    assert after == before  # no outbox row, no history entry, no outcome, no instance, no timer
    with audits.db.reading() as session:
        kept = dao_get_replay_run(session, result.run_id)
        assert (kept.process_id, kept.bundle_hash, kept.created_by, kept.status) == (
            "case_audit", result.bundle_hash, "olive", "done")
        assert kept.result == json.loads(json.dumps(result.as_dict() | {"run_id": None}))  # kept as it ran


# --- child-safety alerts -----------------------------------------------------------------------------

def test_a_shorter_stage_2_stops_the_alerts_answered_after_it_and_keeps_the_others(org, clock):  # R-01 R-42 R-45
    org.deploy(alert_with_stage_2_due_in(5), "olive")
    answered_on_day_4 = org.start_instance("child_safety_alert", ALERT, "ann")
    answer_alert(org, answered_on_day_4, 1, resolved=False)  # Monday 2 November: stage 2 from now
    answered_on_day_1 = org.start_instance("child_safety_alert", ALERT, "ann")
    answer_alert(org, answered_on_day_1, 1, resolved=False)
    clock.set(datetime.fromisoformat("2026-11-03T10:00:00+00:00"))
    answer_alert(org, answered_on_day_1, 2, resolved=True)
    clock.set(datetime.fromisoformat("2026-11-06T10:00:00+00:00"))  # Friday: the 4th working day
    answer_alert(org, answered_on_day_4, 2, resolved=True)
    alerts = Selection("child_safety_alert", PERIOD.started_from, PERIOD.started_to)

    same = org.replay(alert_with_stage_2_due_in(5), alerts, AS_OF)
    assert (same.compared, same.diverged) == (2, [])
    assert same.replayed == same.recorded and same.recorded["alerts_by_stage"] == {"2": 2}
    assert [c["replayed"]["outcome"] for c in same.cases] == [c["recorded"]["outcome"] for c in same.cases]

    shorter = org.replay(alert_with_stage_2_due_in(3), alerts, AS_OF)  # due by the end of Thursday 5 November
    assert [(d["instance_id"], d["element_id"]) for d in shorter.diverged] == [
        (answered_on_day_4, STAGE_TASKS[3])]  # stage 3 asked for: the record has no answer to give it
    assert shorter.compared == 1 and shorter.replayed["alerts_by_stage"] == {"2": 1}


def test_a_bundle_a_deploy_would_refuse_is_refused_before_any_case_runs(audits, clock):
    cases.qa_on_time(audits, clock)
    broken = edited(definition_files(*FILES), "case_audit.bpmn", "add_working_days(now(), 1)</bpmn:timeDate>",
                    "add_working_days(now(), </bpmn:timeDate>")
    with pytest.raises(InvalidDefinition) as refused:
        replay(audits, broken)
    assert any(p["element_id"] == "timer_qa_due" for p in refused.value.errors)  # at its element, as a deploy says
    with pytest.raises(NotFound):
        audits.replay(definition_files(*FILES), Selection("no_such_process", PERIOD.started_from, PERIOD.started_to))
