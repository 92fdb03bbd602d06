"""The replay log of the case-record system's webhook: each event id taken once (R-50).

Revision ID: 0005
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "inbound_event",
        sa.Column("event_id", sa.String(200), primary_key=True),
        sa.Column("event_type", sa.String(64), nullable=False),
        sa.Column("received_at", sa.DateTime, nullable=False),
        sa.Column("signature", sa.String(80), unique=True),
        sa.Column("instance_id", sa.Integer, sa.ForeignKey("process_instance.id"), nullable=True),
    )


def downgrade():
    op.drop_table("inbound_event")
