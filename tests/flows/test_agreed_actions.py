"""Walk-throughs of agreed_actions (R-27, R-28): the SMART actions agreed in an audit's findings
discussion become their owners' tasks, with a reminder before they are due and the team manager,
then the service manager, told when they are overdue, counted in working days; the service manager
closes the loop. case_audit starts it beside itself as the discussion is recorded. The clock starts
on Monday 2 November 2026 09:00 UTC; Christmas 2026 has bank holidays on Friday 25 and Monday 28
December, and New Year on Friday 1 January 2027."""
from datetime import datetime
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from engine.errors import InvalidData
from engine.models import AgreedAction, ProcessInstance
from tests.fixtures.directory import add_leaver_and_auditing_practitioner
from tests.flows.conftest import complete, messages, ready
from tests.flows.test_case_audit import audits, review_note, start, to_findings_discussion  # noqa: F401  (fixture)

PAT_ACTION = {"action": "Update the chronology", "owner": "pat", "due": "by_date", "by_when": "2026-12-29"}
TOM_ACTION = {"action": "Check supervision every month", "owner": "tom", "due": "within_working_days",
              "within_working_days": 40}
PAT_DUE = "2026-12-29T23:59:59+00:00"  # the end of the date given
TOM_DUE = "2027-01-04T23:59:59+00:00"  # 40 working days after Wednesday 4 November: Christmas and New Year skipped


def discussed(*actions: dict) -> dict:
    return {"held_on": "2026-11-04", "recorded_in_case_note": True, "smart_actions": list(actions)}


def agree(engine, grade: str = "requires_improvement", actions=(PAT_ACTION, TOM_ACTION), attended: bool = False,
          **start_data) -> tuple[int, int]:
    """An audit driven to its findings discussion, where the actions are agreed: (audit, agreed actions)."""
    iid = start(engine, **start_data)
    to_findings_discussion(engine, iid, grade, team_manager_attended=attended)
    complete(engine, iid, "discuss_audit_findings", discussed(*actions))
    return iid, actions_instance(engine, iid)


def actions_instance(engine, audit_id: int) -> int:
    with engine.db.reading() as session:
        return session.scalars(select(ProcessInstance.id).where(ProcessInstance.parent_id == audit_id,
                                                                ProcessInstance.process_id == "agreed_actions")).one()


def owner_tasks(engine, aid: int) -> dict[str, dict]:
    """The ready action tasks by their one candidate."""
    tasks = ready(engine, aid, "complete_agreed_action")
    assert all(len(task["candidates"]) == 1 for task in tasks)
    return {task["candidates"][0]: task for task in tasks}


def complete_as(engine, task: dict, data: dict, actor: str) -> None:
    engine.complete_task(task["id"], data, actor)


def rows(engine, aid: int) -> list[SimpleNamespace]:
    """The agreed_action rows of an agreed_actions instance, as read now (not tied to a session)."""
    with engine.db.reading() as session:
        found = session.scalars(select(AgreedAction).where(AgreedAction.actions_instance_id == aid)
                                .order_by(AgreedAction.position))
        return [SimpleNamespace(**{c.key: getattr(r, c.key) for c in AgreedAction.__table__.columns}) for r in found]


def told(engine, aid: int, subject_part: str) -> list[list[str]]:
    return [m.recipients for m in messages(engine, "notification", aid) if subject_part in m.subject]


def fire_at(engine, clock, iso: str) -> None:
    clock.set(datetime.fromisoformat(iso))
    engine.fire_due_timers()


DONE = {"done": True, "done_on": "2026-11-20", "what_was_done": "Chronology brought up to date"}
NOT_DONE = {"done": False, "why_not_done": "The family moved out of the area"}


# --- the actions become their owners' tasks -------------------------------------------------------

def test_agreed_actions_become_tasks_for_their_owners_alone(audits, clock, checkpoint):
    iid, aid = agree(audits)
    checkpoint(aid)
    tasks = owner_tasks(audits, aid)
    assert set(tasks) == {"pat", "tom"}  # each the owner's alone: only they are candidates
    assert (tasks["pat"]["due_at"], tasks["tom"]["due_at"]) == (PAT_DUE, TOM_DUE)  # not at their reminders
    # The audit goes on beside them: the QA team reviews the case note and the audit completes.
    complete(audits, iid, "review_case_note", review_note())
    assert audits.reads.instance(iid)["status"] == "completed"
    assert audits.reads.instance(aid)["status"] == "running"

    clock.set(datetime.fromisoformat("2026-11-20T10:00:00+00:00"))
    complete_as(audits, tasks["pat"], DONE, "pat")
    checkpoint(aid)
    complete_as(audits, owner_tasks(audits, aid)["tom"], NOT_DONE, "tom")
    [review] = ready(audits, aid, "service_manager_close_actions")
    assert review["candidates"] == ["sue"]
    # The closing review sees both actions with their outcome.
    actions = audits.reads.instance(aid)["data"]["actions"]
    assert [(a["owner"], a["due_at"], a["outcome"]) for a in actions] == [
        ("pat", PAT_DUE, "done"), ("tom", TOM_DUE, "not_done")]
    assert (actions[0]["what_was_done"], actions[0]["done_on"]) == (DONE["what_was_done"], "2026-11-20")
    assert actions[1]["why_not_done"] == NOT_DONE["why_not_done"]
    complete(audits, aid, "service_manager_close_actions", {"closed_as": "all_done"})
    assert audits.reads.instance(aid)["status"] == "completed"


