"""The report's trend across audit cycles (issue 14): the covering index of the outcome figures
gains the cycle columns, so the trend's GROUP BY (cycle year, month, grade) reads the index alone
too.

Revision ID: 0012
Revises: 0011
"""
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

BEFORE = ["completed_at", "overall_grade", "service_area", "audit_kind", "grade_change", "disputed",
          "dispute_stage", "dispute_outcome"]


def upgrade():
    op.drop_index("ix_audit_outcome_report", table_name="audit_outcome")
    op.create_index("ix_audit_outcome_report", "audit_outcome", [*BEFORE, "cycle_year", "cycle_month"])


def downgrade():
    op.drop_index("ix_audit_outcome_report", table_name="audit_outcome")
    op.create_index("ix_audit_outcome_report", "audit_outcome", BEFORE)
