"""The next audit sees the last one (R-27): a re-audit's task pages and its case page show the
previous audit's final grades by domain and how its agreed actions ended; the follow-up of R-25/R-26
shows this audit's actions as they stand; the case list links every process of a case reference as
one history; and nobody sees the history of a case they may not see (R-81)."""
import re

import pytest

import doors
from engine.people.accounts import dao_set_password
from tests.fixtures.audit_history import seed_action, seed_audit
from tests.flows.conftest import complete, ready
from tests.flows.test_case_audit import accepted, findings, review_note
from tests.web.conftest import CASE, PASSWORD, signed_in


def card(page: str, testid: str) -> str:
    """The words of one card of a page (its tags and markup gone)."""
    found = re.search(rf'data-testid="{testid}">(.*?)</div>\s*</div>', page, re.S)
    assert found, f"no {testid} on the page"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(1)))


@pytest.fixture
def reaudit(site):
    """C-1001 audited in March (inadequate, two domains, three actions agreed after it), and its
    re-audit started now (2 November 2026), at ann's draft."""
    engine = doors.engine(site)
    march = seed_audit(engine, "C-1001", "2026-03-02T12:00:00+00:00", "inadequate",
                       domains={"risk_assessment": "inadequate", "key_decisions": "requires_improvement"})
    seed_action(engine, march, "C-1001", 0, "Visit the child fortnightly", "pat", "2026-03-20T23:59:59+00:00",
                completed="2026-03-19T10:00:00+00:00", outcome="done", closed_as="carried_into_reaudit",
                carried_reason="Visits to go on until the plan is reviewed")
    seed_action(engine, march, "C-1001", 1, "Hold a core group", "tom", "2026-03-25T23:59:59+00:00",
                completed="2026-03-30T10:00:00+00:00", outcome="done")
    seed_action(engine, march, "C-1001", 2, "Update the chronology", "tom", "2026-04-01T22:59:59+00:00",
                outcome="not_done", completed="2026-04-02T10:00:00+00:00")
    iid = engine.start_instance("case_audit", CASE | {"audit_kind": "re_audit", "previous_grade": "inadequate"},
                                "quinn")
    return site, march, iid


def test_the_reaudits_task_page_shows_the_previous_audits_grades_and_actions(reaudit):
    site, march, iid = reaudit
    [draft] = ready(doors.engine(site), iid, "draft_audit")
    page = signed_in(site, "ann").get(f"/tasks/{draft['id']}").text
    seen = card(page, "previous-audit")
    assert "The previous audit of case C-1001" in seen and "Audit, completed 2 March 2026" in seen
    assert "Final overall grade Inadequate" in seen
    assert "Risk Assessment Inadequate" in seen and "Key Decisions Requires Improvement" in seen
    assert "Visit the child fortnightly Pat (practitioner) 20 March 2026 Done on time, 19 March 2026" in seen
    assert "Carried into the re-audit: Visits to go on until the plan is reviewed" in seen
    assert "Hold a core group Tom (team manager) 25 March 2026 Done late, 30 March 2026" in seen
    assert "Update the chronology Tom (team manager) 1 April 2026 Not done" in seen
    assert f'href="/instances/{march}"' not in page  # she audits this case, not that one: not hers to open
    assert 'data-testid="agreed-actions"' not in page  # nothing agreed on the re-audit yet


def test_the_reaudits_case_page_shows_the_same_history_and_every_earlier_audit(reaudit):
    site, march, iid = reaudit
    january = seed_audit(doors.engine(site), "c-1001", "2026-01-12T12:00:00+00:00", "requires_improvement")
    page = signed_in(site, "quinn").get(f"/instances/{iid}").text
    assert "Agreed actions and earlier audits" in page
    assert "Risk Assessment Inadequate" in card(page, "previous-audit")
    assert "Done late, 30 March 2026" in card(page, "previous-audit")
    earlier = page.split('data-testid="audit-history"')[1].split("</table>")[0]
    assert earlier.index(f'href="/instances/{march}"') < earlier.index(f'href="/instances/{january}"')  # newest first
    assert "12 January 2026" in earlier and "Requires Improvement" in earlier and "None recorded" in earlier
    assert "The previous audit" not in signed_in(site, "quinn").get(f"/instances/{march}").text  # none before it


