"""Item 4: JSON nested deeper than 32 levels is refused before any work; a script cannot nest data
so deep that the instance could not be loaded again."""
import pytest

from tests.fixtures.diagrams import NOTE_FORM, scripted

CASE = {"case_ref": "C-1001", "auditor": "ann", "practitioner": "pat"}


def nested(levels: int) -> bytes:
    return b'{"data": {"note": ' + b"[" * levels + b"]" * levels + b"}}"


@pytest.fixture
def task(engine_of):
    engine_of.deploy({"scripted.bpmn": scripted(lane="Practitioner"), "note.json": NOTE_FORM}, "olive")
    iid = engine_of.start_instance("scripted", CASE, "quinn")
    return engine_of.reads.ready_tasks(instance_id=iid)[0]


@pytest.mark.parametrize("levels", [40, 600, 10_000])
def test_deep_json_is_a_400_and_changes_nothing(client, auth, engine_of, task, levels):
    before = engine_of.reads.instance(task["instance_id"])
    response = client.post(f"/api/tasks/{task['id']}/complete", data=nested(levels),
                           content_type="application/json", headers=auth("pat"))
    assert response.status_code == 400 and "nests more than 32 levels" in response.json["detail"]
    assert engine_of.reads.instance(task["instance_id"]) == before


def test_brackets_inside_strings_do_not_count(client, auth, task):
    note = "[" * 100 + "{" * 100
    response = client.post(f"/api/tasks/{task['id']}/complete", json={"data": {"note": note}}, headers=auth("pat"))
    assert response.status_code == 200


def test_a_script_nesting_data_too_deep_stops_its_instance_which_stays_readable(client, auth, engine_of):
    script = "deep = []\nfor _ in range(600):\n    deep = [deep]"
    engine_of.deploy({"deep.bpmn": scripted(pid="deep", script=script), "note.json": NOTE_FORM}, "olive")
    iid = engine_of.start_instance("deep", CASE, "quinn")
    response = client.get(f"/api/process-instances/{iid}", headers=auth("quinn"))
    assert response.status_code == 200 and response.json["status"] == "error"
    assert "nests lists or dicts more than 32 levels deep" in response.json["error"]["message"]
    assert client.post(f"/api/process-instances/{iid}/terminate", json={"reason": "test"},
                       headers=auth("quinn")).status_code == 200
