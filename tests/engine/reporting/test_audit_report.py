"""Audit reports (R-60, R-61): exact figures over stored outcome rows, London-day date filters,
open disputes (R-34) from a real flow, and the rows behind the report for CSV."""
import random
from collections import Counter
from datetime import date, datetime, time, timedelta, timezone

import pytest
from alembic import command
from sqlalchemy import Integer, column, select
from sqlalchemy import table as sa_table

from engine.calendar import LONDON
from engine.models import (
    AlertOutcome,
    AuditDeadline,
    AuditDomainGrade,
    AuditOutcome,
    ProcessInstance,
    ProcessVersion,
    UserTask,
)
from engine.reporting.audit_report import ROW_COLUMNS, audit_report, audit_report_rows
from engine.reporting.outcomes import GRADE_CHANGES, dao_add_audit_outcome
from engine.schema import alembic_config
from tests.fixtures.diagrams import NOTE_FORM, grades, scripted
from tests.flows.conftest import CASE, complete, definition_files
from tests.flows.test_case_audit import FILES, findings, review_note, start, submit_for_qa
from tests.flows.test_child_safety_alert import ALERT, alert_files
from tests.flows.test_child_safety_alert import answer as answer_alert

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
        domain_rows = [AuditDomainGrade(domain=d, grade_before=g, grade_after=g) for d, g in (domains or {}).items()]
        deadline_rows = [AuditDeadline(name=n, met=met) for n, met in (deadlines or {}).items()]
        dao_add_audit_outcome(session, outcome, domain_rows, deadline_rows)


