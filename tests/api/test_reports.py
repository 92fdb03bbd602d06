"""The audit report over HTTP (R-60, R-61): JSON figures, the CSV rows, who may read it, bad dates."""
import csv
import io
from datetime import datetime

import pytest
from sqlalchemy import select

from engine.models import AgreedAction, AuditDomainGrade, AuditOutcome
from engine.reporting.actions import ROW_COLUMNS as ACTION_ROW_COLUMNS
from engine.reporting.outcomes import dao_add_audit_outcome
from tests.fixtures.diagrams import NOTE_FORM, grades, scripted

NOVEMBER = "/api/reports/audits?from=2026-11-01&to=2026-11-30"


def add_audit(engine, completed: str, grade: str, area: str, case_ref: str, domains: dict) -> None:
    instance_id = engine.start_instance("scripted", {"case_ref": case_ref, "practitioner": "pat"}, "ann")
    with engine.db.transaction() as session:
        outcome = AuditOutcome(
            instance_id=instance_id, case_ref=case_ref, service_area=area, team="sas_1", auditor="ann",
            practitioner="pat", audit_kind="audit", pre_discussion_grade=grade, overall_grade=grade,
            started_at=datetime.fromisoformat("2026-10-01T09:00:00+00:00"),
            completed_at=datetime.fromisoformat(completed))
        dao_add_audit_outcome(session, outcome, [AuditDomainGrade(domain=d, grade_before=g, grade_after=g)
                                                 for d, g in domains.items()], [])


@pytest.fixture
def audits(engine_of):
    engine_of.deploy({"scripted.bpmn": scripted(), "note.json": NOTE_FORM} | grades(), "olive")
    add_audit(engine_of, "2026-11-03T10:00:00+00:00", "good", "safeguarding_support", "C-1001", {"risk": "good"})
    add_audit(engine_of, "2026-11-20T10:00:00+00:00", "inadequate", "children_in_care", "=HYPERLINK(1)",
              {"risk": "inadequate", "recording": "good"})
    add_audit(engine_of, "2026-12-01T10:00:00+00:00", "outstanding", "children_in_care", "C-1003", {})
    return engine_of


def test_report_as_json_counts_the_audits_of_the_period(client, auth, audits):
    response = client.get(NOVEMBER, headers=auth("quinn"))
    assert response.status_code == 200 and response.mimetype == "application/json"
    figures = response.json
    assert figures["total"] == 2
    assert figures["by_grade"] == {"outstanding": 0, "good": 1, "requires_improvement": 0, "inadequate": 1}
    assert figures["by_service_area"] == {"safeguarding_support": 1, "children_in_care": 1}
    assert figures["by_domain"] == {"recording": {"good": 1}, "risk": {"good": 1, "inadequate": 1}}
    for key in ("by_audit_kind", "strongest_domains", "weakest_domains", "re_audit_outcomes", "timeliness",
                "disputes", "alerts"):
        assert key in figures


@pytest.mark.parametrize("how", [{"headers": {"Accept": "text/csv"}}, {"query": "&format=csv"}])
def test_report_as_csv_gives_one_row_per_audit(client, auth, audits, how):
    headers = auth("paula") | how.get("headers", {})
    response = client.get(NOVEMBER + how.get("query", ""), headers=headers)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert 'filename="audits_2026-11-01_2026-11-30.csv"' in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [(r["case_ref"], r["overall_grade"]) for r in rows] == [("C-1001", "good"), ("'=HYPERLINK(1)", "inadequate")]
    assert rows[1]["domain:risk"] == "inadequate" and rows[0]["domain:recording"] == ""


def test_csv_of_an_empty_period_is_just_the_header(client, auth, audits):
    response = client.get("/api/reports/audits?from=2025-01-01&to=2025-01-31", headers=auth("root") | {
        "Accept": "text/csv"})
    lines = response.get_data(as_text=True).splitlines()
    assert len(lines) == 1 and lines[0].startswith("case_ref,")


def test_json_is_the_default_and_format_json_wins_over_accept(client, auth, audits):
    headers = auth("ada")
    assert client.get(NOVEMBER, headers=headers | {"Accept": "*/*"}).mimetype == "application/json"
    assert client.get(NOVEMBER + "&format=json", headers=headers | {"Accept": "text/csv"}).json["total"] == 2


@pytest.mark.parametrize("username", ["quinn", "paula", "ada", "dee", "root"])
def test_those_who_see_across_read_reports(client, auth, username):
    assert client.get(NOVEMBER, headers=auth(username)).status_code == 200


@pytest.mark.parametrize("username", ["pat", "tom", "sue", "hal", "ann", "pia", "ivan", "olive"])
def test_others_may_not_read_reports(client, auth, username):
    response = client.get(NOVEMBER, headers=auth(username))
    assert response.status_code == 403 and response.content_type == "application/problem+json"


