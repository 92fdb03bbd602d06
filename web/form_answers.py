"""A submitted page back into the answers a task's form takes, and the engine's validation errors
back onto the fields, worded for people (GOV.UK error messages). Every kind of field that
web/form_fields.py draws is read back here: what a person chose is what the case keeps."""
import math
from datetime import date

from werkzeug.datastructures import MultiDict

from engine.errors import Sentence

from .form_fields import MAP_KEY, Field, Shape

ROWS_SUFFIX = "-rows"  # a hidden input per list: how many rows the page showed
KEY_SUFFIX = "-key"  # a hidden input per entry of a map: its key
MAX_ROWS = 100
DATE_PARTS = ("day", "month", "year")


def shape_shown(form: MultiDict) -> Shape:
    """The rows of each list and the entries of each map the submitted page showed."""
    shape = Shape()
    for key in form:
        if key.endswith(ROWS_SUFFIX):
            try:
                shape.rows[key[: -len(ROWS_SUFFIX)]] = max(1, min(int(form[key]), MAX_ROWS))
            except ValueError:
                continue
        elif key.endswith(KEY_SUFFIX):
            keys = [k for k in form.getlist(key) if MAP_KEY.fullmatch(k)]
            shape.keys[key[: -len(KEY_SUFFIX)]] = list(dict.fromkeys(keys))[:MAX_ROWS]
    return shape


def answers(fields: list[Field], form: MultiDict, everything: bool = False) -> tuple[dict, dict[str, str]]:
    """(the answers the page holds, field name -> what could not be read, e.g. an impossible date).
    Empty fields are left out, so that the form's `required` says what is missing; a revealed
    field counts only under the answer it belongs to, unless `everything` is asked for: all the
    person typed, to show the page again or keep as a draft, so that nothing typed is lost."""
    data, problems = {}, {}
    for f in fields:
        value = _answer(f, form, problems, everything)
        if value is not None:
            data[f.name.rsplit(".", 1)[-1]] = value
        chosen = (form.get(f.name) or "").strip()
        for answer, revealed in f.reveals.items():
            if everything or (value is not None and answer == chosen):
                more, more_problems = answers(revealed, form, everything)
                data |= more
                problems |= more_problems
    return data, problems


def _answer(f: Field, form: MultiDict, problems: dict, everything: bool = False):
    raw = (form.get(f.name) or "").replace("\r\n", "\n").strip()
    if f.kind == "select":  # a person or team: one not offered is kept, for the engine's check to name it
        return f.answers.get(raw, raw or None)
    if f.kind in ("radios", "yes_no", "confirm"):
        return f.answers.get(raw)
    if f.kind == "date":
        return _date(f, form, problems)
    if f.kind == "number":
        return _number(f, raw, problems)
    if f.kind in ("group", "map"):
        value, inner = answers(f.children, form, everything)
        problems |= inner
        return value if value or f.required else None
    if f.kind == "list":
        return _rows(f, form, problems, everything)
    return raw or None
def _date(f: Field, form: MultiDict, problems: dict) -> str | None:
    parts = [(form.get(f"{f.name}-{part}") or "").strip() for part in DATE_PARTS]
    if not any(parts):
        return None
    try:
        return date(int(parts[2]), int(parts[1]), int(parts[0])).isoformat()
    except ValueError:
        problems[f.name] = f"{f.label} must be a real date, for example 27 3 2026"
        return None


def _number(f: Field, raw: str, problems: dict):
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        pass
    try:
        number = float(raw)
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        problems[f.name] = f"{f.label} must be a number"
        return None
    return number


def _rows(f: Field, form: MultiDict, problems: dict, everything: bool) -> list | None:
    values = []
    for row in f.rows:
        value, inner = answers(row, form, everything)
        problems |= inner
        if len(row) == 1 and row[0].name.rsplit(".", 1)[-1].isdigit():
            value = value.get(row[0].name.rsplit(".", 1)[-1])  # a list of plain values
        if value is not None and value != {}:
            values.append(value)
    return values or None


def keep_typed(fields: list[Field], form: MultiDict, problems: dict[str, str]) -> list[Field]:
    """Put back what was typed into a field that could not be read (an impossible date, a word for a
    number), so the page shown again holds it to correct."""
    for top in fields:
        for f in top.walk():
            if f.name in problems:
                f.typed = [form.get(f"{f.name}-{part}", "") for part in DATE_PARTS] if f.kind == "date" \
                    else form.get(f.name, "")
    return fields


# --- errors ----------------------------------------------------------------------------------

def place_errors(fields: list[Field], errors: dict[str, list[str]], problems: dict[str, str]) -> list[tuple[str, str]]:
    """Put each error on its field, worded for people; answers [(field id or "", message)] for the
    error summary, in the order of the page."""
    by_name = {f.name: f for top in fields for f in top.walk()}
    summary = []
    for name, message in problems.items():
        if name in by_name:
            by_name[name].error = message
    for name, messages in errors.items():
        target = by_name.get(name) or _nearest(by_name, name)
        if target is None:
            summary.append(("", messages[0]))
        elif target.error is None:
            target.error = _said(target, messages[0]) if isinstance(messages[0], Sentence) else _worded(target)
    for top in fields:
        for f in top.walk():
            if f.error:
                summary.append((_focus_id(f), f.error))
    return summary


def _nearest(by_name: dict[str, Field], name: str) -> Field | None:
    while "." in name:
        name = name.rsplit(".", 1)[0]
        if name in by_name:
            return by_name[name]
    return by_name.get(name)


def _said(f: Field, sentence: str) -> str:
    """The engine's own words (whom a field may name), with the field and row they are about."""
    return f"{f.label}{f' for {f.context}' if f.context else ''}: {sentence}"


def _worded(f: Field) -> str:
    """GOV.UK style: what to do, about which field ("Select the grade for Risk Assessment")."""
    label = (f.label[:1].lower() + f.label[1:] if f.label[1:2].islower() else f.label).rstrip("?")
    where = f" for {f.context}" if f.context else ""
    if f.kind == "yes_no":
        return f"Select yes or no: {f.label}"
    if f.kind in ("radios", "select"):
        return f"Select the {label}{where}"
    if f.kind == "date":
        return f"Enter the date: {label}{where}"
    if f.kind == "confirm":
        return f"Confirm: {f.label}"
    if f.kind in ("group", "map", "list"):
        return f"Complete {label}{where}"
    return f"Enter the {label}{where}" if where else f"Enter {label}"


def _focus_id(f: Field) -> str:
    """The input the error summary's link moves to: the field (a radio group's first radio has its
    id), or the day of a date."""
    return f"{f.id}-day" if f.kind == "date" else f.id
