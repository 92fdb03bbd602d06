"""Messages: every notification addressed to a person is kept for them in the service, read or not,
emailed or not (engine/people/inbox.py, through engine/caller/ as the pages and the API call it)."""
from datetime import timedelta

import pytest

from engine.caller import Caller
from engine.errors import NotFound
from engine.instances.messages import CHILD_SAFETY_CONCERN
from engine.people.accounts import CurrentUser
from tests.fixtures.diagrams import NOTE_FORM, scripted
from tests.flows.conftest import definition_files
from webhooks.delivery import Result
from webhooks.dispatcher import Dispatcher

CASE = {"case_ref": "C-1001", "practitioner": "pat", "auditor": "ann", "child_name": "Jo Bloggs"}
TOLD = 'notify(["practitioner", "team_manager"], "Audit {case_ref} for {child_name}", "About {child_name}: {link}")'


def as_(engine, username: str, *roles: str) -> Caller:
    return Caller(engine, CurrentUser(username, frozenset(roles)))


@pytest.fixture
def told(org):
    """Two notifications to pat and tom (each start of the scripted process writes one)."""
    org.deploy({"scripted.bpmn": scripted(script=TOLD), "note.json": NOTE_FORM}, "olive")
    return [org.start_instance("scripted", CASE, "ann") for _ in range(2)]


class Mailer:
    """A mail service that takes every email (or refuses every one, for good)."""
    def __init__(self, takes: bool = True):
        self.takes = takes

    def send(self, job) -> Result:
        return Result(delivered=self.takes, permanent=not self.takes)


def test_the_inbox_counts_per_person(org, told):
    pat, tom, ann = as_(org, "pat"), as_(org, "tom"), as_(org, "ann")
    assert (pat.unread_messages(), tom.unread_messages(), ann.unread_messages()) == (2, 2, 0)
    listed = pat.messages()
    assert (listed["total"], listed["unread"]) == (2, 2)
    assert [m["instance_id"] for m in listed["items"]] == told[::-1]  # newest first
    pat.mark_read(listed["items"][0]["id"])
    assert (pat.unread_messages(), tom.unread_messages()) == (1, 2)  # pat's reading is pat's alone
    assert pat.mark_all_read() == 1 and pat.unread_messages() == 0 and tom.unread_messages() == 2
    assert ann.messages() == {"items": [], "total": 0, "unread": 0, "page": 1, "page_size": 20}


def test_a_page_of_messages(org, told):
    first, second = as_(org, "pat").messages(page_size=1), as_(org, "pat").messages(page=2, page_size=1)
    assert first["total"] == second["total"] == 2
    assert [m["instance_id"] for m in first["items"] + second["items"]] == told[::-1]


def test_a_message_carries_its_case_link_and_no_childs_name(org, told):
    [message, _] = as_(org, "pat").messages()["items"]
    assert (message["case_ref"], message["instance_id"]) == ("C-1001", told[1])
    assert message["link"].endswith(f"/instances/{told[1]}")
    assert "Jo Bloggs" not in message["subject"] + message["body"] and "[withheld]" in message["subject"]
    assert (message["urgent"], message["read"]) == (False, False)


def test_another_persons_message_is_not_found(org, told):
    [message, _] = as_(org, "pat").messages()["items"]
    with pytest.raises(NotFound):
        as_(org, "ann").mark_read(message["id"])
    with pytest.raises(NotFound):
        as_(org, "pat").mark_read(999999)
    assert as_(org, "pat").unread_messages() == 2


def test_marking_read_twice_keeps_the_first_time_and_writes_no_history(org, told, clock):
    pat = as_(org, "pat")
    message_id = pat.messages()["items"][0]["id"]
    history_before = org.reads.history(told[1])
    first = pat.mark_read(message_id)
    clock.set(clock.now() + timedelta(hours=1))
    again = pat.mark_read(message_id)
    assert first["read"] and again["read_at"] == first["read_at"]
    assert pat.unread_messages() == 1 and pat.mark_all_read() == 1 and pat.mark_all_read() == 0
    assert org.reads.history(told[1]) == history_before  # read state, not history


def test_a_message_is_kept_with_no_email_configured_and_says_so(org, told):
    [message, _] = as_(org, "pat").messages()["items"]
    assert message["email"] == {"status": "pending", "words": "Email not sent yet", "sent_at": None}


def test_a_message_says_when_it_was_emailed_or_that_it_could_not_be(org, told):
    Dispatcher(org.db, mailer=Mailer()).deliver_due()
    [message, _] = as_(org, "pat").messages()["items"]
    assert message["email"]["words"] == "Sent by email on 2 November 2026 at 09:00"  # London, GMT in November
    org.start_instance("scripted", CASE, "ann")
    Dispatcher(org.db, mailer=Mailer(takes=False)).deliver_due()
    newest = as_(org, "pat").messages()["items"][0]
    assert (newest["email"]["status"], newest["email"]["words"]) == ("dead", "Email could not be sent")


def test_urgent_is_what_the_diagram_says_not_where_the_message_came_from(org):
    urgent = TOLD.replace('{link}")', '{link}", urgent=True)')
    org.deploy({"marked.bpmn": scripted(pid="marked", script=urgent), "note.json": NOTE_FORM}, "olive")
    org.start_instance("marked", CASE, "ann")
    assert as_(org, "pat").messages()["items"][0]["urgent"] is True


def test_an_alert_is_urgent_and_keeps_the_concern_out(org):  # R-40 R-81
    org.deploy(definition_files("case_audit.bpmn", "audit_alerts.dmn", "findings_deadline.dmn", "reaudit.dmn",
                                "case_audit_settings.dmn", "dispute_resolution.bpmn", "dispute_settings.dmn",
                                "child_safety_alert.bpmn"), "olive")
    audit = org.start_instance("case_audit", {"case_ref": "C-1001", "practitioner": "pat", "auditor": "ann",
                                              "audit_kind": "audit"}, "quinn")
    concern = "Bruising seen on Jo Bloggs at the last visit"
    [alert] = org.send_message(audit, CHILD_SAFETY_CONCERN, {"concern": concern}, "ann")
    [message] = as_(org, "tom").messages()["items"]
    assert (message["instance_id"], message["urgent"]) == (alert, True)
    assert message["subject"].startswith("URGENT")
    assert concern not in message["subject"] + message["body"]  # free text stays on the case page
