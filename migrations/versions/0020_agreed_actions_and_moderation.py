"""Agreed actions as work (issue 27, R-27): one row per SMART action, and the grades an audit had at
each stage (after the discussion with the practitioner, as QA accepted it) with how many times QA
returned it, for the moderation figures (R-28).

Revision ID: 0020
Revises: 0019
"""
import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "agreed_action",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("audit_instance_id", sa.Integer, sa.ForeignKey("process_instance.id"), nullable=False, index=True),
        sa.Column("actions_instance_id", sa.Integer, sa.ForeignKey("process_instance.id"), index=True),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("case_ref", sa.String(100), index=True),
        sa.Column("service_area", sa.String(64)),
        sa.Column("team", sa.String(64)),
        sa.Column("audit_kind", sa.String(32)),
        sa.Column("audit_grade", sa.String(32)),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("owner", sa.String(100), nullable=False, index=True),
        sa.Column("agreed_at", sa.DateTime, nullable=False, index=True),
        sa.Column("due_at", sa.DateTime, nullable=False),
        sa.Column("completed_at", sa.DateTime),
        sa.Column("outcome", sa.String(16)),
        sa.Column("closed_as", sa.String(32)),
        sa.Column("carried_reason", sa.Text),
    )
    op.add_column("audit_outcome", sa.Column("discussed_grade", sa.String(32)))
    op.add_column("audit_outcome", sa.Column("accepted_grade", sa.String(32)))
    op.add_column("audit_outcome", sa.Column("qa_returns", sa.Integer, nullable=False, server_default="0"))
    op.add_column("audit_domain_grade", sa.Column("grade_discussed", sa.String(32)))
    op.add_column("audit_domain_grade", sa.Column("grade_accepted", sa.String(32)))


def downgrade():
    with op.batch_alter_table("audit_domain_grade") as table:  # SQLite drops a column by copying the table
        table.drop_column("grade_accepted")
        table.drop_column("grade_discussed")
    with op.batch_alter_table("audit_outcome") as table:
        table.drop_column("qa_returns")
        table.drop_column("accepted_grade")
        table.drop_column("discussed_grade")
    op.drop_table("agreed_action")
