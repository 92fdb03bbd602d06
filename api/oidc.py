"""Staff sign-in through the council's identity provider (OpenID Connect, e.g. Entra ID), when
configured. Roles come from a claim of the provider's token, mapped by configuration:

  OIDC_ISSUER          https://login.microsoftonline.com/<tenant>/v2.0 (discovery document under it)
  OIDC_CLIENT_ID, OIDC_CLIENT_SECRET
  OIDC_ROLE_CLAIM      the claim listing the person's groups or app roles (default "roles")
  OIDC_ROLE_MAP        JSON {"<claim value>": "<role id>", ...}, e.g. {"QA.Team": "qa_team"}
  OIDC_USERNAME_CLAIM  default "preferred_username"

GET /auth/oidc/login redirects to the provider; its callback signs the person in: their roles are
replaced by the mapped ones (the provider is the source of truth) and a bearer token is returned.
Their place in the organisation (team) is kept from the directory, where an admin sets it.
"""
import json
from datetime import timedelta

from authlib.integrations.flask_client import OAuth
from flask import Blueprint, current_app, jsonify, redirect, session, url_for
from werkzeug.exceptions import Forbidden

from doors import gate, start_session

blp = Blueprint("oidc", __name__, url_prefix="/auth/oidc")


def init_oidc(app) -> None:
    if not app.config.get("OIDC_ISSUER"):
        return
    oauth = OAuth(app)
    oauth.register("council", client_id=app.config["OIDC_CLIENT_ID"],
                   client_secret=app.config["OIDC_CLIENT_SECRET"],
                   server_metadata_url=app.config["OIDC_ISSUER"].rstrip("/") + "/.well-known/openid-configuration",
                   client_kwargs={"scope": "openid profile email"})
    app.extensions["oidc_client"] = oauth.council
    app.register_blueprint(blp)


@blp.get("/login")
def login():
    client = current_app.extensions["oidc_client"]
    return client.authorize_redirect(url_for("oidc.callback", _external=True))


@blp.get("/callback")
def callback():
    token = current_app.extensions["oidc_client"].authorize_access_token()
    claims = token.get("userinfo") or {}
    config = current_app.config
    roles = roles_from_claims(claims, config.get("OIDC_ROLE_CLAIM", "roles"),
                              json.loads(config.get("OIDC_ROLE_MAP") or "{}"))
    username = claims.get(config.get("OIDC_USERNAME_CLAIM", "preferred_username"))
    if not username or not roles:
        raise Forbidden("the identity provider gave no username or no role this service knows")
    lifetime = timedelta(hours=config["TOKEN_HOURS"])
    back_to_pages = session.pop("oidc_for_pages", None)  # set by the pages' "Sign in with ..." (web/sign_in.py)
    issued, row = gate().sign_in_oidc(username, claims.get("name") or username, claims.get("email"), roles, lifetime,
                                      for_pages=bool(back_to_pages))  # the pages get no bearer token
    if back_to_pages:
        start_session(issued)
        return redirect(back_to_pages)
    return jsonify(token=issued, expires_at=row.expires_at.isoformat())


def roles_from_claims(claims: dict, claim: str, role_map: dict[str, str]) -> set[str]:
    values = claims.get(claim) or []
    values = [values] if isinstance(values, str) else values
    return {role_map[v] for v in values if v in role_map}
