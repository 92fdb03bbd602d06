"""Replays in the background (issue 29): a process owner queues one, the worker's job runs it with its
progress on the row, the owner may cancel it, and its result is kept with the version it was run for."""
import json
from datetime import datetime

import pytest

from engine.caller import Caller
from engine.clock import now
from engine.definitions.deploy import latest_version
from engine.errors import Conflict, Forbidden, InvalidData, InvalidDefinition, NotFound
from engine.people.accounts import CurrentUser
from engine.replay import Cancelled, runs
from engine.replay.period import months_before
from tests.engine.replay import cases
from tests.engine.replay.test_replay import AS_OF, PERIOD, edited, qa_in_two_working_days, row_counts
from tests.flows.conftest import definition_files
from tests.flows.test_case_audit import FILES


@pytest.fixture
def audits(org):
    org.deploy(definition_files(*FILES), "olive")
    return org


@pytest.fixture
def walked(audits, clock) -> list[int]:
    """Three recorded audits of November 2026, the service's clock then at AS_OF."""
    ids = [cases.qa_on_time(audits, clock), cases.qa_late(audits, clock, "2026-11-04T10:00:00+00:00"),
           cases.qa_returned_and_late(audits, clock)]
    clock.set(AS_OF)
    return ids


def owner(engine) -> Caller:
    return Caller(engine, CurrentUser("olive", frozenset({"process_owner"})))


def request(engine, files: dict[str, bytes] | None = None) -> dict:
    return owner(engine).request_replay(files or qa_in_two_working_days(), "case_audit",
                                        started_from=PERIOD.started_from, started_to=PERIOD.started_to)


def observing(engine, monkeypatch, each=None) -> list[tuple[int, int, int, int, str]]:
    """Each progress the worker's job is told, with the run's row as it stands just after: (done,
    total, the row's done, the row's total, its status). `each(done, total)` runs then (a test's hook)."""
    seen: list[tuple[int, int, int, int, str]] = []
    replay = engine.replay

    def replay_observed(files, selection, as_of=None, kept_by=None, progress=None):
        def observed(done: int, total: int) -> bool:
            go_on = progress(done, total)
            with engine.db.reading() as session:
                row = runs.dao_replay_runs(session, "case_audit")[0]
                seen.append((done, total, row.done, row.total, row.status))
            if each:
                each(done, total)
            return go_on
        return replay(files, selection, as_of, kept_by, observed)
    monkeypatch.setattr(engine, "replay", replay_observed)
    return seen


def test_the_worker_runs_a_queued_replay_to_the_result_a_replay_gives_at_once(audits, walked):
    queued = request(audits)
    assert (queued["status"], queued["done"], queued["total"], queued["result"]) == ("queued", 0, 0, None)
    assert queued["created_by"] == "olive" and queued["started_at"] is None
    direct = audits.replay(qa_in_two_working_days(), PERIOD)
    assert queued["bundle_hash"] == direct.bundle_hash  # the version a deploy of the bundle would make

    assert audits.run_queued_replays() == 1
    run = owner(audits).replay_run(queued["id"])
    assert (run["status"], run["done"], run["total"], run["error"]) == ("done", 3, 3, None)
    assert run["started_at"] == run["finished_at"] == AS_OF.isoformat()
    assert run["result"] == json.loads(json.dumps(direct.as_dict() | {"run_id": queued["id"]}))
    assert run["result"]["compared"] == 3 and run["result"]["replayed"] != run["result"]["recorded"]
    assert audits.run_queued_replays() == 0  # nothing left queued
    assert owner(audits).replay_bundle(queued["id"]) == qa_in_two_working_days()  # to carry on to deploy


def test_a_replay_tells_its_progress_and_stops_when_the_answer_is_no(audits, walked):
    told: list[tuple[int, int]] = []
    result = audits.replay(qa_in_two_working_days(), PERIOD, progress=lambda done, total: told.append(
        (done, total)) is None)
    assert told[0] == (0, 3) and told[-1] == (3, 3) and result.selected == 3
    with pytest.raises(Cancelled):
        audits.replay(qa_in_two_working_days(), PERIOD, progress=lambda done, total: False)


def test_the_progress_moves_case_by_case_on_the_row(audits, walked, monkeypatch):
    queued = request(audits)
    seen = observing(audits, monkeypatch)
    audits.run_queued_replays()
    assert seen[0] == (0, 3, 0, 3, "running")  # told as soon as the selection is known
    assert seen[-1] == (3, 3, 3, 3, "running")
    assert [done for done, *_ in seen] == sorted(done for done, *_ in seen)  # it only moves on
    assert all((done, total) == (row_done, row_total) for done, total, row_done, row_total, _ in seen)
    assert owner(audits).replay_run(queued["id"])["status"] == "done"


