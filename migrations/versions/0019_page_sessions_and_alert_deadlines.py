"""Page sessions (issue 25): the pages' cookie holds an opaque id mapped here to the person, not a
bearer token of the API. And the deadlines, in working days, that an alert's response tasks had
(issue 24): the reports name these rather than a number of their own.

Revision ID: 0019
Revises: 0018
"""
import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "page_session",
        sa.Column("id_hash", sa.String(64), primary_key=True),
        sa.Column("username", sa.String(100), sa.ForeignKey("person.username"), nullable=False, index=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("expires_at", sa.DateTime, nullable=False),
        sa.Column("revoked_at", sa.DateTime),
    )
    op.add_column("alert_outcome", sa.Column("deadline_days", sa.JSON))


def downgrade():
    with op.batch_alter_table("alert_outcome") as table:  # SQLite drops a column by copying the table
        table.drop_column("deadline_days")
    op.drop_table("page_session")
