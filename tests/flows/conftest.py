"""Walk-through fixtures: the demo organisation, the real files of processes/ and forms/, and
helpers that drive flows only through the engine's verbs."""
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from engine.models import OutboxMessage, ProcessVersion
from tests.engine.flow import checkpoint  # noqa: F401  (fixture: org is that engine, seeded)

ROOT = Path(__file__).resolve().parent.parent.parent
CASE = {"case_ref": "C-1001", "auditor": "ann", "practitioner": "pat"}


def definition_files(*names: str) -> dict[str, bytes]:
    """The named files of processes/, the processes their scripts start (`start_process("<id>", ...)`:
    agreed_actions goes with case_audit, R-27), the decision tables their camunda:decisionRefs name (a
    diagram's settings go with it), and every form (all forms: they are cheap and shared)."""
    files = {name: (ROOT / "processes" / name).read_bytes() for name in names}
    while started := {f"{ref.decode()}.bpmn" for text in files.values() for ref in STARTED.findall(text)
                      if (ROOT / "processes" / f"{ref.decode()}.bpmn").exists()} - set(files):
        files |= {name: (ROOT / "processes" / name).read_bytes() for name in sorted(started)}
    referenced = {ref for text in files.values() for ref in DECISION_REF.findall(text)}
    if referenced:
        files |= {p.name: p.read_bytes() for p in sorted((ROOT / "processes").glob("*.dmn"))
                  if p.name not in files and referenced & set(DECISION_ID.findall(p.read_bytes()))}
    files |= {p.name: p.read_bytes() for p in (ROOT / "forms").glob("*.json")}
    return files


DECISION_REF = re.compile(rb'camunda:decisionRef="([^"]+)"')
STARTED = re.compile(rb'start_process\("([a-z0-9_]+)"')
DECISION_ID = re.compile(rb'<(?:dmn:)?decision\s[^>]*\bid="([^"]+)"')


def ready(engine, instance_id: int, element_id: str | None = None) -> list[dict]:
    tasks = engine.reads.ready_tasks(instance_id=instance_id)
    return [t for t in tasks if element_id is None or t["element_id"] == element_id]


def complete(engine, instance_id: int, element_id: str, data: dict, actor: str | None = None) -> dict:
    """Complete the one ready task of this element; the actor defaults to its first candidate."""
    matches = ready(engine, instance_id, element_id)
    assert len(matches) == 1, f"expected one ready {element_id}, ready: {[t['element_id'] for t in ready(engine, instance_id)]}"
    task = matches[0]
    engine.complete_task(task["id"], data, actor or (task["candidates"] or ["someone"])[0])
    return task


def messages(engine, event_type: str | None = None, instance_id: int | None = None) -> list[OutboxMessage]:
    with engine.db.transaction() as session:
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        if event_type:
            query = query.where(OutboxMessage.event_type == event_type)
        if instance_id:
            query = query.where(OutboxMessage.instance_id == instance_id)
        return list(session.scalars(query))


# --- every message a flow writes reads in words (R-81, R-19) --------------------------------------
# Text people read: a notification's subject and body, a case-record upload's title and case note.
PLACEHOLDER = re.compile(r"\{[^{}]*\}")
SNAKE_CASE_ID = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")  # overall_grade, head_of_service, case_audit
READ_BY_PEOPLE = ("notification", "case_record.upload")


@pytest.fixture(autouse=True)
def every_message_reads_in_words(engine):
    """After each walk-through, every notification and case-record upload it wrote is in the policy's
    words: no placeholder left as written, no snake_case id, no process id."""
    yield
    with engine.db.transaction() as session:
        process_ids = set(session.scalars(select(ProcessVersion.process_id).distinct()))
    found = [(m.event_type, m.subject, m.body, not_words(f"{m.subject}\n{m.body}", process_ids))
             for m in messages(engine) if m.event_type in READ_BY_PEOPLE]
    unreadable = [(kind, subject, body, wrong) for kind, subject, body, wrong in found if wrong]
    assert not unreadable, "\n".join(f"{kind}: {wrong}\n  subject: {subject}\n  body: {body}"
                                      for kind, subject, body, wrong in unreadable)


def not_words(text: str, process_ids: set[str]) -> list[str]:
    """What in a text people read is not in words: placeholders, snake_case ids, process ids."""
    return sorted({*PLACEHOLDER.findall(text), *SNAKE_CASE_ID.findall(text),
                   *(pid for pid in process_ids if re.search(rf"\b{re.escape(pid)}\b", text))})