def test_a_queued_replay_cancelled_never_runs(audits, walked):
    queued = request(audits)
    cancelled = owner(audits).cancel_replay(queued["id"])
    assert (cancelled["status"], cancelled["finished_at"]) == ("cancelled", AS_OF.isoformat())
    assert audits.run_queued_replays() == 0
    run = owner(audits).replay_run(queued["id"])
    assert (run["status"], run["started_at"], run["done"], run["result"]) == ("cancelled", None, 0, None)


def test_a_running_replay_cancelled_stops_at_its_next_progress_and_keeps_no_result(audits, walked,
                                                                                  monkeypatch):
    queued = request(audits)
    answers: list[dict] = []

    def cancel_once_running(done: int, total: int) -> None:
        if not answers:  # the owner cancels as soon as the run is seen under way
            answers.append(owner(audits).cancel_replay(queued["id"]))
    seen = observing(audits, monkeypatch, cancel_once_running)
    assert audits.run_queued_replays() == 1
    assert (answers[0]["status"], answers[0]["cancel_requested"]) == ("running", True)  # asked, not yet stopped
    assert len(seen) == 2  # stopped at the next progress
    run = owner(audits).replay_run(queued["id"])
    assert (run["status"], run["done"], run["total"], run["result"]) == ("cancelled", seen[-1][0], 3, None)
    with audits.db.reading() as session:
        assert runs.dao_get_replay_run(session, queued["id"]).result is None  # nothing kept, not only hidden


@pytest.mark.parametrize("ending", ["done", "cancelled"])
def test_an_ended_replay_cannot_be_cancelled(audits, walked, ending):
    queued = request(audits)
    if ending == "done":
        audits.run_queued_replays()
    else:
        owner(audits).cancel_replay(queued["id"])
    with pytest.raises(Conflict):
        owner(audits).cancel_replay(queued["id"])
    assert owner(audits).replay_run(queued["id"])["status"] == ending


def test_a_replay_that_fails_in_the_worker_says_why(audits, walked, monkeypatch):
    queued = request(audits)
    monkeypatch.setattr(audits, "replay", lambda *args, **kwargs: 1 / 0)
    assert audits.run_queued_replays() == 1
    run = owner(audits).replay_run(queued["id"])
    assert (run["status"], run["error"], run["result"]) == ("failed", "ZeroDivisionError: division by zero", None)


def test_a_bundle_a_deploy_would_refuse_is_refused_and_queues_nothing(audits, walked):
    broken = edited(definition_files(*FILES), "case_audit.bpmn", "add_working_days(now(), 1)</bpmn:timeDate>",
                    "add_working_days(now(), </bpmn:timeDate>")
    before = row_counts(audits)
    with pytest.raises(InvalidDefinition) as refused:
        request(audits, broken)
    assert any(p["element_id"] == "timer_qa_due" for p in refused.value.errors)
    with pytest.raises(NotFound):
        owner(audits).request_replay(definition_files(*FILES), "no_such_process", months=3)
    with pytest.raises(InvalidData) as wrong:
        owner(audits).request_replay(definition_files(*FILES), "case_audit", months=4)
    assert list(wrong.value.errors) == ["months"]
    with pytest.raises(InvalidData) as wrong:
        owner(audits).request_replay(definition_files(*FILES), "case_audit", started_from=PERIOD.started_to,
                                     started_to=PERIOD.started_from)
    assert list(wrong.value.errors) == ["started_to"]
    assert row_counts(audits) == before


def test_only_process_owners_replay(audits, walked):  # R-01 R-81
    queued = request(audits)
    verbs = [("request_replay", (qa_in_two_working_days(), "case_audit", 3)), ("replay_run", (queued["id"],)),
             ("replay_bundle", (queued["id"],)), ("cancel_replay", (queued["id"],)), ("replay_runs", ("case_audit",))]
    for roles in ({"admin"}, {"qa_team"}, {"head_of_service_qa"}, set()):
        other = Caller(audits, CurrentUser("root", frozenset(roles)))
        for verb, args in verbs:
            with pytest.raises(Forbidden):
                getattr(other, verb)(*args)
    assert [run["status"] for run in owner(audits).replay_runs("case_audit")] == ["queued"]


def test_a_replay_run_by_the_worker_writes_only_its_own_row(audits, walked):  # R-01 R-80
    queued = request(audits)
    before = row_counts(audits)
    assert before["outbox_message"] and before["history_event"] and before["audit_outcome"]
    assert audits.run_queued_replays() == 1
    assert owner(audits).replay_run(queued["id"])["status"] == "done"
    assert row_counts(audits) == before  # no outbox row, history entry, outcome, instance or timer; no new run


