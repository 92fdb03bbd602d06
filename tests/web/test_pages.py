"""The pages without a browser: signing in and out, sessions, CSRF, security headers, my tasks,
and the task form's validation, drafts and completion (the browser tests walk the same path)."""
import re

import doors
from tests.flows.test_case_audit import TOOL_DOMAINS
from tests.web.conftest import PASSWORD, csrf_of, signed_in


def form_answers(grade: str = "good", missing: str | None = None) -> dict:
    data = {"period_start-day": "2", "period_start-month": "5", "period_start-year": "2026",
            "overall_grade": grade, "overall_rationale": "Consistent work", "immediate_safety_concern": "no"}
    for domain in TOOL_DOMAINS:
        data[f"domains.{domain}.grade"] = grade
        data[f"domains.{domain}.rationale"] = "" if domain == missing else f"Evidence for {domain}"
    return data


def test_pages_need_signing_in_and_sign_out_ends_the_session(site):
    client = site.test_client()
    assert client.get("/").headers["Location"].startswith("/sign-in?next=/")
    page = client.get("/sign-in")
    refused = client.post("/sign-in", data={"username": "ann", "password": "wrong", "csrf_token": csrf_of(page.text)})
    assert refused.status_code == 400 and "Enter a correct username and password" in refused.text
    client = signed_in(site, "ann")
    home = client.get("/")
    assert home.status_code == 200 and "Signed in as" in home.text
    cookie = client.get_cookie("qa_session")
    assert cookie.http_only and cookie.same_site == "Lax"
    assert client.post("/sign-out", data={"csrf_token": csrf_of(home.text)}).status_code == 302
    assert client.get("/").status_code == 302  # the token behind the session is revoked


def test_deactivating_a_person_ends_their_page_session(site):
    client = signed_in(site, "ann")
    from engine.people.directory import PeopleDirectory
    PeopleDirectory(doors.engine(site).db).update("ann", {"active": False}, "root")
    assert client.get("/").status_code == 302


def test_every_page_carries_the_security_headers(site):
    for response in (site.test_client().get("/sign-in"), signed_in(site, "ann").get("/")):
        headers = response.headers
        assert "script-src 'self'" in headers["Content-Security-Policy"] and "unsafe-inline" not in headers[
            "Content-Security-Policy"]
        assert headers["X-Frame-Options"] == "DENY" and headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin" and headers["Cache-Control"] == "no-store"
        assert "<script>" not in response.text  # no inline script on any page


def test_a_post_without_its_csrf_token_is_refused(site, audit):
    _instance, task_id = audit
    client = signed_in(site, "ann")
    refused = client.post(f"/tasks/{task_id}", data=form_answers())
    assert refused.status_code == 400 and "not sent from this service" in refused.text
    assert doors.engine(site).reads.task(task_id)["state"] == "ready"


def test_claim_and_release_go_back_only_to_a_page_of_this_service(site, audit):
    _instance, task_id = audit
    client = signed_in(site, "ann")
    token = csrf_of(client.get(f"/tasks/{task_id}").text)
    for elsewhere in ("https://evil.example/", "//evil.example/", "/\\evil.example/", "javascript:alert(1)"):
        for verb, own in (("claim", f"/tasks/{task_id}"), ("release", "/")):
            answer = client.post(f"/tasks/{task_id}/{verb}", data={"csrf_token": token, "back": elsewhere})
            assert answer.headers["Location"] == own, (verb, elsewhere)
    kept = client.post(f"/tasks/{task_id}/claim", data={"csrf_token": token, "back": "/cases?q=C-1"})
    assert kept.headers["Location"] == "/cases?q=C-1"


def test_my_tasks_lists_what_i_may_act_on_with_its_deadline_in_words(site, audit):
    page = signed_in(site, "ann").get("/")
    assert "Review case file and draft audit report" in page.text and "C-1001" in page.text
    assert "Due Monday 30 November" in page.text  # 20 working days after Monday 2 November
    assert "You have no tasks" in signed_in(site, "pia").get("/").text
    assert "No tasks match" in signed_in(site, "ann").get("/?case_ref=C-9999").text


def test_a_manager_sees_the_teams_tasks_read_only(site, audit):
    page = signed_in(site, "tom").get("/?view=team")
    assert "My teams&#39; tasks" in page.text and "Review case file and draft audit report" in page.text
    task = signed_in(site, "tom").get(f"/tasks/{audit[1]}")
    assert "it is not yours to do" in task.text and "Complete task" not in task.text


def test_another_teams_practitioner_gets_a_404_page(site, audit):
    page = signed_in(site, "pia").get(f"/tasks/{audit[1]}")
    assert page.status_code == 404 and "Page not found" in page.text and "C-1001" not in page.text
    assert page.content_type.startswith("text/html")


def test_a_missing_rationale_is_an_error_linked_to_its_field_and_answers_are_kept(site, audit):
    _instance, task_id = audit
    client = signed_in(site, "ann")
    page = client.get(f"/tasks/{task_id}")
    answers = form_answers(missing="risk_assessment") | {"csrf_token": csrf_of(page.text), "action": "complete"}
    refused = client.post(f"/tasks/{task_id}", data=answers)
    assert refused.status_code == 400
    summary = re.search(r'govuk-error-summary__list.*?</ul>', refused.text, re.S).group(0)
    assert re.findall(r'href="#([^"]+)">([^<]+)<', summary) == [
        ("domains-risk_assessment-rationale", "Enter the rationale for Risk Assessment")]
    assert 'id="domains-risk_assessment-rationale-error"' in refused.text  # the inline message
    assert "Evidence for key_decisions" in refused.text and "Consistent work" in refused.text  # answers kept
    answers["domains.risk_assessment.rationale"] = "Updated in October"
    done = client.post(f"/tasks/{task_id}", data=answers)
    assert done.status_code == 302 and done.headers["Location"] == f"/tasks/{task_id}/done"
    confirmation = client.get(done.headers["Location"])
    assert "Task completed" in confirmation.text and "Discuss draft findings" in confirmation.text  # ann's next


