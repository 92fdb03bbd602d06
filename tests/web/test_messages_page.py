"""The Messages page without a browser: the header's count, each message with its case, when and
whether it was emailed, opening one or "Mark as read" marks it read, and "Mark all as read"."""
import re

import doors
from engine.instances.messages import CHILD_SAFETY_CONCERN
from tests.flows.conftest import complete
from tests.flows.test_case_audit import discussion, draft
from tests.web.conftest import CASE, csrf_of, signed_in


def reported_to_pat(site) -> int:
    """A case audit accepted by QA and by the team manager: pat is told twice, the report is ready
    ("Audit report for case C-1001") and uploaded ("... uploaded: Good")."""
    engine = doors.engine(site)
    iid = engine.start_instance("case_audit", CASE, "quinn")
    complete(engine, iid, "draft_audit", draft("good"), "ann")
    complete(engine, iid, "discuss_draft_findings", discussion("good"), "ann")
    complete(engine, iid, "quality_assure_report", {"qa_outcome": "accepted"}, "quinn")
    complete(engine, iid, "respond_to_report", {"dispute": False}, "tom")
    return iid


def message_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'href="/messages/(\d+)"', html)]


def test_pat_sees_messages_2_in_the_header_and_each_message_with_its_case(site):
    iid = reported_to_pat(site)
    pat = signed_in(site, "pat")
    home = pat.get("/")
    assert "Messages (2)" in home.text
    page = pat.get("/messages")
    assert page.status_code == 200 and "You have 2 unread messages." in page.text
    assert "Audit report for case C-1001" in page.text and "uploaded: Good" in page.text
    assert page.text.count(f'href="/instances/{iid}"') == 2 and "Email not sent yet" in page.text  # no mail service
    assert "Urgent" not in page.text
    assert re.search(r'href="/messages">\s*Messages\s*</a>', signed_in(site, "pia").get("/").text)  # none unread: no count


def test_opening_a_message_marks_it_read_and_mark_all_as_read(site):
    iid = reported_to_pat(site)
    pat = signed_in(site, "pat")
    newest, oldest = message_ids(pat.get("/messages").text)
    opened = pat.get(f"/messages/{newest}")
    assert opened.status_code == 200 and f'href="/instances/{iid}"' in opened.text and "Messages (1)" in opened.text
    page = pat.get("/messages")
    marked = pat.post(f"/messages/{oldest}/read", data={"csrf_token": csrf_of(page.text)})
    assert marked.status_code == 302 and "Messages (" not in pat.get("/messages").text
    assert pat.post("/messages/read", data={"csrf_token": csrf_of(page.text)}).status_code == 302
    assert "You have no unread messages" in pat.get("/messages").text


def test_another_persons_message_is_not_found_and_marking_needs_csrf(site):
    reported_to_pat(site)
    pat = signed_in(site, "pat")
    [newest, _] = message_ids(pat.get("/messages").text)
    pia = signed_in(site, "pia")
    assert pia.get(f"/messages/{newest}").status_code == 404
    assert pia.post(f"/messages/{newest}/read", data={"csrf_token": csrf_of(pia.get("/").text)}).status_code == 404
    assert pat.post(f"/messages/{newest}/read").status_code == 400  # no CSRF token: refused
    assert "Messages (2)" in pat.get("/").text


def test_an_alert_is_tagged_urgent_for_the_team_manager(site):
    engine = doors.engine(site)
    iid = engine.start_instance("case_audit", CASE, "quinn")
    engine.send_message(iid, CHILD_SAFETY_CONCERN, {"concern": "Bruising seen at the last visit"}, "ann")
    page = signed_in(site, "tom").get("/messages")
    assert re.search(r'govuk-tag--red">\s*Urgent\s*</strong>', page.text)
    assert "Bruising" not in page.text  # the concern stays on the case page