def test_the_follow_up_page_shows_this_audits_actions_as_they_stand(reaudit, clock):  # R-25 R-27
    site, march, iid = reaudit
    engine = doors.engine(site)
    accepted(engine, iid, "inadequate", team_manager_attended=True)  # kept the grade: the SM follows up
    complete(engine, iid, "discuss_audit_findings", findings())
    seed_action(engine, iid, "C-1001", 10, "Review the plan with the IRO", "tom", "2026-11-20T23:59:59+00:00",
                completed="2026-11-02T10:00:00+00:00", outcome="done")
    seed_action(engine, iid, "C-1001", 11, "Book the family group conference", "pat", "2026-10-30T23:59:59+00:00")
    seed_action(engine, iid, "C-1001", 12, "Share the plan with the school", "pat", "2026-12-30T23:59:59+00:00")
    complete(engine, iid, "review_case_note", review_note())
    [follow_up] = ready(engine, iid, "service_manager_follow_up")
    with engine.db.transaction() as session:
        dao_set_password(session, "sue", PASSWORD)
    page = signed_in(site, "sue").get(f"/tasks/{follow_up['id']}").text
    actions = card(page, "agreed-actions")
    assert "Review the plan with the IRO Tom (team manager) 20 November 2026 Done on time, 2 November 2026" in actions
    assert "Book the family group conference Pat (practitioner) 30 October 2026 Overdue" in actions
    assert "Share the plan with the school Pat (practitioner) 30 December 2026 Due" in actions
    assert "Visit the child fortnightly" in card(page, "previous-audit")  # and the audit before, as on every step
    case_page = signed_in(site, "sue").get(f"/instances/{iid}").text
    assert card(case_page, "agreed-actions") == actions  # the case page shows them the same way


def test_the_case_list_links_the_audits_of_a_case_reference_as_one_history(reaudit):
    site, march, iid = reaudit
    quinn = signed_in(site, "quinn")
    listing = quinn.get("/cases").text
    assert len(re.findall(r'href="/cases/ref/C-1001" data-testid="case-history">History: 2 processes, '
                          r'1 completed audit<', listing)) == 2  # on the row of each
    history = quinn.get("/cases/ref/C-1001").text
    audits = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", history.split('data-testid="audit-history"')[1]))
    assert "2 March 2026 Inadequate 3 agreed: 1 done on time, 1 done late, 1 not done" in audits
    assert f'href="/instances/{march}"' in history and f'href="/instances/{iid}"' in history


def test_nobody_sees_the_history_of_a_case_they_may_not_see(reaudit):  # R-27 R-81
    site, march, iid = reaudit
    pia = signed_in(site, "pia")  # CIC 1's practitioner: C-1001 is SAS 1's, and names her nowhere
    assert pia.get(f"/instances/{iid}").status_code == 404
    assert pia.get("/cases/ref/C-1001").status_code == 404
    [draft] = ready(doors.engine(site), iid, "draft_audit")
    assert pia.get(f"/tasks/{draft['id']}").status_code == 404
    assert "C-1001" not in pia.get("/cases").text


def test_a_reader_of_the_reaudit_sees_the_audit_before_it_but_opens_only_what_they_may_see(site):  # R-27 R-81
    engine = doors.engine(site)
    before = seed_audit(engine, "C-1001", "2026-03-02T12:00:00+00:00", "good", team="cic_1",
                        area="children_in_care")  # when the case was CIC 1's
    iid = engine.start_instance("case_audit", CASE | {"audit_kind": "audit"}, "quinn")
    tom = signed_in(site, "tom")  # manages SAS 1, where the case is now
    page = tom.get(f"/instances/{iid}").text
    assert "Final overall grade Good" in card(page, "previous-audit")
    assert f'href="/instances/{before}"' not in page  # its own page is not his to open
    assert tom.get(f"/instances/{before}").status_code == 404
    assert 'data-testid="audit-history"' not in tom.get("/cases/ref/C-1001").text  # nor listed as his to see


def test_a_loop_closed_the_same_way_on_every_action_is_said_once(site):
    engine = doors.engine(site)
    march = seed_audit(engine, "C-1001", "2026-03-02T12:00:00+00:00", "inadequate")
    for position, action in enumerate(("Visit the child fortnightly", "Hold a core group")):
        seed_action(engine, march, "C-1001", position, action, "pat", "2026-03-20T23:59:59+00:00", outcome="not_done",
                    completed="2026-03-21T10:00:00+00:00", closed_as="carried_into_reaudit",
                    carried_reason="Both wait for the new plan")
    iid = engine.start_instance("case_audit", CASE | {"audit_kind": "re_audit", "previous_grade": "inadequate"},
                                "quinn")
    page = signed_in(site, "quinn").get(f"/instances/{iid}").text
    seen = card(page, "previous-audit")
    assert seen.count("Both wait for the new plan") == 1
    assert 'data-testid="actions-closed">Carried into the re-audit: Both wait for the new plan</p>' in page
