"""What a process owner chooses from when editing policy in the browser: the known roles, the
deployed forms, the decisions of the deployed tables and the due date a deadline of N working days
would give today; and a form as staff would see it, from the deployed files (or an upload).
"""
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.calendar import WorkingCalendar
from engine.definitions.bundle import parse_files
from engine.definitions.deploy import current_files
from engine.definitions.forms import is_ui_file
from engine.definitions.xml import parse_xml
from engine.errors import InvalidDefinition, NotFound
from engine.models import Role

MAX_PREVIEW_DAYS = 60


def choices(session: Session, calendar: WorkingCalendar, at: datetime) -> dict:
    """Roles (id → label), form keys, decision ids, and by N in 1..60 the end of the Nth working day
    after `at` (what add_working_days(now(), N) gives today)."""
    files = current_files(session)
    decisions = sorted(element.get("id") for name, row in files.items() if name.endswith(".dmn")
                       for element in parse_xml(name, row.content.encode()).root.iter()
                       if isinstance(element.tag, str) and element.tag.endswith("}decision"))
    return {"roles": dict(session.execute(select(Role.id, Role.label).order_by(Role.label)).all()),
            "forms": sorted(name[:-5] for name, row in files.items()
                            if row.kind == "form" and not is_ui_file(name)),
            "decisions": decisions,
            "due_dates": {n: calendar.add_working_days(at, n) for n in range(1, MAX_PREVIEW_DAYS + 1)}}


def form_preview(session: Session, key: str, replacing: dict[str, bytes] | None = None) -> dict:
    """The form `key` (JSON Schema with its shared definitions, and its UI schema) as a task would
    carry it, from the deployed files with `replacing` in their place; InvalidDefinition if it
    does not parse."""
    working = {name: row.content.encode() for name, row in current_files(session).items()
               if row.kind in ("form", "defs")} | (replacing or {})
    parsed, problems = parse_files(working)
    if problems:
        raise InvalidDefinition(str(problems[0]), [p.as_dict() for p in problems])
    if key not in parsed.forms:
        raise NotFound(f"there is no form {key}.json")
    return {"schema": parsed.forms[key], "ui": parsed.ui.get(key, {})}
