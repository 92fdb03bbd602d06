"""Item 5: a data field may not take the name of a function scripts call."""
import json

import pytest

from engine.errors import InvalidDefinition
from tests.fixtures.diagrams import NOTE_FORM, chain, scripted

CASE = {"case_ref": "C-1001", "auditor": "ann", "practitioner": "pat"}


@pytest.mark.parametrize("name", ["now", "add_working_days", "notify", "len"])
def test_start_data_shadowing_a_script_function_is_a_422(client, auth, engine_of, name):
    engine_of.deploy({"scripted.bpmn": scripted(), "note.json": NOTE_FORM}, "olive")
    body = {"process_id": "scripted", "data": CASE | {name: "2026-01-01"}}
    response = client.post("/api/process-instances", json=body, headers=auth("quinn"))
    assert response.status_code == 422 and name in response.json["errors"]
    assert "the name of a function scripts call" in response.json["errors"][name][0]
    assert client.get("/api/process-instances", headers=auth("quinn")).json["total"] == 0


def test_a_form_declaring_a_script_function_is_not_deployed(engine_of):
    form = {"type": "object", "properties": {"note": {"type": "string"}, "now": {"type": "string"}}}
    with pytest.raises(InvalidDefinition) as refused:
        engine_of.deploy({"chain.bpmn": chain(), "note.json": json.dumps(form).encode()}, "olive")
    assert "declares 'now', the name of a function scripts call" in refused.value.errors[0]["message"]
