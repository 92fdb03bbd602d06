"""Messages (the inbox of what the service told a person): who read which notification and when,
and an index to find a person's messages through their email deliveries.

Revision ID: 0016
Revises: 0015
"""
import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "message_read",
        sa.Column("message_id", sa.Integer, sa.ForeignKey("outbox_message.id"), primary_key=True),
        sa.Column("username", sa.String(100), primary_key=True),
        sa.Column("read_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_delivery_recipient", "delivery", ["recipient", "message_id"])


def downgrade():
    op.drop_index("ix_delivery_recipient", table_name="delivery")
    op.drop_table("message_read")
