"""Messages: what the service told the signed-in person (every notification addressed to them),
newest first, with its case, when, and whether the email went out (engine/people/inbox.py). Opening a
message marks it read, as a "Mark as read" button does; the header counts the unread."""
from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from doors import caller
from engine.errors import NotFound
from engine.limits import MAX_ID

from .page_session import signed_in

blp = Blueprint("web_messages", __name__)
PAGE_SIZE = 20


def unread_count() -> int:
    """The header's "Messages (N)": one count, read once per request."""
    if "unread_messages" not in g:
        g.unread_messages = caller().unread_messages() if g.user else 0
    return g.unread_messages


@blp.url_value_preprocessor
def _bounded_id(_endpoint, values) -> None:
    if values and values.get("message_id", 0) > MAX_ID:
        raise NotFound("no such message")


@blp.get("/messages")
@signed_in
def messages():
    page = min(max(request.args.get("page", 1, type=int), 1), 1_000_000)
    found = caller().messages(page=page, page_size=PAGE_SIZE)
    last_page = max((found["total"] + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    return render_template("messages/index.html", found=found, last_page=last_page)


@blp.get("/messages/<int:message_id>")
@signed_in
def message(message_id):
    """Opening a message is reading it: the person's own read state, nothing in the case's history."""
    return render_template("messages/message.html", message=caller().mark_read(message_id))


@blp.post("/messages/<int:message_id>/read")
@signed_in
def mark_read(message_id):
    caller().mark_read(message_id)
    return redirect(url_for("web_messages.messages", page=request.form.get("page", type=int) or None))


@blp.post("/messages/read")
@signed_in
def mark_all_read():
    marked = caller().mark_all_read()
    flash(f"{marked} message{'s' if marked != 1 else ''} marked as read." if marked else "You have no unread messages.")
    return redirect(url_for("web_messages.messages"))
