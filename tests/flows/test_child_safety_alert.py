"""Walk-through of child_safety_alert (Appendix B, §2.10, §1.7; R-40 to R-45): stage 1 is the
discussion of the TM and SM, judged by the audit team, who escalate it if it is unresolved; stages
2 and 3 are the Head of Service's and the Assistant Director's responses; after stage 3 the audit
team judges whether the circumstances are exceptional before the Director is asked for a final
decision. Stage 1's timescale and who judges it are settings (processes/alert_settings.dmn)."""
from datetime import date, datetime

import pytest
from sqlalchemy import select

from engine.models import AlertOutcome
from engine.reporting.audit_report import Scope, alert_report_rows, alerts
from tests.flows.conftest import CASE, ROOT, complete, definition_files, messages, ready

ALERT = CASE | {"concern": "No safety plan after the incident", "raised_from": "case_audit",
                "child_name": "Jo Bloggs"}
STAGE_TASKS = {1: "discuss_with_tm_and_sm", 2: "hos_respond_to_alert", 3: "ad_respond_to_alert",
               4: "make_final_decision"}
CANDIDATES = {1: ["tom"], 2: ["hal"], 3: ["ada"], 4: ["dee"]}
URGENT = "a child's safety"


def alert_files(**settings: str) -> dict[str, bytes]:
    """The alert's files and every form; `settings` replaces an output cell of alert_settings.dmn."""
    files = definition_files("child_safety_alert.bpmn")
    for output, value in settings.items():
        text = files["alert_settings.dmn"].decode()
        cell = f'<outputEntry id="rule_alert_settings_{output}"><text>'
        start = text.index(cell) + len(cell)
        files["alert_settings.dmn"] = (text[:start] + value + text[text.index("</text>", start):]).encode()
    return files


def start(org, **settings: str) -> int:
    org.deploy(alert_files(**settings), "olive")
    return org.start_instance("child_safety_alert", ALERT, "ann")


def discuss(org, iid: int, resolved: bool) -> None:
    complete(org, iid, "discuss_with_tm_and_sm", {"summary": "Discussed with TM and SM.",
                                                  "outcome": "Safety plan to be written today.", "resolved": resolved})


def judge_stage_1(org, iid: int, resolved: bool) -> None:
    complete(org, iid, "judge_stage_1", {"judged_resolved": resolved, "judgement": "Checked the plan on the record."})


def answer(org, iid: int, stage: int, resolved: bool) -> None:
    """A stage's answer: stage 1 is the discussion and the audit team's judgement of it."""
    if stage == 1:
        discuss(org, iid, resolved=resolved)
        judge_stage_1(org, iid, resolved)
    else:
        complete(org, iid, STAGE_TASKS[stage], {"response": "Strategy meeting convened.", "resolved": resolved})


def judge_exceptional(org, iid: int, exceptional: bool) -> None:
    complete(org, iid, "judge_exceptional", {"exceptional": exceptional,
                                             "exceptional_reasons": "Risk of significant harm remains."})


def alert_events(org, iid: int) -> list[tuple]:
    """(type, from_stage, reason) of the alert's published events, in order."""
    published = [m for m in messages(org, instance_id=iid) if m.event_type.startswith("alert.")]
    for m in published:
        assert (m.payload["case_ref"], m.payload["process_id"]) == ("C-1001", "child_safety_alert")
        assert m.event_type != "alert.escalated" or m.payload["to_stage"] == m.payload["from_stage"] + 1
    return [(m.event_type, m.payload.get("from_stage"), m.payload.get("reason")) for m in published]


def outcome_row(org, iid: int) -> AlertOutcome | None:
    with org.db.transaction() as session:
        row = session.scalar(select(AlertOutcome).where(AlertOutcome.instance_id == iid))
        return row and (row.final_stage, row.outcome, row.stages_timed_out, row.answered_in_time)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


# --- stage 1: the TM and SM discuss, the audit team judges and escalates --------------------

