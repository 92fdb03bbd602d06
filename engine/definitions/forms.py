"""Form files: `<key>.json` is a JSON Schema (draft 2020-12), `<key>.ui.json` its optional UI schema."""
import json

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from .problems import Problem

UI_SUFFIX = ".ui.json"


def form_key(file_name: str) -> str:
    base = file_name.rsplit("/", 1)[-1]
    return base[: -len(UI_SUFFIX)] if base.endswith(UI_SUFFIX) else base[: -len(".json")]


def is_ui_file(file_name: str) -> bool:
    return file_name.endswith(UI_SUFFIX)


def parse_form(file_name: str, content: bytes) -> dict:
    """Parse one form or UI file; a schema must itself be a valid JSON Schema."""
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
    for error in Draft202012Validator(schema).iter_errors(data):
        path = [str(p) for p in error.absolute_path]
        if error.validator == "required":
            missing = error.message.split("'")[1] if "'" in error.message else ""
            path.append(missing)
        errors.setdefault(".".join(path), []).append(error.message)
    return errors
