"""The HTTP API of shared/spec/API.md: flask-smorest blueprints, one per area, thin routes."""
from flask_smorest import Api

from faces import errors

from . import bearer


class QaApi(Api):
    """Errors are documented as they are answered: application/problem+json (faces/errors.py)."""
    ERROR_SCHEMA = errors.ProblemSchema

    def _register_responses(self):
        self.DEFAULT_RESPONSE_CONTENT_TYPE = errors.PROBLEM  # only while the error responses are built
        try:
            super()._register_responses()
        finally:
            del self.DEFAULT_RESPONSE_CONTENT_TYPE


def init_api(app) -> Api:
    app.config.update(
        API_TITLE="Children's services QA workflow", API_VERSION="1", OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api", OPENAPI_JSON_PATH="openapi.json",
        API_SPEC_OPTIONS={"components": {"securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer"}}}, "security": [{"bearer": []}]},
    )
    api = QaApi(app)
    errors.register(app, api)
    app.before_request(errors.refuse_nul_bytes)
    app.before_request(errors.refuse_deep_json)
    app.before_request(errors.refuse_unstorable_input)
    app.before_request(bearer.authenticate)
    from . import (
        away,
        clock,
        definitions,
        instances,
        messages,
        people,
        replays,
        reports,
        sign_in,
        tasks,
        webhooks_in,
        webhooks_out,
    )
    for module in (sign_in, clock, definitions, replays, people, away, reports, instances, tasks, messages,
                   webhooks_in, webhooks_out):
        api.register_blueprint(module.blp)
    return api