def test_the_team_manager_is_told_at_once_and_the_audit_team_judges_stage_1_resolved(org, checkpoint):  # R-40 R-41
    iid = start(org)
    assert alert_events(org, iid) == [("alert.raised", None, None)]
    [urgent] = messages(org, "notification", iid)
    assert urgent.recipients == ["tom", "sue", "quinn"]
    assert urgent.subject == "URGENT: child safety concern on case C-1001"
    assert "Jo Bloggs" not in urgent.subject + urgent.body
    [task] = ready(org, iid, "discuss_with_tm_and_sm")
    # The stage 1 deadline is a setting, short by default: the end of the 2nd working day (Wednesday).
    assert (task["candidates"], task["due_at"], task["urgent"]) == (["tom"], "2026-11-04T23:59:59+00:00", URGENT)
    checkpoint(iid)
    discuss(org, iid, resolved=True)

    # The TM's "resolved" does not end the alert: the audit team, who raised it, judge it.
    assert org.reads.instance(iid)["status"] == "running"
    [record] = messages(org, "case_record.upload", iid)
    assert record.subject == "Child safety alert on case C-1001: stage 1 discussion"
    assert "Safety plan to be written today." in record.payload["case_note"]
    [judge] = ready(org, iid, "judge_stage_1")
    assert (judge["candidates"], judge["due_at"], judge["urgent"]) == (["quinn"], "2026-11-03T23:59:59+00:00", URGENT)
    checkpoint(iid)
    judge_stage_1(org, iid, resolved=True)

    view = org.reads.instance(iid)
    assert view["status"] == "completed"
    assert (view["data"]["alert_stage"], view["data"]["alert_outcome"]) == (1, "resolved")
    judged = messages(org, "case_record.upload", iid)[-1]
    assert judged.subject == "Child safety alert on case C-1001: stage 1 judged by the audit team"
    assert "Checked the plan on the record." in judged.payload["case_note"]
    told = messages(org, "notification", iid)[-1]
    assert told.subject == "Child safety alert on case C-1001: resolved at stage 1"
    assert told.recipients == ["ann", "quinn", "tom", "sue"]  # the auditor is told how it ended
    assert outcome_row(org, iid) == (1, "resolved", 0, True)


def test_the_audit_team_escalates_a_stage_1_they_judge_unresolved(org, checkpoint):  # R-41 R-42
    iid = start(org)
    discuss(org, iid, resolved=True)  # the TM and SM think it resolved
    checkpoint(iid)
    judge_stage_1(org, iid, resolved=False)  # the audit team does not
    [task] = ready(org, iid, "hos_respond_to_alert")
    assert task["candidates"] == ["hal"]
    assert alert_events(org, iid) == [("alert.raised", None, None), ("alert.escalated", 1, "unresolved")]
    assert org.reads.instance(iid)["data"]["alert_stage"] == 2


def test_stage_1_reminds_after_1_working_day_and_moves_up_at_its_deadline(org, clock, checkpoint):  # R-41 R-45
    iid = start(org)
    clock.set(at("2026-11-04T09:00:00+00:00"))  # a matter of urgency: a reminder after 1 working day
    assert org.fire_due_timers() == 1
    reminder = messages(org, "notification", iid)[-1]
    assert reminder.recipients == ["tom", "sue", "quinn"]
    assert reminder.subject == "URGENT: child safety concern on case C-1001: stage 1 discussion still awaited"
    assert len(ready(org, iid, "discuss_with_tm_and_sm")) == 1  # the discussion stays open
    checkpoint(iid)
    clock.set(at("2026-11-05T09:00:00+00:00"))  # no discussion recorded by the stage 1 deadline
    assert org.fire_due_timers() == 1
    assert ready(org, iid, "discuss_with_tm_and_sm") == []
    late = messages(org, "notification", iid)[-2]  # the audit team is told, then the Head of Service
    assert late.recipients == ["quinn"] and "not recorded by the stage 1 deadline" in late.subject
    assert len(ready(org, iid, "hos_respond_to_alert")) == 1
    assert alert_events(org, iid)[-1] == ("alert.escalated", 1, "no_response")


def test_the_audit_teams_judgement_is_reminded_when_it_is_late(org, clock, checkpoint):
    iid = start(org)
    discuss(org, iid, resolved=False)
    checkpoint(iid)
    clock.set(at("2026-11-04T09:00:00+00:00"))
    assert org.fire_due_timers() == 1
    reminder = messages(org, "notification", iid)[-1]
    assert reminder.recipients == ["quinn", "paula"]
    assert reminder.subject == "URGENT: child safety alert on case C-1001: the audit team's judgement is awaited"
    assert len(ready(org, iid, "judge_stage_1")) == 1  # still theirs to judge; nothing moves up unjudged


def test_who_judges_stage_1_is_a_setting(org, checkpoint):
    iid = start(org, stage_1_judged_by='"team_manager"')
    checkpoint(iid)
    discuss(org, iid, resolved=True)  # the team manager's outcome ends the alert under this setting
    view = org.reads.instance(iid)
    assert (view["status"], view["data"]["alert_stage"], view["data"]["alert_outcome"]) == ("completed", 1, "resolved")
    assert ready(org, iid, "judge_stage_1") == []


def test_stage_1_timescale_is_a_setting(org):  # R-41 R-70
    iid = start(org, stage_1_days="3", stage_1_reminder_days="2")
    [task] = ready(org, iid, "discuss_with_tm_and_sm")
    assert task["due_at"] == "2026-11-05T23:59:59+00:00"


# --- stages 2 and 3 (R-42, R-43) -------------------------------------------------------------------

