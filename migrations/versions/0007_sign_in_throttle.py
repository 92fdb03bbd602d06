"""Wrong passwords counted per username and per address, with a temporary lock (engine/people/accounts.py).

Revision ID: 0007
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "sign_in_throttle",
        sa.Column("key", sa.String(120), primary_key=True),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("window_started_at", sa.DateTime, nullable=False),
        sa.Column("locked_until", sa.DateTime, nullable=True),
    )


def downgrade():
    op.drop_table("sign_in_throttle")
