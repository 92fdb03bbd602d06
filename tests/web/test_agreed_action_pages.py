"""The pages of the agreed actions (R-27): the findings discussion names each action's owner from the
directory, the owner's task page shows the action, only the owner acts on it, and the closing review
shows every action with its outcome."""
import re

import doors
from engine.people.accounts import dao_set_password
from tests.flows.test_agreed_actions import DONE, NOT_DONE, PAT_ACTION, TOM_ACTION, actions_instance, discussed
from tests.flows.test_case_audit import review_note, to_findings_discussion
from tests.web.conftest import CASE, PASSWORD, csrf_of, signed_in
from tests.web.test_steps_keep_answers import ready
from tests.web.test_task_context import shown


def agreed(site) -> tuple[int, int]:
    engine = doors.engine(site)
    iid = engine.start_instance("case_audit", CASE, "quinn")
    to_findings_discussion(engine, iid, "requires_improvement")
    return iid, engine.complete_task(ready(engine, iid, "discuss_audit_findings")["id"],
                                     discussed(PAT_ACTION, TOM_ACTION), "tom")


def test_the_discussion_offers_the_practitioner_and_team_managers_as_owners(site):
    engine = doors.engine(site)
    iid = engine.start_instance("case_audit", CASE, "quinn")
    to_findings_discussion(engine, iid, "requires_improvement")
    page = signed_in(site, "tom").get(f"/tasks/{ready(engine, iid, 'discuss_audit_findings')['id']}").text
    select = re.search(r'<select[^>]*name="smart_actions\.0\.owner".*?</select>', page, re.S).group(0)
    offered = set(re.findall(r'<option value="([^"]+)"', select))
    assert {"pat", "tom"} <= offered and not offered & {"quinn", "sue", "hal"}  # holders of practitioner or TM only
    assert 'name="smart_actions.0.within_working_days"' in page and 'name="smart_actions.0.by_when-day"' in page


def test_the_owner_sees_the_action_and_only_the_owner_acts_on_it(site):  # R-27 R-81
    engine = doors.engine(site)
    iid, _ = agreed(site)
    aid = actions_instance(engine, iid)
    tasks = {t["candidates"][0]: t for t in engine.reads.ready_tasks(instance_id=aid)}
    pat = signed_in(site, "pat")
    page = pat.get(f"/tasks/{tasks['pat']['id']}")
    assert page.status_code == 200
    assert PAT_ACTION["action"] in shown(page.text) and "29 December 2026" in shown(page.text)
    assert pat.get(f"/instances/{aid}").status_code == 200  # its case
    assert signed_in(site, "pia").get(f"/tasks/{tasks['pat']['id']}").status_code == 404  # another team's practitioner
    tom = signed_in(site, "tom")
    seen = tom.get(f"/tasks/{tasks['pat']['id']}")  # tom manages the team and sees it, but it is pat's to do
    refused = tom.post(f"/tasks/{tasks['pat']['id']}", data={"csrf_token": csrf_of(seen.text), "done": "yes"})
    assert refused.status_code == 403


def test_the_closing_review_shows_every_action_and_its_outcome(site):
    engine = doors.engine(site)
    iid, _ = agreed(site)
    engine.complete_task(ready(engine, iid, "review_case_note")["id"], review_note(), "quinn")
    aid = actions_instance(engine, iid)
    for task in engine.reads.ready_tasks(instance_id=aid):
        owner = task["candidates"][0]
        engine.complete_task(task["id"], DONE if owner == "pat" else NOT_DONE, owner)
    with engine.db.transaction() as session:
        dao_set_password(session, "sue", PASSWORD)
    page = signed_in(site, "sue").get(f"/tasks/{ready(engine, aid, 'service_manager_close_actions')['id']}").text
    cards = shown(page)
    assert PAT_ACTION["action"] in cards and TOM_ACTION["action"] in cards
    assert "Outcome: Done" in cards and "Outcome: Not done" in cards
    assert DONE["what_was_done"] in cards and NOT_DONE["why_not_done"] in cards