@pytest.mark.parametrize("stage", [2, 3])
def test_the_alert_resolves_at_stage_2_or_3(org, checkpoint, stage):  # R-42 R-43
    iid = start(org)
    for earlier in range(1, stage):
        answer(org, iid, earlier, resolved=False)
    checkpoint(iid)
    [task] = ready(org, iid, STAGE_TASKS[stage])
    assert (task["candidates"], task["due_at"], task["urgent"]) == (CANDIDATES[stage], "2026-11-09T23:59:59+00:00",
                                                                    URGENT)
    emailed = [m for m in messages(org, "notification", iid) if "response required within 5 working days" in m.subject]
    assert [m.recipients for m in emailed] == [["hal", "quinn"], ["ada", "quinn"]][:stage - 1]
    answer(org, iid, stage, resolved=True)

    view = org.reads.instance(iid)
    assert (view["status"], view["data"]["alert_stage"], view["data"]["alert_outcome"]) == (
        "completed", stage, "resolved")
    records = messages(org, "case_record.upload", iid)
    assert [r.subject for r in records] == [
        "Child safety alert on case C-1001: stage 1 discussion",
        "Child safety alert on case C-1001: stage 1 judged by the audit team"] + [
        f"Child safety alert on case C-1001: stage {s} outcome" for s in range(2, stage + 1)]
    assert alert_events(org, iid) == [("alert.raised", None, None)] + [
        ("alert.escalated", s, "unresolved") for s in range(1, stage)]
    told = messages(org, "notification", iid)[-1]
    assert told.subject == f"Child safety alert on case C-1001: resolved at stage {stage}"
    assert told.recipients[0] == "ann"
    assert outcome_row(org, iid) == (stage, "resolved", 0, True)


# --- after stage 3: the audit team judges "exceptional" ---------------------------------------

def test_the_director_decides_only_when_the_audit_team_judges_it_exceptional(org, checkpoint):
    iid = start(org)
    for stage in (1, 2, 3):
        answer(org, iid, stage, resolved=False)
    assert ready(org, iid, "make_final_decision") == []  # nobody asks the Director before the judgement
    [judge] = ready(org, iid, "judge_exceptional")
    assert (judge["candidates"], judge["urgent"]) == (["quinn"], URGENT)
    assert org.reads.instance(iid)["data"]["alert_stage"] == 3
    checkpoint(iid)
    judge_exceptional(org, iid, exceptional=True)
    [task] = ready(org, iid, "make_final_decision")
    assert (task["candidates"], task["urgent"]) == (["dee"], URGENT)
    complete(org, iid, "make_final_decision", {"decision": "Case escalated to a strategy discussion."})

    view = org.reads.instance(iid)
    assert (view["status"], view["data"]["alert_stage"], view["data"]["alert_outcome"]) == (
        "completed", 4, "final_decision")
    assert messages(org, "case_record.upload", iid)[-1].subject == (
        "Child safety alert on case C-1001: Director's final decision")
    assert messages(org, "notification", iid)[-1].recipients[0] == "ann"
    assert outcome_row(org, iid) == (4, "final_decision", 0, True)


def test_not_exceptional_ends_the_alert_unresolved_at_stage_3_and_tells_the_audit_team(org, checkpoint):  # R-44 R-60
    iid = start(org)
    for stage in (1, 2, 3):
        answer(org, iid, stage, resolved=False)
    checkpoint(iid)
    judge_exceptional(org, iid, exceptional=False)

    view = org.reads.instance(iid)
    assert (view["status"], view["data"]["alert_stage"], view["data"]["alert_outcome"]) == (
        "completed", 3, "unresolved")
    assert ready(org, iid) == []
    record = messages(org, "case_record.upload", iid)[-1]
    assert record.subject == "Child safety alert on case C-1001: unresolved after stage 3"
    assert "Risk of significant harm remains." in record.payload["case_note"]
    told = messages(org, "notification", iid)[-1]
    assert told.subject == "Child safety alert on case C-1001: unresolved after stage 3, not escalated to the Director"
    assert told.recipients == ["ann", "quinn", "tom", "sue", "hal", "ada"]
    assert outcome_row(org, iid) == (3, "unresolved", 0, True)
    with org.db.transaction() as session:  # the reports count it: stage 3, unresolved
        november = Scope(date(2026, 11, 1), date(2026, 11, 30))
        [row] = alert_report_rows(session, november)
        counted = alerts(session, november)
    assert (row["case_ref"], row["raised_from"], row["final_stage"], row["outcome"]) == (
        "C-1001", "case_audit", 3, "unresolved")
    assert (counted["by_final_stage"], counted["by_outcome"]) == ({"3": 1}, {"unresolved": 1})


# --- no response in time (R-45) ----------------------------------------------------------------------

