"""Migrations: one head, named revisions, and a schema that matches the models."""
import re
from pathlib import Path

import pytest
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


# SQLAlchemy reflects no index on an expression from SQLite (lower(case_ref), engine/models.py): it says so,
# and Alembic leaves such indexes out of the comparison there; PostgreSQL compares them.
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based index")
def test_migrated_schema_matches_the_models(db):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
