"""Form files: `<key>.json` is a JSON Schema (draft 2020-12), `<key>.ui.json` its optional UI schema.

A form refers only to its own parts (`"$ref": "#/$defs/grade"`): validators are built with a
registry that retrieves nothing, and a deploy refuses any other reference, naming it.
"""
import json

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from referencing import Registry
from referencing.exceptions import Unresolvable

from ..errors import InvalidData
from ..nesting import MAX_DEPTH, json_too_deep
from .problems import Problem

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


def validation_errors(schema: dict, data: dict) -> dict[str, list[str]]:
    """Map each failing field path (dotted) to its messages; empty when the data is valid."""
    errors: dict[str, list[str]] = {}
    try:
        for error in Draft202012Validator(schema, registry=NO_RETRIEVAL).iter_errors(data):
            path = [str(p) for p in error.absolute_path]
            if error.validator == "required":
                missing = error.message.split("'")[1] if "'" in error.message else ""
                path.append(missing)
            errors.setdefault(".".join(path), []).append(error.message)
    except Unresolvable as error:  # a form deployed before references were checked
        raise InvalidData(f"the form refers to {error.ref!r}, which is not part of it") from None
    return errors


def form_problems(file_name: str, schema: dict, case_fields: set[str], reserved: set[str]) -> list[Problem]:
    """A form may refer only to its own parts, may not set what identifies the case (only its start
    does), and may not name a field after a function scripts call."""
    problems = [Problem(file_name, None, None, f"{pointer}: {message}") for pointer, message in _references(schema)]
    fields = declared_fields(schema)
    problems += [Problem(file_name, None, None, f"declares '{name}', which identifies the case or who acts on "
                                                "it; only the start of a process sets it")
                 for name in sorted(fields & case_fields)]
    problems += [Problem(file_name, None, None, f"declares '{name}', the name of a function scripts call; "
                                                "choose another field name")
                 for name in sorted(fields & reserved)]
    return problems


def _references(schema: dict):
    """(JSON pointer, message) of every reference that leaves the form, and of every `$id`."""
    pending = [("", schema)]
    while pending:
        pointer, node = pending.pop()
        if isinstance(node, list):
            pending += [(f"{pointer}/{i}", item) for i, item in enumerate(node)]
        if not isinstance(node, dict):
            continue
        for key, value in node.items():
            here = f"{pointer}/{key.replace('~', '~0').replace('/', '~1')}"
            if key in REFERENCE_KEYS and not (isinstance(value, str) and value.startswith("#")):
                yield here, f"refers to {value!r}; a form may refer only to its own parts (\"#/...\")"
            elif key == "$id":
                yield here, "sets $id; a form is one document and refers to its parts with \"#/...\""
            else:
                pending.append((here, value))


def declared_fields(schema: dict) -> set[str]:
    """The top-level fields a form asks for: its properties, and those its `if`/`then`/`else`,
    `allOf`/`anyOf`/`oneOf`, `dependentSchemas` and local `$ref`s add."""
    fields, seen, pending = set(), set(), [schema]
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
    node = document
    for token in ref[2:].split("/"):
        token = token.replace("~1", "/").replace("~0", "~")
        node = node.get(token) if isinstance(node, dict) else None
    return node
