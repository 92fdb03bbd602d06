"""Pages that start from the person (issue 28): indexes for each way a person comes to a task (named
as a candidate, open to a role they hold, held by them) and to a case (named on it), so My tasks, the
API's task list and the case list read the person's rows through an index instead of testing every
ready task or instance; and a partial index of the ready tasks' ids, so a person's candidate rows
(every task they were ever asked to do) are checked for the ready ones without reading the tasks.
Indexes only: nothing the write path keeps changes.

Revision ID: 0025
Revises: 0024
"""
import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

INDEXES = {
    "ix_task_candidate_person": ("task_candidate", ["username", "task_id"]),
    "ix_instance_participant_person": ("instance_participant", ["username", "instance_id"]),
    "ix_user_task_open_role": ("user_task", ["state", "open_to_role", "role"]),
    "ix_user_task_assignee_state": ("user_task", ["assignee", "state"]),
}


READY = sa.text("state = 'ready'")  # the ready tasks only: a small index, kept as tasks end


def upgrade():
    for name, (table, columns) in INDEXES.items():
        op.create_index(name, table, columns)
    op.create_index("ix_user_task_ready", "user_task", ["id"], postgresql_where=READY, sqlite_where=READY)


def downgrade():
    op.drop_index("ix_user_task_ready", "user_task")
    for name, (table, _) in INDEXES.items():
        op.drop_index(name, table)
