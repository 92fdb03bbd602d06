"""Audit reports (R-60, R-61): exact figures over stored outcome rows, London-day date filters,
open disputes (R-34) from a real flow, and the rows behind the report for CSV."""
from datetime import date, datetime

import pytest

from engine.models import AlertOutcome, AuditDeadline, AuditDomainGrade, AuditOutcome
from engine.reports import ROW_COLUMNS, audit_report, audit_report_rows
from tests.fixtures.diagrams import NOTE_FORM, grades, scripted
from tests.flows.conftest import CASE, complete, definition_files
from tests.flows.test_case_audit import FILES, findings, start, submit_for_qa

NOVEMBER = (date(2026, 11, 1), date(2026, 11, 30))


@pytest.fixture
def reports(org):
    org.deploy({"scripted.bpmn": scripted(), "note.json": NOTE_FORM} | grades(), "olive")
    return org


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def an_instance(engine) -> int:
    return engine.start_instance("scripted", CASE, "ann")


def add_audit(engine, completed: str, grade: str, area: str = "safeguarding_support", kind: str = "audit",
              previous: str | None = None, change: str | None = None, domains: dict | None = None,
              deadlines: dict | None = None, dispute: tuple | None = None) -> None:
    instance_id = an_instance(engine)
    stage, result = dispute or (None, None)
    with engine.db.transaction() as session:
        outcome = AuditOutcome(
            instance_id=instance_id, case_ref=f"C-{instance_id}", service_area=area, team="t1", auditor="ann",
            practitioner="pat", audit_kind=kind, pre_discussion_grade=grade, overall_grade=grade,
            previous_grade=previous, grade_change=change, disputed=dispute is not None, dispute_stage=stage,
            dispute_outcome=result, cycle_year=2026, cycle_month=11, started_at=at("2026-10-01T09:00:00+00:00"),
            submitted_at=at("2026-10-20T09:00:00+00:00"), completed_at=at(completed))
        session.add(outcome)
        session.flush()
        session.add_all(AuditDomainGrade(outcome_id=outcome.id, domain=d, grade_before=g, grade_after=g)
                        for d, g in (domains or {}).items())
        session.add_all(AuditDeadline(outcome_id=outcome.id, name=n, met=met) for n, met in (deadlines or {}).items())


def add_alert(engine, closed: str, stage: int, outcome: str, timed_out: int) -> None:
    instance_id = an_instance(engine)
    with engine.db.transaction() as session:
        session.add(AlertOutcome(instance_id=instance_id, case_ref="C-1", service_area="children_in_care",
                                 raised_from="case_audit", final_stage=stage, outcome=outcome,
                                 stages_timed_out=timed_out, answered_in_time=timed_out == 0,
                                 raised_at=at("2026-11-02T09:00:00+00:00"), closed_at=at(closed)))


def report(engine, date_from: date, date_to: date) -> dict:
    with engine.db.transaction() as session:
        return audit_report(session, date_from, date_to)


def rows(engine, date_from: date, date_to: date) -> list[dict]:
    with engine.db.transaction() as session:
        return audit_report_rows(session, date_from, date_to)


