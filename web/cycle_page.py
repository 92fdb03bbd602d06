"""The audit year for the QA team (R-10 to R-12): placeholder, filled below."""
from flask import Blueprint

from .session import signed_in

blp = Blueprint("web_cycle", __name__)


@blp.get("/cycle")
@signed_in
def cycle_page():
    return ""
