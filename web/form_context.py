"""Earlier answers shown read only above a task's form, as the form's `x-show` names them (the
report for QA, QA's areas to review for the amendment, the concern for each alert stage), in words:
a choice by its title, a date as people write it, Yes or No."""
from datetime import date

from .form_fields import Field, FormModel


def shown_answers(form: dict | None, ui: dict | None, data: dict) -> list[dict]:
    """[{"title", "rows"}] of the sections the form shows; a section the case holds nothing of is left out."""
    sections = []
    for title, fields in FormModel(form or {}, ui).shown(data):
        rows = answer_rows(fields)
        if rows:
            sections.append({"title": title, "rows": rows})
    return sections


def answer_rows(fields: list[Field]) -> list[dict]:
    """{"label", "text"} per answered field, or {"label", "rows"} for a group, map or list."""
    rows = []
    for f in fields:
        if f.kind in ("group", "map"):
            inner = answer_rows(f.children)
        elif f.kind == "list":
            inner = [{"label": f"{f.label} {n}", "rows": answer_rows(row)} for n, row in enumerate(f.rows, 1)]
            inner = [row for row in inner if row["rows"]]
        else:
            text = _words(f)
            if text:
                rows.append({"label": f.label, "text": text})
            continue
        if inner:
            rows.append({"label": f.label, "rows": inner})
    return rows


def _words(f: Field) -> str | None:
    if f.value is None or f.value == "":
        return None
    if f.kind in ("radios", "yes_no", "confirm"):
        return dict(f.choices).get(f.value)
    if f.kind == "date":
        try:
            day = date.fromisoformat(f.value)
        except ValueError:
            return str(f.value)
        return f"{day.day} {day:%B %Y}"
    return str(f.value)
