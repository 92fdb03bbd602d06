"""Database connection and the one transaction boundary every engine action goes through."""
from contextlib import contextmanager

from sqlalchemy import create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from engine.errors import Conflict

# INSERT ... ON CONFLICT, which each dialect spells in its own module
DIALECT_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}

DEFAULT_URL = "sqlite:///instance/qa.db"


def make_sql_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        # pysqlite's own transaction handling defers BEGIN; take the write lock at BEGIN instead
        # so two writers serialise rather than fail on lock upgrade. Readers (Database.reading)
        # begin deferred: in WAL mode they never wait for a writer.
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _sqlite_begin(conn) -> None:
    conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get(READING) else "BEGIN IMMEDIATE")


READING = "qa_reading"


def _sqlite_pragmas(dbapi_connection, _record):
    dbapi_connection.isolation_level = None  # we issue BEGIN ourselves (see make_sql_engine)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


class Database:
    def __init__(self, url: str = DEFAULT_URL):
        self.url = url
        self.engine = make_sql_engine(url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        options = {READING: True} | ({"postgresql_readonly": True} if is_postgres(self.engine) else {})
        self.read_sessions = sessionmaker(self.engine.execution_options(**options), expire_on_commit=False)

    @contextmanager
    def transaction(self):
        """Commit everything done in the block, or nothing."""
        session: Session = self.sessions()
        try:
            yield session
            session.commit()
        except DBAPIError as error:
            session.rollback()
            if _is_concurrency_failure(error):
                raise Conflict("another change to the same record happened at the same time") from error
            raise
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    @contextmanager
    def reading(self):
        """A transaction that only reads: it takes no write lock (SQLite) and may not write
        (PostgreSQL's READ ONLY)."""
        session: Session = self.read_sessions()
        try:
            yield session
        finally:
            session.rollback()
            session.close()

    def dispose(self):
        self.engine.dispose()


def _is_concurrency_failure(error: DBAPIError) -> bool:
    # PostgreSQL: serialization_failure, deadlock_detected, unique_violation from a racing insert.
    code = getattr(error.orig, "sqlstate", None) or getattr(error.orig, "pgcode", None)
    return code in {"40001", "40P01", "23505", "55P03"}