def test_no_response_in_time_escalates_each_stage_and_the_audit_team_judges_at_stage_3(org, clock, checkpoint):  # R-45 R-70
    iid = start(org)
    # Stage 1's deadline is the setting (2 working days); stages 2 and 3 have 5 working days each.
    steps = [(1, "2026-11-04T23:59:59+00:00", "2026-11-05T09:00:00+00:00", 2, "not recorded by the stage 1 deadline"),
             (2, "2026-11-12T23:59:59+00:00", "2026-11-13T09:00:00+00:00", 1, "no response from the Head of Service"),
             (3, "2026-11-20T23:59:59+00:00", "2026-11-23T09:00:00+00:00", 1, "no response from the Assistant Director")]
    for stage, due, after, fired, said in steps:
        [task] = ready(org, iid, STAGE_TASKS[stage])
        assert (task["candidates"], task["due_at"]) == (CANDIDATES[stage], due)
        if stage == 2:
            checkpoint(iid)
        clock.set(at(after))
        assert org.fire_due_timers() == fired  # stage 1: its reminder too
        assert ready(org, iid, STAGE_TASKS[stage]) == []
        late = [m for m in messages(org, "notification", iid) if said in m.subject][-1]
        assert late.recipients == ["quinn"]  # the audit team is told
        assert org.reads.instance(iid)["data"]["alert_outcome"] == "no_response"

    assert ready(org, iid, "make_final_decision") == []
    [judge] = ready(org, iid, "judge_exceptional")
    assert judge["candidates"] == ["quinn"]
    assert org.reads.instance(iid)["data"]["alert_stage"] == 3
    assert alert_events(org, iid) == [("alert.raised", None, None)] + [
        ("alert.escalated", s, "no_response") for s in (1, 2)]  # each move up, for webhook subscribers
    assert [r.payload["report"].get("timed_out") for r in messages(org, "case_record.upload", iid)] == [True] * 3
    judge_exceptional(org, iid, exceptional=True)
    assert alert_events(org, iid)[-1] == ("alert.escalated", 3, "no_response")
    clock.set(at("2026-12-01T09:00:00+00:00"))  # the Director is reminded; the decision stays open
    assert org.fire_due_timers() == 1
    assert messages(org, "notification", iid)[-1].recipients == ["dee", "quinn"]
    assert len(ready(org, iid, "make_final_decision")) == 1
    complete(org, iid, "make_final_decision", {"decision": "Strategy discussion"})
    assert outcome_row(org, iid) == (4, "final_decision", 3, False)


# --- alerts running on the version before the audit team judged (migration) --------------------------

V1 = ROOT / "tests" / "fixtures" / "child_safety_alert_v1.bpmn"  # stage 1 closed by the TM, Director automatic


def test_alerts_past_stage_1_move_to_this_version_and_stage_1_alerts_stay(org, checkpoint):  # R-41 R-44
    files = alert_files()
    org.deploy({name: text for name, text in files.items() if name != "alert_settings.dmn"}
               | {"child_safety_alert.bpmn": V1.read_bytes()}, "olive")
    at_stage = {stage: org.start_instance("child_safety_alert", ALERT, "ann") for stage in (1, 2, 3, 4)}
    for stage, iid in at_stage.items():
        for earlier in range(1, stage):
            data = ({"summary": "s", "outcome": "o", "resolved": False} if earlier == 1
                    else {"response": "r", "resolved": False})
            complete(org, iid, STAGE_TASKS[earlier], data)
    org.deploy(files, "olive")

    with pytest.raises(Exception, match="stage_1_days"):  # the settings this version reads at the start
        org.migrate(at_stage[1], 2, "olive")
    assert org.reads.instance(at_stage[1])["version"] == 1  # it finishes stage 1 where it is
    for stage in (2, 3, 4):
        org.migrate(at_stage[stage], 2, "olive")
        checkpoint(at_stage[stage])
        assert [t["element_id"] for t in ready(org, at_stage[stage])] == [STAGE_TASKS[stage]]
        assert org.reads.instance(at_stage[stage])["timers"][0]["due_at"] == "2026-11-09T23:59:59+00:00"  # kept

    answer(org, at_stage[2], 2, resolved=True)
    answer(org, at_stage[3], 3, resolved=False)
    judge_exceptional(org, at_stage[3], exceptional=False)  # the judgement this version asks for
    complete(org, at_stage[4], "make_final_decision", {"decision": "Strategy discussion"})
    for stage, ending in ((2, (2, "resolved")), (3, (3, "unresolved")), (4, (4, "final_decision"))):
        view = org.reads.instance(at_stage[stage])
        assert (view["status"], view["data"]["alert_stage"], view["data"]["alert_outcome"]) == ("completed", *ending)
        assert outcome_row(org, at_stage[stage])[:2] == ending
        assert messages(org, "notification", at_stage[stage])[-1].recipients[0] == "ann"  # told how it ended
