"""Replaying recorded case audits on a bundle before it is deployed (issue 29)."""
from datetime import datetime

import pytest

from engine.replay import Selection
from tests.engine.replay import cases
from tests.flows.conftest import definition_files
from tests.flows.test_case_audit import FILES

PERIOD = Selection("case_audit", datetime.fromisoformat("2026-11-01T00:00:00+00:00"),
                   datetime.fromisoformat("2026-12-01T00:00:00+00:00"))
AS_OF = datetime.fromisoformat("2026-12-31T12:00:00+00:00")


@pytest.fixture
def audits(org):
    org.deploy(definition_files(*FILES), "olive")
    return org


def replay(engine, files: dict[str, bytes], as_of: datetime | None = AS_OF):
    return engine.replay(files, PERIOD, as_of)


def compared(result) -> dict[int, tuple[dict, dict]]:
    return {case["instance_id"]: (case["recorded"], case["replayed"]) for case in result.cases}


def test_an_unchanged_bundle_replays_every_case_as_it_was_recorded(audits, clock):  # R-01 R-60
    walked = [cases.qa_on_time(audits, clock), cases.qa_late(audits, clock, "2026-11-04T10:00:00+00:00"),
              cases.qa_returned_and_late(audits, clock), cases.disputed(audits, clock),
              cases.reaudit_due(audits, clock), cases.with_concern(audits, clock)]
    open_case = cases.still_open(audits, clock)
    result = replay(audits, definition_files(*FILES), as_of=None)  # the open case, up to the clock's now
    assert (result.selected, result.compared, result.open, result.diverged, result.failed) == (7, 6, 1, [], [])
    for iid, (recorded, replayed) in compared(result).items():
        assert replayed["status"] == recorded["status"], iid
        assert replayed["outcome"] == recorded["outcome"], iid
        assert replayed["deadlines"] == recorded["deadlines"], iid
        assert replayed["notifications"] == recorded["notifications"], iid
        assert replayed["started"] == recorded["started"], iid
    assert set(compared(result)) == {*walked, open_case}
    assert result.replayed == result.recorded and result.path_changes == []
    assert result.recorded["cases"] == 6 and result.recorded["reaudits"] == 1
    assert result.recorded["processes_started"] == {"child_safety_alert": 1}
