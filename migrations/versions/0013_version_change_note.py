"""The change note a process owner writes when deploying (issue 13): why this version exists, shown
in its history.

Revision ID: 0013
Revises: 0012
"""
import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("process_version", sa.Column("change_note", sa.Text, nullable=True))


def downgrade():
    # Plain ALTER TABLE (SQLite 3.35+ drops a column in place): a batch copy of process_version
    # would drop the table the instances refer to.
    op.drop_column("process_version", "change_note")
