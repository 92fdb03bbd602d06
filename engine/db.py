"""Database connection and the one transaction boundary every engine action goes through."""
from contextlib import contextmanager

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from .errors import Conflict

DEFAULT_URL = "sqlite:///instance/qa.db"


def make_sql_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        # pysqlite's own transaction handling defers BEGIN; take the write lock at BEGIN instead
        # so two writers serialise rather than fail on lock upgrade.
        event.listen(engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN IMMEDIATE"))
        return engine
    return create_engine(url, pool_pre_ping=True)


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

    def dispose(self):
        self.engine.dispose()


def _is_concurrency_failure(error: DBAPIError) -> bool:
    # PostgreSQL: serialization_failure, deadlock_detected, unique_violation from a racing insert.
    code = getattr(error.orig, "sqlstate", None) or getattr(error.orig, "pgcode", None)
    return code in {"40001", "40P01", "23505", "55P03"}
