"""Replays of past cases on a bundle before it is deployed (issue 29): one row per replay, its
selection and its result, the only row a replay writes.

Revision ID: 0022
Revises: 0021
"""
import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "replay_run",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("process_id", sa.String(255), nullable=False, index=True),
        sa.Column("bundle_hash", sa.String(64), nullable=False),
        sa.Column("started_from", sa.DateTime, nullable=False),
        sa.Column("started_to", sa.DateTime, nullable=False),
        sa.Column("service_area", sa.String(64)),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("result", sa.JSON),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )


def downgrade():
    op.drop_table("replay_run")
