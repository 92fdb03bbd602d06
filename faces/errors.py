"""Every error as application/problem+json (RFC 9457): routes raise, this module answers.

Engine errors carry their own status; HTTP errors (404, 405, 413, webargs' 422) are mapped;
anything else is a 500 whose id is logged with the stack trace and returned without it.
"""
import json
import logging
import math
import re
import sys
import uuid

from flask import Response
from flask import json as flask_json
from marshmallow import Schema, fields
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import BadRequest, HTTPException

from engine.errors import EngineError, Unavailable
from engine.limits import MAX_DEPTH, json_too_deep

log = logging.getLogger(__name__)
PROBLEM = "application/problem+json"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
LONE_SURROGATE = re.compile("[\ud800-\udfff]")


class ProblemSchema(Schema):
    """The body of every error (for the OpenAPI document)."""
    type = fields.String()
    title = fields.String()
    status = fields.Integer()
    detail = fields.String()
    errors = fields.Dict(metadata={"description": "field path -> messages, for invalid input"})
    problems = fields.List(fields.Dict(), metadata={
        "description": "a definition's problems, each {file, element_id, line, message} (deploy and validate)"})


def problem(status: int, title: str, detail: str = "", errors=None, headers=None, problems=None) -> Response:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail or title}
    if errors is not None:
        body["errors"] = errors
    if problems is not None:
        body["problems"] = problems
    return Response(flask_json.dumps(body), status=status, mimetype=PROBLEM, headers=headers)


def handle_engine_error(error: EngineError) -> Response:
    errors, problems = error.errors, None
    if isinstance(errors, list) and all(isinstance(p, dict) for p in errors):  # deploy problems, also as a list
        problems = errors
        errors = {_problem_path(p): [p["message"]] for p in errors} if errors else None
    retry_after = getattr(error, "retry_after", None)
    return problem(error.status, error.title, error.detail, errors,
                   headers={"Retry-After": str(retry_after)} if retry_after else None, problems=problems)


def _problem_path(p: dict) -> str:
    path = p["file"]
    if p.get("element_id"):
        path += f"#{p['element_id']}"
    if p.get("line"):
        path += f":{p['line']}"
    return path


# The database refusing or dropping connections (or the pool waiting too long for one): an outage,
# not a fault of the request; the client may try again.
DATABASE_DOWN = (OperationalError, PoolTimeout)
UNREACHABLE = "The database cannot be reached just now; try again shortly."


def database_down(error: Exception) -> Unavailable:
    log.warning("database unreachable: %s", str(error).splitlines()[0] if str(error) else type(error).__name__)
    return Unavailable(UNREACHABLE)


def handle_database_down(error: Exception) -> Response:
    return handle_engine_error(database_down(error))


def handle_http_exception(error: HTTPException) -> Response:
    data = getattr(error, "data", None) or {}
    errors = data.get("errors") or data.get("messages")
    if errors is not None:
        errors = flatten(errors)
    headers = dict(data.get("headers") or {})
    if getattr(error, "valid_methods", None):  # 405: say what is allowed
        headers["Allow"] = ", ".join(error.valid_methods)
    return problem(error.code or 500, error.name, data.get("message") or error.description or "", errors,
                   headers or None)


def handle_unexpected(error: Exception) -> Response:
    if isinstance(error, HTTPException):
        return handle_http_exception(error)
    error_id = uuid.uuid4().hex
    log.exception("unhandled error %s", error_id)
    return problem(500, "Internal Server Error", f"Something went wrong; quote error id {error_id}.",
                   headers={"X-Error-Id": error_id})


def flatten(messages, prefix: str = "", located: bool = False) -> dict[str, list[str]]:
    """webargs' nested {location: {field: {sub: [msg]}}} -> {"field.sub": [msg]}. Only the outer keys
    are locations: a field may be called "files" too (a replay's JSON bundle)."""
    flat: dict[str, list[str]] = {}
    if isinstance(messages, list):
        flat[prefix or "_"] = [str(m) for m in messages]
        return flat
    for key, value in messages.items():
        if not located and key in ("json", "query", "form", "files", "headers", "view_args"):
            flat |= flatten(value, "", located=True)
            continue
        path = f"{prefix}.{key}" if prefix else str(key)
        flat |= flatten(value, path, located=True) if isinstance(value, (dict, list)) else {path: [str(value)]}
    return flat


