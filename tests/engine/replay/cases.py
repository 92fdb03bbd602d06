"""Recorded case audits for the replay tests: walked through the real case_audit (processes/ and forms/)
with the flows' helpers, each by another path, on the settable clock (Monday 2 November 2026 09:00 UTC)."""
from datetime import datetime

from tests.flows.conftest import complete, ready
from tests.flows.test_case_audit import (
    accepted,
    discussion,
    draft,
    findings,
    review_note,
    send_and_accept,
    start,
    submit_for_qa,
)
from tests.flows.test_dispute_resolution import final_report, informal

START = datetime.fromisoformat("2026-11-02T09:00:00+00:00")


def at(engine, clock, iso: str) -> None:
    """Move the clock and sweep the timers, as the worker does."""
    clock.set(datetime.fromisoformat(iso))
    engine.fire_due_timers()


def close(engine, iid: int) -> None:
    complete(engine, iid, "discuss_audit_findings", findings())
    complete(engine, iid, "review_case_note", review_note())


def qa_on_time(engine, clock, grade: str = "good", **start_data) -> int:
    """Drafted, discussed, accepted by QA the same day and by the TM, findings discussed: completed."""
    clock.set(START)
    iid = start(engine, **start_data)
    submit_for_qa(engine, iid, grade)
    send_and_accept(engine, iid)
    close(engine, iid)
    return iid


def qa_late(engine, clock, qa_at: str) -> int:
    """QA answered at `qa_at`, after its reminder fell due (end of Tuesday 3 November) and was sent."""
    clock.set(START)
    iid = start(engine)
    submit_for_qa(engine, iid, "good")
    at(engine, clock, qa_at)
    send_and_accept(engine, iid)
    close(engine, iid)
    return iid


def qa_returned_and_late(engine, clock) -> int:
    """QA returned the report; the amendment came late, after the SM and HoS were told."""
    clock.set(START)
    iid = start(engine)
    submit_for_qa(engine, iid, "good")
    complete(engine, iid, "quality_assure_report",
             {"qa_outcome": "returned", "areas_to_review": "Rationale for risk", "discussion_with_audit_team": False})
    at(engine, clock, "2026-11-06T09:00:00+00:00")  # the amendment was due on Thursday 5 November
    complete(engine, iid, "amend_audit_report", {"amendments": "Rationale added"})
    send_and_accept(engine, iid)
    close(engine, iid)
    return iid


def disputed(engine, clock) -> int:
    """Requires improvement disputed by the TM, resolved informally with Good."""
    clock.set(START)
    iid = start(engine)
    accepted(engine, iid, "requires_improvement")
    complete(engine, iid, "respond_to_report", {"dispute": True, "comments": "Risk assessment was updated"})
    at(engine, clock, "2026-11-04T10:00:00+00:00")
    informal(engine, iid, resolved=True)
    complete(engine, iid, "amend_final_report", final_report("good"))
    close(engine, iid)
    return iid


def reaudit_due(engine, clock) -> int:
    """Inadequate: the SM and HoS alerted, a re-audit due, the findings discussion late."""
    clock.set(START)
    iid = start(engine)
    accepted(engine, iid, "inadequate")
    complete(engine, iid, "respond_to_report", {"dispute": False})
    at(engine, clock, "2026-11-10T09:00:00+00:00")  # the discussion was due by the end of 9 November
    close(engine, iid)
    return iid


def with_concern(engine, clock) -> int:
    """A child-safety concern in the draft starts an alert; the audit goes on."""
    clock.set(START)
    iid = start(engine)
    complete(engine, iid, "draft_audit", draft("good", concern="No safety plan after the incident"))
    complete(engine, iid, "discuss_draft_findings", discussion("good", concern="No safety plan after the incident"))
    send_and_accept(engine, iid)
    close(engine, iid)
    return iid


def still_open(engine, clock) -> int:
    """Sent and accepted; the findings are still to discuss."""
    clock.set(START)
    iid = start(engine)
    accepted(engine, iid, "good")
    complete(engine, iid, "respond_to_report", {"dispute": False})
    assert ready(engine, iid, "discuss_audit_findings")
    return iid
