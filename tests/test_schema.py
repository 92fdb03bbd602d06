"""Migrations: one head, named revisions, and a schema that matches the models."""
import re
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from engine.models import Base
from engine.schema import alembic_config


def test_migration_chain_has_one_head():
    assert len(ScriptDirectory.from_config(alembic_config()).get_heads()) == 1


def test_every_migration_is_numbered_and_described():
    for path in (Path(__file__).parent.parent / "migrations" / "versions").glob("*.py"):
        assert re.fullmatch(r"\d{4}_[a-z0-9_]+\.py", path.name), path.name


def test_migrated_schema_matches_the_models(db):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