# --- reminder and escalation, in working days across Christmas -------------------------------------

def test_reminder_then_team_manager_then_service_manager_across_bank_holidays(audits, clock, checkpoint):  # R-27 R-70
    _, aid = agree(audits, actions=(PAT_ACTION,))
    checkpoint(aid)
    # Reminded 2 working days before Tuesday 29 December (agreed_actions_settings.dmn): the end of
    # Wednesday 23, since Friday 25 and Monday 28 are bank holidays (counting weekdays would give the 24th).
    # A timer fires once its time is past.
    fire_at(audits, clock, "2026-12-23T23:59:59+00:00")
    assert told(audits, aid, "due soon") == []
    fire_at(audits, clock, "2026-12-24T00:00:00+00:00")
    assert told(audits, aid, "due soon") == [["pat"]]
    checkpoint(aid)
    fire_at(audits, clock, "2026-12-29T23:59:59+00:00")
    assert told(audits, aid, "overdue") == []
    fire_at(audits, clock, "2026-12-30T00:00:00+00:00")  # past due: the owner and the team manager
    assert told(audits, aid, "is overdue") == [["pat", "tom"]]
    # The service manager 5 working days after: the end of Wednesday 6 January, New Year's Day skipped.
    fire_at(audits, clock, "2027-01-06T23:59:59+00:00")
    assert told(audits, aid, "still overdue") == []
    checkpoint(aid)
    fire_at(audits, clock, "2027-01-07T00:00:00+00:00")
    assert told(audits, aid, "still overdue") == [["sue"]]
    [task] = owner_tasks(audits, aid).values()  # the task stays open: done late is still done
    complete_as(audits, task, DONE, "pat")
    [row] = rows(audits, aid)
    assert (row.outcome, row.completed_at > row.due_at) == ("done", True)
    assert all("C-1001" in m.subject and "/instances/" in m.body for m in messages(audits, "notification", aid))


def test_an_action_done_before_its_reminder_tells_nobody(audits, clock):
    _, aid = agree(audits, actions=(PAT_ACTION,))
    complete_as(audits, owner_tasks(audits, aid)["pat"], DONE, "pat")
    fire_at(audits, clock, "2027-02-01T12:00:00+00:00")
    assert messages(audits, "notification", aid) == []


# --- closing the loop -----------------------------------------------------------------------------

def test_carried_into_the_reaudit_needs_a_reason(audits, clock, checkpoint):
    _, aid = agree(audits)
    for owner, task in owner_tasks(audits, aid).items():
        complete_as(audits, task, DONE if owner == "pat" else NOT_DONE, owner)
    checkpoint(aid)
    with pytest.raises(InvalidData) as refused:
        complete(audits, aid, "service_manager_close_actions", {"closed_as": "carried_into_reaudit"})
    assert refused.value.status == 422 and "carried_reason" in str(refused.value.by_field())
    assert len(ready(audits, aid, "service_manager_close_actions")) == 1
    assert {row.closed_as for row in rows(audits, aid)} == {None}
    clock.set(datetime.fromisoformat("2026-12-01T10:00:00+00:00"))
    complete(audits, aid, "service_manager_close_actions",
             {"closed_as": "carried_into_reaudit", "carried_reason": "The move delayed the plan"})
    assert [(r.closed_as, r.carried_reason) for r in rows(audits, aid)] == [
        ("carried_into_reaudit", "The move delayed the plan")] * 2


def test_after_a_second_reaudit_the_head_of_service_closes_the_loop(audits):  # R-26 R-27
    _, aid = agree(audits, "inadequate", (PAT_ACTION,), True, audit_kind="re_re_audit", previous_grade="inadequate")
    complete_as(audits, owner_tasks(audits, aid)["pat"], DONE, "pat")
    assert ready(audits, aid, "service_manager_close_actions") == []
    [review] = ready(audits, aid, "head_of_service_close_actions")
    assert review["candidates"] == ["hal"]


# --- the rows the reports count (R-28) ------------------------------------------------------------

