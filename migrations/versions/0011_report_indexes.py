"""Reports at 100,000 audits (issue 14, P4): an index holding every column the report groups
audit outcomes by, and per-day totals of the domain grade and deadline rows, filled here from
the rows already written (bench/README.md, "Reports").

Revision ID: 0011
Revises: 0010
"""
from collections import Counter
from datetime import timezone
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

LONDON = ZoneInfo("Europe/London")
REPORT_COLUMNS = ["completed_at", "overall_grade", "service_area", "audit_kind", "grade_change", "disputed",
                  "dispute_stage", "dispute_outcome"]

outcome = sa.table("audit_outcome", sa.column("id", sa.Integer), sa.column("completed_at", sa.DateTime))
domain_grade = sa.table("audit_domain_grade", sa.column("outcome_id", sa.Integer), sa.column("domain", sa.String),
                        sa.column("grade_after", sa.String))
deadline = sa.table("audit_deadline", sa.column("outcome_id", sa.Integer), sa.column("name", sa.String),
                    sa.column("met", sa.Boolean))


def upgrade():
    op.drop_index("ix_audit_outcome_completed_at", table_name="audit_outcome")  # the new one leads with it
    op.create_index("ix_audit_outcome_report", "audit_outcome", REPORT_COLUMNS)
    domain_day = op.create_table(
        "audit_domain_day",
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("domain", sa.String(100), primary_key=True),
        sa.Column("grade", sa.String(32), primary_key=True),
        sa.Column("audits", sa.Integer, nullable=False),
    )
    deadline_day = op.create_table(
        "audit_deadline_day",
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("met", sa.Boolean, primary_key=True),
        sa.Column("audits", sa.Integer, nullable=False),
    )
    _fill(domain_day, ("day", "domain", "grade"), domain_grade, (domain_grade.c.domain, domain_grade.c.grade_after),
          domain_grade.c.grade_after.is_not(None))
    _fill(deadline_day, ("day", "name", "met"), deadline, (deadline.c.name, deadline.c.met))


def _fill(totals: sa.Table, columns: tuple[str, ...], rows: sa.TableClause, keys: tuple, *where) -> None:
    """Count the rows already written by their audit's London day (in Python: SQLite has no time zones)."""
    query = (sa.select(outcome.c.completed_at, *keys).select_from(rows.join(outcome, outcome.c.id == rows.c.outcome_id))
             .where(*where))
    counts = Counter((_london_day(completed_at), *values) for completed_at, *values in op.get_bind().execute(query))
    if counts:
        op.bulk_insert(totals, [dict(zip(columns, key)) | {"audits": n} for key, n in counts.items()])


def _london_day(completed_at):
    return completed_at.replace(tzinfo=timezone.utc).astimezone(LONDON).date()


def downgrade():
    op.drop_table("audit_deadline_day")
    op.drop_table("audit_domain_day")
    op.drop_index("ix_audit_outcome_report", table_name="audit_outcome")
    op.create_index("ix_audit_outcome_completed_at", "audit_outcome", ["completed_at"])
