"""GET /api/messages and POST /api/messages/{id}/read: the caller's own messages and read state
(who may call them is in test_authorisation_matrix.py)."""
from tests.web.conftest import site  # noqa: F401  (fixture)
from tests.web.test_messages_page import reported_to_pat


def test_pat_lists_two_unread_messages_and_marks_one_read(site, auth):  # noqa: F811
    iid = reported_to_pat(site)
    client = site.test_client()
    listed = client.get("/api/messages", headers=auth("pat")).json
    assert (listed["total"], listed["unread"], listed["page"]) == (2, 2, 1)
    newest = listed["items"][0]
    assert (newest["case_ref"], newest["instance_id"], newest["urgent"], newest["read"]) == ("C-1001", iid, False, False)
    assert newest["link"].endswith(f"/instances/{iid}") and newest["email"]["words"] == "Email not sent yet"
    for _ in range(2):  # marking again changes nothing
        marked = client.post(f"/api/messages/{newest['id']}/read", headers=auth("pat"))
        assert marked.status_code == 200 and marked.json["read"] is True
    assert client.get("/api/messages", headers=auth("pat")).json["unread"] == 1
    assert client.get("/api/messages?page_size=1&page=2", headers=auth("pat")).json["items"][0]["read"] is False
    assert client.post("/api/messages/2147483648/read", headers=auth("pat")).status_code == 404
