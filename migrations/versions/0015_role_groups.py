"""Role groups (issue 22): the organisation file's `role_groups`, e.g. the auditing roles, so that a
form field standing for a group (`x-role: auditing`) is checked against the directory.

Revision ID: 0015
Revises: 0014
"""
import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "role_group",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("role_id", sa.String(64), sa.ForeignKey("role.id"), primary_key=True),
        sa.Column("position", sa.Integer, nullable=False),
    )


def downgrade():
    op.drop_table("role_group")
