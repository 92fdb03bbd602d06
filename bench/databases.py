"""Fresh migrated bench databases: a SQLite file in a temporary folder, or PostgreSQL's qa_bench."""
import tempfile
from contextlib import contextmanager

from sqlalchemy import create_engine, text

from engine.schema import upgrade

POSTGRES_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
BENCH_DATABASE = "qa_bench"


@contextmanager
def sqlite_database():
    with tempfile.TemporaryDirectory(prefix="qa-bench-") as folder:
        url = f"sqlite:///{folder}/bench.db"
        upgrade(url)
        yield "SQLite (file)", url


@contextmanager
def postgres_database(name: str = BENCH_DATABASE):
    _on_server(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    _on_server(f"CREATE DATABASE {name}")
    url = f"{POSTGRES_SERVER}/{name}"
    try:
        upgrade(url)
        yield "PostgreSQL", url
    finally:
        _on_server(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _on_server(statement: str) -> None:
    # CREATE/DROP DATABASE cannot run in a transaction: connect to `postgres` in autocommit.
    server = create_engine(f"{POSTGRES_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as connection:
            connection.execute(text(statement))
    finally:
        server.dispose()
