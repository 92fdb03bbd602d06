"""Engine foundation: roles, versioned definitions, instances, user tasks, waiting timers, history.

Revision ID: 0001
Revises:
"""
import sqlalchemy as sa
from alembic import op

from engine.role_catalogue import role_catalogue

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

APPEND_ONLY_SQLITE = [
    "CREATE TRIGGER history_event_no_update BEFORE UPDATE ON history_event "
    "BEGIN SELECT RAISE(ABORT, 'history_event is append-only'); END",
    "CREATE TRIGGER history_event_no_delete BEFORE DELETE ON history_event "
    "BEGIN SELECT RAISE(ABORT, 'history_event is append-only'); END",
]

APPEND_ONLY_POSTGRES = [
    "CREATE FUNCTION history_event_append_only() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN RAISE EXCEPTION 'history_event is append-only'; END $$",
    "CREATE TRIGGER history_event_no_change BEFORE UPDATE OR DELETE ON history_event "
    "FOR EACH ROW EXECUTE FUNCTION history_event_append_only()",
]


def upgrade():
    role = op.create_table(
        "role",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("label", sa.String(200), nullable=False),
    )
    # the roles of the framework, from their one source, data/roles.json (engine/role_catalogue.py)
    op.bulk_insert(role, [{"id": i, "label": label} for i, label in role_catalogue().items()])

    op.create_table(
        "definition_file",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("file_name", sa.String(255), nullable=False, index=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("deployed_at", sa.DateTime, nullable=False),
        sa.Column("deployed_by", sa.String(100), nullable=False),
    )
    op.create_table(
        "process_version",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("process_id", sa.String(255), nullable=False, index=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("specs", sa.Text, nullable=False),
        sa.Column("forms", sa.JSON, nullable=False),
        sa.Column("bpmn_file_id", sa.Integer, sa.ForeignKey("definition_file.id"), nullable=False),
        sa.Column("deployed_at", sa.DateTime, nullable=False),
        sa.Column("deployed_by", sa.String(100), nullable=False),
        sa.UniqueConstraint("process_id", "version", name="uq_process_version"),
    )
    op.create_table(
        "process_instance",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("process_version_id", sa.Integer, sa.ForeignKey("process_version.id"), nullable=False, index=True),
        sa.Column("process_id", sa.String(255), nullable=False, index=True),
        sa.Column("status", sa.String(16), nullable=False, index=True),
        sa.Column("case_ref", sa.String(100), index=True),
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("serializer_version", sa.String(16), nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("parent_id", sa.Integer, sa.ForeignKey("process_instance.id"), index=True),
        sa.Column("started_by", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.Column("error", sa.JSON),
    )
    op.create_table(
        "user_task",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("instance_id", sa.Integer, sa.ForeignKey("process_instance.id"), nullable=False, index=True),
        sa.Column("process_id", sa.String(255), nullable=False),
        sa.Column("element_id", sa.String(255), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("role", sa.String(64), nullable=False),
        sa.Column("candidates", sa.JSON, nullable=False),
        sa.Column("assignee", sa.String(100)),
        sa.Column("case_ref", sa.String(100), index=True),
        sa.Column("form_key", sa.String(255)),
        sa.Column("due_at", sa.DateTime),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("ready_at", sa.DateTime, nullable=False),
        sa.Column("ended_at", sa.DateTime),
        sa.Column("completed_by", sa.String(100)),
    )
    op.create_index("ix_user_task_state_role", "user_task", ["state", "role"])
    op.create_table(
        "waiting_timer",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("instance_id", sa.Integer, sa.ForeignKey("process_instance.id"), nullable=False, index=True),
        sa.Column("task_id", sa.String(36), nullable=False),
        sa.Column("element_id", sa.String(255), nullable=False),
        sa.Column("name", sa.String(255)),
        sa.Column("due_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_waiting_timer_due_at", "waiting_timer", ["due_at"])
    op.create_table(
        "history_event",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("instance_id", sa.Integer, sa.ForeignKey("process_instance.id"), index=True),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("event", sa.String(64), nullable=False),
        sa.Column("element_id", sa.String(255)),
        sa.Column("detail", sa.JSON, nullable=False),
    )
    statements = APPEND_ONLY_POSTGRES if op.get_bind().dialect.name == "postgresql" else APPEND_ONLY_SQLITE
    for statement in statements:
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS history_event_no_change ON history_event")
        op.execute("DROP FUNCTION IF EXISTS history_event_append_only()")
    for table in ["history_event", "waiting_timer", "user_task", "process_instance",
                  "process_version", "definition_file", "role"]:
        op.drop_table(table)
