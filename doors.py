"""The doors through which a route of either face (web/, api/) reaches the engine: `caller()`, the
signed-in person (engine/caller/); `gate()`, before anyone is signed in (engine/gate.py); and
`webhook_admin()`. `install` puts the engine and the outbox dispatcher in the app; `engine()` is for
the app's own commands and the tests, never a route."""
from flask import Flask, current_app, g, session

from engine.caller import Caller
from engine.gate import Gate
from engine.people.access import require as require_of
from engine.workflow_engine import WorkflowEngine
from webhooks.admin import WebhookAdmin
from webhooks.dispatcher import Dispatcher

ENGINE, DISPATCHER = "qa_engine", "qa_dispatcher"
PAGE_SESSION = "page_session"  # the cookie's key for the page session's id


def install(app: Flask, engine: WorkflowEngine, dispatcher: Dispatcher) -> None:
    app.extensions[ENGINE], app.extensions[DISPATCHER] = engine, dispatcher


def engine(app: Flask | None = None) -> WorkflowEngine:
    return (app or current_app).extensions[ENGINE]


def dispatcher(app: Flask | None = None) -> Dispatcher:
    return (app or current_app).extensions[DISPATCHER]


def gate() -> Gate:
    """The door before anyone is signed in: sign-in, tokens, the case-record system's events."""
    return Gate(engine())


def webhook_admin() -> WebhookAdmin:
    """Subscriptions and deliveries of the outgoing webhooks (administrators; api/webhooks_out.py)."""
    return WebhookAdmin(engine().db, dispatcher().destinations, current_app.config["ENVIRONMENT"] == "production")


def caller() -> Caller:
    """The signed-in person (g.user, set when the request was authenticated) at the engine."""
    return Caller(engine(), g.user)


def start_session(session_id: str) -> None:
    """Sign the browser in to the pages with the id of a page session (engine/people/page_sessions.py), from
    the sign-in page or the identity provider's callback in api/oidc.py. Never a bearer token: the
    cookie is signed, not encrypted."""
    session.clear()  # a new session: nothing of an earlier one (nor its CSRF token) carries over
    session[PAGE_SESSION] = session_id
    session.permanent = True


def require(*roles: str) -> None:
    """403 unless the signed-in person holds one of the roles."""
    require_of(g.user, *roles)
