"""Organisation directory (service areas, teams, people, their roles) and the outbox.

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "service_area",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("service_manager", sa.String(100)),
        sa.Column("head_of_service", sa.String(100)),
        sa.Column("assistant_director", sa.String(100)),
    )
    op.create_table(
        "team",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("service_area_id", sa.String(64), sa.ForeignKey("service_area.id"), nullable=False, index=True),
        sa.Column("manager", sa.String(100)),
    )
    op.create_table(
        "person",
        sa.Column("username", sa.String(100), primary_key=True),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("email", sa.String(255)),
        sa.Column("team_id", sa.String(64), sa.ForeignKey("team.id"), index=True),
        sa.Column("active", sa.Boolean, nullable=False),
    )
    op.create_table(
        "person_role",
        sa.Column("username", sa.String(100), sa.ForeignKey("person.username"), primary_key=True),
        sa.Column("role_id", sa.String(64), sa.ForeignKey("role.id"), primary_key=True, index=True),
    )
    op.create_table(
        "outbox_message",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("instance_id", sa.Integer, sa.ForeignKey("process_instance.id"), index=True),
        sa.Column("event_type", sa.String(64), nullable=False, index=True),
        sa.Column("case_ref", sa.String(100)),
        sa.Column("recipients", sa.JSON, nullable=False),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )


def downgrade():
    for table in ["outbox_message", "person_role", "person", "team", "service_area"]:
        op.drop_table(table)
