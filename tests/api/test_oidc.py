"""Staff sign-in through OpenID Connect, with roles mapped from the provider's claims."""
import json

import pytest

import doors
from api.oidc import roles_from_claims
from app import create_app
from engine.models import PersonRole

OIDC = {"OIDC_ISSUER": "https://login.example/tenant/v2.0", "OIDC_CLIENT_ID": "qa-service",
        "OIDC_CLIENT_SECRET": "s3cret", "OIDC_ROLE_MAP": json.dumps({"QA.Team": "qa_team", "CSC.TM": "team_manager"})}
METADATA = {"issuer": OIDC["OIDC_ISSUER"], "authorization_endpoint": "https://login.example/authorize",
            "token_endpoint": "https://login.example/token", "jwks_uri": "https://login.example/keys"}


@pytest.fixture
def oidc_app(org):
    app = create_app({"DATABASE_URL": org.db.url, "TESTING": True, **OIDC})
    yield app
    doors.engine(app).db.dispose()


def signed_in(app, monkeypatch, claims):
    client = app.extensions["oidc_client"]
    monkeypatch.setattr(client, "authorize_access_token", lambda **kw: {"userinfo": claims})
    return app.test_client().get("/auth/oidc/callback")


def test_roles_map_from_claims_and_unknown_values_are_ignored():
    role_map = {"QA.Team": "qa_team"}
    assert roles_from_claims({"roles": ["QA.Team", "Other"]}, "roles", role_map) == {"qa_team"}
    assert roles_from_claims({"groups": "QA.Team"}, "groups", role_map) == {"qa_team"}
    assert roles_from_claims({}, "roles", role_map) == set()


def test_login_redirects_to_the_provider(oidc_app, monkeypatch):
    monkeypatch.setattr(oidc_app.extensions["oidc_client"], "load_server_metadata", lambda: METADATA)
    response = oidc_app.test_client().get("/auth/oidc/login")
    assert response.status_code == 302 and response.location.startswith("https://login.example/authorize?")
    assert "client_id=qa-service" in response.location


def test_callback_signs_in_with_mapped_roles_and_the_token_works(oidc_app, monkeypatch):
    claims = {"preferred_username": "jo.smith@council.example", "name": "Jo Smith", "roles": ["QA.Team", "X"]}
    response = signed_in(oidc_app, monkeypatch, claims)
    assert response.status_code == 200
    headers = {"Authorization": f"Bearer {response.json['token']}"}
    assert oidc_app.test_client().get("/api/clock", headers=headers).status_code == 200
    with doors.engine(oidc_app).db.transaction() as session:
        roles = session.query(PersonRole.role_id).filter_by(username="jo.smith@council.example").all()
    assert [r for (r,) in roles] == ["qa_team"]


def test_roles_follow_the_provider_on_each_sign_in(oidc_app, monkeypatch):
    signed_in(oidc_app, monkeypatch, {"preferred_username": "jo", "roles": ["QA.Team"]})
    signed_in(oidc_app, monkeypatch, {"preferred_username": "jo", "roles": ["CSC.TM"]})
    with doors.engine(oidc_app).db.transaction() as session:
        assert [r for (r,) in session.query(PersonRole.role_id).filter_by(username="jo")] == ["team_manager"]


def test_no_known_role_is_refused(oidc_app, monkeypatch):
    response = signed_in(oidc_app, monkeypatch, {"preferred_username": "jo", "roles": ["Finance"]})
    assert response.status_code == 403 and response.content_type == "application/problem+json"


def test_without_configuration_there_is_no_oidc_route(client):
    assert client.get("/auth/oidc/login").status_code == 404


def test_production_needs_a_secret_key(org, monkeypatch):
    monkeypatch.delenv("QA_SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="QA_SECRET_KEY"):
        create_app({"DATABASE_URL": org.db.url, "ENVIRONMENT": "production"})
