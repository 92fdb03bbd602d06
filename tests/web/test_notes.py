"""Notes on the case page and on a task's page (web/notes.py), without a browser: the form adds a
note and comes back to the page it was sent from (POST-redirect-GET), an empty note is refused with
an error summary and the page again, and a case the person may not see is 404."""
import re

from tests.web.conftest import csrf_of, signed_in


def post_note(client, instance_id: int, text: str, page: str, task_id: str | None = None):
    form = {"csrf_token": csrf_of(client.get(page).text), "text": text} | ({"task_id": task_id} if task_id else {})
    return client.post(f"/instances/{instance_id}/notes", data=form)


def notes_of(html: str) -> list[str]:
    return [re.sub(r"\s+", " ", t).strip() for t in re.findall(r'app-notes__text">(.*?)</p>', html, re.S)]


def test_a_note_added_on_the_case_page_shows_there_and_in_the_history(site, audit):
    instance_id, _task = audit
    tom, page = signed_in(site, "tom"), f"/instances/{instance_id}"
    assert "No notes yet." in tom.get(page).text
    answer = post_note(tom, instance_id, "Chased the practitioner about the plan", page)
    assert answer.status_code == 302 and answer.location.endswith(f"{page}#case-notes")
    shown = tom.get(page).text
    assert notes_of(shown) == ["Chased the practitioner about the plan"]
    assert "Tom (team manager)</strong>, 2 November 2026 at 09:00" in shown
    assert "Tom (team manager) added a note" in shown and "Your note is added." in shown


def test_a_note_added_on_a_task_page_is_recorded_with_that_task(site, audit):
    instance_id, task_id = audit
    ann, page = signed_in(site, "ann"), f"/tasks/{task_id}"
    answer = post_note(ann, instance_id, "Waiting for the chronology", page, task_id)
    assert answer.status_code == 302 and answer.location.endswith(f"{page}#case-notes")
    assert notes_of(ann.get(page).text) == ["Waiting for the chronology"]
    assert ", on this task" in ann.get(page).text
    case_page = signed_in(site, "quinn").get(f"/instances/{instance_id}").text
    assert "Ann (auditor, team manager) added a note on Review case file and draft audit report" in case_page
    assert "</strong>, 2 November 2026 at 09:00, on Review case file and draft audit report</p>" in case_page


def test_an_empty_note_shows_the_page_again_with_the_error(site, audit):
    instance_id, task_id = audit
    ann = signed_in(site, "ann")
    on_case = post_note(ann, instance_id, "   ", f"/instances/{instance_id}")
    assert on_case.status_code == 400 and "There is a problem" in on_case.text
    assert 'href="#note-text">Enter the note</a>' in on_case.text and on_case.text.count('id="note-text"') == 1
    too_long = post_note(ann, instance_id, "y" * 2001, f"/tasks/{task_id}", task_id)
    assert too_long.status_code == 400 and "2,000 characters or fewer" in too_long.text
    assert "y" * 2001 in too_long.text  # what was typed is kept
    assert "No notes yet." in ann.get(f"/instances/{instance_id}").text


def test_a_note_needs_the_csrf_token_and_a_case_they_may_see(site, audit):
    instance_id, _task = audit
    pia = signed_in(site, "pia")
    assert post_note(pia, instance_id, "Not my case", "/").status_code == 404
    tom = signed_in(site, "tom")
    assert tom.post(f"/instances/{instance_id}/notes", data={"text": "no token"}).status_code == 400
    assert "No notes yet." in tom.get(f"/instances/{instance_id}").text

