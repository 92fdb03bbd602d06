"""How many SQL statements a request ran, in the `X-Statements` header: for the HTTP bench
(bench/README.md, "statements per page") and the tests that bound a page's statements, so a later
change that adds a query to a page shows up. Only when QA_COUNT_STATEMENTS is set (never in
production): a count costs little, but a header that describes the server's work is for the bench.
"""
from flask import Flask, g, has_request_context
from sqlalchemy import event
from sqlalchemy.engine import Engine

HEADER = "X-Statements"


def count_statements(app: Flask, sql_engine: Engine) -> None:
    """Count every statement `sql_engine` runs during a request and answer the count in HEADER."""
    event.listen(sql_engine, "before_cursor_execute", _counted)

    @app.after_request
    def _answer_count(response):
        response.headers[HEADER] = str(g.get("statements", 0))
        return response


def _counted(_connection, _cursor, statement, _parameters, _context, executemany) -> None:
    # The timer worker and CLI commands run outside a request. SQLite's BEGIN is left out: the engine
    # sends it as a statement there (engine/db.py), psycopg on its own, so both count alike.
    if has_request_context() and not statement.startswith("BEGIN"):
        g.statements = g.get("statements", 0) + 1
