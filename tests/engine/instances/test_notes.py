"""Notes on a case (engine/instances/notes.py): who, when, text, in the history, seen by whoever may see the
case, never copied into a notification (R-81), and never changed once posted."""
import pytest
from sqlalchemy import select, text

from engine.caller import Caller
from engine.errors import InvalidData, NotFound
from engine.instances.notes import NOTE_MAX, visible_notes
from engine.models import OutboxMessage, Person
from engine.people.accounts import CurrentUser, dao_load_user
from tests.flows.conftest import definition_files

CASE = {"case_ref": "C-1001", "auditor": "ann", "practitioner": "pat", "audit_kind": "audit"}
SECRET = "Mum said the boyfriend moved back in on Friday"  # what must stay on the case page


@pytest.fixture
def audit(org):
    org.deploy(definition_files("case_audit.bpmn", "audit_alerts.dmn", "findings_deadline.dmn", "reaudit.dmn",
                                "case_audit_settings.dmn", "dispute_resolution.bpmn", "dispute_settings.dmn",
                                "child_safety_alert.bpmn"), "olive")
    return org.start_instance("case_audit", CASE, "quinn")


def as_person(engine, username: str) -> Caller:
    with engine.db.reading() as session:
        return Caller(engine, dao_load_user(session, session.get(Person, username)))


def test_a_note_is_stored_with_who_and_when_and_listed_oldest_first(org, audit, clock):
    as_person(org, "sue").add_note(audit, f"  {SECRET}\n")
    clock.advance(hours=1)
    [task] = org.reads.ready_tasks(instance_id=audit)
    as_person(org, "ann").add_note(audit, "Correction: it was Thursday", task["id"])
    first, second = as_person(org, "tom").notes(audit)
    assert (first["author"], first["author_name"], first["text"], first["task_id"]) == (
        "sue", "Sue (service manager)", SECRET, None)
    assert first["created_at"] == "2026-11-02T09:00:00+00:00"
    assert (second["author"], second["task_id"], second["task_name"]) == ("ann", task["id"], task["name"])
    assert second["created_at"] == "2026-11-02T10:00:00+00:00"


def test_notes_are_in_the_history_without_their_text(org, audit):
    note = as_person(org, "sue").add_note(audit, SECRET)
    [event] = [e for e in org.reads.history(audit) if e["event"] == "note_added"]
    assert (event["actor"], event["detail"]) == ("sue", {"note_id": note["id"], "task_id": None})
    assert SECRET not in str(org.reads.history(audit))


def test_a_notes_text_is_never_in_an_outbox_message(org, audit):
    as_person(org, "sue").add_note(audit, SECRET)
    with org.db.reading() as session:
        messages = list(session.scalars(select(OutboxMessage)))
        [told] = [m for m in messages if "note" in m.subject]
        assert told.subject == "A note was added to case C-1001"
        assert told.body.endswith(f"/instances/{audit}") and told.payload["link"].endswith(f"/instances/{audit}")
        assert told.recipients == ["ann", "pat", "quinn"]  # the people the case names, not sue who wrote it
        everything = [(m.subject, m.body, str(m.payload)) for m in messages]
    assert not [m for m in everything if any(SECRET in part or "boyfriend" in part for part in m)]


@pytest.mark.parametrize("typed, problem", [("", "Enter the note"), ("  \n\t ", "Enter the note"),
                                            ("x" * (NOTE_MAX + 1), "2,000 characters or fewer")])
def test_an_empty_or_too_long_note_is_refused_naming_why(org, audit, typed, problem):
    with pytest.raises(InvalidData) as refused:
        as_person(org, "sue").add_note(audit, typed)
    assert problem in refused.value.detail and problem in refused.value.errors["text"][0]
    assert as_person(org, "sue").notes(audit) == []


def test_a_note_of_exactly_the_longest_length_is_kept(org, audit):
    assert len(as_person(org, "sue").add_note(audit, "x" * NOTE_MAX + "   ")["text"]) == NOTE_MAX


def test_a_case_they_may_not_see_is_404_for_reading_and_adding(org, audit):
    pia = as_person(org, "pia")  # a practitioner of another team
    with pytest.raises(NotFound):
        pia.add_note(audit, "Not mine to write")
    with pytest.raises(NotFound):
        pia.notes(audit)
    assert as_person(org, "quinn").notes(audit) == []


def test_a_note_on_a_task_of_another_case_is_refused(org, audit):
    other = org.start_instance("case_audit", CASE | {"case_ref": "C-2002"}, "quinn")
    [task] = org.reads.ready_tasks(instance_id=other)
    with pytest.raises(NotFound):
        as_person(org, "quinn").add_note(audit, "On the wrong case", task["id"])


def test_a_note_cannot_be_changed(org, audit):
    as_person(org, "sue").add_note(audit, SECRET)
    assert not hasattr(Caller, "edit_note") and not hasattr(Caller, "delete_note")  # no path offered
    for statement in ("UPDATE case_note SET text = 'rewritten'", "DELETE FROM case_note"):
        with pytest.raises(Exception, match="append-only"):
            with org.db.transaction() as session:
                session.execute(text(statement))
    assert [n["text"] for n in as_person(org, "sue").notes(audit)] == [SECRET]


def test_a_task_page_shows_notes_only_to_those_who_may_see_the_case(org, audit):
    """A task is visible to whoever may act on it, even without seeing its case: its page then shows no notes."""
    as_person(org, "sue").add_note(audit, SECRET)
    with org.db.reading() as session:
        assert visible_notes(session, CurrentUser("stranger", frozenset({"practitioner"})), audit) is None
        assert [n["text"] for n in visible_notes(session, as_person(org, "tom").user, audit)] == [SECRET]
