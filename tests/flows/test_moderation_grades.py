"""The grades an audit had at each stage, kept for moderation (R-28): the draft, after the discussion
with the practitioner, as QA accepted it after its returns, and final after a dispute."""
from sqlalchemy import select

from engine.models import AuditDomainGrade, AuditOutcome
from tests.flows.conftest import complete
from tests.flows.test_case_audit import audits, discussion, domains, draft, findings, review_note, start


def returned(areas: str) -> dict:
    return {"qa_outcome": "returned", "areas_to_review": areas, "discussion_with_audit_team": False}


def stages(engine, iid: int) -> tuple[tuple, dict[str, tuple]]:
    with engine.db.reading() as session:
        outcome = session.scalars(select(AuditOutcome).where(AuditOutcome.instance_id == iid)).one()
        rows = session.scalars(select(AuditDomainGrade).where(AuditDomainGrade.outcome_id == outcome.id))
        return ((outcome.pre_discussion_grade, outcome.discussed_grade, outcome.accepted_grade,
                 outcome.overall_grade, outcome.qa_returns),
                {r.domain: (r.grade_before, r.grade_discussed, r.grade_accepted, r.grade_after) for r in rows})


def test_each_stage_that_changed_a_grade_is_kept_with_qas_returns(audits, checkpoint):
    iid = start(audits)
    complete(audits, iid, "draft_audit", draft("requires_improvement"))
    complete(audits, iid, "discuss_draft_findings", discussion("good"))  # the discussion moved every domain up
    complete(audits, iid, "quality_assure_report", returned("Risk assessment is thin"))
    checkpoint(iid)
    regraded = domains("good") | {"risk_assessment": {"grade": "requires_improvement", "rationale": "No update"}}
    complete(audits, iid, "amend_audit_report", {"amendments": "Risk regraded", "domains": regraded,
                                                 "overall_grade": "requires_improvement"})
    complete(audits, iid, "quality_assure_report", returned("Rationale for the overall grade"))
    complete(audits, iid, "amend_audit_report", {"amendments": "Rationale rewritten"})
    complete(audits, iid, "quality_assure_report", {"qa_outcome": "accepted"})
    complete(audits, iid, "respond_to_report", {"dispute": True, "comments": "Risk assessment was updated"})
    complete(audits, iid, "prepare_written_response",
             {"areas_disagreed": "Risk assessment", "rationale": "Updated in October", "shared_with_auditor": True})
    complete(audits, iid, "meet_with_auditor", {"meeting_date": "2026-11-05"})
    complete(audits, iid, "share_discussion_summary", {"summary": "The update was missed", "resolved": True})
    complete(audits, iid, "amend_final_report", {"final_report_amendments": "Regraded", "overall_grade": "good"})
    complete(audits, iid, "discuss_audit_findings", findings())
    complete(audits, iid, "review_case_note", review_note())

    overall, by_domain = stages(audits, iid)
    assert overall == ("requires_improvement", "good", "requires_improvement", "good", 2)
    assert by_domain["risk_assessment"] == ("requires_improvement", "good", "requires_improvement",
                                            "requires_improvement")  # the dispute changed the overall grade only
    assert by_domain["key_decisions"] == ("requires_improvement", "good", "good", "good")
    assert len(by_domain) == 10


def test_an_audit_qa_accepted_at_once_has_no_returns_and_the_same_grades(audits):
    iid = start(audits)
    complete(audits, iid, "draft_audit", draft("good"))
    complete(audits, iid, "discuss_draft_findings", discussion("good"))
    complete(audits, iid, "quality_assure_report", {"qa_outcome": "accepted"})
    complete(audits, iid, "respond_to_report", {"dispute": False})
    complete(audits, iid, "discuss_audit_findings", findings())
    complete(audits, iid, "review_case_note", review_note())
    overall, by_domain = stages(audits, iid)
    assert overall == ("good", "good", "good", "good", 0)
    assert set(by_domain.values()) == {("good",) * 4}
