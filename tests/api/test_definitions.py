"""Process definitions over HTTP: listing, versions, the BPMN, and deploying (process owners only)."""
import io

import pytest
from sqlalchemy import func, select

from engine.models import DefinitionFile, HistoryEvent, ProcessVersion
from tests.fixtures.diagrams import NOTE_FORM, chain, chain_bundle, with_decision


def upload(client, headers, files: dict[str, bytes], field: str = "files"):
    data = {field: [(io.BytesIO(content), name) for name, content in files.items()]}
    return client.post("/api/process-definitions", data=data, headers=headers, content_type="multipart/form-data")


def count(engine, model) -> int:
    with engine.db.transaction() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_process_owner_deploys_a_bundle_and_the_deploy_is_recorded(client, auth, engine_of):
    response = upload(client, auth("olive"), chain_bundle())
    assert response.status_code == 201
    assert response.json == {"deployed": [{"process_id": "chain", "version": 1}], "unchanged": []}
    with engine_of.db.transaction() as session:
        event = session.scalars(select(HistoryEvent).where(HistoryEvent.event == "definition_deployed")).one()
        assert (event.actor, event.detail) == ("olive", {"process_id": "chain", "version": 1})


def test_unchanged_upload_creates_no_version_and_a_change_creates_the_next(client, auth):  # R-01 R-07
    headers = auth("olive")
    upload(client, headers, chain_bundle())
    again = upload(client, headers, chain_bundle())
    assert again.json == {"deployed": [], "unchanged": [{"process_id": "chain", "version": 1}]}
    changed = upload(client, headers, {"chain.bpmn": chain(days=7)})
    assert changed.json["deployed"] == [{"process_id": "chain", "version": 2}]


def test_any_field_name_and_path_free_file_names(client, auth):
    data = {"bpmn": (io.BytesIO(chain()), "drafts/chain.bpmn"), "form": (io.BytesIO(NOTE_FORM), "../forms/note.json")}
    response = client.post("/api/process-definitions", data=data, headers=auth("olive"),
                           content_type="multipart/form-data")
    assert response.status_code == 201
    detail = client.get("/api/process-definitions/chain", headers=auth("pat")).json
    assert detail["versions"][0]["bpmn_file"] == "chain.bpmn" and detail["versions"][0]["forms"] == ["note"]


def test_list_detail_and_bpmn_are_for_anyone_signed_in(client, auth):
    upload(client, auth("olive"), chain_bundle(name="Chain of steps"))
    upload(client, auth("olive"), {"chain.bpmn": chain(days=7, name="Chain of steps")})
    listed = client.get("/api/process-definitions", headers=auth("pat"))
    assert listed.status_code == 200
    assert [(d["process_id"], d["name"], d["latest_version"], d["deployed_by"]) for d in listed.json] == [
        ("chain", "Chain of steps", 2, "olive")]
    detail = client.get("/api/process-definitions/chain", headers=auth("pat")).json
    assert [(v["version"], v["deployed_by"]) for v in detail["versions"]] == [(1, "olive"), (2, "olive")]
    assert detail["versions"][0]["deployed_at"].startswith("2026-11-02T09:00:00")
    bpmn = client.get("/api/process-definitions/chain/versions/1/bpmn", headers=auth("pat"))
    assert bpmn.status_code == 200 and bpmn.mimetype == "application/xml"
    assert bpmn.data == chain(name="Chain of steps")


@pytest.mark.parametrize("path", ["/api/process-definitions/nope", "/api/process-definitions/nope/versions/1/bpmn",
                                  "/api/process-definitions/chain/versions/9/bpmn",
                                  f"/api/process-definitions/chain/versions/{2**70}/bpmn"])
def test_unknown_process_or_version_is_404(client, auth, path):
    upload(client, auth("olive"), chain_bundle())
    response = client.get(path, headers=auth("pat"))
    assert response.status_code == 404 and response.content_type == "application/problem+json"


def test_invalid_bundle_is_422_naming_file_element_and_line_and_deploys_nothing(client, auth, engine_of):
    bad = with_decision().replace(b"reaudit == True", b"reaudit == = True")
    line = next(n for n, text in enumerate(bad.decode().splitlines(), 1) if "reaudit == = True" in text)
    before = [count(engine_of, m) for m in (DefinitionFile, ProcessVersion, HistoryEvent)]
    response = upload(client, auth("olive"), {"graded.bpmn": bad, "note.json": NOTE_FORM})
    assert response.status_code == 422 and response.content_type == "application/problem+json"
    assert list(response.json["errors"]) == [f"graded.bpmn#f_yes:{line}"]
    assert "graded.bpmn" in response.json["detail"]
    assert [count(engine_of, m) for m in (DefinitionFile, ProcessVersion, HistoryEvent)] == before


def test_malformed_xml_and_unknown_file_types_are_422(client, auth):
    response = upload(client, auth("olive"), {"chain.bpmn": b"<bpmn:definitions", "notes.txt": b"hello"})
    assert response.status_code == 422
    keys = list(response.json["errors"])
    assert any(k.startswith("chain.bpmn:") for k in keys) and "notes.txt" in keys


def test_same_file_name_twice_is_422(client, auth):
    data = {"a": (io.BytesIO(chain()), "chain.bpmn"), "b": (io.BytesIO(chain(days=2)), "chain.bpmn")}
    response = client.post("/api/process-definitions", data=data, headers=auth("olive"),
                           content_type="multipart/form-data")
    assert response.status_code == 422 and response.json["errors"] == {"chain.bpmn": ["uploaded twice"]}


@pytest.mark.parametrize("kwargs", [{"data": {"note": "no file"}, "content_type": "multipart/form-data"},
                                    {"json": {"files": []}}])
def test_no_files_is_400(client, auth, kwargs):
    response = client.post("/api/process-definitions", headers=auth("olive"), **kwargs)
    assert response.status_code == 400 and response.content_type == "application/problem+json"


def test_over_the_size_limit_is_413(app, client, auth, engine_of):
    app.config["MAX_CONTENT_LENGTH"] = 2000
    response = upload(client, auth("olive"), {"big.bpmn": b"<x/>" + b" " * 5000})
    assert response.status_code == 413 and response.content_type == "application/problem+json"
    assert response.json["status"] == 413 and count(engine_of, DefinitionFile) == 0


@pytest.mark.parametrize("username", ["pat", "quinn", "paula", "root"])
def test_only_process_owners_deploy(client, auth, engine_of, username):  # R-01 R-81
    response = upload(client, auth(username), chain_bundle())
    assert response.status_code == 403 and count(engine_of, ProcessVersion) == 0


def test_definitions_need_a_token(client):
    assert client.get("/api/process-definitions").status_code == 401
    assert upload(client, {}, chain_bundle()).status_code == 401


def test_files_not_in_utf8_are_422_naming_the_line(client, auth):
    latin = chain(name="Caf\u00e9").decode().replace('encoding="UTF-8"', 'encoding="ISO-8859-1"').encode("latin-1")
    response = upload(client, auth("olive"), {"chain.bpmn": latin, "note.json": NOTE_FORM})
    line = next(n for n, text in enumerate(latin.splitlines(), 1) if b"Caf" in text)
    assert response.status_code == 422 and list(response.json["errors"]) == [f"chain.bpmn:{line}"]


def test_a_huge_version_without_a_token_is_still_401(client):
    assert client.get(f"/api/process-definitions/chain/versions/{2**70}/bpmn").status_code == 401