def refuse_nul_bytes():
    """A NUL character is never valid input, and PostgreSQL cannot store one: 400 before any work."""
    from flask import request
    if request.mimetype == "multipart/form-data":
        if _multipart_without_nul(request):
            return None
        return problem(400, "Bad Request", "the request contains a NUL character")
    body = request.get_data(cache=True)
    if "\x00" in request.full_path or "%00" in request.full_path or b"\x00" in body or b"\\u0000" in body:
        return problem(400, "Bad Request", "the request contains a NUL character")
    return None


def _multipart_without_nul(request) -> bool:
    """Every field and file name of an upload without NUL, and every file too but an Excel workbook:
    a .xlsx is a zip, binary by nature, read cell by cell as text (engine/allocation/sheet.py) and
    never stored as sent."""
    if "\x00" in request.full_path or "%00" in request.full_path:
        return False
    if any("\x00" in f"{key}{value}" or "\\u0000" in value for key, value in request.form.items(multi=True)):
        return False
    for key, upload in request.files.items(multi=True):
        if "\x00" in f"{key}{upload.filename or ''}":
            return False
        if not (upload.filename or "").lower().endswith(".xlsx"):
            content = upload.stream.read()
            upload.stream.seek(0)
            if b"\x00" in content:
                return False
    return True


def refuse_deep_json():
    """JSON nested deeper than the engine keeps is refused before any work (400): Python's parser
    recurses, and such data could not be saved and loaded again."""
    from flask import request
    if request.is_json and json_too_deep(request.get_data(cache=True)):
        return problem(400, "Bad Request", f"the JSON body nests more than {MAX_DEPTH} levels deep")
    return None


def refuse_unstorable_input():
    """Input that parses into what no later step can handle is refused before any work (400, a page
    for the pages): a lone UTF-16 surrogate ("\\ud800") is no character and cannot be written as
    UTF-8, so a case holding one could not be shown again; an integer of more digits than Python
    converts could not be read or written. A JSON body is parsed here once more (the routes parse it
    again): it is at most MAX_CONTENT_LENGTH."""
    from flask import request
    if request.is_json:
        detail = json_problem(request.get_data(cache=True))
    elif request.mimetype in FORM_TYPES:
        detail = form_problem(request.form)
    else:
        detail = None
    if detail:
        raise BadRequest(detail)


def json_problem(body: bytes) -> str | None:
    """What makes a JSON body unstorable, in words, or None (also for one that does not parse: the
    route says so in its own words)."""
    try:
        document = json.loads(body, parse_float=_finite, parse_constant=_finite)
    except NotFinite as error:
        return f"a number in the JSON body is too large or not a number: {str(error)[:20]}"
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
        return None
    except ValueError:  # what is left: int() refusing more digits than Python converts
        return f"a number in the JSON body has more than {sys.get_int_max_str_digits():,} digits"
    return _lone_surrogate("the JSON body", json.dumps(document, ensure_ascii=False))


class NotFinite(ValueError):
    """1e999 (infinity to Python), NaN or Infinity: not JSON that PostgreSQL stores or a client reads."""


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise NotFinite(text)
    return value


def form_problem(form) -> str | None:
    """A form field (name or value) holding a lone surrogate, in words, or None. Werkzeug reads a
    form as UTF-8 and never yields one today; this keeps it so whatever reads forms."""
    for key, value in form.items(multi=True):
        if detail := _lone_surrogate(f"the form field {key!r}", f"{key}{value}"):
            return detail
    return None


def _lone_surrogate(where: str, text: str) -> str | None:
    """JSON's parser joins a high and a low surrogate into one character: any left is alone."""
    if found := LONE_SURROGATE.search(text):
        return (f"{where} contains a lone surrogate (\\u{ord(found.group()):04x}): "
                "an escape \\ud800 to \\udfff must be half of a pair")
    return None


def register(app, api) -> None:
    api.handle_http_exception = handle_http_exception
    app.register_error_handler(EngineError, handle_engine_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    for kind in DATABASE_DOWN:
        app.register_error_handler(kind, handle_database_down)
    app.register_error_handler(Exception, handle_unexpected)