def test_a_draft_is_kept_for_its_author_and_dropped_on_completion(site, audit):
    _instance, task_id = audit
    client = signed_in(site, "ann")
    page = client.get(f"/tasks/{task_id}")
    half = {"overall_rationale": "Half written", "csrf_token": csrf_of(page.text), "action": "save"}
    assert client.post(f"/tasks/{task_id}", data=half).status_code == 302
    again = signed_in(site, "ann").get(f"/tasks/{task_id}")  # a new session: the draft is server-side
    assert "Half written" in again.text and "Your answers saved on" in again.text
    draft = signed_in(site, "quinn").get(f"/tasks/{task_id}")
    assert "Half written" not in draft.text  # nobody else's
    assert all(e["event"] != "draft_saved" for e in doors.engine(site).reads.history(audit[0]))
    full = form_answers() | {"csrf_token": csrf_of(client.get(f"/tasks/{task_id}").text), "action": "complete"}
    assert client.post(f"/tasks/{task_id}", data=full).status_code == 302
    with doors.engine(site).db.reading() as session:
        from engine.models import TaskDraft
        assert session.query(TaskDraft).count() == 0


def test_the_api_keeps_drafts_too(site, audit, auth):
    _instance, task_id = audit
    client = site.test_client()
    empty = client.get(f"/api/tasks/{task_id}/draft", headers=auth("ann")).json
    assert empty == {"task_id": task_id, "data": None, "saved_at": None}
    saved = client.put(f"/api/tasks/{task_id}/draft", json={"data": {"overall_grade": "good"}}, headers=auth("ann"))
    assert saved.status_code == 200 and saved.json["data"] == {"overall_grade": "good"}
    assert client.get(f"/api/tasks/{task_id}/draft", headers=auth("ann")).json["data"] == {"overall_grade": "good"}
    assert client.put(f"/api/tasks/{task_id}/draft", json={"data": {}}, headers=auth("pia")).status_code == 404


def test_add_another_and_remove_work_without_javascript(site, audit):
    engine = doors.engine(site)
    instance_id, _ = audit
    from tests.flows.test_case_audit import discussion, draft
    for element, data, actor in [("draft_audit", draft("good"), "ann"), ("discuss_draft_findings", discussion("good"), "ann"),
                                 ("quality_assure_report", {"qa_outcome": "accepted"}, "quinn"),
                                 ("respond_to_report", {"dispute": False}, "tom")]:
        [task] = [t for t in engine.reads.ready_tasks(instance_id=instance_id) if t["element_id"] == element]
        engine.complete_task(task["id"], data, actor)
    [task] = [t for t in engine.reads.ready_tasks(instance_id=instance_id) if t["element_id"] == "discuss_audit_findings"]
    client = signed_in(site, "tom")
    page = client.get(f"/tasks/{task['id']}")
    assert 'name="smart_actions.0.action"' in page.text and 'name="smart_actions.1.action"' not in page.text
    more = client.post(f"/tasks/{task['id']}", data={"csrf_token": csrf_of(page.text), "action": "add:smart_actions",
                                                      "smart_actions-rows": "1", "smart_actions.0.action": "Chronology"})
    assert 'name="smart_actions.1.action"' in more.text and "Chronology" in more.text
    fewer = client.post(f"/tasks/{task['id']}", data={"csrf_token": csrf_of(page.text), "action": "remove:smart_actions:0",
                                                       "smart_actions-rows": "2", "smart_actions.0.action": "Chronology",
                                                       "smart_actions.1.action": "Plan"})
    assert "Plan" in fewer.text and "Chronology" not in fewer.text


def test_every_form_renders(site):
    """One renderer for every form of forms/: each builds its fields and renders them as GOV.UK HTML."""
    import json
    from pathlib import Path

    from engine.definitions.forms import supply_shared
    from web.form_fields import FormModel
    forms_dir = Path(__file__).resolve().parents[2] / "forms"
    forms = {p.name.removesuffix(".json"): json.loads(p.read_text()) for p in forms_dir.glob("*.json")
             if not p.name.endswith((".defs.json", ".ui.json"))}
    supply_shared(forms, {"grades.defs.json": json.loads((forms_dir / "grades.defs.json").read_text())["$defs"]})
    template = site.jinja_env.from_string('{% from "fields.html" import render_fields %}{{ render_fields(f) }}')
    for key, schema in forms.items():
        fields = FormModel(schema).fields({})
        html = template.render(f=fields)
        for name in schema.get("required", []):
            prop = schema["properties"][name]
            if isinstance(prop.get("additionalProperties"), dict) and "properties" not in prop:
                continue  # a map (domain -> grade) shows the entries the case holds: none in an empty form
            assert f'name="{name}' in html or f'id="{name}' in html, (key, name)


def test_the_sign_in_page_is_throttled_like_the_api(site):
    from engine.people.accounts import THROTTLE
    client = site.test_client()
    token = csrf_of(client.get("/sign-in").text)
    answers = [client.post("/sign-in", data={"username": "ann", "password": f"guess {n}", "csrf_token": token}).status_code
               for n in range(THROTTLE.failures + 1)]
    assert answers == [400] * THROTTLE.failures + [429]
    locked = client.post("/sign-in", data={"username": "ann", "password": PASSWORD, "csrf_token": token})
    assert locked.status_code == 429 and "Too many wrong passwords. Try again in 1 minute" in locked.text