@pytest.fixture
def november(reports):
    """Four audits completed in November 2026, one either side of it, and alerts."""
    add_audit(reports, "2026-11-02T10:00:00+00:00", "good", kind="audit",
              domains={"risk": "good", "decisions": "good", "transfer": "not_applicable", "engagement": "outstanding"},
              deadlines={"completed_in_month": True, "qa_within_1_day": True, "findings_discussion_in_time": True})
    add_audit(reports, "2026-11-10T10:00:00+00:00", "inadequate", kind="re_audit", previous="requires_improvement",
              change="downgraded",
              domains={"risk": "inadequate", "decisions": "good", "engagement": "outstanding", "recording": "inadequate"},
              deadlines={"qa_within_1_day": False, "findings_discussion_in_time": True})
    add_audit(reports, "2026-11-20T10:00:00+00:00", "requires_improvement", area="children_in_care",
              kind="re_audit", previous="inadequate", change="improved",
              domains={"risk": "requires_improvement", "decisions": "outstanding", "recording": "inadequate"},
              deadlines={"qa_within_1_day": True, "amendment_in_time": False}, dispute=("formal", "grade_upheld"))
    add_audit(reports, "2026-11-30T23:59:00+00:00", "good", area="children_in_care", kind="re_re_audit",
              previous="good", change="same", domains={"risk": "good", "decisions": "requires_improvement"},
              dispute=("informal", "grade_changed"))
    add_audit(reports, "2026-10-31T23:30:00+00:00", "outstanding")  # 31 October in London (GMT)
    add_audit(reports, "2026-12-01T00:00:00+00:00", "inadequate")
    add_alert(reports, "2026-11-03T09:00:00+00:00", 1, "resolved", 0)
    add_alert(reports, "2026-11-12T09:00:00+00:00", 2, "resolved", 1)
    add_alert(reports, "2026-11-27T09:00:00+00:00", 4, "final_decision", 3)
    add_alert(reports, "2026-12-02T09:00:00+00:00", 1, "resolved", 0)
    return reports


def test_monthly_report_counts_grades_areas_kinds_and_domains(november):  # R-60 R-05 R-07
    figures = report(november, *NOVEMBER)
    assert figures["total"] == 4
    assert list(figures["by_grade"].items()) == [  # best first, every grade shown
        ("outstanding", 0), ("good", 2), ("requires_improvement", 1), ("inadequate", 1)]
    assert figures["by_grade_percent"] == {"outstanding": 0.0, "good": 50.0, "requires_improvement": 25.0,
                                           "inadequate": 25.0}
    assert figures["by_service_area"] == {"safeguarding_support": 2, "children_in_care": 2}
    assert figures["by_audit_kind"] == {"audit": 1, "re_audit": 2, "re_re_audit": 1}
    assert figures["by_domain"] == {
        "decisions": {"good": 2, "outstanding": 1, "requires_improvement": 1},
        "engagement": {"outstanding": 2},
        "recording": {"inadequate": 2},
        "risk": {"good": 2, "inadequate": 1, "requires_improvement": 1},
        "transfer": {"not_applicable": 1},
    }


def test_strongest_and_weakest_domains_rank_shares_of_graded_audits(november):
    figures = report(november, *NOVEMBER)
    # Good or better: engagement 2/2, decisions 3/4, risk 2/4; transfer is only "not applicable".
    assert figures["strongest_domains"] == ["engagement", "decisions", "risk"]
    # Requires improvement or inadequate: recording 2/2, risk 2/4, decisions 1/4.
    assert figures["weakest_domains"] == ["recording", "risk", "decisions"]


def test_reaudit_outcomes_timeliness_disputes_and_alerts(november):  # R-60 R-24 R-25 R-16 R-17 R-21 R-34 R-45
    figures = report(november, *NOVEMBER)
    assert figures["re_audit_outcomes"] == {"improved": 1, "same": 1, "downgraded": 1}
    assert figures["timeliness"] == {
        "amendment_in_time": {"met": 0, "missed": 1},
        "completed_in_month": {"met": 1, "missed": 0},
        "findings_discussion_in_time": {"met": 2, "missed": 0},
        "qa_within_1_day": {"met": 2, "missed": 1},
    }
    assert figures["disputes"] == {"total": 2, "open": 0, "by_stage": {
        "formal": {"grade_upheld": 1}, "informal": {"grade_changed": 1}}}
    assert figures["alerts"] == {"total": 3, "by_final_stage": {"1": 1, "2": 1, "4": 1},
                                 "by_outcome": {"final_decision": 1, "resolved": 2},
                                 "answered_within_5_days": {"met": 1, "missed": 2}}


