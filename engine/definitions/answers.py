"""What a person may write into a case.

A completion takes only the fields its task's form declares, checked against its JSON Schema;
any other key is refused (422 naming it), so answering one step cannot rewrite what an earlier
step decided (a QA-accepted grade, the auditor). The fields that place a case (its reference,
team and the people it names) come from its start and no form may declare them (deploy rule,
definitions/rules.py). A start, and a step whose form names people or teams, names only those the
form allows (engine/definitions/naming.py: active people holding the field's role, existing teams). No field
may take the name of a function or builtin that scripts call: it would hide it from every script.
"""
import json

from sqlalchemy.orm import Session

from engine.definitions.forms import declared_fields, validation_errors
from engine.definitions.naming import ANY_ROLE, NOT_SAME_AS, ROLE, TEAM, naming_errors
from engine.errors import InvalidData
from engine.scripts.budget import MAX_ANSWER_BYTES

CASE_FIELDS = ("case_ref", "team")  # a case's reference and place: its own columns
SUBJECT_FIELDS = ("previous_practitioner",)  # people a task may act relative to (camunda property `subject`)
MAX_CASE_REF = 100


def case_fields(roles) -> set[str]:
    """The fields that identify a case and who acts on it: set at its start, by no form."""
    return {*CASE_FIELDS, *SUBJECT_FIELDS, *roles}


def check_completion(form_key: str, form: dict | None, data: dict, reserved: set[str],
                     session: Session | None = None, case: dict | None = None, satisfied: bool = False) -> None:
    """422 unless `data` holds only the form's fields, none shadowing a script name, and satisfies
    it, naming only whom and what its fields allow (`case`: the case's data so far). `satisfied`: the
    data was accepted against this very schema before (a recorded answer replayed on an unchanged form),
    so the schema's own validation, the costly part, is not run again; the rest is."""
    errors = _size_errors(data)
    if not errors:
        declared = declared_fields(form or {})
        errors = {key: [f"'{key}' is not a field of the form '{form_key}'"] for key in data if key not in declared}
        errors |= _shadowing(data, reserved)
    if not errors and form:
        errors = {} if satisfied else validation_errors(form, data)
        if session is not None:
            errors = naming_errors(session, form, data, case) | errors
    if errors:
        raise InvalidData(f"the data does not satisfy the form '{form_key}'", errors)


def check_draft(data: dict) -> None:
    """A draft is kept as typed, unchecked against its form, but within the size of any answer."""
    errors = _size_errors(data)
    if errors:
        raise InvalidData("the draft is too large", errors)


def check_start(session: Session, data: dict, roles, reserved: set[str], form: dict | None = None) -> None:
    """422 unless the start data's case reference, team and people are real, no field shadows a
    script name and, when the process has a start form, the data holds only its fields and satisfies it."""
    errors = _size_errors(data) or _shadowing(data, reserved)
    if form and not errors:
        declared = declared_fields(form)
        errors = {key: ["is not a field of the start form"] for key in data if key not in declared}
        errors = errors or validation_errors(form, data)
    case_ref = data.get("case_ref")
    if case_ref is not None and not (isinstance(case_ref, str) and 1 <= len(case_ref) <= MAX_CASE_REF):
        errors["case_ref"] = [f"a case reference is a string of 1 to {MAX_CASE_REF} characters"]
    errors = place_errors(session, data, roles, form) | errors
    if errors:
        raise InvalidData("the start data names what does not exist", errors)


def place_errors(session: Session, data: dict, roles, form: dict | None = None) -> dict[str, list[str]]:
    """The team and people a case's data names that it may not (at its start, or when a step places
    it: effects.place_case): what the form declares of its fields (engine/definitions/naming.py), and for the
    fields that place a case without the form saying whom (a role's name, a subject, the team),
    that they are an active person or a team of the directory."""
    return naming_errors(session, placing_form(form, roles), data)


def placing_form(form: dict | None, roles) -> dict:
    """The form, its fields that name a case's people and team checked at least as people and a team."""
    fields = (form or {}).get("properties") or {}
    implied = {key: {ROLE: ANY_ROLE} for key in (*roles, *SUBJECT_FIELDS)} | {"team": {TEAM: True}}
    implied = {key: field for key, field in implied.items()
               if not (isinstance(fields.get(key), dict) and {ROLE, TEAM, NOT_SAME_AS} & set(fields[key]))}
    return (form or {}) | {"properties": fields | implied}


def with_defaults(form: dict | None, data: dict) -> dict:
    """The start data with the start form's declared defaults for the fields it leaves out, so that
    conditions, timers and decision tables can read every field."""
    properties = (form or {}).get("properties") or {}
    return {key: field["default"] for key, field in properties.items()
            if isinstance(field, dict) and "default" in field and key not in data} | data


def _shadowing(data: dict, reserved: set[str]) -> dict[str, list[str]]:
    return {key: [f"'{key}' is the name of a function scripts call; choose another field name"]
            for key in data if key in reserved}


def _size_errors(data: dict) -> dict[str, list[str]]:
    size = len(json.dumps(data, default=str))
    if size > MAX_ANSWER_BYTES:
        return {"data": [f"the data takes {size:,} bytes as JSON; at most {MAX_ANSWER_BYTES:,}"]}
    return {}
