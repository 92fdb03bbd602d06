"""The audit cycle an instance belongs to ("2026-11", from its start data's cycle_year and
cycle_month), so that the case list filters by cycle and the dashboard counts the current one.

Revision ID: 0010
Revises: 0009
"""
import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("process_instance") as batch:
        batch.add_column(sa.Column("cycle", sa.String(7), nullable=True))
        batch.create_index("ix_process_instance_cycle", ["cycle"])


def downgrade():
    with op.batch_alter_table("process_instance") as batch:
        batch.drop_index("ix_process_instance_cycle")
        batch.drop_column("cycle")
