"""Form files: `<key>.json` is a JSON Schema (draft 2020-12), `<key>.ui.json` its optional UI schema.

A form refers only to its own parts (`"$ref": "#/$defs/grade"`): validators are built with a
registry that retrieves nothing, and a deploy refuses any other reference, naming it.
"""
import json
from collections.abc import Set as AbstractSet
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from referencing import Registry
from referencing.exceptions import Unresolvable

from engine.definitions.form_cycles import MAX_EXPANDED_PARTS, expanded_size, reference_cycles
from engine.definitions.patterns import BoundedValidator, pattern_problems
from engine.definitions.problems import Problem
from engine.definitions.schema_walk import schema_items
from engine.errors import InvalidData
from engine.limits import MAX_DEPTH, json_too_deep

UI_SUFFIX = ".ui.json"
NO_RETRIEVAL = Registry()  # no `retrieve`: a reference outside the form resolves to nothing
REFERENCE_KEYS = ("$ref", "$dynamicRef")


def form_key(file_name: str) -> str:
    base = file_name.rsplit("/", 1)[-1]
    return base[: -len(UI_SUFFIX)] if base.endswith(UI_SUFFIX) else base[: -len(".json")]


def is_ui_file(file_name: str) -> bool:
    return file_name.endswith(UI_SUFFIX)


def parse_form(file_name: str, content: bytes) -> dict:
    """Parse one form or UI file; a schema must itself be a valid JSON Schema."""
    if json_too_deep(content):
        raise Problem(file_name, None, None, f"nests more than {MAX_DEPTH} levels deep")
    try:
        document = json.loads(content)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        line = getattr(error, "lineno", None)
        raise Problem(file_name, None, line, f"not valid JSON: {error}") from None
    if not isinstance(document, dict):
        raise Problem(file_name, None, 1, "a form file must hold a JSON object")
    if not is_ui_file(file_name):
        try:
            Draft202012Validator.check_schema(document)
        except SchemaError as error:
            path = "/".join(str(p) for p in error.path) or "(root)"
            raise Problem(file_name, None, None, f"not a valid JSON Schema at {path}: {error.message}") from None
    return document


def parse_shared(file_name: str, content: bytes) -> dict:
    """A `.defs.json` file: `$defs` that forms refer to as their own (e.g. the grades)."""
    document = parse_form(file_name, content)
    if not isinstance(document.get("$defs"), dict) or not document["$defs"]:
        raise Problem(file_name, None, None, "a shared definitions file holds its definitions under \"$defs\"")
    return document["$defs"]


def supply_shared(forms: dict[str, dict], shared: dict[str, dict]) -> list[Problem]:
    """Copy into each form the shared definitions it refers to (`#/$defs/grade`) and does not
    define itself, with those they refer to in turn; a form stays one self-contained document."""
    available = {name: (file, schema) for file, defs in sorted(shared.items()) for name, schema in defs.items()}
    problems = []
    for key, form in forms.items():
        defs = form.setdefault("$defs", {})
        pending = list(_local_definitions(form))
        while pending:
            name = pending.pop()
            if name in defs:
                continue
            if name not in available:
                problems.append(Problem(f"{key}.json", None, None, f"refers to '#/$defs/{name}', which neither the "
                                                                   "form nor a shared definitions file defines"))
                continue
            defs[name] = json.loads(json.dumps(available[name][1]))
            pending += _local_definitions(defs[name])
        if not defs:
            del form["$defs"]
    return problems


def _local_definitions(node) -> list[str]:
    """The names of the `#/$defs/<name>` a schema (part) refers to."""
    found, pending = [], [node]
    while pending:
        part = pending.pop()
        if isinstance(part, dict):
            ref = part.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                found.append(ref.removeprefix("#/$defs/").split("/", 1)[0])
            pending += list(part.values())
        elif isinstance(part, list):
            pending += part
    return found


