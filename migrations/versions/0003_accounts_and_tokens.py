"""Accounts (hashed passwords, bearer tokens stored hashed, expiring, revocable) and what access
control needs in SQL: each instance's team and service area, its participants, each task's candidates,
and who may start each process version (camunda:candidateStarterGroups).

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("process_version") as table:
        table.add_column(sa.Column("starter_roles", sa.JSON))
    with op.batch_alter_table("process_instance") as table:
        table.add_column(sa.Column("team_id", sa.String(64)))
        table.add_column(sa.Column("service_area_id", sa.String(64)))
        table.create_index("ix_process_instance_team_id", ["team_id"])
        table.create_index("ix_process_instance_service_area_id", ["service_area_id"])
    with op.batch_alter_table("user_task") as table:
        table.add_column(sa.Column("open_to_role", sa.Boolean, nullable=False, server_default=sa.false()))
    op.create_table(
        "task_candidate",
        sa.Column("task_id", sa.String(36), sa.ForeignKey("user_task.id"), primary_key=True),
        sa.Column("username", sa.String(100), primary_key=True, index=True),
    )
    op.create_table(
        "instance_participant",
        sa.Column("instance_id", sa.Integer, sa.ForeignKey("process_instance.id"), primary_key=True),
        sa.Column("username", sa.String(100), primary_key=True, index=True),
    )
    op.create_table(
        "credential",
        sa.Column("username", sa.String(100), sa.ForeignKey("person.username"), primary_key=True),
        sa.Column("password_hash", sa.String(255), nullable=False),
    )
    op.create_table(
        "api_token",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("username", sa.String(100), sa.ForeignKey("person.username"), nullable=False, index=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("expires_at", sa.DateTime, nullable=False),
        sa.Column("revoked_at", sa.DateTime),
    )


def downgrade():
    op.drop_table("api_token")
    op.drop_table("credential")
    op.drop_table("instance_participant")
    op.drop_table("task_candidate")
    with op.batch_alter_table("user_task") as table:
        table.drop_column("open_to_role")
    with op.batch_alter_table("process_version") as table:
        table.drop_column("starter_roles")
    with op.batch_alter_table("process_instance") as table:
        table.drop_index("ix_process_instance_service_area_id")
        table.drop_index("ix_process_instance_team_id")
        table.drop_column("service_area_id")
        table.drop_column("team_id")
