"""The figures of issue 27 (R-28) at 100,000 audits: each re-audit domain's movement against the
case's previous audit, kept on its row; per-day totals of that movement and of the grades kept or
changed between an audit's stages (audit_learning_day), and of the audits QA returned and whose overall
grade changed, by auditor (audit_moderation_day), filled here from the rows already written;
and the indexes the action, moderation, previous-audit and next-audit queries read (bench/README.md, "Reports").

Revision ID: 0021
Revises: 0020
"""
from collections import Counter
from datetime import timezone
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

LONDON = ZoneInfo("Europe/London")
RE_AUDIT_KINDS = ("re_audit", "re_re_audit")
GRADES = ("outstanding", "good", "requires_improvement", "inadequate")  # best first, as deployed in 2026
STAGES = {"draft_discussed": ("grade_before", "grade_discussed"),
          "discussed_accepted": ("grade_discussed", "grade_accepted"),
          "accepted_final": ("grade_accepted", "grade_after")}
OUTCOME_STAGES = {"draft_discussed": ("pre_discussion_grade", "discussed_grade"),
                  "discussed_accepted": ("discussed_grade", "accepted_grade"),
                  "accepted_final": ("accepted_grade", "overall_grade")}
MODERATION_COUNTS = ("audits", "qa_returned", "qa_returns",
                     *(f"{stage}_{count}" for stage in OUTCOME_STAGES for count in ("compared", "changed")))
COUNTS = ("improved", "same", "downgraded",
          *(f"{stage}_{count}" for stage in STAGES for count in ("compared", "changed")))

outcome = sa.table("audit_outcome", sa.column("id", sa.Integer), sa.column("case_ref", sa.String),
                   sa.column("audit_kind", sa.String), sa.column("completed_at", sa.DateTime))
domain_grade = sa.table("audit_domain_grade", sa.column("id", sa.Integer), sa.column("outcome_id", sa.Integer),
                        sa.column("domain", sa.String), sa.column("grade_before", sa.String),
                        sa.column("grade_discussed", sa.String), sa.column("grade_accepted", sa.String),
                        sa.column("grade_after", sa.String), sa.column("movement", sa.String))


def upgrade():
    op.add_column("audit_domain_grade", sa.Column("movement", sa.String(16)))
    learning_day = op.create_table(
        "audit_learning_day",
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("domain", sa.String(100), primary_key=True),
        *(sa.Column(name, sa.Integer, nullable=False) for name in COUNTS),
    )
    moderation_day = op.create_table(
        "audit_moderation_day",
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("auditor", sa.String(100), primary_key=True),
        *(sa.Column(name, sa.Integer, nullable=False) for name in MODERATION_COUNTS),
    )
    op.create_index("ix_audit_outcome_moderation", "audit_outcome",
                    ["completed_at", "auditor", "pre_discussion_grade", "discussed_grade", "accepted_grade",
                     "overall_grade", "qa_returns", "service_area", "audit_kind"])
    op.create_index("ix_audit_outcome_case", "audit_outcome", ["case_ref", "completed_at"])
    op.create_index("ix_process_instance_case_process", "process_instance", ["case_ref", "process_id", "created_at"])
    op.create_index("ix_process_instance_cycle_plan", "process_instance", ["cycle", "process_id", "status"])
    op.create_index("ix_agreed_action_report", "agreed_action",
                    ["agreed_at", "service_area", "team", "audit_kind", "audit_grade", "outcome", "closed_as",
                     "due_at", "completed_at"])
    _mark_movement()
    _fill(learning_day)
    _fill_moderation(moderation_day)


def _mark_movement() -> None:
    """Each re-audit's domains against the latest audit of its case completed before it."""
    bind = op.get_bind()
    audits = bind.execute(sa.select(outcome.c.id, outcome.c.case_ref, outcome.c.audit_kind, outcome.c.completed_at)
                          .where(outcome.c.case_ref.is_not(None))
                          .order_by(outcome.c.case_ref, outcome.c.completed_at, outcome.c.id)).all()
    previous_of = {}
    for before, after in zip(audits, audits[1:]):
        if after.case_ref == before.case_ref and after.audit_kind in RE_AUDIT_KINDS \
                and before.completed_at < after.completed_at:
            previous_of[after.id] = before.id
    if not previous_of:
        return
    grades = _domain_grades(bind, {*previous_of, *previous_of.values()})
    for audit_id, previous_id in previous_of.items():
        for row_id, domain, grade in grades.get(audit_id, ()):
            moved = _movement(next((g for _, d, g in grades.get(previous_id, ()) if d == domain), None), grade)
            if moved:
                bind.execute(domain_grade.update().where(domain_grade.c.id == row_id).values(movement=moved))


