"""Hostile-input fixtures: the API app on the test database with the demo organisation (tests/api),
and the service served for real on 127.0.0.1 for the tests that must watch /health while a step runs."""

import pytest

from tests.api.conftest import app, auth, client, engine_of  # noqa: F401  (fixtures)
from tests.fixtures.servers import serving


@pytest.fixture
def served(app):  # noqa: F811
    """The app behind werkzeug's threaded server, as `make run` serves it: (base URL, app)."""
    with serving(app) as url:
        yield url
