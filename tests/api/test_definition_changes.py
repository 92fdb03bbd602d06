"""Changing policy safely over HTTP (issue 13): validate without deploying, the diff of an upload
and of a version, the change note, and the migration preview with bulk migration. Process owners
only (R-01); every deploy and migration recorded (R-80)."""
import io

from sqlalchemy import func, select

import doors
from engine.models import DefinitionFile, HistoryEvent, ProcessVersion
from tests.api.test_definitions import upload
from tests.engine.flow import only_ready
from tests.fixtures.diagrams import chain, chain_bundle

START = {"case_ref": "C-1001", "auditor": "ann"}


def post_files(client, path, headers, files: dict[str, bytes], **form):
    data = {"files": [(io.BytesIO(content), name) for name, content in files.items()], **form}
    return client.post(path, data=data, headers=headers, content_type="multipart/form-data")


def stored(engine) -> tuple[int, int]:
    with engine.db.transaction() as session:
        return (session.scalar(select(func.count()).select_from(ProcessVersion)),
                session.scalar(select(func.count()).select_from(DefinitionFile)))


def test_validate_runs_the_deploy_checks_and_stores_nothing(client, auth, engine_of):
    upload(client, auth("olive"), chain_bundle())
    before = stored(engine_of)
    ok = post_files(client, "/api/process-definitions/validate", auth("olive"), {"chain.bpmn": chain(days=7)})
    assert ok.status_code == 200
    assert ok.json == {"valid": True, "would_deploy": [{"process_id": "chain", "version": 2}], "unchanged": []}
    broken = chain().replace(b'sourceRef="step_1" targetRef="step_2" />',
                             b'sourceRef="step_1" targetRef="step_2"><bpmn:conditionExpression>'
                             b'note ==</bpmn:conditionExpression></bpmn:sequenceFlow>')
    bad = post_files(client, "/api/process-definitions/validate", auth("olive"), {"chain.bpmn": broken})
    assert bad.status_code == 422
    [error] = bad.json["problems"]
    assert list(bad.json["errors"]) == [f"chain.bpmn#f_2:{error['line']}"]
    assert (error["file"], error["element_id"]) == ("chain.bpmn", "f_2") and error["message"]
    assert stored(engine_of) == before


def test_only_process_owners_validate_deploy_or_diff(client, auth):  # R-01 R-81
    for path in ("/api/process-definitions/validate", "/api/process-definitions/diff", "/api/process-definitions"):
        assert post_files(client, path, auth("pat"), chain_bundle()).status_code == 403
        assert post_files(client, path, auth("root"), chain_bundle()).status_code == 403


def test_the_change_note_is_kept_with_the_version_and_in_the_history(client, auth, engine_of):
    upload(client, auth("olive"), chain_bundle())
    answer = post_files(client, "/api/process-definitions", auth("olive"), {"chain.bpmn": chain(days=7)},
                        note="  Steps get 7 working days (policy review, December)  ")
    assert answer.status_code == 201
    versions = client.get("/api/process-definitions/chain", headers=auth("pat")).json["versions"]
    assert [v["change_note"] for v in versions] == [None, "Steps get 7 working days (policy review, December)"]
    with engine_of.db.transaction() as session:
        event = session.scalars(select(HistoryEvent).where(HistoryEvent.event == "definition_deployed")
                                .order_by(HistoryEvent.id.desc())).first()
        assert event.detail["note"] == "Steps get 7 working days (policy review, December)"
    too_long = post_files(client, "/api/process-definitions", auth("olive"), {"chain.bpmn": chain(days=9)},
                          note="x" * 1001)
    assert too_long.status_code == 400 and "1001" in too_long.json["detail"]
    assert len(client.get("/api/process-definitions/chain", headers=auth("pat")).json["versions"]) == 2


