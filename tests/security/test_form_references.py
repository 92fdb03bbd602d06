"""Item 3: a form fetches nothing. Only references to its own parts are deployed, and validators
are built with a registry that cannot retrieve."""
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from engine.definitions.forms import validation_errors
from engine.errors import InvalidData, InvalidDefinition
from tests.fixtures.diagrams import chain


@pytest.fixture
def listener():
    """An HTTP server counting the requests it receives: a form must never make one."""
    hits = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b'{"type": "string"}')

        def log_message(self, *_):
            pass
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/schema.json", hits
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("ref", ["http://127.0.0.1:9/schema.json", "file:///etc/passwd", "other.json#/x",
                                 "https://json-schema.org/draft/2020-12/schema"])
def test_a_form_referring_outside_itself_is_not_deployed(engine_of, ref):
    form = {"type": "object", "properties": {"note": {"type": "string"}, "secret": {"$ref": ref}}}
    with pytest.raises(InvalidDefinition) as refused:
        engine_of.deploy({"chain.bpmn": chain(), "note.json": json.dumps(form).encode()}, "olive")
    [problem] = refused.value.errors
    assert problem["file"] == "note.json"
    assert problem["message"].startswith(f"/properties/secret/$ref: refers to {ref!r}")


def test_a_form_setting_its_own_id_is_not_deployed(engine_of):
    form = {"$id": "http://127.0.0.1:9/", "type": "object", "properties": {"note": {"$ref": "#/$defs/x"}},
            "$defs": {"x": {"type": "string"}}}
    with pytest.raises(InvalidDefinition, match=r"/\$id: sets \$id"):
        engine_of.deploy({"chain.bpmn": chain(), "note.json": json.dumps(form).encode()}, "olive")


def test_validating_against_a_remote_reference_retrieves_nothing(listener):
    url, hits = listener
    schema = {"type": "object", "properties": {"note": {"$ref": url}}}  # as if deployed before this check
    with pytest.raises(InvalidData, match="not part of it"):
        validation_errors(schema, {"note": 1})
    assert hits == []


def test_local_references_still_work():
    schema = {"type": "object", "properties": {"grade": {"$ref": "#/$defs/grade"}},
              "$defs": {"grade": {"enum": ["good", "inadequate"]}}}
    assert validation_errors(schema, {"grade": "good"}) == {}
    assert list(validation_errors(schema, {"grade": "great"})) == ["grade"]
