"""Alembic environment: the URL comes from DATABASE_URL (or -x url=...), the schema from engine.models."""
import os

from alembic import context

from engine.db import DEFAULT_URL, make_sql_engine
from engine.models import Base


def database_url() -> str:
    return context.get_x_argument(as_dictionary=True).get("url") or os.environ.get("DATABASE_URL", DEFAULT_URL)


def run_migrations_online():
    connectable = context.config.attributes.get("connection")
    if connectable is not None:
        _run(connectable)
        return
    engine = make_sql_engine(database_url())
    with engine.connect() as connection:
        _run(connection)
    engine.dispose()


def _run(connection):
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
