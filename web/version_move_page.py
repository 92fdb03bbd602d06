"""Moving running instances to a new version (migrators): the preview marks each instance of an
older version "can move" or "cannot move, because …"; the ones chosen move in bulk, each in its
own transaction and recorded, their running deadlines kept. No JavaScript needed."""
from flask import Blueprint, abort, render_template, request

from doors import caller, require
from engine.limits import MAX_ID
from engine.people.access import MIGRATORS
from web.page_session import signed_in

blp = Blueprint("web_migration", __name__)


@blp.get("/definitions/<process_id>/migration")
@signed_in
def preview(process_id):
    require(*MIGRATORS)
    preview = caller().migration_preview(process_id, _version(request.args.get("version")))
    return render_template("definitions/migration.html", preview=preview, error=None,
                           definition=caller().definition(process_id))


@blp.post("/definitions/<process_id>/migration")
@signed_in
def migrate(process_id):
    require(*MIGRATORS)
    version = _version(request.form.get("version"))
    chosen = [int(i) for i in request.form.getlist("instance") if i.isdigit() and 0 < int(i) <= MAX_ID]
    if not chosen:
        preview = caller().migration_preview(process_id, version)
        return render_template("definitions/migration.html", preview=preview, definition=caller().definition(
            process_id), error="Select the instances to move"), 400
    done = caller().migrate_many(process_id, version, chosen)
    return render_template("definitions/migrated.html", done=done, definition=caller().definition(process_id))


def _version(value: str | None) -> int | None:
    if not value:
        return None
    if not value.isdigit() or not 0 < int(value) <= MAX_ID:
        abort(400, "the version is a whole number, e.g. 2")
    return int(value)
