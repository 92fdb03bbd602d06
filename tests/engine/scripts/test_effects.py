"""Notifications, case-record uploads and child processes, written with the step that made them."""
from sqlalchemy import select

from engine.models import OutboxMessage
from tests.engine.flow import only_ready
from tests.fixtures.diagrams import NOTE_FORM, scripted

CASE = {"case_ref": "C-1001", "practitioner": "pat", "auditor": "ann", "child_name": "Jo Bloggs",
        "overall_grade": "inadequate"}


def deploy(engine, script: str, pid: str = "scripted") -> None:
    engine.deploy({f"{pid}.bpmn": scripted(pid=pid, script=script), "note.json": NOTE_FORM}, "olive")


def outbox(engine) -> list[OutboxMessage]:
    """What the scripts sent: the outbox without the engine's own task events."""
    with engine.db.transaction() as session:
        return list(session.scalars(select(OutboxMessage).where(OutboxMessage.event_type.not_like("task.%"))
                                    .order_by(OutboxMessage.id)))


def test_notify_resolves_roles_and_fills_the_text_without_names(org):  # R-19 R-81
    deploy(org, 'notify(["practitioner", "team_manager", "service_manager", "head_of_service"], '
                '"Audit {case_ref} graded {overall_grade}", "Child {child_name}. See {link}")')
    instance_id = org.start_instance("scripted", CASE, "ann")
    [message] = outbox(org)
    assert message.recipients == ["pat", "tom", "sue", "hal"]
    assert message.subject == "Audit C-1001 graded inadequate"
    assert "Jo Bloggs" not in message.body and "[withheld]" in message.body
    assert message.body.endswith(f"/instances/{instance_id}")
    assert (message.event_type, message.case_ref, message.payload["element_id"]) == ("notification", "C-1001", "run")


def test_a_message_reads_what_its_own_script_set_above_it(org):  # R-19 R-81
    """`grade_label = grade_title(overall_grade)` then a notify naming {grade_label}: the text is filled
    from the data as the script has it at the call, not as the step began."""
    deploy(org, 'grade_label = "Inadequate"\nnotify(["team_manager"], "Audit {case_ref} graded {grade_label}")\n'
                'grade_label = "changed after the message"')
    org.start_instance("scripted", CASE, "ann")
    assert [m.subject for m in outbox(org)] == ["Audit C-1001 graded Inadequate"]


def test_notify_a_previous_practitioner_and_their_manager(org):
    deploy(org, 'notify(["previous_practitioner", "team_manager@previous_practitioner"], "Feedback on {case_ref}")')
    org.start_instance("scripted", CASE | {"previous_practitioner": "pia"}, "ann")
    assert outbox(org)[0].recipients == ["pia", "ann"]


def test_notify_nobody_known_puts_the_instance_in_error_and_sends_nothing(org):
    deploy(org, 'notify(["chief_whip"], "Hello")')
    instance_id = org.start_instance("scripted", CASE, "ann")
    view = org.reads.instance(instance_id)
    assert (view["status"], view["error"]["element_id"]) == ("error", "run")
    assert "chief_whip" in view["error"]["message"] and outbox(org) == []


def test_record_on_case_writes_a_case_record_upload(org):
    deploy(org, 'record_on_case("Case audit {case_ref}", "Audit completed, graded {overall_grade}.", '
                '{"overall_grade": overall_grade})')
    org.start_instance("scripted", CASE, "ann")
    [upload] = outbox(org)
    assert upload.event_type == "case_record.upload"
    assert upload.payload["report"] == {"overall_grade": "inadequate"}
    assert upload.payload["case_note"] == "Audit completed, graded inadequate."


def test_start_process_starts_a_child_instance_in_the_same_step(org):
    deploy(org, "x = 1", pid="child")
    deploy(org, 'start_process("child", case_ref=case_ref, practitioner=practitioner)')
    parent = org.start_instance("scripted", CASE, "ann")
    [child] = org.reads.instance(parent)["children"]
    child_view = org.reads.instance(child)
    assert (child_view["process_id"], child_view["case_ref"], child_view["status"]) == ("child", "C-1001", "running")
    assert only_ready(org, child)["candidates"] == ["tom"]
    assert ("process_started", "run") in [(e["event"], e["element_id"]) for e in org.reads.history(parent)]


def test_a_failed_step_sends_nothing(org):
    deploy(org, 'notify(["team_manager"], "First")\nboom = 1 / 0')
    instance_id = org.start_instance("scripted", CASE, "ann")
    assert org.reads.instance(instance_id)["status"] == "error" and outbox(org) == []


def test_notify_about_each_item_of_a_list(org):
    deploy(org, 'for a in allocations:\n    notify(["auditor", "practitioner", "team_manager"], '
                '"Audit of {case_ref} allocated", about=a)')
    org.start_instance("scripted", {"allocations": [
        {"case_ref": "C-1", "auditor": "ann", "practitioner": "pat"},
        {"case_ref": "C-2", "auditor": "tom", "practitioner": "pia"}]}, "quinn")
    assert [(m.recipients, m.subject) for m in outbox(org)] == [
        (["ann", "pat", "tom"], "Audit of C-1 allocated"), (["tom", "pia", "ann"], "Audit of C-2 allocated")]