def test_agreed_action_rows_are_what_was_agreed_and_done(audits, clock):  # R-27 R-28
    iid, aid = agree(audits)
    agreed = rows(audits, aid)
    assert [(r.position, r.action, r.owner, r.due_at.isoformat(), r.outcome, r.completed_at) for r in agreed] == [
        (0, PAT_ACTION["action"], "pat", PAT_DUE, None, None), (1, TOM_ACTION["action"], "tom", TOM_DUE, None, None)]
    assert {(r.audit_instance_id, r.actions_instance_id, r.case_ref, r.service_area, r.team, r.audit_kind,
             r.audit_grade) for r in agreed} == {
        (iid, aid, "C-1001", "safeguarding_support", "sas_1", "audit", "requires_improvement")}
    assert {r.agreed_at.isoformat() for r in agreed} == {"2026-11-02T09:00:00+00:00"}  # the step that recorded the discussion

    clock.set(datetime.fromisoformat("2026-11-20T10:00:00+00:00"))
    complete_as(audits, owner_tasks(audits, aid)["tom"], NOT_DONE, "tom")
    clock.set(datetime.fromisoformat("2026-12-30T10:00:00+00:00"))
    complete_as(audits, owner_tasks(audits, aid)["pat"], DONE, "pat")
    complete(audits, aid, "service_manager_close_actions", {"closed_as": "all_done"})
    assert [(r.owner, r.completed_at.isoformat(), r.outcome, r.closed_as, r.carried_reason) for r in rows(audits, aid)] == [
        ("pat", "2026-12-30T10:00:00+00:00", "done", "all_done", None),
        ("tom", "2026-11-20T10:00:00+00:00", "not_done", "all_done", None)]


# --- the due date, and who may own an action ------------------------------------------------------

@pytest.mark.parametrize("due, expected", [
    ({"due": "by_date", "by_when": "2026-11-30"}, "2026-11-30T23:59:59+00:00"),
    ({"due": "by_date", "by_when": "2027-06-30"}, "2027-06-30T22:59:59+00:00"),  # 23:59:59 London, summer time
    ({"due": "within_working_days", "within_working_days": 5}, "2026-11-11T23:59:59+00:00"),  # from Wednesday 4 November
    ({"due": "within_working_days", "within_working_days": 36}, "2026-12-24T23:59:59+00:00"),
    ({"due": "within_working_days", "within_working_days": 37}, "2026-12-29T23:59:59+00:00"),  # 25 and 28 skipped
])
def test_due_by_a_date_or_within_working_days_of_the_discussion(audits, due, expected):  # R-27 R-70
    _, aid = agree(audits, actions=({"action": "Update the plan", "owner": "pat"} | due,))
    [row] = rows(audits, aid)
    assert row.due_at.isoformat() == expected
    assert owner_tasks(audits, aid)["pat"]["due_at"] == expected


@pytest.mark.parametrize("change, message", [
    ({"owner": "nobody"}, "'nobody' is not a person of the directory"),
    ({"owner": "gus"}, "'gus' is no longer active in the directory"),
    ({"owner": "quinn"}, "'quinn' does not hold an action owning role (practitioner, team manager)"),
])
def test_an_unknown_inactive_or_unfit_owner_is_refused_and_nothing_changes(audits, change, message):
    add_leaver_and_auditing_practitioner(audits)
    iid = start(audits)
    to_findings_discussion(audits, iid, "good")
    with pytest.raises(InvalidData) as refused:
        complete(audits, iid, "discuss_audit_findings", discussed(TOM_ACTION, PAT_ACTION | change))
    assert refused.value.status == 422
    assert refused.value.by_field() == {"smart_actions.1.owner": [message]}
    assert len(ready(audits, iid, "discuss_audit_findings")) == 1
    with audits.db.reading() as session:
        assert session.scalars(select(ProcessInstance.id).where(ProcessInstance.parent_id == iid)).all() == []
        assert session.scalars(select(AgreedAction.id)).all() == []


@pytest.mark.parametrize("due", [
    {"due": "by_date"},  # the date missing
    {"due": "within_working_days", "by_when": "2026-12-01"},  # the number missing, a date instead
    {"due": "by_date", "by_when": "2026-12-01", "within_working_days": 5},  # both
    {"by_when": "2026-12-01"},  # not said which
])
def test_an_action_due_neither_or_both_ways_is_refused(audits, due):
    iid = start(audits)
    to_findings_discussion(audits, iid, "good")
    action = {"action": "Update the plan", "owner": "pat"} | due
    with pytest.raises(InvalidData):
        complete(audits, iid, "discuss_audit_findings", discussed(action))
    assert len(ready(audits, iid, "discuss_audit_findings")) == 1


def test_a_timer_of_an_action_still_open_is_counted_and_kept_in_the_history(audits, clock):  # R-80 R-27
    """The reminder fires inside the multi-instance while the action is open: the sweep counts it and
    the history says it fired, like any timer (SpiffWorkflow's own search for completed tasks does not
    look inside a running multi-instance: engine/instances/projection.completed_tasks)."""
    _, aid = agree(audits, actions=(PAT_ACTION,))
    clock.set(datetime.fromisoformat("2026-12-24T00:00:00+00:00"))
    audits.fire_due_timers()  # the audit's own reminders fire too: the actions' history tells them apart
    fired = [(e["element_id"], e["detail"].get("due_at")) for e in audits.reads.history(aid) if e["event"] == "timer_fired"]
    assert fired == [("timer_action_reminder", "2026-12-23T23:59:59+00:00")]
