"""Urgent tasks (issue 21): a user task the diagram marks urgent (a child-safety alert's stages)
keeps why, so task lists put it first and say so in words.

Revision ID: 0014
Revises: 0013
"""
import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("user_task", sa.Column("urgent", sa.String(200), nullable=True))


def downgrade():
    op.drop_column("user_task", "urgent")
