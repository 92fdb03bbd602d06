"""Pages that hold no case: the accessibility statement, and the error pages."""
import logging
import uuid

from flask import Blueprint, g, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from engine.errors import EngineError, Unavailable

blp = Blueprint("web_pages", __name__)
log = logging.getLogger(__name__)

TITLES = {400: "There is a problem", 403: "You cannot do this", 404: "Page not found",
          405: "You cannot do this", 409: "This has changed", 413: "Too large", 422: "There is a problem",
          429: "Too many attempts", 500: "Sorry, there is a problem with the service",
          503: "Sorry, the service is unavailable"}


@blp.get("/accessibility")
def accessibility():
    return render_template("accessibility.html")


def error_page(error: Exception):
    """An error on a page, as a page: the status, a plain title, and what to do; a 404 says nothing
    of whether the thing exists (R-81). An unexpected one is logged with an id the page shows."""
    if isinstance(error, Unavailable):
        return _unavailable(error)
    status = error.status if isinstance(error, EngineError) else error.code if isinstance(error, HTTPException) else 500
    detail = error.detail if isinstance(error, EngineError) and status in (409, 422) else None
    if (status == 400 and isinstance(error, HTTPException) and not isinstance(error, CSRFError)
            and error.description != type(error).description):
        detail = error.description  # a choice in the address a page does not take, named by the page
    error_id = None
    if status >= 500:
        error_id = uuid.uuid4().hex
        log.exception("unhandled error %s on a page", error_id)
    return render_template("error.html", status=status, title=TITLES.get(status, TITLES[500]), detail=detail,
                           error_id=error_id), status


def _unavailable(error: Unavailable):
    """The service cannot reach its database: say so, and when to try again. The page is drawn as
    for someone signed out, since the header's menu would ask the database again."""
    g.user = None
    page = render_template("error.html", status=error.status, title=TITLES[503], detail=error.detail)
    return page, error.status, {"Retry-After": str(error.retry_after)}