def validation_errors(schema: dict, data: dict) -> dict[str, list[str]]:
    """Map each failing field path (dotted) to its messages; empty when the data is valid."""
    errors: dict[str, list[str]] = {}
    try:
        for error in BoundedValidator(schema, registry=NO_RETRIEVAL).iter_errors(data):
            path = [str(p) for p in error.absolute_path]
            if error.validator == "required":
                missing = error.message.split("'")[1] if "'" in error.message else ""
                path.append(missing)
            errors.setdefault(".".join(path), []).append(_message(schema, error))
    except Unresolvable as error:  # a form deployed before references were checked
        raise InvalidData(f"the form refers to {error.ref!r}, which is not part of it") from None
    return errors


def _message(schema: dict, error) -> str:
    """jsonschema's message, but a choice among constants (a grade) says what the choices are."""
    choices = choices_of(schema, error.schema) if error.validator in ("oneOf", "anyOf") else None
    return f"{error.instance!r} is not one of: {', '.join(choices)}" if choices else error.message


def choices_of(schema: dict, part) -> list[str] | None:
    """The constants a oneOf/anyOf of `const`s (local $refs followed) allows, in order; None if it
    allows anything else."""
    if isinstance(part, dict) and isinstance(part.get("$ref"), str) and part["$ref"].startswith("#/"):
        return choices_of(schema, resolve_pointer(schema, part["$ref"]))
    if not isinstance(part, dict):
        return None
    if "const" in part:
        return [part["const"]]
    options = part.get("oneOf") or part.get("anyOf")
    if not options:
        return None
    found = [choices_of(schema, option) for option in options]
    if any(f is None for f in found):
        return None
    return [value for values in found if values is not None for value in values]


def form_problems(file_name: str, schema: dict, reserved: AbstractSet[str]) -> list[Problem]:
    """A form may refer only to its own parts, never back to what holds them, matches its patterns
    in bounded time (patterns.py) and may not name a field after a function scripts call."""
    problems = [Problem(file_name, None, None, f"{pointer}: {message}") for pointer, message in _references(schema)]
    cycles = reference_cycles(schema)
    problems += [Problem(file_name, None, None, f"{pointer}: {message}") for pointer, message in cycles]
    if not cycles and expanded_size(schema) > MAX_EXPANDED_PARTS:
        problems.append(Problem(file_name, None, None, f"has more than {MAX_EXPANDED_PARTS:,} parts when its "
                                "references are followed (definitions referring to others several times)"))
    problems += pattern_problems(file_name, schema)
    fields = declared_fields(schema)
    problems += [Problem(file_name, None, None, f"declares '{name}', the name of a function scripts call; "
                                                "choose another field name")
                 for name in sorted(fields & reserved)]
    return problems


def _references(schema: dict):
    """(JSON pointer, message) of every reference that leaves the form, and of every `$id`."""
    for _pointer, key, here, value in schema_items(schema, lambda key, _value: key not in (*REFERENCE_KEYS, "$id")):
        if key in REFERENCE_KEYS and not (isinstance(value, str) and value.startswith("#")):
            yield here, f"refers to {value!r}; a form may refer only to its own parts (\"#/...\")"
        elif key == "$id":
            yield here, "sets $id; a form is one document and refers to its parts with \"#/...\""


def declared_fields(schema: dict) -> set[str]:
    """The top-level fields a form asks for: its properties, and those its `if`/`then`/`else`,
    `allOf`/`anyOf`/`oneOf`, `dependentSchemas` and local `$ref`s add."""
    fields: set[str] = set()
    seen: set[int] = set()
    pending: list[Any] = [schema]  # anything a schema holds: only dicts are read
    while pending:
        part = pending.pop()
        if not isinstance(part, dict) or id(part) in seen:
            continue
        seen.add(id(part))
        fields |= set(part.get("properties") or {})
        pending += [part.get(key) for key in ("if", "then", "else")]
        pending += [*part.get("allOf", []), *part.get("anyOf", []), *part.get("oneOf", [])]
        pending += list((part.get("dependentSchemas") or {}).values())
        ref = part.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/"):
            pending.append(resolve_pointer(schema, ref))
    return fields


def resolve_pointer(document: dict, ref: str):
    node: Any = document
    for token in ref[2:].split("/"):
        token = token.replace("~1", "/").replace("~0", "~")
        node = node.get(token) if isinstance(node, dict) else None
    return node
