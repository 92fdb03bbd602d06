"""Audit and child-safety alert outcomes, written when they end, for the reports (R-60).

Revision ID: 0004
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "audit_outcome",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("instance_id", sa.Integer, sa.ForeignKey("process_instance.id"), nullable=False, unique=True),
        sa.Column("case_ref", sa.String(100)),
        sa.Column("service_area", sa.String(64)),
        sa.Column("team", sa.String(64)),
        sa.Column("auditor", sa.String(100)),
        sa.Column("practitioner", sa.String(100)),
        sa.Column("audit_kind", sa.String(32), nullable=False),
        sa.Column("pre_discussion_grade", sa.String(32)),
        sa.Column("overall_grade", sa.String(32), nullable=False),
        sa.Column("previous_grade", sa.String(32)),
        sa.Column("grade_change", sa.String(16)),
        sa.Column("disputed", sa.Boolean, nullable=False),
        sa.Column("dispute_stage", sa.String(32)),
        sa.Column("dispute_outcome", sa.String(32)),
        sa.Column("cycle_year", sa.Integer),
        sa.Column("cycle_month", sa.Integer),
        sa.Column("started_at", sa.DateTime, nullable=False),
        sa.Column("submitted_at", sa.DateTime),
        sa.Column("completed_at", sa.DateTime, nullable=False, index=True),
    )
    op.create_table(
        "audit_domain_grade",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("outcome_id", sa.Integer, sa.ForeignKey("audit_outcome.id"), nullable=False, index=True),
        sa.Column("domain", sa.String(100), nullable=False),
        sa.Column("grade_before", sa.String(32)),
        sa.Column("grade_after", sa.String(32)),
    )
    op.create_table(
        "audit_deadline",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("outcome_id", sa.Integer, sa.ForeignKey("audit_outcome.id"), nullable=False, index=True),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("due_at", sa.DateTime),
        sa.Column("met", sa.Boolean, nullable=False),
    )
    op.create_table(
        "alert_outcome",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("instance_id", sa.Integer, sa.ForeignKey("process_instance.id"), nullable=False, unique=True),
        sa.Column("case_ref", sa.String(100)),
        sa.Column("service_area", sa.String(64)),
        sa.Column("raised_from", sa.String(64)),
        sa.Column("final_stage", sa.Integer, nullable=False),
        sa.Column("outcome", sa.String(32), nullable=False),
        sa.Column("stages_timed_out", sa.Integer, nullable=False),
        sa.Column("answered_in_time", sa.Boolean, nullable=False),
        sa.Column("raised_at", sa.DateTime, nullable=False),
        sa.Column("closed_at", sa.DateTime, nullable=False, index=True),
    )


def downgrade():
    for table in ["alert_outcome", "audit_deadline", "audit_domain_grade", "audit_outcome"]:
        op.drop_table(table)