def test_the_diff_names_the_timer_that_changed(client, auth):
    upload(client, auth("olive"), chain_bundle(steps=2))
    changed = chain(steps=2, days=7).replace(b'name="Step 2"', b'name="Second step"')
    diff = post_files(client, "/api/process-definitions/diff", auth("olive"), {"chain.bpmn": changed}).json
    [file] = diff
    assert file["file_name"] == "chain.bpmn" and file["deployed"] and not file["added"] and not file["removed"]
    changes = [c for element in file["changed"] for c in element["changes"]]
    assert "timer on Step 1: add_working_days(now(), 5) → add_working_days(now(), 7)" in changes
    assert "name on Second step: Step 2 → Second step" in changes
    upload(client, auth("olive"), {"chain.bpmn": chain(steps=3, days=7)})
    version_diff = client.get("/api/process-definitions/chain/versions/2/diff", headers=auth("pat")).json
    assert version_diff["against"] == 1
    assert {e["id"] for e in version_diff["added"]} >= {"step_3", "timer_3", "f_3"}
    assert client.get("/api/process-definitions/chain/versions/1/diff", headers=auth("pat")).json["against"] is None
    assert client.get("/api/process-definitions/chain/versions/9/diff", headers=auth("pat")).status_code == 404
    broken = post_files(client, "/api/process-definitions/diff", auth("olive"), {"chain.bpmn": b"<bpmn:definitions"})
    assert broken.status_code == 422 and broken.json["problems"][0]["file"] == "chain.bpmn"


def test_migration_preview_and_bulk_migration_move_exactly_the_movable(client, auth, engine_of):
    engine = doors.engine(client.application)
    upload(client, auth("olive"), chain_bundle(steps=3))
    movable = engine.start_instance("chain", START, "ann")
    stuck = engine.start_instance("chain", START, "ann")
    for _ in range(2):
        engine.complete_task(only_ready(engine, stuck)["id"], {"note": "ok"}, "ann")  # on step_3
    upload(client, auth("olive"), {"chain.bpmn": chain(steps=2, days=7)})  # step_3 removed
    assert [v["running_instances"] for v in client.get(
        "/api/process-definitions/chain", headers=auth("olive")).json["versions"]] == [2, 0]

    preview = client.post("/api/process-definitions/chain/migration-preview", json={}, headers=auth("olive")).json
    assert preview["version"] == 2
    by_id = {i["id"]: i for i in preview["instances"]}
    assert by_id[movable]["movable"] and by_id[movable]["reasons"] == []
    assert not by_id[stuck]["movable"] and "step_3" in by_id[stuck]["reasons"][0]
    assert by_id[stuck]["ready_tasks"] == ["Step 3"]

    moved = client.post("/api/process-definitions/chain/migrate", headers=auth("olive"),
                        json={"version": 2, "instance_ids": [movable, stuck]}).json
    assert [(r["id"], r["moved"]) for r in moved["results"]] == [(movable, True), (stuck, False)]
    assert "step_3" in moved["results"][1]["reason"]
    assert engine.reads.instance(movable)["version"] == 2 and engine.reads.instance(stuck)["version"] == 1
    assert engine.reads.history(movable)[-1]["event"] == "instance_migrated"
    with engine_of.db.transaction() as session:
        run = session.scalars(select(HistoryEvent).where(HistoryEvent.event == "instances_migrated")).one()
        assert run.actor == "olive" and run.detail["moved"] == [movable] and run.detail["refused"] == [stuck]
    again = client.post("/api/process-definitions/chain/migration-preview", json={}, headers=auth("olive")).json
    assert [i["id"] for i in again["instances"]] == [stuck]


def test_migration_preview_and_bulk_migrate_are_for_migrators(client, auth):
    upload(client, auth("olive"), chain_bundle())
    assert client.post("/api/process-definitions/chain/migration-preview", json={},
                       headers=auth("pat")).status_code == 403
    assert client.post("/api/process-definitions/chain/migrate", json={"version": 1, "instance_ids": [1]},
                       headers=auth("pat")).status_code == 403
    assert client.post("/api/process-definitions/nothing/migration-preview", json={},
                       headers=auth("olive")).status_code == 404
    assert client.post("/api/process-definitions/chain/migrate", json={"version": 1, "instance_ids": []},
                       headers=auth("olive")).status_code == 422
