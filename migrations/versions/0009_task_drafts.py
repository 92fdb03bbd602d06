"""Drafts of a task's answers, one per person and task, kept until the task is completed (not history).

Revision ID: 0009
Revises: 0008
"""
import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "task_draft",
        sa.Column("task_id", sa.String(36), sa.ForeignKey("user_task.id"), primary_key=True),
        sa.Column("username", sa.String(100), primary_key=True),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("saved_at", sa.DateTime, nullable=False),
    )


def downgrade():
    op.drop_table("task_draft")