def add_alert(engine, closed: str, stage: int, outcome: str, timed_out: int, deadline_days=None) -> None:
    instance_id = an_instance(engine)
    with engine.db.transaction() as session:
        session.add(AlertOutcome(instance_id=instance_id, case_ref="C-1", service_area="children_in_care",
                                 raised_from="case_audit", final_stage=stage, outcome=outcome,
                                 stages_timed_out=timed_out, answered_in_time=timed_out == 0,
                                 deadline_days=deadline_days,
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
    add_alert(reports, "2026-11-03T09:00:00+00:00", 1, "resolved", 0, [2])
    add_alert(reports, "2026-11-12T09:00:00+00:00", 2, "resolved", 1, [2, 5])
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
                                 "answered_in_time": {"met": 1, "missed": 2}, "deadline_working_days": [2, 5]}


def test_dates_are_london_days_both_included(november):  # R-60 (monthly, quarterly, annual)
    assert report(november, date(2026, 10, 1), date(2026, 12, 31))["total"] == 6  # the quarter
    assert report(november, date(2026, 10, 31), date(2026, 10, 31))["by_grade"]["outstanding"] == 1
    assert report(november, date(2026, 12, 1), date(2026, 12, 1))["total"] == 1
    assert report(november, date(2026, 11, 30), date(2026, 11, 30))["total"] == 1
    empty = report(november, date(2027, 1, 1), date(2027, 1, 31))
    assert (empty["total"], empty["by_grade_percent"]["good"], empty["strongest_domains"]) == (0, 0.0, [])
    assert empty["alerts"]["answered_in_time"] == {"met": 0, "missed": 0}
    assert empty["alerts"]["deadline_working_days"] == []


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
    complete(org, iid, "share_discussion_summary", {"summary": "Agreed", "resolved": True})
    assert report(org, *NOVEMBER)["disputes"]["open"] == 2  # until the auditor's final amended report
    complete(org, iid, "amend_final_report", {"final_report_amendments": "Regraded on the October update",
                                              "overall_grade": "good"})
    assert report(org, *NOVEMBER)["disputes"]["open"] == 1  # the one started on its own
    complete(org, iid, "discuss_audit_findings", findings())
    complete(org, iid, "review_case_note", review_note())  # the audit completes once the note is reviewed

    figures = report(org, *NOVEMBER)
    assert (figures["total"], figures["by_grade"]["good"], figures["by_service_area"]) == (
        1, 1, {"safeguarding_support": 1})
    assert figures["disputes"] == {"total": 1, "open": 1, "by_stage": {"informal": {"grade_changed": 1}}}
    assert figures["timeliness"]["qa_within_1_day"] == {"met": 1, "missed": 0}
    assert org.reads.instance(standalone)["status"] == "running"


# --- exact at any size: the report against a plain count over the same rows (issue 14, P4) -----------

SCALE = ("outstanding", "good", "requires_improvement", "inadequate")
GOOD_OR_BETTER = {"outstanding", "good"}
DOMAINS = ("risk", "decisions", "engagement", "recording", "transfer")
DEADLINES = ("completed_in_month", "qa_within_1_day", "amendment_in_time", "findings_discussion_in_time")
STAGES = ("informal", "formal", "head_of_service", None)
# Spring to autumn 2026, both clock changes in it (29 March, 25 October), and London midnights.
FIRST_INSTANT = datetime(2026, 3, 20, tzinfo=timezone.utc)
SPAN_MINUTES = 240 * 24 * 60
WINDOWS = [(date(2026, 4, 1), date(2027, 3, 31)), (date(2026, 7, 1), date(2026, 9, 30)),
           (date(2026, 10, 1), date(2026, 10, 31)), (date(2026, 3, 29), date(2026, 3, 29)),
           (date(2026, 10, 25), date(2026, 10, 26)), (date(2026, 3, 1), date(2026, 12, 31)),
           (date(2025, 1, 1), date(2025, 12, 31))]


def some_instant(rng: random.Random) -> datetime:
    """Any minute of the span, or a London midnight, or the last second before one."""
    instant = FIRST_INSTANT + timedelta(minutes=rng.randrange(SPAN_MINUTES))
    midnight = datetime.combine(instant.astimezone(LONDON).date(), time(0), tzinfo=LONDON)
    return rng.choice([instant, instant, midnight, midnight - timedelta(seconds=1)]).astimezone(timezone.utc)


def random_audit(rng: random.Random, instance_id: int) -> dict:
    kind = rng.choice(["audit", "audit", "re_audit", "re_re_audit", "thematic"])
    disputed = rng.random() < 0.2
    return {"instance_id": instance_id, "case_ref": f"C-{instance_id}", "overall_grade": rng.choice(SCALE),
            "service_area": rng.choice(["safeguarding_support", "children_in_care", "fostering", None]),
            "audit_kind": kind, "grade_change": rng.choice([*GRADE_CHANGES, None]) if "re_" in kind else None,
            "disputed": disputed, "dispute_stage": rng.choice(STAGES) if disputed else None,
            "dispute_outcome": rng.choice(["grade_upheld", "grade_changed", None]) if disputed else None,
            "completed_at": some_instant(rng), **random_cycle(rng),
            "domains": {d: rng.choice([*SCALE, "not_applicable", None])
                        for d in rng.sample(DOMAINS, rng.randint(0, 5))},
            "deadlines": {n: rng.random() < 0.7 for n in rng.sample(DEADLINES, rng.randint(0, 4))}}


def random_cycle(rng: random.Random) -> dict:
    if rng.random() < 0.1:  # a need-to-know audit is in no cycle
        return {"cycle_year": None, "cycle_month": None}
    return {"cycle_year": rng.choice([2026, 2027]), "cycle_month": rng.randint(1, 12)}


def random_alert(rng: random.Random, instance_id: int) -> dict:
    stage = rng.randint(1, 4)
    return {"instance_id": instance_id, "final_stage": stage, "outcome": "final_decision" if stage == 4 else "resolved",
            "answered_in_time": rng.random() < 0.6, "closed_at": some_instant(rng),
            "service_area": rng.choice(["fostering", "children_in_care", None]),
            "deadline_days": rng.choice([None, [2], [2, 5], [3, 5]])}


def bare_instances(engine, count: int) -> list[int]:
    """Instance rows for the outcome rows to belong to (their foreign key), without running them."""
    with engine.db.transaction() as session:
        version_id = session.scalar(select(ProcessVersion.id).where(ProcessVersion.process_id == "scripted"))
        stamp = at("2026-03-01T09:00:00+00:00")
        rows = [ProcessInstance(process_version_id=version_id, process_id="scripted", status="completed", state="{}",
                                serializer_version="test", started_by="ann", created_at=stamp, updated_at=stamp)
                for _ in range(count)]
        session.add_all(rows)
        session.flush()
        return [row.id for row in rows]


def store_audit(session, audit: dict) -> None:
    """Through the engine's own write path (engine/reporting/outcomes.py), day totals and all."""
    fields = {k: v for k, v in audit.items() if k not in ("domains", "deadlines")}
    outcome = AuditOutcome(**fields, pre_discussion_grade=audit["overall_grade"], team="t1", auditor="ann",
                           practitioner="pat", started_at=audit["completed_at"] - timedelta(days=20))
    dao_add_audit_outcome(session, outcome,
                          [AuditDomainGrade(domain=d, grade_after=g) for d, g in audit["domains"].items()],
                          [AuditDeadline(name=n, met=met) for n, met in audit["deadlines"].items()])


def store_alert(session, alert: dict) -> None:
    session.add(AlertOutcome(**alert, case_ref="C-1", raised_from="case_audit",
                             stages_timed_out=0 if alert["answered_in_time"] else 1,
                             raised_at=alert["closed_at"] - timedelta(days=3)))


def store_task(session, number: int, instance_id: int, state: str, spec_id: str) -> None:
    session.add(UserTask(id=f"task-{number}", instance_id=instance_id, process_id="scripted", element_id="step",
                         name="step", role="auditor", candidates=[], state=state, spec_id=spec_id,
                         ready_at=at("2026-11-02T09:00:00+00:00")))


@pytest.fixture
def random_rows(reports):
    """300 audits, 40 alerts and 20 tasks (some of them ready tasks of disputes), seeded."""
    rng = random.Random(20261214)
    ids = iter(bare_instances(reports, 340))
    audits = [random_audit(rng, next(ids)) for _ in range(300)]
    alerts = [random_alert(rng, next(ids)) for _ in range(40)]
    tasks = [(rng.choice(audits)["instance_id"], rng.choice(["ready", "completed"]),
              rng.choice(["dispute_resolution", "case_audit"])) for _ in range(20)]
    with reports.db.transaction() as session:
        for audit in audits:
            store_audit(session, audit)
        for alert in alerts:
            store_alert(session, alert)
        for number, task in enumerate(tasks):
            store_task(session, number, *task)
    return audits, alerts, tasks


LEARNING = ("actions", "reaudit_domains", "moderation", "plan")  # issue 27's figures


def only_issue_14(figures: dict) -> dict:
    assert set(LEARNING) <= set(figures)
    return {key: value for key, value in figures.items() if key not in LEARNING}


def counted(rows, key) -> dict:
    return dict(Counter(key(row) for row in rows))


def plain_report(audits: list[dict], alerts: list[dict], tasks: list, first: date, last: date,
                 area: str | None = None, kind: str | None = None) -> dict:
    """The report's every figure, counted in Python over the rows of the London days first to
    last (and of one service area and audit kind, if given)."""
    def in_period(instant):
        return first <= instant.astimezone(LONDON).date() <= last

    def in_area(row):
        return area is None or (row["service_area"] or "unknown") == area

    chosen = [a for a in audits if in_period(a["completed_at"]) and in_area(a) and kind in (None, a["audit_kind"])]
    closed = [a for a in alerts if in_period(a["closed_at"]) and in_area(a)]
    by_grade = {grade: sum(a["overall_grade"] == grade for a in chosen) for grade in SCALE}
    by_domain = domains_of(chosen)
    cycles = {(a["cycle_year"], a["cycle_month"]) for a in chosen if a["cycle_year"]}
    in_cycle = {c: [a for a in chosen if (a["cycle_year"], a["cycle_month"]) == c] for c in cycles}
    open_disputes = {i for i, state, spec in tasks if state == "ready" and spec == "dispute_resolution"
                     and (area is None or area == "unknown")}  # bare instances have no service area
    deadlines = [(n, met) for a in chosen for n, met in a["deadlines"].items()]
    disputed = [a for a in chosen if a["disputed"]]
    stages = {a["dispute_stage"] or "unknown" for a in disputed}
    return {
        "total": len(chosen), "by_grade": by_grade,
        "by_grade_percent": {g: round(100 * n / len(chosen), 1) if chosen else 0.0 for g, n in by_grade.items()},
        "by_service_area": counted(chosen, lambda a: a["service_area"] or "unknown"),
        "by_audit_kind": counted(chosen, lambda a: a["audit_kind"]),
        "by_domain": by_domain,
        "strongest_domains": ranked(by_domain, GOOD_OR_BETTER),
        "weakest_domains": ranked(by_domain, set(SCALE) - GOOD_OR_BETTER),
        "re_audit_outcomes": {c: sum(a["grade_change"] == c for a in chosen) for c in GRADE_CHANGES},
        "timeliness": {n: {"met": deadlines.count((n, True)), "missed": deadlines.count((n, False))}
                       for n, _ in deadlines},
        "thematic_by_domain": domains_of([a for a in chosen if a["audit_kind"] == "thematic"]),
        "trend": [{"cycle": f"{y}-{m:02d}", "total": len(in_cycle[y, m]),
                   "good_or_better_percent": round(100 * sum(a["overall_grade"] in GOOD_OR_BETTER
                                                             for a in in_cycle[y, m]) / len(in_cycle[y, m]), 1),
                   "worst": sum(a["overall_grade"] == "inadequate" for a in in_cycle[y, m])}
                  for y, m in sorted(cycles)],
        "disputes": {"total": len(disputed), "open": len(open_disputes),
                     "by_stage": {s: counted([a for a in disputed if (a["dispute_stage"] or "unknown") == s],
                                             lambda a: a["dispute_outcome"] or "unknown") for s in stages}},
        "alerts": {"total": len(closed), "by_final_stage": counted(closed, lambda a: str(a["final_stage"])),
                   "by_outcome": counted(closed, lambda a: a["outcome"]),
                   "answered_in_time": {"met": sum(a["answered_in_time"] for a in closed),
                                        "missed": sum(not a["answered_in_time"] for a in closed)},
                   "deadline_working_days": sorted({d for a in closed for d in a["deadline_days"] or ()})},
    }


def domains_of(audits: list[dict]) -> dict:
    domain_grades = [(d, g) for a in audits for d, g in a["domains"].items() if g is not None]
    return {d: counted([g for dd, g in domain_grades if dd == d], lambda g: g) for d, _ in domain_grades}


def ranked(by_domain: dict, grades: set) -> list[str]:
    """The three domains with the highest share of these grades among their graded audits."""
    shares = []
    for domain, counts in by_domain.items():
        graded = sum(n for g, n in counts.items() if g in SCALE)
        hits = sum(n for g, n in counts.items() if g in grades)
        if hits:
            shares.append((-hits / graded, -graded, domain))
    return [domain for *_, domain in sorted(shares)[:3]]


@pytest.mark.parametrize("first, last", WINDOWS)
def test_every_figure_equals_a_plain_count_over_the_rows(reports, random_rows, first, last):  # R-60, issue 14 P4
    audits, alerts, tasks = random_rows
    figures = report(reports, first, last)
    expected = plain_report(audits, alerts, tasks, first, last)
    assert only_issue_14(figures) == expected  # issue 27's figures: tests/engine/reporting/test_learning_figures.py
    assert list(figures["by_grade"]) == list(SCALE)  # best first


@pytest.mark.parametrize("area, kind", [("fostering", None), (None, "thematic"), ("unknown", "re_audit"),
                                        ("children_in_care", "audit")])
def test_a_report_narrowed_to_an_area_or_kind_counts_the_same_as_the_rows(reports, random_rows, area, kind):
    audits, alerts, tasks = random_rows
    first, last = WINDOWS[0]
    with reports.db.transaction() as session:
        figures = audit_report(session, first, last, service_area=area, audit_kind=kind)
    assert only_issue_14(figures) == plain_report(audits, alerts, tasks, first, last, area, kind)
    assert figures["total"] > 0


def migrate(db, step, revision: str) -> None:
    """command.downgrade or command.upgrade on the test's own database."""
    with db.engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        step(config, revision)


def insert_plain(session, model, values: dict) -> int:
    """A row of an older schema: only these columns (the model's newer ones do not exist yet)."""
    columns = {name: model.__table__.c[name] for name in values}
    table = sa_table(model.__tablename__, *(column(name, c.type) for name, c in columns.items()),
                     column("id", Integer))
    return session.execute(table.insert().values(values).returning(table.c.id)).scalar_one()


def test_migration_0011_counts_the_rows_already_written_into_day_totals(reports, db):  # issue 14 P4
    rng = random.Random(11)
    audits = [random_audit(rng, instance_id) for instance_id in bare_instances(reports, 60)]
    migrate(db, command.downgrade, "0010")  # rows written before the day totals existed
    with db.transaction() as session:  # as the tables were then: columns of later migrations left out
        for audit in audits:
            outcome_id = insert_plain(session, AuditOutcome, {k: v for k, v in audit.items()
                                                              if k not in ("domains", "deadlines")}
                                      | {"started_at": audit["completed_at"]})
            for d, g in audit["domains"].items():
                insert_plain(session, AuditDomainGrade, {"outcome_id": outcome_id, "domain": d, "grade_after": g})
            for n, met in audit["deadlines"].items():
                insert_plain(session, AuditDeadline, {"outcome_id": outcome_id, "name": n, "met": met})
    migrate(db, command.upgrade, "head")
    for first, last in WINDOWS:
        figures, expected = report(reports, first, last), plain_report(audits, [], [], first, last)
        assert (figures["by_domain"], figures["timeliness"]) == (expected["by_domain"], expected["timeliness"])


# --- the alerts' deadlines come from the deployed diagram (issue 24) ------------------------------

def alert_with_stage_2_due_in(days: int) -> dict[str, bytes]:
    """child_safety_alert as a process owner might redeploy it: stage 2's response due in `days`."""
    files = alert_files()
    text = files["child_safety_alert.bpmn"].decode()
    timer = text.index('<bpmn:boundaryEvent id="timer_stage_2_due"')
    end = text.index("</bpmn:boundaryEvent>", timer)
    changed = text[timer:end].replace("add_working_days(now(), 5)", f"add_working_days(now(), {days})") \
                             .replace('name="5 working days"', f'name="{days} working days"')
    files["child_safety_alert.bpmn"] = (text[:timer] + changed + text[end:]).encode()
    return files


@pytest.mark.parametrize("days, fired, answered_at_stage, in_time, deadlines", [
    (5, 0, 2, "met", [2, 5]),  # as deployed: stage 2 answered on its 4th working day is in time
    (3, 1, 3, "missed", [2, 3, 5]),  # the owner's 3 days: the same answer came too late, stage 3 answers
])
def test_alerts_count_and_name_the_deadlines_of_the_deployed_diagram(org, clock, days, fired, answered_at_stage,
                                                                     in_time, deadlines):  # R-60 R-45 R-70
    org.deploy(alert_with_stage_2_due_in(days), "olive")
    iid = org.start_instance("child_safety_alert", ALERT, "ann")
    answer_alert(org, iid, 1, resolved=False)  # Monday 2 November: stage 2 from now
    clock.set(datetime(2026, 11, 6, 10, 0, tzinfo=timezone.utc))  # Friday: the 4th working day
    assert org.fire_due_timers() == fired
    answer_alert(org, iid, answered_at_stage, resolved=True)
    figures = report(org, date(2026, 11, 1), date(2026, 11, 30))["alerts"]
    assert figures["answered_in_time"] == {"met": in_time == "met", "missed": in_time == "missed"}
    assert figures["deadline_working_days"] == deadlines  # stage 1's 2 (alert_settings.dmn), then the timers'

