"""The OpenAPI document is a contract the service keeps: schemathesis generates requests for every
operation of /api/openapi.json and sends them through the Flask app (no server), signed in as an
administrator; no answer may be a 5xx, and every answer must match the schema documented for its
status code (errors: application/problem+json). Bounded and seeded, so it is fast and repeatable."""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

import doors
from app import create_app
from tests.api.conftest import bearer, seeded_app
from tests.fixtures.diagrams import chain_bundle

CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance, content_type_conformance,
          response_headers_conformance]


@pytest.fixture(scope="module")
def contract_app(migrated_url, tmp_path_factory):
    with seeded_app(migrated_url, tmp_path_factory.mktemp("contract")) as app:
        app.config["WEBHOOK_SECRET"] = "contract-test-key"  # unset, the webhook answers 503 to everything
        engine = doors.engine(app)
        engine.deploy(chain_bundle(), "olive")
        engine.start_instance("chain", {"case_ref": "C-1", "auditor": "ann", "practitioner": "pat"}, "quinn")
        yield app


def _openapi_document() -> dict:
    """The document as the app serves it (serving it touches no database), read at collection time
    so that there is one test per operation. (schemathesis.pytest.from_fixture needs a pytest
    older than ours.)"""
    app = create_app({"DATABASE_URL": "sqlite://", "TESTING": True})
    try:
        return app.test_client().get("/api/openapi.json").json
    finally:
        doors.engine(app).db.dispose()


schema = schemathesis.openapi.from_dict(_openapi_document())
# One test per operation, named by it: schemathesis' own parametrize gives every item the same
# node id, and pytest-xdist, which schedules by node id, would then run only one of them.
OPERATIONS = [result.ok() for result in schema.get_all_operations()]


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda operation: operation.label)
def test_every_operation_keeps_its_documented_contract(operation, contract_app):
    # Deploying and replaying are for process owners: send those as olive, so the upload itself is exercised.
    label = (operation.method.upper(), operation.path)
    username = "olive" if label == ("POST", "/api/process-definitions") or "/replays" in operation.path else "root"

    @given(case=operation.as_strategy())
    @settings(max_examples=15, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def keeps_its_contract(case):
        case.call_and_validate(app=contract_app, headers=bearer(contract_app, username), checks=CHECKS)

    keeps_its_contract()