@pytest.mark.parametrize("query, field", [
    ("from=2026-11-30&to=2026-11-01", "to"),
    ("from=2026-13-01&to=2026-12-31", "from"),
    ("from=yesterday&to=2026-12-31", "from"),
    ("to=2026-12-31", "from"),
    ("from=2026-11-01", "to"),
    ("from=0001-01-01&to=9999-12-31", "from"),
    ("from=2026-11-01&to=2026-11-30&format=xml", "format"),
])
def test_bad_dates_are_422_naming_the_parameter(client, auth, query, field):
    response = client.get(f"/api/reports/audits?{query}", headers=auth("quinn"))
    assert response.status_code == 422 and field in response.json["errors"]


def test_reports_need_a_token(client):
    assert client.get(NOVEMBER).status_code == 401


def test_a_report_narrowed_to_a_service_area_counts_its_audits_only(client, auth, audits):
    response = client.get(f"{NOVEMBER}&service_area=children_in_care", headers=auth("quinn"))
    assert response.status_code == 200
    assert (response.json["total"], response.json["by_grade"]["inadequate"]) == (1, 1)
    assert response.json["by_domain"] == {"risk": {"inadequate": 1}, "recording": {"good": 1}}
    rows = list(csv.DictReader(io.StringIO(
        client.get(f"{NOVEMBER}&service_area=safeguarding_support&format=csv", headers=auth("quinn")).text)))
    assert [row["case_ref"] for row in rows] == ["C-1001"]
    assert client.get(f"{NOVEMBER}&audit_kind=thematic", headers=auth("quinn")).json["total"] == 0
    assert client.get(f"{NOVEMBER}&service_area=", headers=auth("quinn")).status_code == 422


# --- issue 27's figures (R-27, R-28) ----------------------------------------------------------------

def add_action(engine, case_ref: str, agreed: str, due: str, outcome: str | None = None,
               completed: str | None = None) -> None:
    with engine.db.transaction() as session:
        audit_id = session.scalar(select(AuditOutcome.instance_id).where(AuditOutcome.case_ref == case_ref))
        session.add(AgreedAction(audit_instance_id=audit_id, position=0, case_ref=case_ref,
                                 service_area="safeguarding_support", team="sas_1", audit_kind="audit",
                                 audit_grade="good", action="Update the chronology, =cmd", owner="pat",
                                 agreed_at=datetime.fromisoformat(agreed), due_at=datetime.fromisoformat(due),
                                 completed_at=datetime.fromisoformat(completed) if completed else None,
                                 outcome=outcome))


@pytest.fixture
def actions(audits):
    add_action(audits, "C-1001", "2026-11-03T12:00:00+00:00", "2026-11-17T17:00:00+00:00", "done",
               "2026-11-10T10:00:00+00:00")
    add_action(audits, "C-1001", "2026-11-03T12:00:00+00:00", "2026-11-06T17:00:00+00:00")  # open
    add_action(audits, "C-1003", "2026-12-01T12:00:00+00:00", "2026-12-17T17:00:00+00:00")  # December
    return audits


def test_report_json_has_the_action_movement_moderation_and_plan_figures(client, auth, actions):  # R-27 R-28
    figures = client.get(NOVEMBER, headers=auth("quinn")).json
    assert {k: figures["actions"][k] for k in ("agreed", "done_on_time", "open", "overdue")} == {
        "agreed": 2, "done_on_time": 1, "open": 1, "overdue": 0}  # the clock: 2 November 2026, before it was due
    assert figures["actions"]["by_team"]["sas_1"]["agreed"] == 2
    assert figures["actions"]["inadequate"] == {"grade": "inadequate", "agreed": 0, "reaudit_started": 0,
                                                "done_before_reaudit": 0}
    assert figures["reaudit_domains"] == {}
    assert figures["moderation"]["audits"] == 0  # written without their stages: counted nowhere
    assert set(figures["moderation"]) >= {"qa_returned", "qa_returns", "returns_per_audit", "grade_changed",
                                          "by_domain", "by_auditor", "reaudit_agreement"}
    assert figures["plan"] == {"planned": 0, "completed": 0}


def test_report_csv_of_actions_has_one_row_per_action_without_its_words(client, auth, actions):  # R-27 R-28
    response = client.get(NOVEMBER + "&format=csv&rows=actions", headers=auth("quinn"))
    assert response.status_code == 200 and 'filename="actions_2026-11-01_2026-11-30.csv"' in response.headers[
        "Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [(r["case_ref"], r["outcome"], r["owner"]) for r in rows] == [("C-1001", "done", "pat"),
                                                                          ("C-1001", "", "pat")]
    assert "action" not in rows[0] and "cmd" not in response.get_data(as_text=True)
    empty = client.get("/api/reports/audits?from=2025-01-01&to=2025-01-31&format=csv&rows=actions",
                       headers=auth("quinn"))
    assert empty.get_data(as_text=True).splitlines() == [",".join(ACTION_ROW_COLUMNS)]
    assert client.get(NOVEMBER + "&format=csv&rows=people", headers=auth("quinn")).status_code == 422
