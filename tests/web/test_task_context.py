"""What a task page shows beside its form (issue 21, items 4, 6, 7, 8): the earlier answers the
person judges (declared by each form's x-show), the case linked, a concern raised at any step, and
words rather than ids or markup."""
import re

import doors
from tests.flows.test_case_audit import discussion, draft
from tests.web.browser_form import PageForm
from tests.web.conftest import signed_in
from tests.web.test_steps_keep_answers import ready


def shown(page: str) -> str:
    """The text of the summary cards above the form."""
    cards = re.findall(r'data-testid="shown">(.*?)</div>\s*</div>', page, re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", " ".join(cards)))


def to_qa(engine, instance_id: int, task_id: str, grade: str = "requires_improvement") -> dict:
    engine.complete_task(task_id, draft(grade), "ann")
    engine.complete_task(ready(engine, instance_id, "discuss_draft_findings")["id"], discussion(grade), "ann")
    return ready(engine, instance_id, "quality_assure_report")


def test_qa_sees_the_report_it_judges_and_the_case_is_a_link(site, audit):
    engine, (instance_id, task_id) = doors.engine(site), audit
    qa = to_qa(engine, instance_id, task_id)
    page = signed_in(site, "quinn").get(f"/tasks/{qa['id']}").text
    assert "Overall grade Requires Improvement" in shown(page)
    assert "Domains Referral and Response Grade: Requires Improvement Rationale:" in shown(page)  # titled once
    assert f'href="/instances/{instance_id}"' in page


def test_the_amender_sees_what_to_review_and_the_tm_sees_the_grade(site, audit):  # R-17 R-18
    engine, (instance_id, task_id) = doors.engine(site), audit
    qa = to_qa(engine, instance_id, task_id)
    engine.complete_task(qa["id"], {"qa_outcome": "returned", "areas_to_review": "The October risk update",
                                    "discussion_with_audit_team": False}, "quinn")
    amend = ready(engine, instance_id, "amend_audit_report")
    page = signed_in(site, "ann").get(f"/tasks/{amend['id']}").text
    assert "Outcome of quality assurance Returned for review" in shown(page)
    assert "The October risk update" in shown(page)
    engine.complete_task(amend["id"], {"amendments": "Added it"}, "ann")
    engine.complete_task(ready(engine, instance_id, "quality_assure_report")["id"], {"qa_outcome": "accepted"}, "quinn")
    respond = ready(engine, instance_id, "respond_to_report")
    assert "Overall grade Requires Improvement" in shown(signed_in(site, "tom").get(f"/tasks/{respond['id']}").text)


def test_every_dispute_stage_sees_the_written_response(site, audit):  # R-30 R-31 R-32 R-33
    engine, (instance_id, task_id) = doors.engine(site), audit
    qa = to_qa(engine, instance_id, task_id, "inadequate")
    engine.complete_task(qa["id"], {"qa_outcome": "accepted"}, "quinn")
    engine.complete_task(ready(engine, instance_id, "respond_to_report")["id"],
                         {"dispute": True, "comments": "We disagree"}, "tom")
    stages = [("prepare_written_response", {"areas_disagreed": "Risk assessment", "rationale": "Plan reviewed in October",
                                            "shared_with_auditor": True}, "tom"),
              ("meet_with_auditor", {"meeting_date": "2026-11-05", "attendees": "Auditor, TM"}, "ann"),
              ("share_discussion_summary", {"summary": "Not agreed", "resolved": False}, "tom")]
    for element, data, actor in stages:
        [step] = [t for t in engine.reads.ready_tasks() if t["element_id"] == element]
        if element != "prepare_written_response":
            assert "Plan reviewed in October" in shown(signed_in(site, actor).get(f"/tasks/{step['id']}").text), element
        engine.complete_task(step["id"], data, actor)
    [formal] = [t for t in engine.reads.ready_tasks() if t["element_id"] == "discuss_with_hos_qa"]
    page = signed_in(site, "quinn").get(f"/tasks/{formal['id']}").text
    assert "Plan reviewed in October" in shown(page) and "Overall grade disputed Inadequate" in shown(page)


def test_the_confirmation_is_markup_and_says_the_next_deadline_as_written(site, audit):
    instance_id, task_id = audit
    ann = signed_in(site, "ann")
    form = PageForm(ann.get(f"/tasks/{task_id}").text)
    sent = form.post_data()
    for key, value in draft("good").items():
        if isinstance(value, str):
            sent[key] = value
    answer = ann.post(f"/tasks/{task_id}", data=_tool_answers(sent))
    assert answer.status_code == 302, answer.text
    done = ann.get(answer.headers["Location"]).text
    assert "&lt;br&gt;" not in done and "&lt;strong&gt;" not in done
    assert "<br>Case <strong>C-1001</strong>" in done
    assert re.search(r"Discuss draft findings[^<]*</a>\. Due [A-Z][a-z]+day \d+ [A-Z]", done)


def test_staff_read_words_not_requirement_ids_or_none(site, audit):
    engine, (instance_id, task_id) = doors.engine(site), audit
    tool = signed_in(site, "ann").get(f"/tasks/{task_id}").text
    engine.complete_task(task_id, draft("good"), "ann")
    discussion_page = signed_in(site, "ann").get(f"/tasks/{ready(engine, instance_id, 'discuss_draft_findings')['id']}").text
    for page in (tool, discussion_page):
        text = re.sub(r"<[^>]+>", " ", page)
        assert not re.search(r"\bR-\d\d\b", text) and "case None" not in text
        assert "Referral and Response" in text and "Referral and response" not in text  # one title per domain
        assert "Child/Young Person Focused Practice" in text


def test_a_concern_is_raised_from_any_step_and_says_who_was_alerted(site, audit):  # R-40 R-41
    engine, (instance_id, task_id) = doors.engine(site), audit
    ann = signed_in(site, "ann")
    task_page = ann.get(f"/tasks/{task_id}").text
    link = f'/instances/{instance_id}/concern?back=/tasks/{task_id}'
    assert f'href="{link}"' in task_page
    form_page = ann.get(link)
    assert form_page.status_code == 200 and 'name="concern"' in form_page.text
    empty = PageForm(form_page.text)
    refused = ann.post(f"/instances/{instance_id}/concern", data=empty.post_data())
    assert refused.status_code == 400 and 'href="#concern">Enter the concern</a>' in refused.text
    assert engine.reads.instance(instance_id)["children"] == []
    form = PageForm(form_page.text)
    form.set("concern", "Bruising seen in the photos\nof the last visit")
    raised = ann.post(f"/instances/{instance_id}/concern", data=form.post_data())
    assert raised.status_code == 302
    [alert_id] = engine.reads.instance(instance_id)["children"]
    assert engine.reads.instance(alert_id)["data"]["concern"] == "Bruising seen in the photos\nof the last visit"
    confirmation = ann.get(raised.headers["Location"]).text
    told = re.findall(r"<li>([^<]+)</li>", confirmation.split('data-testid="alerted"')[1].split("</ul>")[0])
    assert told == ["Tom (team manager)", "Sue (service manager)", "Quinn (QA team)"]
    assert re.search(r"Stage 1: discuss with the TM and SM to seek resolution: for Tom \(team manager\)\. Due ", confirmation)
    assert f'href="/tasks/{task_id}"' in confirmation  # back to where ann was
    assert ready(engine, instance_id, "draft_audit")["id"] == task_id  # the audit goes on
    assert signed_in(site, "ann").get(f"/instances/{alert_id}").status_code == 200  # she follows the alert


def test_who_may_raise_a_concern(site, audit):  # R-40 R-81
    engine, (instance_id, _task) = doors.engine(site), audit
    assert signed_in(site, "pia").get(f"/instances/{instance_id}/concern").status_code == 404  # another team's case
    assert 'Raise a child-safety concern' in signed_in(site, "quinn").get(f"/instances/{instance_id}").text
    alert = engine.start_instance("child_safety_alert", {"case_ref": "C-1001", "practitioner": "pat", "auditor": "ann",
                                                         "concern": "x", "raised_from": "case_audit"}, "ann")
    assert signed_in(site, "quinn").get(f"/instances/{alert}/concern").status_code == 409  # raised on the audit


def test_alert_tasks_come_first_in_my_tasks_said_in_words(site, audit):
    engine, (instance_id, _task) = doors.engine(site), audit
    engine.send_message(instance_id, "child_safety_concern", {"concern": "x"}, "ann")
    later = engine.start_instance("case_audit", {"case_ref": "C-1002", "auditor": "tom", "practitioner": "pat",
                                                 "audit_kind": "audit"}, "quinn")
    assert later
    page = signed_in(site, "tom").get("/").text
    rows = re.findall(r'<tr class="govuk-table__row[^"]*" role="row">(.*?)</tr>', page.split("<tbody")[1], re.S)
    assert "Urgent: a child&#39;s safety" in rows[0] and "Stage 1" in rows[0]
    assert "urgent first, then soonest due first" in page


def _tool_answers(sent):
    """The audit tool's answers as its page names them (every domain Good, with rationales)."""
    from tests.flows.test_case_audit import TOOL_DOMAINS
    sent.setlist("period_start-day", ["2"])
    sent.setlist("period_start-month", ["5"])
    sent.setlist("period_start-year", ["2026"])
    for domain in TOOL_DOMAINS:
        sent.setlist(f"domains.{domain}.grade", ["good"])
        sent.setlist(f"domains.{domain}.rationale", [f"Evidence for {domain}"])
    for name, value in (("overall_grade", "good"), ("overall_rationale", "Consistent"), ("immediate_safety_concern", "no")):
        sent.setlist(name, [value])
    return sent


def test_an_alert_says_what_it_was_started_from_in_words(site, audit):  # R-40 R-80
    engine, (instance_id, _task) = doors.engine(site), audit
    [alert_id] = engine.send_message(instance_id, "child_safety_concern", {"concern": "x"}, "ann")
    page = signed_in(site, "quinn").get(f"/instances/{alert_id}").text
    assert f'<a class="govuk-link" href="/instances/{instance_id}">Case audit of case C-1001</a>' in page
    assert "Case number" not in page
