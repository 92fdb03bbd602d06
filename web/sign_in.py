"""Signing in and out of the pages, with the same accounts, throttle and identity provider as the API."""
from datetime import timedelta

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for

from doors import gate, start_session
from engine.people.accounts import TooManyAttempts, Unauthenticated
from web.page_session import safe_next

blp = Blueprint("web_auth", __name__)


@blp.get("/sign-in")
def sign_in_page():
    return render_template("sign_in.html", next=request.args.get("next", ""), errors=[],
                           oidc="oidc_client" in current_app.extensions)


@blp.post("/sign-in")
def sign_in_form():
    username, password = request.form.get("username", "").strip(), request.form.get("password", "")
    errors = [(fid, text) for fid, text, value in (("username", "Enter your username", username),
                                                   ("password", "Enter your password", password)) if not value]
    if not errors:
        try:
            token, _row = gate().sign_in(username, password, request.remote_addr,
                                         timedelta(hours=current_app.config["TOKEN_HOURS"]))
            start_session(token)
            return redirect(safe_next(request.form.get("next")))
        except Unauthenticated:
            errors = [("username", "Enter a correct username and password")]
        except TooManyAttempts as locked:
            minutes = max(1, round(locked.retry_after / 60))
            errors = [("username", f"Too many wrong passwords. Try again in {minutes} minute{'s' * (minutes > 1)}")]
    status = 429 if errors and errors[0][1].startswith("Too many") else 400
    return render_template("sign_in.html", next=request.form.get("next", ""), errors=errors, username=username,
                           oidc="oidc_client" in current_app.extensions), status


@blp.get("/sign-in/oidc")
def sign_in_oidc():
    """Through the council's identity provider; its callback (api/oidc.py) starts the page session."""
    session["oidc_for_pages"] = safe_next(request.args.get("next"))
    return redirect(url_for("oidc.login"))


@blp.post("/sign-out")
def sign_out_form():
    token = session.get("token")
    if token:
        gate().sign_out(token)
    session.clear()
    flash("You have signed out.")
    return redirect(url_for("web_auth.sign_in_page"))
