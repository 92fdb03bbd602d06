"""Event delivery: event ids on the outbox, webhook subscriptions, deliveries and their attempts,
and the settable clock shared by the server and its workers.

Revision ID: 0006
Revises: 0005
"""
import uuid

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("outbox_message") as batch:
        batch.add_column(sa.Column("event_id", sa.String(36), nullable=True))
    outbox = sa.table("outbox_message", sa.column("id", sa.Integer), sa.column("event_id", sa.String))
    connection = op.get_bind()
    for (message_id,) in connection.execute(sa.select(outbox.c.id)).all():
        connection.execute(outbox.update().where(outbox.c.id == message_id).values(event_id=str(uuid.uuid4())))
    with op.batch_alter_table("outbox_message") as batch:
        batch.alter_column("event_id", existing_type=sa.String(36), nullable=False)
        batch.create_unique_constraint("uq_outbox_message_event_id", ["event_id"])

    op.create_table(
        "webhook_subscription",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("events", sa.JSON, nullable=False),
        sa.Column("secret", sa.String(200), nullable=False),
        sa.Column("description", sa.String(200)),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
    )
    op.create_table(
        "delivery",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("message_id", sa.Integer, sa.ForeignKey("outbox_message.id"), nullable=False, index=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("subscription_id", sa.Integer, sa.ForeignKey("webhook_subscription.id"), index=True),
        sa.Column("recipient", sa.String(100)),
        sa.Column("stream", sa.String(200), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", sa.DateTime, nullable=False),
        sa.Column("leased_until", sa.DateTime),
        sa.Column("leased_by", sa.String(100)),
        sa.Column("last_error", sa.Text),
        sa.Column("delivered_at", sa.DateTime),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    pending = sa.text("status = 'pending'")  # partial: only the rows still to send
    op.create_index("ix_delivery_pending", "delivery", ["id"], postgresql_where=pending, sqlite_where=pending)
    op.create_index("ix_delivery_stream", "delivery", ["stream", "id"], postgresql_where=pending,
                    sqlite_where=pending)
    op.create_table(
        "delivery_attempt",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("delivery_id", sa.Integer, sa.ForeignKey("delivery.id"), nullable=False, index=True),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("worker", sa.String(100), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("status_code", sa.Integer),
        sa.Column("error", sa.Text),
        sa.Column("duration_ms", sa.Integer, nullable=False),
    )
    op.create_table(
        "shared_clock",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("now", sa.DateTime, nullable=False),
    )


def downgrade():
    for table in ["shared_clock", "delivery_attempt", "delivery", "webhook_subscription"]:
        op.drop_table(table)
    with op.batch_alter_table("outbox_message") as batch:
        batch.drop_constraint("uq_outbox_message_event_id", type_="unique")
        batch.drop_column("event_id")
