"""What every response carries, and what the pages' session cookie is."""
from datetime import timedelta

from flask import Flask, request

# No script, style or frame from elsewhere, and no inline script at all: the pages' one script is
# /static/build/app.js (GOV.UK Frontend's init), so an injected <script> cannot run.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
       "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'")


def configure_session(app: Flask) -> None:
    app.config.update(
        SESSION_COOKIE_NAME="qa_session", SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=app.config["ENVIRONMENT"] != "development",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=app.config["TOKEN_HOURS"]),
        WTF_CSRF_CHECK_DEFAULT=False,  # the pages check it (web/__init__.py); the API takes bearer tokens
        WTF_CSRF_TIME_LIMIT=None,  # a token lives as long as the session that holds it
    )


def security_headers(response):
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    if not request.path.startswith("/static/"):
        response.headers["Cache-Control"] = "no-store"  # pages and answers carry case data
    response.headers.pop("Server", None)
    return response
