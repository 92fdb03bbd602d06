"""Who is signed in to the pages: the session cookie (signed, HttpOnly) holds a token of
engine/people/accounts.py, so a page session expires, and ends on sign-out, on a password change and on
deactivation, exactly as an API token does."""
from functools import wraps
from urllib.parse import urlsplit

from flask import g, redirect, request, session, url_for

from doors import gate
from engine.people.accounts import Unauthenticated


def load_user() -> None:
    """before_request of the pages: g.user from the session's token, if it still signs anyone in."""
    g.user = None
    token = session.get("token")
    if token:
        try:
            g.user = gate().person(token)
        except Unauthenticated:
            session.clear()


def signed_in(view):
    """The page needs someone signed in: anyone else goes to the sign-in page, and back afterwards."""
    @wraps(view)
    def guarded(*args, **kwargs):
        if g.user is None:
            return redirect(url_for("web_auth.sign_in_page", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)
    return guarded


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path of this service only, never another host."""
    return local_path(target) or url_for("web_tasks.my_tasks")


def local_path(target: str | None) -> str | None:
    """`target` if it is a path of this service, else None. Browsers read a backslash as a slash,
    so `/\\host` leaves the site as `//host` would."""
    if not target or not target.startswith("/") or target[1:2] in ("/", "\\"):
        return None
    parts = urlsplit(target)
    return None if parts.scheme or parts.netloc else target
