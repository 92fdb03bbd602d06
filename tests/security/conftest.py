"""Hostile-input fixtures: the API app on the test database with the demo organisation (tests/api),
and the service served for real on 127.0.0.1 for the tests that must watch /health while a step runs."""
import threading

import pytest
from werkzeug.serving import make_server

from tests.api.conftest import app, auth, client, engine_of  # noqa: F401  (fixtures)


@pytest.fixture
def served(app):  # noqa: F811
    """The app behind werkzeug's threaded server, as `make run` serves it: (base URL, app)."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join(5)
