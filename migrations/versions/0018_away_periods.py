"""Away periods (issue 23): a person away from one day to another with a named cover, who may act
on their tasks in that window.

Revision ID: 0018
Revises: 0017
"""
import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "away_period",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(100), sa.ForeignKey("person.username"), nullable=False, index=True),
        sa.Column("cover", sa.String(100), sa.ForeignKey("person.username"), nullable=False, index=True),
        sa.Column("first_day", sa.Date, nullable=False),
        sa.Column("last_day", sa.Date, nullable=False),
        sa.Column("set_by", sa.String(100), nullable=False),
        sa.Column("set_at", sa.DateTime, nullable=False),
        sa.Column("cancelled_at", sa.DateTime),
    )


def downgrade():
    op.drop_table("away_period")
