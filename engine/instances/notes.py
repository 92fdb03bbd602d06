"""Notes on a case: a short thread on each case, left on its page or on one of its tasks' pages, seen
by whoever may see the case (R-81). A note is never edited or deleted (the table refuses both,
migration 0017): a correction is a new note.

Posting one records `note_added` in the history (the note's id and task, not its text: the text is
kept in one place) and tells the people the case names (its participants, not the author) that a
note was added, with the link, never what it says (R-81: a notification carries the case
reference and a link)."""
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.errors import InvalidData, NotFound
from engine.history import dao_append_history
from engine.models import CaseNote, InstanceParticipant, Person, ProcessInstance, UserTask
from engine.outbox import dao_tell
from engine.people import access
from engine.people.accounts import CurrentUser
from engine.people.directory import display_names

NOTE_ADDED = "note_added"
NOTE_MAX = 2000  # characters, after trimming


def checked_text(text) -> str:
    """The note's text trimmed, or InvalidData naming what is wrong with it."""
    trimmed = text.strip() if isinstance(text, str) else ""
    if not trimmed:
        raise InvalidData("Enter the note", {"text": ["Enter the note"]})
    if len(trimmed) > NOTE_MAX:
        problem = f"The note must be {NOTE_MAX:,} characters or fewer (it has {len(trimmed):,})"
        raise InvalidData(problem, {"text": [problem]})
    if "\x00" in trimmed:  # PostgreSQL cannot store it
        problem = "The note must not contain NUL characters"
        raise InvalidData(problem, {"text": [problem]})
    return trimmed


def add_note(session: Session, user: CurrentUser, instance_id: int, text: str, task_id: str | None,
             at: datetime, base_url: str) -> dict:
    """Post a note on a case the user may see (404 otherwise), with its history event and the
    notification, all in the caller's transaction."""
    access.require_visible(session, user, instance_id)
    task = _task_of(session, instance_id, task_id)
    note = CaseNote(instance_id=instance_id, task_id=task_id, author=user.username, text=checked_text(text),
                    created_at=at)
    session.add(note)
    session.flush()
    dao_append_history(session, instance_id, user.username, NOTE_ADDED, at, task.element_id if task else None,
                       note_id=note.id, task_id=task_id)
    _notify(session, session.get_one(ProcessInstance, instance_id), note, base_url)
    return _shown(note, display_names(session, [note.author]), {task.id: task.name} if task else {})


def case_notes(session: Session, instance_id: int) -> list[dict]:
    """The case's notes, oldest first, each with its author's name and the task it was left on."""
    notes = list(session.scalars(select(CaseNote).where(CaseNote.instance_id == instance_id).order_by(CaseNote.id)))
    names = display_names(session, [n.author for n in notes])
    task_ids = {n.task_id for n in notes if n.task_id}
    tasks = dict(session.execute(select(UserTask.id, UserTask.name).where(UserTask.id.in_(task_ids))).all()) \
        if task_ids else {}
    return [_shown(note, names, tasks) for note in notes]


def visible_notes(session: Session, user: CurrentUser, instance_id: int) -> list[dict] | None:
    """The case's notes for a task page: None when the person acts on a task of a case they may not
    otherwise see (a task is visible to whoever may act on it), so its notes are not theirs to read."""
    if session.scalar(select(ProcessInstance.id).where(ProcessInstance.id == instance_id,
                                                       access.visible_instances(user))) is None:
        return None
    return case_notes(session, instance_id)


def _task_of(session: Session, instance_id: int, task_id: str | None) -> UserTask | None:
    if task_id is None:
        return None
    task = session.get(UserTask, task_id)
    if task is None or task.instance_id != instance_id:
        raise NotFound(f"task {task_id} is not a task of process instance {instance_id}")
    return task


def _notify(session: Session, instance: ProcessInstance, note: CaseNote, base_url: str) -> None:
    """'A note was added', with the link, to the case's active participants but its author. The text
    is never copied into the message (R-81): only the case page, behind sign-in, shows it."""
    recipients = list(session.scalars(
        select(InstanceParticipant.username).join(Person, Person.username == InstanceParticipant.username)
        .where(InstanceParticipant.instance_id == instance.id, InstanceParticipant.username != note.author,
               Person.active.is_(True)).order_by(InstanceParticipant.username)))
    if not recipients:
        return
    case = instance.case_ref or f"number {instance.id}"
    dao_tell(session, instance, recipients, f"A note was added to case {case}",
             f"A note was added to case {case}. Read it here: {{link}}", note.created_at, base_url,
             to=["participants"])


def _shown(note: CaseNote, names: dict[str, str], tasks: dict[str, str]) -> dict:
    return {"id": note.id, "instance_id": note.instance_id, "author": note.author,
            "author_name": names.get(note.author, note.author), "created_at": note.created_at.isoformat(),
            "text": note.text, "task_id": note.task_id,
            "task_name": tasks.get(note.task_id) if note.task_id else None}
