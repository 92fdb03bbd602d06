"""A case reference is the same in any letter case (the case list's `case` filter, R-27's "the next
audit of the case"): indexes on lower(case_ref), so that finding the audits of one case reference, for
every task page and case page, and counting a reference's processes in the case list, read an index
rather than every audit and instance.

Revision ID: 0023
Revises: 0022
"""
import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_audit_outcome_case_ref_lower", "audit_outcome", [sa.text("lower(case_ref)")])
    op.create_index("ix_process_instance_case_ref_lower", "process_instance", [sa.text("lower(case_ref)")])


def downgrade():
    op.drop_index("ix_process_instance_case_ref_lower", "process_instance")
    op.drop_index("ix_audit_outcome_case_ref_lower", "audit_outcome")
