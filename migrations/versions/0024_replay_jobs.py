"""Replays run in the background (issue 29): a replay_run row is now the job the worker runs, queued
until a worker claims it, with the bundle it replays (kept nowhere else), its progress (cases done of
the total), a cancel request, the months chosen, when it started and finished, and why it failed.

Revision ID: 0024
Revises: 0023
"""
import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("replay_run") as table:
        table.add_column(sa.Column("bundle", sa.JSON))  # null on the rows kept before this revision
        table.add_column(sa.Column("done", sa.Integer, nullable=False, server_default="0"))
        table.add_column(sa.Column("total", sa.Integer, nullable=False, server_default="0"))
        table.add_column(sa.Column("cancel_requested", sa.Boolean, nullable=False, server_default=sa.false()))
        table.add_column(sa.Column("months", sa.Integer))
        table.add_column(sa.Column("started_at", sa.DateTime))
        table.add_column(sa.Column("finished_at", sa.DateTime))
        table.add_column(sa.Column("progressed_at", sa.DateTime))
        table.add_column(sa.Column("claims", sa.Integer, nullable=False, server_default="0"))
        table.add_column(sa.Column("error", sa.Text))
        table.create_index("ix_replay_run_status", ["status"])


def downgrade():
    with op.batch_alter_table("replay_run") as table:
        table.drop_index("ix_replay_run_status")
        for column in ("error", "claims", "progressed_at", "finished_at", "started_at", "months",
                       "cancel_requested", "total", "done", "bundle"):
            table.drop_column(column)
