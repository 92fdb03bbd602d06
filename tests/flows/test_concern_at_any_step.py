"""A child-safety concern raised at any step of an audit (R-40): the diagram's event sub-process
(message child_safety_concern, non-interrupting) starts the alert at once, with the case as it
stands; the audit goes on where it was, and nothing else is asked of whoever raised it."""
import pytest

from engine.errors import Conflict, InvalidData
from engine.instances.messages import CHILD_SAFETY_CONCERN
from tests.flows.conftest import CASE, complete, definition_files, messages, ready
from tests.flows.test_case_audit import FILES, draft

CONCERN = {"concern": "Bruising seen in the photos of the last visit"}


@pytest.fixture
def audits(org):
    org.deploy(definition_files(*FILES, "need_to_know_audit.bpmn", "need_to_know_settings.dmn"), "olive")
    return org


def start(org, **data) -> int:
    return org.start_instance("case_audit", CASE | {"audit_kind": "audit"} | data, "quinn")


def test_a_concern_raised_at_the_first_step_starts_the_alert_and_the_audit_goes_on(audits, checkpoint):  # R-40 R-41
    iid = start(audits)
    checkpoint(iid)
    [alert_id] = audits.send_message(iid, CHILD_SAFETY_CONCERN, CONCERN, "ann")
    alert = audits.reads.instance(alert_id)
    assert (alert["process_id"], alert["status"]) == ("child_safety_alert", "running")
    assert (alert["data"]["concern"], alert["data"]["raised_from"], alert["data"]["practitioner"]) == (
        CONCERN["concern"], "case_audit", "pat")
    [urgent] = messages(audits, "notification", alert_id)
    assert urgent.recipients == ["tom", "sue", "quinn"] and urgent.subject.startswith("URGENT")
    assert "during the case audit" in urgent.body
    assert CONCERN["concern"] not in urgent.subject + urgent.body  # free text stays on the case page
    [stage_1] = ready(audits, alert_id, "discuss_with_tm_and_sm")
    assert stage_1["candidates"] == ["tom"]
    [still] = ready(audits, iid)
    assert still["element_id"] == "draft_audit"  # the audit is where it was, nothing asked of the auditor
    audit = audits.reads.instance(iid)
    assert "concern" not in audit["data"] and audit["children"] == [alert_id]
    raised = [e for e in audits.reads.history(iid) if e["event"] == "message_received"]
    assert [(e["actor"], e["element_id"], e["detail"]["data"]) for e in raised] == [("ann", "concern_raised", CONCERN)]


def test_each_concern_raised_is_an_alert_of_its_own_and_the_case_as_it_stands_goes_with_it(audits, checkpoint):
    iid = start(audits)
    complete(audits, iid, "draft_audit", draft("inadequate"))
    checkpoint(iid)
    first = audits.send_message(iid, CHILD_SAFETY_CONCERN, CONCERN, "ann")
    second = audits.send_message(iid, CHILD_SAFETY_CONCERN, {"concern": "A second disclosure"}, "quinn")
    assert len(first) == len(second) == 1 and first != second
    assert audits.reads.instance(second[0])["data"]["concern"] == "A second disclosure"
    assert audits.reads.instance(iid)["children"] == first + second
    assert len(ready(audits, iid, "discuss_draft_findings")) == 1


def test_a_concern_needs_its_words_and_changes_nothing_without_them(audits):
    iid = start(audits)
    before = audits.reads.history(iid)
    for fields in ({}, {"concern": ""}, {"concern": "x", "child_name": "Jo"}):
        with pytest.raises(InvalidData):
            audits.send_message(iid, CHILD_SAFETY_CONCERN, fields, "ann")
    assert audits.reads.instance(iid)["children"] == [] and audits.reads.history(iid) == before


def test_only_a_running_audit_takes_a_concern(audits):
    iid = start(audits)
    audits.terminate(iid, "quinn", "Allocated in error")
    with pytest.raises(Conflict):
        audits.send_message(iid, CHILD_SAFETY_CONCERN, CONCERN, "ann")
    alert = audits.start_instance("child_safety_alert", CASE | CONCERN | {"raised_from": "case_audit"}, "ann")
    with pytest.raises(Conflict):  # an alert's diagram does not take one: raise it on the audit
        audits.send_message(alert, CHILD_SAFETY_CONCERN, CONCERN, "ann")


def test_a_need_to_know_audit_takes_a_concern_too(audits):  # R-40 R-50
    iid = audits.start_instance("need_to_know_audit", {"case_ref": "C-1001", "practitioner": "pat",
                                                       "notification_type": "serious_incident"}, "quinn")
    [alert_id] = audits.send_message(iid, CHILD_SAFETY_CONCERN, CONCERN, "quinn")
    alert = audits.reads.instance(alert_id)
    assert (alert["data"]["raised_from"], alert["data"]["concern"]) == ("need_to_know_audit", CONCERN["concern"])
