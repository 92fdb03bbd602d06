"""What would this change have done? (issue 29) The review page offers a replay of the last 3, 6 or
12 months; asking queues a run for the worker and opens its page, which shows its progress and can
cancel it while it waits or runs, then compares the recorded cases with the replayed ones and
carries the files on to deploying them; the version's page lists the replays of its files. Process
owners only (R-01, R-81)."""
import html
import re
from datetime import datetime

import pytest
from sqlalchemy import select

import doors
from engine.models import ReplayRun
from engine.replay.runs import bundle_files
from tests.engine.replay import cases
from tests.engine.replay.test_replay import with_a_sign_off_step
from tests.web.conftest import csrf_of, signed_in
from tests.web.test_definition_pages import QA_TWO_DAYS, check, olive  # noqa: F401  (fixture)

LATER = datetime.fromisoformat("2026-12-01T09:00:00+00:00")  # after every recorded case below


def ask_for_replay(client, review_html: str, months: str = "12", process_id: str = "case_audit"):
    return client.post(f"/definitions/{process_id}/replays", data={
        "csrf_token": csrf_of(review_html), f"months-{process_id}": months,
        "file_name": ["case_audit.bpmn"], "file_content": [QA_TWO_DAYS]})


def runs_kept(site) -> list[ReplayRun]:
    with doors.engine(site).db.reading() as session:
        found = list(session.scalars(select(ReplayRun).order_by(ReplayRun.id)))
        session.expunge_all()
        return found


def figures(html: str, key: str) -> dict[str, tuple[str, str, str]]:
    """A comparison table of the run's page: its rows' label → (recorded, replayed, difference)."""
    table = re.search(rf'data-testid="figures-{key}".*?</table>', html, re.S).group(0)
    rows = re.findall(r'<th scope="row"[^>]*>(.*?)</th>\s*<td[^>]*>(.*?)</td>\s*<td[^>]*>(.*?)</td>\s*'
                      r'<td[^>]*>(.*?)</td>', table, re.S)
    return {label.strip(): (was.strip(), now.strip(), change.strip()) for label, was, now, change in rows}


def test_the_review_page_offers_to_replay_the_past_cases_of_the_process_it_changes(site, olive, clock):  # noqa: F811
    #
    review = check(olive, {"case_audit.bpmn": QA_TWO_DAYS}).text
    assert 'data-testid="nothing-to-replay"' in review and "/replays" not in review  # no case audit yet
    cases.qa_on_time(doors.engine(site), clock)
    review = check(olive, {"case_audit.bpmn": QA_TWO_DAYS}).text
    section = re.search(r'data-testid="replay".*?</section>', review, re.S).group(0)
    assert "What would this change have done?" in section and "Case audit has 1 case in all so far." in section
    assert 'action="/definitions/case_audit/replays"' in section
    assert [value for value in re.findall(r'name="months-case_audit"[^>]*value="(\d+)"', section)] == ["3", "6", "12"]
    assert 'name="file_name" value="case_audit.bpmn"' in section and "Replay past cases" in section


def test_asking_keeps_the_files_and_months_posted_and_opens_the_queued_run(site, olive, clock):  # noqa: F811
    # what the form posts is what the run keeps
    clock.set(LATER)
    olive = signed_in(site, "olive")  # noqa: F811  (the session of a month ago has ended)
    review = check(olive, {"case_audit.bpmn": QA_TWO_DAYS}).text
    asked = ask_for_replay(olive, review, "6")
    assert asked.status_code == 303
    [run] = runs_kept(site)
    assert asked.headers["Location"] == f"/definitions/case_audit/replays/{run.id}"
    assert bundle_files(run) == {"case_audit.bpmn": QA_TWO_DAYS.encode()}
    assert (run.process_id, run.months, run.status, run.created_by) == ("case_audit", 6, "queued", "olive")
    assert (run.started_from, run.started_to) == (datetime.fromisoformat("2026-06-01T09:00:00+00:00"), LATER)