def _domain_grades(bind, outcome_ids: set[int]) -> dict[int, list[tuple]]:
    found: dict[int, list[tuple]] = {}
    ids = sorted(outcome_ids)
    for start in range(0, len(ids), 500):
        query = sa.select(domain_grade.c.outcome_id, domain_grade.c.id, domain_grade.c.domain,
                          domain_grade.c.grade_after).where(domain_grade.c.outcome_id.in_(ids[start:start + 500]))
        for outcome_id, *row in bind.execute(query):
            found.setdefault(outcome_id, []).append(tuple(row))
    return found


def _movement(before, after):
    if before not in GRADES or after not in GRADES:
        return None
    step = GRADES.index(before) - GRADES.index(after)
    return "improved" if step > 0 else "downgraded" if step < 0 else "same"


def _fill(learning_day: sa.Table) -> None:
    """Count the rows already written by their audit's London day (in Python: SQLite has no time zones)."""
    columns = [domain_grade.c[name] for name in ("domain", "movement", "grade_before", "grade_discussed",
                                                 "grade_accepted", "grade_after")]
    query = sa.select(outcome.c.completed_at, *columns).select_from(
        domain_grade.join(outcome, outcome.c.id == domain_grade.c.outcome_id))
    rows: dict[tuple, Counter] = {}
    for row in op.get_bind().execute(query):
        day = row.completed_at.replace(tzinfo=timezone.utc).astimezone(LONDON).date()
        counts = rows.setdefault((day, row.domain), Counter())
        if row.movement:
            counts[row.movement] += 1
        for stage, (first, second) in STAGES.items():
            if getattr(row, first) is not None and getattr(row, second) is not None:
                counts[f"{stage}_compared"] += 1
                counts[f"{stage}_changed"] += getattr(row, first) != getattr(row, second)
    if rows:
        op.bulk_insert(learning_day, [{"day": day, "domain": domain} | {name: counts[name] for name in COUNTS}
                                      for (day, domain), counts in rows.items()])


def _fill_moderation(moderation_day: sa.Table) -> None:
    """The audits whose moderation is known (written since 0020), by London day and auditor."""
    columns = [sa.column(name) for name in ("completed_at", "auditor", "qa_returns", "pre_discussion_grade",
                                            "discussed_grade", "accepted_grade", "overall_grade")]
    query = sa.select(*columns).select_from(sa.table("audit_outcome", *columns)).where(
        sa.column("discussed_grade").is_not(None))
    rows: dict[tuple, Counter] = {}
    for row in op.get_bind().execute(query):
        day = row.completed_at.replace(tzinfo=timezone.utc).astimezone(LONDON).date()
        counts = rows.setdefault((day, row.auditor or ""), Counter())
        counts.update(audits=1, qa_returned=int(bool(row.qa_returns)), qa_returns=row.qa_returns or 0)
        for stage, (first, second) in OUTCOME_STAGES.items():
            if getattr(row, first) is not None and getattr(row, second) is not None:
                counts[f"{stage}_compared"] += 1
                counts[f"{stage}_changed"] += getattr(row, first) != getattr(row, second)
    if rows:
        op.bulk_insert(moderation_day, [{"day": day, "auditor": auditor} | {n: counts[n] for n in MODERATION_COUNTS}
                                        for (day, auditor), counts in rows.items()])


def downgrade():
    op.drop_index("ix_agreed_action_report", table_name="agreed_action")
    op.drop_index("ix_audit_outcome_case", table_name="audit_outcome")
    op.drop_index("ix_process_instance_case_process", table_name="process_instance")
    op.drop_index("ix_process_instance_cycle_plan", table_name="process_instance")
    op.drop_index("ix_audit_outcome_moderation", table_name="audit_outcome")
    op.drop_table("audit_learning_day")
    op.drop_table("audit_moderation_day")
    with op.batch_alter_table("audit_domain_grade") as table:  # SQLite drops a column by copying the table
        table.drop_column("movement")
