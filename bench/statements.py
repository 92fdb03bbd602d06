"""Counting the SQL statements an engine verb sends (a SQLAlchemy `before_cursor_execute` event), so a
change that adds a query to the write path shows in the bench's table and fails a test. BEGIN and
COMMIT are not counted: SQLAlchemy sends them outside the cursor (SQLite's BEGIN IMMEDIATE, which
engine/db.py issues through the cursor, is left out by name)."""
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.engine import Engine

NOT_COUNTED = ("BEGIN", "COMMIT", "ROLLBACK")


class StatementCounter:
    def __init__(self):
        self.statements: list[str] = []

    def __call__(self, _conn, _cursor, statement: str, _parameters, _context, _executemany) -> None:
        if not statement.lstrip().upper().startswith(NOT_COUNTED):
            self.statements.append(statement)

    @property
    def count(self) -> int:
        return len(self.statements)


@contextmanager
def counting(engine: Engine) -> Iterator[StatementCounter]:
    """The statements sent through `engine` inside the block (an executemany counts once)."""
    counter = StatementCounter()
    event.listen(engine, "before_cursor_execute", counter)
    try:
        yield counter
    finally:
        event.remove(engine, "before_cursor_execute", counter)
