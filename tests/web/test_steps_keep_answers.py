"""The three steps every audit or dispute passes through, done through their pages as a browser
posts them (tests/web/browser_form.py): what the person chose is what the case keeps."""
import doors
from tests.flows.test_case_audit import TOOL_DOMAINS, discussion, draft
from tests.web.browser_form import PageForm
from tests.web.conftest import signed_in


def ready(engine, instance_id: int, element_id: str) -> dict:
    [task] = [t for t in engine.reads.ready_tasks(instance_id=instance_id) if t["element_id"] == element_id]
    return task


def submit(client, task_id: str, form: PageForm):
    return client.post(f"/tasks/{task_id}", data=form.post_data())


def page_form(client, task_id: str) -> PageForm:
    page = client.get(f"/tasks/{task_id}")
    assert page.status_code == 200
    return PageForm(page.text)


def test_the_discussion_page_grades_every_domain_again(site, audit):
    engine, (instance_id, task_id) = doors.engine(site), audit
    engine.complete_task(task_id, draft("requires_improvement"), "ann")
    task = ready(engine, instance_id, "discuss_draft_findings")
    ann = signed_in(site, "ann")
    form = page_form(ann, task["id"])
    for part, value in (("day", "10"), ("month", "11"), ("year", "2026")):
        form.set(f"discussion_held_on-{part}", value)
    form.set("discussion_notes", "The October plan was in the file")
    form.check("team_manager_attended", "no")  # required (issue 26: Appendix A has the TM at the meeting)
    form.check("domains.risk_assessment.grade", "good")
    form.set("domains.risk_assessment.rationale", "Updated in October")
    form.check("overall_grade", "good")
    form.set("overall_rationale", "Better than the draft said")
    form.check("immediate_safety_concern", "no")
    answer = submit(ann, task["id"], form)
    assert answer.status_code == 302, answer.text
    data = engine.reads.task(task["id"])["data"]
    assert data["domains"]["risk_assessment"] == {"grade": "good", "rationale": "Updated in October"}
    assert data["domains"]["key_decisions"]["grade"] == "requires_improvement"  # as the draft had it
    assert set(data["domains"]) == set(TOOL_DOMAINS) and data["overall_grade"] == "good"


def test_the_amendment_page_keeps_a_changed_domain_grade(site, audit):
    engine, (instance_id, task_id) = doors.engine(site), audit
    engine.complete_task(task_id, draft("requires_improvement"), "ann")
    engine.complete_task(ready(engine, instance_id, "discuss_draft_findings")["id"],
                         discussion("requires_improvement"), "ann")
    engine.complete_task(ready(engine, instance_id, "quality_assure_report")["id"],
                         {"qa_outcome": "returned", "areas_to_review": "Risk assessment",
                          "discussion_with_audit_team": False}, "quinn")
    task = ready(engine, instance_id, "amend_audit_report")
    ann = signed_in(site, "ann")
    form = page_form(ann, task["id"])
    form.set("amendments", "Regraded the risk assessment")
    form.check("domains.risk_assessment.grade", "inadequate")
    form.set("domains.risk_assessment.rationale", "No plan for the new risk")
    assert submit(ann, task["id"], form).status_code == 302
    data = engine.reads.task(task["id"])["data"]
    assert data["domains"]["risk_assessment"] == {"grade": "inadequate", "rationale": "No plan for the new risk"}
    assert engine.reads.instance(instance_id)["data"]["domains"]["risk_assessment"]["grade"] == "inadequate"


def test_the_written_response_is_confirmed_as_shared_with_a_tick(site, audit):
    engine, (instance_id, task_id) = doors.engine(site), audit
    engine.complete_task(task_id, draft("inadequate"), "ann")
    engine.complete_task(ready(engine, instance_id, "discuss_draft_findings")["id"], discussion("inadequate"), "ann")
    engine.complete_task(ready(engine, instance_id, "quality_assure_report")["id"], {"qa_outcome": "accepted"}, "quinn")
    engine.complete_task(ready(engine, instance_id, "respond_to_report")["id"], {"dispute": True, "comments": "We disagree"}, "tom")
    [dispute] = [t for t in engine.reads.ready_tasks() if t["element_id"] == "prepare_written_response"]
    tom = signed_in(site, "tom")
    form = page_form(tom, dispute["id"])
    assert form.kind("shared_with_auditor") == "checkbox"
    form.set("areas_disagreed", "Risk assessment")
    form.set("rationale", "The plan was reviewed in October")
    form.check("shared_with_auditor", form.choices("shared_with_auditor")[0])
    answer = submit(tom, dispute["id"], form)
    assert answer.status_code == 302, answer.text
    assert engine.reads.task(dispute["id"])["data"]["shared_with_auditor"] is True
