"""Who is calling: the bearer token of every /api/ request (engine/people/accounts.py issues and checks
them). OIDC sign-in (Authlib) is in api/oidc.py."""
from flask import g, request

from doors import gate
from engine.people.accounts import Unauthenticated

PUBLIC = {("POST", "/api/session"), ("GET", "/api/openapi.json"), ("POST", "/api/webhooks/case-record")}


def authenticate() -> None:
    """before_request for /api/: set g.user from the bearer token, or answer 401."""
    if not request.path.startswith("/api/") or (request.method, request.path) in PUBLIC:
        return None
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        return _unauthorised("send Authorization: Bearer <token> (POST /api/session gives one)")
    try:
        g.user = gate().person(token.strip())
    except Unauthenticated as error:
        return _unauthorised(str(error))
    g.token = token.strip()
    return None


def _unauthorised(detail: str):
    from faces.errors import problem
    return problem(401, "Unauthorized", detail, headers={"WWW-Authenticate": "Bearer"})