def test_the_last_months_run_up_to_now_and_the_runs_of_a_version_are_found_by_its_hash(audits, walked):
    same = owner(audits).request_replay(definition_files(*FILES), "case_audit", months=6)
    assert (same["months"], same["started_to"]) == (6, AS_OF.isoformat())
    assert same["started_from"] == "2026-06-30T12:00:00+00:00"  # 31 December less six months: June has 30 days
    changed = request(audits)
    assert [r["id"] for r in owner(audits).replay_runs("case_audit")] == [changed["id"], same["id"]]  # newest first
    with audits.db.reading() as session:  # the unchanged bundle's hash is the deployed version's own
        assert latest_version(session, "case_audit").content_hash == same["bundle_hash"]
    deployed = owner(audits).replay_runs("case_audit", same["bundle_hash"])
    assert [r["id"] for r in deployed] == [same["id"]] and same["bundle_hash"] != changed["bundle_hash"]
    assert audits.run_queued_replays() == audits.run_queued_replays() == 1  # oldest first, one a tick
    assert owner(audits).replay_run(same["id"])["result"]["compared"] == 3


def test_months_before_keeps_the_day_or_takes_the_last_of_a_shorter_month():
    at = datetime.fromisoformat("2026-05-31T08:30:00+00:00")
    assert months_before(at, 3) == datetime.fromisoformat("2026-02-28T08:30:00+00:00")
    assert months_before(at, 12) == datetime.fromisoformat("2025-05-31T08:30:00+00:00")
    assert months_before(at, 6) == datetime.fromisoformat("2025-11-30T08:30:00+00:00")


# --- a worker that died ------------------------------------------------------------------------------

def claimed_by_a_worker_that_dies(engine) -> int:
    """A run a worker claimed and then died running: left running, its progress never told again."""
    with engine.db.transaction() as session:
        return runs.dao_claim_replay_run(session, now()).id


def test_a_run_a_dead_worker_left_is_run_again_after_ten_silent_minutes(audits, walked, clock):
    queued = request(audits)
    claimed_by_a_worker_that_dies(audits)
    clock.advance(minutes=9)
    assert audits.run_queued_replays() == 0  # still thought alive
    assert owner(audits).replay_run(queued["id"])["status"] == "running"
    clock.advance(minutes=2)
    assert audits.run_queued_replays() == 2  # reclaimed, then run
    run = owner(audits).replay_run(queued["id"])
    assert (run["status"], run["total"], run["started_at"]) == ("done", 3, clock.now().isoformat())
    with audits.db.reading() as session:
        assert runs.dao_get_replay_run(session, queued["id"]).claims == 2


def test_a_run_whose_worker_died_twice_fails_rather_than_take_down_a_third(audits, walked, clock):
    queued = request(audits)
    claimed_by_a_worker_that_dies(audits)
    clock.advance(minutes=11)
    with audits.db.transaction() as session:
        assert runs.dao_reclaim_stale_replay_runs(session, now()) == 1
    assert owner(audits).replay_run(queued["id"])["status"] == "queued"
    claimed_by_a_worker_that_dies(audits)
    clock.advance(minutes=11)
    assert audits.run_queued_replays() == 1  # reclaimed as failed; nothing queued to run
    run = owner(audits).replay_run(queued["id"])
    assert run["status"] == "failed" and "stopped twice" in run["error"] and run["result"] is None


def test_a_run_cancelled_while_its_worker_was_dead_ends_cancelled(audits, walked, clock):
    queued = request(audits)
    claimed_by_a_worker_that_dies(audits)
    assert owner(audits).cancel_replay(queued["id"])["status"] == "running"
    clock.advance(minutes=11)
    assert audits.run_queued_replays() == 1
    assert owner(audits).replay_run(queued["id"])["status"] == "cancelled"


def test_a_service_area_narrows_the_cases_replayed(audits, walked):
    asked = {area: owner(audits).request_replay(definition_files(*FILES), "case_audit", months=3, service_area=area)
             for area in ("safeguarding_support", "children_in_care")}
    assert audits.run_queued_replays() == audits.run_queued_replays() == 1
    totals = {area: owner(audits).replay_run(run["id"])["total"] for area, run in asked.items()}
    assert totals == {"safeguarding_support": 3, "children_in_care": 0}  # pat's team is in Safeguarding and Support
    with pytest.raises(InvalidData) as wrong:
        owner(audits).request_replay(definition_files(*FILES), "case_audit", months=3, service_area="nowhere")
    assert list(wrong.value.errors) == ["service_area"]
