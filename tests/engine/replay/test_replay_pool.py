"""A replay on a pool of processes gives what it gives in one, and reports its progress (issue 29)."""
import pytest

from engine.replay import Cancelled, replay
from engine.replay import run as replay_run
from tests.engine.replay import cases
from tests.engine.replay.test_replay import AS_OF, PERIOD, qa_in_two_working_days
from tests.flows.conftest import definition_files
from tests.flows.test_case_audit import FILES


@pytest.fixture
def audits(org):
    org.deploy(definition_files(*FILES), "olive")
    return org


def walk(engine, clock) -> None:
    """Cases of every kind: ended on time and late, returned, disputed, re-audited, with a concern, open."""
    cases.qa_on_time(engine, clock)
    cases.qa_late(engine, clock, "2026-11-04T10:00:00+00:00")
    cases.qa_returned_and_late(engine, clock)
    cases.disputed(engine, clock)
    cases.reaudit_due(engine, clock)
    cases.with_concern(engine, clock)
    cases.still_open(engine, clock)


def replayed(engine, processes: int, progress=None):
    with engine.db.reading() as session:
        return replay(session, engine.ctx, qa_in_two_working_days(), PERIOD, AS_OF, progress, processes=processes)


def test_two_processes_give_what_one_gives_case_by_case(audits, clock, monkeypatch):
    walk(audits, clock)
    monkeypatch.setattr(replay_run, "BATCH", 2)  # 4 batches over the 2 processes, ending in any order
    calls: list[tuple[int, int]] = []
    one, two = replayed(audits, 1), replayed(audits, 2, lambda done, total: calls.append((done, total)) or True)
    assert two.as_dict() == one.as_dict()
    assert (one.selected, one.compared, one.open) == (7, 6, 1) and one.path_changes  # the change did something
    done = [done for done, _ in calls]  # at the start, then as batches end (two may end at once), and at the end
    assert calls[0] == (0, 7) and calls[-1] == (7, 7) and all(0 < b - a <= 4 for a, b in zip(done, done[1:]))


@pytest.mark.parametrize("processes", [1, 2])
def test_a_progress_answering_false_cancels_the_replay(audits, clock, monkeypatch, processes):
    walk(audits, clock)
    monkeypatch.setattr(replay_run, "BATCH", 2)
    calls: list[int] = []
    with pytest.raises(Cancelled):
        replayed(audits, processes, lambda done, total: calls.append(done) or done < 2)
    # stopped at its first report of 2 cases or more: after the 2nd case, or the first batch(es) to end
    assert calls[:2] == [0, 1 if processes == 1 else calls[1]] and 2 <= calls[-1] < 7
    assert len(calls) == (3 if processes == 1 else 2)


def test_recipients_resolved_once_per_replay_still_follow_each_case(audits, clock):  # R-01 R-19
    # two inadequate audits of practitioners in teams under different service managers (sue, sid): one replay
    # resolves "service_manager" for each team, not once for both
    cases.qa_on_time(audits, clock, "inadequate")
    cases.qa_on_time(audits, clock, "inadequate", practitioner="pia")
    result = replayed(audits, 1)
    told = []
    for case in result.cases:
        assert case["replayed"]["notifications"] == case["recorded"]["notifications"]
        told.append({name for notice in case["replayed"]["notifications"] for name in notice["recipients"]})
    assert "sue" in told[0] - told[1] and "sid" in told[1] - told[0]
