"""Earlier answers shown read only above a task's form, as the form's `x-show` names them (the
report for QA, QA's areas to review for the amendment, the concern for each alert stage), in words:
a choice by its title, a date as people write it, Yes or No."""
from datetime import date

from .form_fields import Field, FormModel


def shown_answers(form: dict | None, ui: dict | None, data: dict) -> list[dict]:
    """[{"title", "blocks"}] of the sections the form shows; a section the case holds nothing of is left out."""
    sections = []
    for title, fields in FormModel(form or {}, ui).shown(data):
        blocks = answer_blocks(fields)
        if blocks:
            sections.append({"title": title, "blocks": blocks})
    return sections


def answer_blocks(fields: list[Field]) -> list[dict]:
    """[{"heading", "rows"}]: rows of {"label", "text"}, or {"label", "lines": [(label, text)]} for a
    group of answers (a domain's grade and rationale, an action). A group of groups (the domains)
    is a block under its own heading, so the page nests no deeper than a row's lines."""
    blocks, rows = [], []
    for f in fields:
        if f.kind in ("group", "map") and any(_holds_answers(child) for child in f.children):
            blocks.append({"heading": None, "rows": rows})
            blocks.append({"heading": f.label, "rows": [row for child in f.children for row in _rows(child)]})
            rows = []
        else:
            rows += _rows(f)
    blocks.append({"heading": None, "rows": rows})
    return [block for block in blocks if block["rows"]]


def _rows(f: Field) -> list[dict]:
    if f.kind in ("group", "map"):
        return _grouped(f.label, f.children)
    if f.kind == "list":
        return [row for n, item in enumerate(f.rows, 1) for row in _grouped(f"{f.label} {n}", item)]
    text = _words(f)
    return [{"label": f.label, "text": text}] if text else []


def _grouped(label: str, fields: list[Field]) -> list[dict]:
    """One row for a group's plain answers (each a line), then a row for each group inside it."""
    lines = [(f.label, _words(f)) for f in fields if not _holds_answers(f) and _words(f)]
    if len(fields) == 1 and lines and not _holds_answers(fields[0]):
        return [{"label": label, "text": lines[0][1]}]  # a list of plain values: one value per row
    inner = [row for f in fields if _holds_answers(f) for row in _rows(f)]
    return ([{"label": label, "lines": lines}] if lines else []) + inner


def _holds_answers(f: Field) -> bool:
    return f.kind in ("group", "map", "list")


def _words(f: Field) -> str | None:
    if f.value is None or f.value == "":
        return None
    if f.kind in ("radios", "yes_no", "confirm", "select"):
        return dict(f.choices).get(f.value)
    if f.kind == "date":
        try:
            day = date.fromisoformat(f.value)
        except ValueError:
            return str(f.value)
        return f"{day.day} {day:%B %Y}"
    return str(f.value)
