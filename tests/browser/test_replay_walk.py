"""What would this change have done? (issue 29) in a real browser: olive uploads case_audit with
quality assurance due in 2 working days instead of 1, asks to replay the last 12 months, the
worker runs the replay (called here, on the moved clock) while the run's page polls itself and takes
the result in, she reads the comparison (the page's figures are the run's), deploys the same files
with a note, and the version's page lists the replay. Every page is checked with axe-core and
photographed."""
import re
from datetime import datetime

from sqlalchemy import select

import doors
from engine.models import ReplayRun
from engine.people.accounts import dao_set_password
from tests.browser.conftest import check_page
from tests.browser.walks import NOT_WORDS, Walk
from tests.engine.replay import cases
from tests.web.conftest import PASSWORD
from tests.web.test_definition_pages import QA_TWO_DAYS
from tests.web.test_replay_pages import LATER


def the_run(site) -> ReplayRun:
    with doors.engine(site).db.reading() as session:
        [run] = session.scalars(select(ReplayRun))
        session.expunge(run)
        return run


def figure(page, table: str, label: str) -> list[str]:
    """A row of one of the run page's comparison tables: recorded, replayed, difference."""
    row = page.get_by_test_id(f"figures-{table}").get_by_role("row").filter(
        has=page.get_by_role("rowheader", name=label, exact=True))
    return [cell.strip() for cell in row.locator("td").all_inner_texts()]


def signed(difference: int) -> str:
    return f"{difference:+d}" if difference else "No change"


def test_olive_replays_a_year_of_audits_on_a_longer_qa_deadline_then_deploys(site, person, clock):
    # R-01 R-17 R-70 R-81: the cases QA answered the same day, on the 2nd and on the 3rd working day
    engine = doors.engine(site)
    cases.qa_on_time(engine, clock)
    second_day = cases.qa_late(engine, clock, "2026-11-04T10:00:00+00:00")
    cases.qa_late(engine, clock, "2026-11-05T10:00:00+00:00")
    clock.set(LATER)
    with engine.db.transaction() as session:
        dao_set_password(session, "olive", PASSWORD)
    olive = person("olive")

    olive.goto("/definitions/deploy")
    olive.set_input_files("#files", files=[{"name": "case_audit.bpmn", "mimeType": "application/xml",
                                            "buffer": QA_TWO_DAYS.encode()}])
    olive.get_by_role("button", name="Check and show the changes").click()
    olive.wait_for_url("**/definitions/deploy/check")
    olive.wait_for_selector(".app-diff__canvas[data-side=new][data-ready=true]")
    replay = olive.get_by_test_id("replay")
    assert "What would this change have done?" in replay.inner_text()
    check_page(olive, "replay-01-review")

    replay.get_by_label("Last 12 months").check()
    replay.get_by_role("button", name="Replay past cases").click()
    olive.wait_for_url(re.compile(r"/definitions/case_audit/replays/\d+$"))
    assert olive.get_by_test_id("progress").inner_text().strip() == "Waiting for the background worker to start it."
    check_page(olive, "replay-02-queued")

    assert engine.run_queued_replays() == 1  # the worker's "replays run" job
    olive.get_by_test_id("counts").wait_for()  # the page polls itself and takes the result in, no reload
    assert olive.locator("#replay-ended").inner_text() == "The replay has ended: what it found is below."
    run = the_run(site)
    result = run.result
    assert (run.status, run.months, result["compared"]) == ("done", 12, 3)
    counts = olive.get_by_test_id("counts").inner_text()
    assert re.search(r"Selected\s+3\b", counts) and re.search(r"Compared\s+3: ended both as recorded", counts)
    assert "count only the 3 compared cases" in olive.get_by_test_id("compared-only").inner_text()
    was, now = result["recorded"], result["replayed"]
    assert figure(olive, "escalations", "All escalations") == [
        str(was["escalations"]), str(now["escalations"]), signed(now["escalations"] - was["escalations"])]
    assert figure(olive, "escalations", "All escalations") == ["2", "1", "-1"]
    met_was, met_now = was["deadlines"]["qa_within_1_day"]["met"], now["deadlines"]["qa_within_1_day"]["met"]
    assert figure(olive, "deadlines", "QA within 1 working day: met") == [str(met_was), str(met_now),
                                                                           signed(met_now - met_was)]
    assert figure(olive, "notifications", "All notifications") == [
        str(was["notifications"]), str(now["notifications"]), signed(now["notifications"] - was["notifications"])]
    changed = olive.get_by_test_id("path-changes")
    assert changed.get_by_role("link").get_attribute("href") == f"/instances/{second_day}"
    assert "the timer on Quality assure the audit report" in changed.inner_text()
    words = olive.locator("main").inner_text()
    assert not NOT_WORDS.findall(words), NOT_WORDS.findall(words)  # steps and roles by name, not id
    check_page(olive, "replay-03-compared")
    Walk.narrow(olive, "replay-03-compared")  # 375 px wide: the tables scroll in their own region

    olive.get_by_test_id("deploy-replayed").click()
    olive.wait_for_url("**/definitions/deploy/check")
    assert "case_audit version 2" in olive.get_by_test_id("valid").inner_text()
    olive.locator("#change-note").fill("Quality assurance within 2 working days (replayed on a year of audits)")
    olive.get_by_test_id("deploy").click()
    olive.wait_for_url("**/definitions/case_audit")
    replays = olive.get_by_test_id("replays")
    assert re.search(r"^2\s+The last 12 months", replays.get_by_role("row").nth(1).inner_text())
    check_page(olive, "replay-04-version-lists-the-replay")
    replays.get_by_role("link", name="The last 12 months").click()
    olive.wait_for_url(f"**/definitions/case_audit/replays/{run.id}")
    assert engine.reads.definition("case_audit")["latest_version"] == 2
