"""The pages: server-rendered GOV.UK Design System pages over the same engine, reads and access
rules as the API (doors.caller()), never the API over HTTP. One blueprint per area."""
from pathlib import Path

from flask import Flask, Response, g, request
from flask_wtf.csrf import CSRFError, CSRFProtect
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader
from markupsafe import Markup, escape
from werkzeug.exceptions import HTTPException
from werkzeug.serving import WSGIRequestHandler

from engine.calendar import LONDON, parse_instant
from engine.errors import EngineError
from engine.people.access import AUDIT_TEAM, DEPLOYERS, MIGRATORS, SEES_ACROSS, may_oversee
from faces import errors as http_errors

from . import (
    allocations,
    bulk_tasks,
    case_page,
    cases,
    concern,
    cycle_page,
    dashboard,
    definitions,
    deploy_page,
    handover,
    messages,
    notes,
    pages,
    replay_page,
    reports,
    sign_in,
    start,
    tasks,
    version_move_page,
)
from .form_answers import KEY_SUFFIX, ROWS_SUFFIX
from .page_session import load_user
from .security import configure_session, security_headers

HERE = Path(__file__).resolve().parent
PAGE_BLUEPRINTS = (sign_in.blp, tasks.blp, allocations.blp, cases.blp, case_page.blp, concern.blp, dashboard.blp,
                   reports.blp, definitions.blp, deploy_page.blp, replay_page.blp, version_move_page.blp, start.blp,
                   cycle_page.blp, handover.blp, bulk_tasks.blp, messages.blp, notes.blp, pages.blp)
csrf = CSRFProtect()
FIELD_SUFFIXES = {"rows": ROWS_SUFFIX, "key": KEY_SUFFIX}  # the hidden inputs that carry a form page's shape


class TextResponse(Response):
    """A response whose text is written as UTF-8 whatever it holds: data stored with a lone surrogate
    before requests were refused for one (issue 25) shows a "?" there instead of failing the page."""

    def set_data(self, value) -> None:
        super().set_data(value.encode("utf-8", "replace") if isinstance(value, str) else value)


def init_web(app: Flask) -> None:
    configure_session(app)
    app.response_class = TextResponse
    app.config.setdefault("COUNCIL_NAME", "Council")
    app.jinja_loader = ChoiceLoader([FileSystemLoader(HERE / "templates"),
                                     PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")})])
    app.jinja_env.globals.update(council_name=lambda: app.config["COUNCIL_NAME"], service_name=SERVICE_NAME,
                                 oversees=lambda: _holds(SEES_ACROSS),
                                 oversees_area=lambda: bool(g.user) and may_oversee(g.user),
                                 may_deploy=lambda: _holds(DEPLOYERS),
                                 may_migrate=lambda: _holds(MIGRATORS), may_start=start.may_start_from_pages,
                                 allocates=lambda: _holds(AUDIT_TEAM), field_suffixes=FIELD_SUFFIXES,
                                 unread_messages=messages.unread_count)
    app.jinja_env.filters.update(error_link=_error_link, london=_london, line_breaks_kept=_line_breaks_kept)
    app.static_folder = str(HERE / "static")  # /static/build/: the assets `make assets` builds
    csrf.init_app(app)
    for blueprint in PAGE_BLUEPRINTS:
        app.register_blueprint(blueprint)
    app.after_request(security_headers)
    app.register_error_handler(CSRFError, pages.error_page)
    for kind, answer in ((EngineError, http_errors.handle_engine_error),
                         (HTTPException, http_errors.handle_http_exception),
                         (Exception, http_errors.handle_unexpected)):
        app.register_error_handler(kind, _page_or_problem(answer))
    for kind in http_errors.DATABASE_DOWN:
        app.register_error_handler(kind, _database_down)
    WSGIRequestHandler.server_version, WSGIRequestHandler.sys_version = "qa-workflow", ""  # no version banner


SERVICE_NAME = "Case audits and quality assurance"


def _holds(roles: tuple[str, ...]) -> bool:
    """Whether the signed-in person holds one of the roles: what the menu shows them."""
    return bool(g.user) and g.user.has(*roles)


def _error_link(error: tuple[str, str]) -> dict:
    """An error summary entry: its message, linked to the field it is about (if any)."""
    field_id, text = error
    return {"text": text, "href": f"#{field_id}"} if field_id else {"text": text}


def _line_breaks_kept(text: str) -> Markup:
    """A textarea's text with its line breaks as character references: GOV.UK's macros indent the
    HTML they nest (a textarea revealed under a radio), which would add spaces to every typed line."""
    return Markup(escape(text).replace("\n", Markup("&#10;")))


def _london(instant: str | None) -> str:
    if not instant:
        return ""
    local = parse_instant(instant).astimezone(LONDON)
    return f"{local.day} {local:%B %Y} at {local:%H:%M}"


def _check_csrf() -> None:
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        csrf.protect()


def _page_or_problem(problem):
    """Errors of the pages are pages; the API's stay problem+json."""
    def handle(error):
        return pages.error_page(error) if is_page(request.path) else problem(error)
    return handle


def _database_down(error: Exception):
    """503 with Retry-After while the database cannot be reached: a page on the pages."""
    unavailable = http_errors.database_down(error)
    return pages.error_page(unavailable) if is_page(request.path) else http_errors.handle_engine_error(unavailable)


def is_page(path: str) -> bool:
    """Whether a path is one of the pages' (errors there are pages, not problem+json)."""
    return not path.startswith(("/api/", "/auth/oidc/", "/health"))


for _blueprint in PAGE_BLUEPRINTS:  # once, at import: every app registers the same blueprints
    _blueprint.before_request(load_user)
    _blueprint.before_request(_check_csrf)
