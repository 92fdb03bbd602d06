"""The HTTP API of shared/spec/API.md: flask-smorest blueprints, one per area, thin routes."""
from flask_smorest import Api

from . import auth, errors


def init_api(app) -> Api:
    app.config.update(
        API_TITLE="Children's services QA workflow", API_VERSION="1", OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api", OPENAPI_JSON_PATH="openapi.json",
        API_SPEC_OPTIONS={"components": {"securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer"}}}, "security": [{"bearer": []}]},
    )
    api = Api(app)
    errors.register(app, api)
    app.before_request(auth.authenticate)
    from . import clock, session
    for module in (session, clock):
        api.register_blueprint(module.blp)
    return api