def test_months_not_offered_are_refused_naming_them_and_nothing_is_queued(site, olive):  # noqa: F811
    # R-01 R-81
    review = check(olive, {"case_audit.bpmn": QA_TWO_DAYS}).text
    for months in ("", "5", "twelve"):
        refused = ask_for_replay(olive, review, months)
        assert refused.status_code == 400
        assert "Choose how many months of past cases to replay: 3, 6 or 12" in refused.text
        assert 'href="#months-case_audit"' in refused.text
    assert runs_kept(site) == []


def test_files_that_fail_a_deploys_checks_are_refused_naming_the_problem_and_nothing_is_queued(site, olive):  # noqa: F811
    # R-01 R-81
    review = check(olive, {"case_audit.bpmn": QA_TWO_DAYS}).text
    broken = QA_TWO_DAYS.replace('targetRef="remind_qa_due"', 'targetRef="nowhere"')
    refused = olive.post("/definitions/case_audit/replays", data={
        "csrf_token": csrf_of(review), "months-case_audit": "12", "file_name": ["case_audit.bpmn"],
        "file_content": [broken]})
    summary = " ".join(re.sub(r"<[^>]+>", " ", refused.text).split())
    assert refused.status_code == 422 and "Nothing was deployed: there is a problem case_audit.bpmn, " in summary
    assert runs_kept(site) == []


def test_a_queued_run_shows_its_progress_and_can_be_cancelled(site, olive):  # noqa: F811
    #
    asked = ask_for_replay(olive, check(olive, {"case_audit.bpmn": QA_TWO_DAYS}).text)
    page = olive.get(asked.headers["Location"])
    assert page.status_code == 200
    # no <meta> refresh (axe: meta-refresh, WCAG 2.2.1): a Refresh link, and a script that polls the page
    assert f'data-poll-url="{asked.headers["Location"]}"' in page.text and "build/replay.js" in page.text
    assert f'href="{asked.headers["Location"]}" data-testid="refresh"' in page.text
    assert "Waiting for the background worker to start it." in page.text
    [run] = runs_kept(site)
    with doors.engine(site).db.transaction() as session:  # as the worker's progress leaves it
        row = session.get(ReplayRun, run.id)
        row.status, row.done, row.total = "running", 212, 2000
    page = olive.get(asked.headers["Location"]).text
    assert "212 of 2,000 cases replayed." in page
    cancelled = olive.post(f"{asked.headers['Location']}/cancel", data={"csrf_token": csrf_of(page)})
    assert cancelled.status_code == 303 and cancelled.headers["Location"] == asked.headers["Location"]
    assert runs_kept(site)[0].cancel_requested  # running: the worker stops at its next progress
    with doors.engine(site).db.transaction() as session:
        session.get(ReplayRun, run.id).status = "cancelled"
    page = olive.get(asked.headers["Location"]).text
    assert "Cancelled after 212 of 2,000 cases." in page
    assert "data-poll-url" not in page and "replay.js" not in page and 'data-testid="cancel"' not in page
    again = olive.post(f"{asked.headers['Location']}/cancel", data={"csrf_token": csrf_of(page)})
    assert again.status_code == 409


def test_a_done_run_compares_the_recorded_cases_with_the_replayed_ones(site, olive, clock):  # noqa: F811
    # R-01 R-17 R-70: QA answered the same day, on the 2nd working day, on the 3rd; with 2 working days
    # the 2nd day's case loses its reminder (tests/engine/replay/test_replay.py proves the figures)
    engine = doors.engine(site)
    cases.qa_on_time(engine, clock)
    second_day = cases.qa_late(engine, clock, "2026-11-04T10:00:00+00:00")
    cases.qa_late(engine, clock, "2026-11-05T10:00:00+00:00")
    clock.set(LATER)
    olive = signed_in(site, "olive")  # noqa: F811  (the session of a month ago has ended)
    asked = ask_for_replay(olive, check(olive, {"case_audit.bpmn": QA_TWO_DAYS}).text)
    assert engine.run_queued_replays() == 1
    page = olive.get(asked.headers["Location"]).text
    result = runs_kept(site)[0].result
    assert (result["compared"], result["diverged"], result["failed"]) == (3, [], [])
    assert "data-poll-url" not in page and 'data-testid="refresh"' not in page
    assert "The figures below count only the 3 compared cases" in page
    assert figures(page, "escalations")["All escalations"] == ("2", "1", "-1")
    assert figures(page, "escalations")["To the QA and practice improvement team"] == ("2", "1", "-1")
    assert figures(page, "deadlines")["QA within 1 working day: met"] == ("1", "2", "+1")
    assert figures(page, "deadlines")["QA within 1 working day: missed"] == ("2", "1", "-1")
    assert figures(page, "notifications")["All notifications"] == (
        str(result["recorded"]["notifications"]), str(result["replayed"]["notifications"]),
        f"{result['replayed']['notifications'] - result['recorded']['notifications']:+d}")
    changed = re.search(r'data-testid="path-changes".*?</table>', page, re.S).group(0)
    assert f'href="/instances/{second_day}"' in changed and "the timer on Quality assure the audit report" in changed
    deploy = re.search(r'<form method="post" action="/definitions/deploy/check".*?</form>', page, re.S).group(0)
    assert 'name="file_name" value="case_audit.bpmn"' in deploy and "Review and deploy these files" in deploy


