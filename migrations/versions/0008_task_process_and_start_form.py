"""The process each user task belongs to (a called dispute's tasks are the dispute's), and the form
a process version's start data answers to.

Revision ID: 0008
Revises: 0007
"""
import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user_task") as table:
        table.add_column(sa.Column("spec_id", sa.String(255), nullable=True))
    with op.batch_alter_table("process_version") as table:
        table.add_column(sa.Column("start_form", sa.String(255), nullable=True))
    # Tasks written before: their own process, or the dispute's for the dispute forms they use.
    op.execute("UPDATE user_task SET spec_id = CASE WHEN substr(form_key, 1, 8) = 'dispute_' "
               "THEN 'dispute_resolution' ELSE process_id END")


def downgrade():
    with op.batch_alter_table("process_version") as table:
        table.drop_column("start_form")
    with op.batch_alter_table("user_task") as table:
        table.drop_column("spec_id")
