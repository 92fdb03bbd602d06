"""Issue 25, item 2: an integer of 5,000 digits in a JSON body answered 500 (Python converts at most
4,300 digits between text and int, and refuses more with a ValueError). It is a 400 naming it, before
any work; a long number within the limit is still read."""
import pytest

from tests.fixtures.diagrams import NOTE_FORM, scripted

CASE = {"case_ref": "C-1001", "auditor": "ann", "practitioner": "pat"}
HUGE = "9" * 5_000


@pytest.fixture
def instance(engine_of):
    engine_of.deploy({"scripted.bpmn": scripted(lane="Practitioner"), "note.json": NOTE_FORM}, "olive")
    iid = engine_of.start_instance("scripted", CASE, "quinn")
    return iid, engine_of.reads.ready_tasks(instance_id=iid)[0]["id"]


@pytest.mark.parametrize("where", ["answer", "start", "reason", "sign-in"])
def test_a_5000_digit_integer_is_a_400_naming_it_and_changes_nothing(client, auth, engine_of, instance, where):
    iid, task_id = instance
    path, body, user = {
        "answer": (f"/api/tasks/{task_id}/complete", f'{{"data": {{"note": "x", "approved": {HUGE}}}}}', "pat"),
        "start": ("/api/process-instances", f'{{"process_id": "scripted", "data": {{"case_ref": "C-2", '
                                            f'"auditor": "ann", "practitioner": "pat", "n": {HUGE}}}}}', "quinn"),
        "reason": (f"/api/process-instances/{iid}/suspend", f'{{"reason": -{HUGE}}}', "quinn"),
        "sign-in": ("/api/session", f'{{"username": "pat", "password": {HUGE}}}', "pat"),
    }[where]
    before = engine_of.reads.instance(iid)
    answer = client.post(path, data=body.encode(), content_type="application/json", headers=auth(user))
    assert answer.status_code == 400, answer.text
    assert answer.content_type == "application/problem+json"
    assert answer.json["detail"] == "a number in the JSON body has more than 4,300 digits"
    assert engine_of.reads.instance(iid) == before
    assert client.get("/api/process-instances", headers=auth("quinn")).json["total"] == 1


def test_a_long_number_within_the_limit_is_read(client, auth, instance):
    _, task_id = instance
    answer = client.post(f"/api/tasks/{task_id}/complete", data=f'{{"data": {{"note": "x", "approved": {"9" * 400}}}}}',
                         content_type="application/json", headers=auth("pat"))
    assert answer.status_code == 422 and "approved" in str(answer.json["errors"])  # the form's own answer