def test_a_case_that_reaches_a_new_step_is_listed_as_diverged_there_with_why(site, olive, clock):  # noqa: F811
    # it is counted apart, linked to its case, and the figures say they count none of it
    iid = cases.qa_on_time(doors.engine(site), clock)
    clock.set(LATER)
    olive = signed_in(site, "olive")  # noqa: F811  (the session of a month ago has ended)
    review = check(olive, {"case_audit.bpmn": QA_TWO_DAYS}).text
    with_a_step = with_a_sign_off_step()["case_audit.bpmn"].decode()
    asked = olive.post("/definitions/case_audit/replays", data={
        "csrf_token": csrf_of(review), "months-case_audit": "3", "file_name": ["case_audit.bpmn"],
        "file_content": [with_a_step]})
    assert doors.engine(site).run_queued_replays() == 1
    page = olive.get(asked.headers["Location"]).text
    stopped = html.unescape(re.search(r'data-testid="stopped".*?</ul>', page, re.S).group(0))
    assert f'<a class="govuk-link" href="/instances/{iid}">C-1001</a>: diverged at Sign off the accepted report ' \
           'because the edited diagram asks for "Sign off the accepted report", which the recorded case never ' \
           "answered" in stopped
    assert "count only the 0 compared cases" in page and "1 diverged, 0 failed" in page


def test_the_version_deployed_from_the_replayed_files_lists_the_replay(site, olive, clock):  # noqa: F811
    # the replay is kept with the version it was run for
    asked = ask_for_replay(olive, check(olive, {"case_audit.bpmn": QA_TWO_DAYS}).text)
    assert doors.engine(site).run_queued_replays() == 1
    page = olive.get(asked.headers["Location"]).text
    review = olive.post("/definitions/deploy/check", data={"csrf_token": csrf_of(page), "file_name": ["case_audit.bpmn"],
                                                            "file_content": [QA_TWO_DAYS]})
    assert review.status_code == 200 and "case_audit version 2" in review.text
    deployed = olive.post("/definitions/deploy", data={"csrf_token": csrf_of(review.text), "note": "QA in 2 days",
                                                       "file_name": ["case_audit.bpmn"], "file_content": [QA_TWO_DAYS]})
    assert deployed.status_code == 302
    history = olive.get("/definitions/case_audit").text
    listed = re.search(r'data-testid="replays".*?</table>', history, re.S).group(0)
    assert f'href="{asked.headers["Location"]}"' in listed and "The last 12 months" in listed


@pytest.mark.parametrize("username", ["quinn", "tom"])
def test_only_process_owners_replay(site, olive, username):  # noqa: F811
    #
    asked = ask_for_replay(olive, check(olive, {"case_audit.bpmn": QA_TWO_DAYS}).text)
    other = signed_in(site, username)
    token = csrf_of(other.get("/").text)
    assert other.get(asked.headers["Location"]).status_code == 403
    assert other.post(f"{asked.headers['Location']}/cancel", data={"csrf_token": token}).status_code == 403
    refused = other.post("/definitions/case_audit/replays", data={
        "csrf_token": token, "months-case_audit": "12", "file_name": ["case_audit.bpmn"], "file_content": [QA_TWO_DAYS]})
    assert refused.status_code == 403
    assert len(runs_kept(site)) == 1 and runs_kept(site)[0].status == "queued"
