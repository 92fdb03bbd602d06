"""Statements per page (issue 28): My tasks and the case list read a fixed handful of statements
whatever the number of tasks and cases, and no more than the bound below, so a change that adds a
query to a page, or one a row, shows up here (and in the HTTP bench's "statements" column). They are
counted as the bench counts them: the X-Statements header that QA_COUNT_STATEMENTS turns on."""
import pytest

import doors
from app import create_app
from faces.statements import HEADER, count_statements

from .conftest import CASE, signed_in

MY_TASKS_MOST = 11
CASE_LIST_MOST = 15


@pytest.fixture
def counted(site):
    count_statements(site, doors.engine(site).db.engine)  # what QA_COUNT_STATEMENTS turns on (app.py)
    return site


def _start(site, count: int, first: int) -> None:
    engine = doors.engine(site)
    for n in range(first, first + count):
        engine.start_instance("case_audit", CASE | {"case_ref": f"C-{n}"}, "quinn")


def _statements(client, path: str) -> int:
    answer = client.get(path)
    assert answer.status_code == 200, answer.text
    return int(answer.headers[HEADER])


@pytest.mark.parametrize("path, username, most", [("/", "ann", MY_TASKS_MOST), ("/cases", "ann", CASE_LIST_MOST),
                                                  ("/cases", "quinn", CASE_LIST_MOST)])
def test_a_daily_page_reads_a_few_statements_however_many_rows_it_shows(counted, path, username, most):
    client = signed_in(counted, username)
    _start(counted, 2, first=1)
    _statements(client, path)  # the first reads what the process then keeps (the report labels)
    few = _statements(client, path)
    _start(counted, 8, first=3)
    many = _statements(client, path)
    assert many == few  # none a row
    assert many <= most


def test_only_the_bench_setting_answers_the_count(org):
    counted = create_app({"DATABASE_URL": org.db.url, "TESTING": True, "COUNT_STATEMENTS": True})
    plain = create_app({"DATABASE_URL": org.db.url, "TESTING": True})
    try:
        assert int(counted.test_client().get("/health").headers[HEADER]) >= 1
        assert HEADER not in plain.test_client().get("/health").headers
    finally:
        for app in (counted, plain):
            doors.engine(app).db.dispose()
