"""Notes on a case (and on its tasks): who, when, text. Append-only like history_event: triggers refuse
UPDATE and DELETE on both databases, so a note once posted stays as it was (a correction is a new note).

Revision ID: 0017
Revises: 0016
"""
import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

APPEND_ONLY_SQLITE = [
    "CREATE TRIGGER case_note_no_update BEFORE UPDATE ON case_note "
    "BEGIN SELECT RAISE(ABORT, 'case_note is append-only'); END",
    "CREATE TRIGGER case_note_no_delete BEFORE DELETE ON case_note "
    "BEGIN SELECT RAISE(ABORT, 'case_note is append-only'); END",
]

APPEND_ONLY_POSTGRES = [
    "CREATE FUNCTION case_note_append_only() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN RAISE EXCEPTION 'case_note is append-only'; END $$",
    "CREATE TRIGGER case_note_no_change BEFORE UPDATE OR DELETE ON case_note "
    "FOR EACH ROW EXECUTE FUNCTION case_note_append_only()",
]


def upgrade():
    op.create_table(
        "case_note",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("instance_id", sa.Integer, sa.ForeignKey("process_instance.id"), nullable=False, index=True),
        sa.Column("task_id", sa.String(36)),
        sa.Column("author", sa.String(100), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    postgres = op.get_bind().dialect.name == "postgresql"
    for statement in APPEND_ONLY_POSTGRES if postgres else APPEND_ONLY_SQLITE:
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS case_note_no_change ON case_note")
        op.execute("DROP FUNCTION IF EXISTS case_note_append_only()")
    op.drop_table("case_note")  # SQLite drops a table's triggers with it