def test_dates_are_london_days_both_included(november):  # R-60 (monthly, quarterly, annual)
    assert report(november, date(2026, 10, 1), date(2026, 12, 31))["total"] == 6  # the quarter
    assert report(november, date(2026, 10, 31), date(2026, 10, 31))["by_grade"]["outstanding"] == 1
    assert report(november, date(2026, 12, 1), date(2026, 12, 1))["total"] == 1
    assert report(november, date(2026, 11, 30), date(2026, 11, 30))["total"] == 1
    empty = report(november, date(2027, 1, 1), date(2027, 1, 31))
    assert (empty["total"], empty["by_grade_percent"]["good"], empty["strongest_domains"]) == (0, 0.0, [])
    assert empty["alerts"]["answered_within_5_days"] == {"met": 0, "missed": 0}


def test_a_summer_evening_in_utc_is_the_next_london_day(reports):
    add_audit(reports, "2026-06-30T23:30:00+00:00", "good")  # 00:30 on 1 July, British Summer Time
    assert report(reports, date(2026, 6, 1), date(2026, 6, 30))["total"] == 0
    assert report(reports, date(2026, 7, 1), date(2026, 7, 31))["total"] == 1


def test_report_rows_have_one_row_per_audit_with_deadline_and_domain_columns(november):
    table = rows(november, *NOVEMBER)
    assert [r["overall_grade"] for r in table] == ["good", "inadequate", "requires_improvement", "good"]
    assert list(table[0]) == [*ROW_COLUMNS, "deadline:amendment_in_time", "deadline:completed_in_month",
                              "deadline:findings_discussion_in_time", "deadline:qa_within_1_day",
                              "domain:decisions", "domain:engagement", "domain:recording", "domain:risk",
                              "domain:transfer"]
    second = table[1]
    assert (second["audit_kind"], second["previous_grade"], second["grade_change"], second["disputed"]) == (
        "re_audit", "requires_improvement", "downgraded", False)
    assert (second["deadline:qa_within_1_day"], second["deadline:amendment_in_time"]) == ("missed", None)
    assert (second["domain:recording"], second["domain:transfer"]) == ("inadequate", None)
    assert second["completed_at"] == "2026-11-10T10:00:00+00:00"
    assert (table[2]["dispute_stage"], table[2]["dispute_outcome"]) == ("formal", "grade_upheld")


# --- from real flows ------------------------------------------------------------------------------

def test_an_audit_in_dispute_counts_as_open_until_the_dispute_ends(org):  # R-34 R-60
    org.deploy(definition_files(*FILES), "olive")
    iid = start(org)
    submit_for_qa(org, iid, "requires_improvement")
    complete(org, iid, "quality_assure_report", {"qa_outcome": "accepted"})
    complete(org, iid, "respond_to_report", {"dispute": True, "comments": "Risk assessment was updated"})
    standalone = org.start_instance("dispute_resolution", CASE | {"overall_grade": "good", "audit_kind": "audit"},
                                    "tom")
    figures = report(org, *NOVEMBER)
    assert (figures["disputes"]["open"], figures["total"], figures["by_grade"]["requires_improvement"]) == (2, 0, 0)

    complete(org, iid, "prepare_written_response",
             {"areas_disagreed": "Risk assessment", "rationale": "Updated in October", "shared_with_auditor": True})
    assert report(org, *NOVEMBER)["disputes"]["open"] == 2  # still open at its next stage
    complete(org, iid, "meet_with_auditor", {"meeting_date": "2026-11-05"})
    complete(org, iid, "share_discussion_summary", {"summary": "Agreed", "resolved": True, "agreed_grade": "good"})
    assert report(org, *NOVEMBER)["disputes"]["open"] == 1  # the one started on its own
    complete(org, iid, "discuss_audit_findings", findings())

    figures = report(org, *NOVEMBER)
    assert (figures["total"], figures["by_grade"]["good"], figures["by_service_area"]) == (
        1, 1, {"safeguarding_support": 1})
    assert figures["disputes"] == {"total": 1, "open": 1, "by_stage": {"informal": {"grade_changed": 1}}}
    assert figures["timeliness"]["qa_within_1_day"] == {"met": 1, "missed": 0}
    assert org.reads.instance(standalone)["status"] == "running"
