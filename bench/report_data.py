"""Completed audits for the report bench, written straight into the outcome tables in bulk.

Running 100,000 audits through the engine would take hours; the reports read only the outcome
rows (and ready dispute tasks), so those rows are generated with a seeded random spread: the demo
organisation's service areas and teams, every audit kind, the grade scale, each kind's domains
(read from its audit tool form) and deadlines (those named by record_audit_outcome in
processes/), disputes and child-safety alerts, over three audit years. Each audit has its
completed process_instance row, as the foreign keys want, and counts in the day totals as the
engine's write would (engine/reporting/day_totals.py). PostgreSQL takes the rows by COPY, SQLite by
executemany, a batch of audits at a time.
"""
import json
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace

from sqlalchemy import Table, func, select, text
from sqlalchemy.engine import Connection

from engine.calendar import LONDON
from engine.db import Database, is_postgres
from engine.definitions.bundle import file_kind
from engine.models import (
    AgreedAction,
    AlertOutcome,
    AuditDeadline,
    AuditDeadlineDay,
    AuditDomainDay,
    AuditDomainGrade,
    AuditLearningDay,
    AuditModerationDay,
    AuditOutcome,
    ProcessInstance,
    ProcessVersion,
    UserTask,
)
from engine.people.organisation import seed_organisation
from engine.reporting.day_totals import deadline_totals, domain_totals, learning_rows, learning_totals, moderation_row
from engine.workflow_engine import WorkflowEngine

ROOT = Path(__file__).resolve().parent.parent
FIRST_DAY = date(2023, 4, 1)  # three audit years: April 2023 to March 2026
LAST_DAY = date(2026, 3, 31)
BATCH = 5_000  # audits per insert round

KINDS = {"audit": 60, "re_audit": 15, "re_re_audit": 5, "need_to_know": 10, "thematic": 10}
GRADES = {"outstanding": 6, "good": 44, "requires_improvement": 35, "inadequate": 15}
GRADE_ORDER = list(GRADES)  # best first, as forms/grades.defs.json
DISPUTE_STAGES = {"informal": 60, "formal": 25, "head_of_service": 10, "assistant_director": 5}
ALERT_FINAL_STAGES = {1: 70, 2: 18, 3: 8, 4: 4}
CASE_AUDIT_DEADLINES = ("completed_in_month", "qa_within_1_day", "findings_discussion_in_time")
SHARE_DISPUTED, SHARE_ALERTED, SHARE_AMENDED, SHARE_MET = 0.06, 0.04, 0.3, 0.85
SHARE_NO_PLACE, SHARE_NOT_APPLICABLE, SHARE_REGRADED = 0.02, 0.08, 0.1
LIVE_INSTANCES, SHARE_LIVE_IN_DISPUTE = 2_000, 0.05  # audits under way: their ready tasks
# Issue 27: re-audits of a case audited before, grades at each stage, QA's returns, agreed actions
RECENT_CASES = 3_000  # a re-audit is of one of the last audits' cases
SHARE_STAGES_KNOWN, SHARE_QA_RETURNED, SHARE_DISCUSSION_CHANGED = 0.8, 0.15, 0.1  # older rows: stages unknown
ACTIONS_PER_AUDIT = (0, 1, 1, 2, 2, 3)  # need-to-know audits agree none
ACTION_OUTCOMES = {"done": 60, "not_done": 8, "carried": 7, "open": 25}
SHARE_ON_TIME = 0.8


@dataclass
class Seeded:
    """How many rows of each table the seeding wrote, and how long it took."""
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def add(self, table: Table, count: int) -> None:
        self.rows[table.name] = self.rows.get(table.name, 0) + count


@dataclass(frozen=True)
class Organisation:
    places: list[tuple[str, str | None]]  # (service area, one of its teams or None)
    auditors: list[str]
    practitioners: list[str]
    domains: dict[str, list[str]]  # audit kind -> the domains of its audit tool


def deploy_and_describe(engine: WorkflowEngine) -> Organisation:
    """Deploy processes/ and forms/ (the grade scale reports read, the versions instances name),
    seed the demo organisation, and describe who and what the audits are of."""
    document = json.loads((ROOT / "data" / "demo_organisation.json").read_text())
    engine.deploy(_definition_files(), "bench")
    with engine.db.transaction() as session:
        seed_organisation(session, document)
    return _organisation(document)


def _definition_files() -> dict[str, bytes]:
    paths = [p for folder in ("processes", "forms") for p in sorted((ROOT / folder).iterdir())]
    return {p.name: p.read_bytes() for p in paths if p.is_file() and file_kind(p.name)}


def _organisation(document: dict) -> Organisation:
    teams = {}
    for team in document["teams"]:
        teams.setdefault(team["service_area"], []).append(team["id"])
    areas = [a["id"] for a in document["service_areas"] if a["id"] != "qa_practice_improvement"]
    places = [(area, team) for area in areas for team in teams.get(area, [None])]
    people = document["people"]
    tool, thematic = (_form_domains(name) for name in ("audit_tool", "thematic_cp_tool"))
    return Organisation(
        places=places,
        auditors=[p["username"] for p in people if "auditor" in p["roles"] or "qa_team" in p["roles"]],
        practitioners=[p["username"] for p in people if "practitioner" in p["roles"]],
        domains={"thematic": thematic} | {kind: tool for kind in KINDS if kind != "thematic"})


def _form_domains(form: str) -> list[str]:
    schema = json.loads((ROOT / "forms" / f"{form}.json").read_text())
    return list(schema["properties"]["domains"]["properties"])


# --- generating one audit's rows ------------------------------------------------------------------

class AuditMaker:
    """The rows of one completed audit at a time, drawn from a seeded generator."""

    def __init__(self, organisation: Organisation, rng: random.Random, version_ids: dict[str, int]):
        self.org, self.rng, self.version_ids = organisation, rng, version_ids
        self.days = (LAST_DAY - FIRST_DAY).days + 1
        self.recent: list[str] = []  # the case references of the latest audits, for re-audits to be of
        self.latest: dict[str, dict[str, str]] = {}  # case reference -> its latest audit's final domain grades

    def rows(self, outcome_id: int, instance_id: int, completed: datetime) -> dict[Table, list[dict]]:
        kind = self._pick(KINDS)
        grade = self._pick(GRADES)
        started = completed - timedelta(days=self.rng.randint(15, 45), hours=self.rng.randint(0, 8))
        area, team = self._place()
        case_ref = self._case_ref(kind, instance_id)
        outcome = self._outcome(outcome_id, instance_id, case_ref, kind, grade, area, team, started, completed)
        domains = self._domains(outcome_id, kind, grade, outcome["discussed_grade"] is not None,
                                self.latest.get(case_ref) if kind in ("re_audit", "re_re_audit") else None)
        self.latest[case_ref] = {d["domain"]: d["grade_after"] for d in domains}
        return {
            ProcessInstance.__table__: [self._instance(instance_id, case_ref, area, team, started, completed)],
            AuditOutcome.__table__: [outcome],
            AuditDomainGrade.__table__: domains,
            AuditDeadline.__table__: self._deadlines(outcome_id, kind, completed),
            AgreedAction.__table__: self._actions(instance_id, outcome, completed),
        }

    def _case_ref(self, kind: str, instance_id: int) -> str:
        """A re-audit is of a case audited lately (when there is one); any other audit of a new case."""
        if kind in ("re_audit", "re_re_audit") and self.recent:
            return self.rng.choice(self.recent)
        case_ref = f"RB-{instance_id:07d}"
        self.recent = [*self.recent[-(RECENT_CASES - 1):], case_ref]
        return case_ref

    def _actions(self, instance_id: int, outcome: dict, completed: datetime) -> list[dict]:
        """The SMART actions agreed in the findings discussion a few days before the audit completed."""
        if outcome["audit_kind"] == "need_to_know":
            return []
        agreed = completed - timedelta(days=self.rng.randint(0, 4), hours=self.rng.randint(0, 6))
        return [self._action(instance_id, outcome, position, agreed)
                for position in range(self.rng.choice(ACTIONS_PER_AUDIT))]

    def _action(self, instance_id: int, outcome: dict, position: int, agreed: datetime) -> dict:
        due = agreed + timedelta(days=self.rng.randint(10, 60))
        state = self._pick(ACTION_OUTCOMES)
        done = state == "done"
        completed = (due - timedelta(days=self.rng.randint(0, 9)) if self.rng.random() < SHARE_ON_TIME
                     else due + timedelta(days=self.rng.randint(1, 20))) if state in ("done", "not_done") else None
        return {"audit_instance_id": instance_id, "position": position, "case_ref": outcome["case_ref"],
                "service_area": outcome["service_area"], "team": outcome["team"], "audit_kind": outcome["audit_kind"],
                "audit_grade": outcome["overall_grade"], "action": "bench action",
                "owner": self.rng.choice(self.org.practitioners), "agreed_at": agreed, "due_at": due,
                "completed_at": completed, "outcome": state if state in ("done", "not_done") else None,
                "closed_as": "all_done" if done else "carried_into_reaudit" if state == "carried" else None}

    def alert(self, instance_id: int, audit: dict) -> dict[Table, list[dict]]:
        """A child-safety alert raised from that audit, closed within a few weeks."""
        stage = self._pick(ALERT_FINAL_STAGES)
        timed_out = self.rng.randint(0, stage - 1)
        raised = audit["submitted_at"]
        closed = raised + timedelta(days=self.rng.randint(1, 7 * stage), hours=self.rng.randint(0, 8))
        instance = self._instance(instance_id, audit["case_ref"], audit["service_area"], audit["team"], raised,
                                  closed, process_id="child_safety_alert")
        return {ProcessInstance.__table__: [instance], AlertOutcome.__table__: [{
            "instance_id": instance_id, "case_ref": audit["case_ref"], "service_area": audit["service_area"],
            "raised_from": "case_audit", "final_stage": stage,
            "outcome": "final_decision" if stage == 4 else "resolved", "stages_timed_out": timed_out,
            "answered_in_time": timed_out == 0, "raised_at": raised, "closed_at": closed}]}

    def live_with_ready_task(self, instance_id: int, at: datetime) -> dict[Table, list[dict]]:
        """An audit under way with one ready task, now and then a dispute's (R-34: open disputes)."""
        area, team = self._place()
        in_dispute = self.rng.random() < SHARE_LIVE_IN_DISPUTE
        case_ref = f"RB-{instance_id:07d}"
        instance = self._instance(instance_id, case_ref, area, team, at, None)
        task = {"id": f"00000000-0000-4000-8000-{instance_id:012d}", "instance_id": instance_id,
                "process_id": "case_audit", "element_id": "meet_with_auditor" if in_dispute else "draft_audit",
                "name": "bench task", "role": "auditor", "candidates": [], "open_to_role": True,
                "case_ref": case_ref, "state": "ready", "ready_at": at,
                "spec_id": "dispute_resolution" if in_dispute else "case_audit"}
        return {ProcessInstance.__table__: [instance], UserTask.__table__: [task]}

    def _instance(self, instance_id, case_ref, area, team, started, ended, process_id="case_audit") -> dict:
        return {"id": instance_id, "process_version_id": self.version_ids[process_id], "process_id": process_id,
                "status": "completed" if ended else "running", "case_ref": case_ref, "state": "{}",
                "serializer_version": "bench", "revision": 1, "team_id": team, "service_area_id": area,
                "cycle": f"{started:%Y-%m}", "started_by": "bench", "created_at": started,
                "updated_at": ended or started}

    def _outcome(self, outcome_id, instance_id, case_ref, kind, grade, area, team, started, completed) -> dict:
        previous = self._pick(GRADES) if kind in ("re_audit", "re_re_audit") else None
        disputed = self.rng.random() < SHARE_DISPUTED
        pre_discussion = self._pick(GRADES) if disputed or self.rng.random() < SHARE_REGRADED else grade
        known = self.rng.random() < SHARE_STAGES_KNOWN
        returns = self.rng.choice((1, 1, 2)) if known and self.rng.random() < SHARE_QA_RETURNED else 0
        discussed = (self._pick(GRADES) if self.rng.random() < SHARE_DISCUSSION_CHANGED else pre_discussion) \
            if known else None
        accepted = (self._pick(GRADES) if returns else discussed) if known else None
        return {"id": outcome_id, "discussed_grade": discussed, "accepted_grade": accepted, "qa_returns": returns, "instance_id": instance_id, "case_ref": case_ref, "service_area": area,
                "team": team, "auditor": self.rng.choice(self.org.auditors),
                "practitioner": self.rng.choice(self.org.practitioners), "audit_kind": kind,
                "pre_discussion_grade": pre_discussion, "overall_grade": grade, "previous_grade": previous,
                "grade_change": _grade_change(previous, grade), "disputed": disputed,
                "dispute_stage": self._pick(DISPUTE_STAGES) if disputed else None,
                "dispute_outcome": ("grade_upheld" if pre_discussion == grade else "grade_changed") if disputed
                else None,
                "cycle_year": started.year, "cycle_month": started.month, "started_at": started,
                "submitted_at": started + timedelta(days=self.rng.randint(5, 12)), "completed_at": completed}

    def _domains(self, outcome_id: int, kind: str, grade: str, stages_known: bool,
                 previous: dict[str, str] | None) -> list[dict]:
        rows = []
        for domain in self.org.domains[kind]:
            after = self._domain_grade(grade)
            before = after if self.rng.random() >= SHARE_REGRADED else self._domain_grade(grade)
            discussed = before if self.rng.random() >= SHARE_REGRADED else after
            rows.append({"outcome_id": outcome_id, "domain": domain, "grade_before": before,
                         "grade_discussed": discussed if stages_known else None,
                         "grade_accepted": after if stages_known else None, "grade_after": after,
                         "movement": _grade_change((previous or {}).get(domain), after, domains=True)})
        return rows

    def _domain_grade(self, overall: str) -> str:
        """Mostly the overall grade or one step either side; sometimes not applicable."""
        if self.rng.random() < SHARE_NOT_APPLICABLE:
            return "not_applicable"
        rank = GRADE_ORDER.index(overall) + self.rng.choice((-1, 0, 0, 0, 1))
        return GRADE_ORDER[min(max(rank, 0), len(GRADE_ORDER) - 1)]

    def _deadlines(self, outcome_id: int, kind: str, completed: datetime) -> list[dict]:
        if kind == "need_to_know":
            names = ["audit_in_time"]
        else:
            names = [*CASE_AUDIT_DEADLINES, *(["amendment_in_time"] if self.rng.random() < SHARE_AMENDED else [])]
        return [{"outcome_id": outcome_id, "name": name, "met": self.rng.random() < SHARE_MET,
                 "due_at": completed - timedelta(days=self.rng.randint(0, 10))} for name in names]

    def completed_at(self) -> datetime:
        day = FIRST_DAY + timedelta(days=self.rng.randrange(self.days))
        moment = datetime.combine(day, time(self.rng.randint(7, 19), self.rng.randrange(60)), tzinfo=LONDON)
        return moment.astimezone(timezone.utc)

    def _place(self) -> tuple[str | None, str | None]:
        return (None, None) if self.rng.random() < SHARE_NO_PLACE else self.rng.choice(self.org.places)

    def _pick(self, weights: dict):
        return self.rng.choices(list(weights), weights=list(weights.values()))[0]


def _grade_change(previous: str | None, grade: str, domains: bool = False) -> str | None:
    """As the engine writes it; for domains (a re-audit's against the audit before) not applicable
    compares with nothing."""
    if previous is None or (domains and (previous not in GRADE_ORDER or grade not in GRADE_ORDER)):
        return None
    step = GRADE_ORDER.index(previous) - GRADE_ORDER.index(grade)
    return "improved" if step > 0 else "downgraded" if step < 0 else "same"


# --- writing them -----------------------------------------------------------------------------------

def seed(db: Database, organisation: Organisation, audits: int, rng: random.Random) -> Seeded:
    """`audits` completed audits (with their alerts) and LIVE_INSTANCES audits under way."""
    seeded = Seeded()
    maker = AuditMaker(organisation, rng, _version_ids(db))
    next_instance = _next_instance_id(db)
    # Oldest first, as the engine writes them: rows of a period sit together in the tables.
    completions = sorted(maker.completed_at() for _ in range(audits))
    totals = DayTotals()
    for first in range(0, audits, BATCH):
        batch: dict[Table, list[dict]] = {}
        for outcome_id, completed in enumerate(completions[first:first + BATCH], start=first + 1):
            audit = maker.rows(outcome_id, next_instance, completed)
            next_instance += 1
            _merge(batch, audit)
            totals.add(completed, audit)
            if rng.random() < SHARE_ALERTED:
                _merge(batch, maker.alert(next_instance, audit[AuditOutcome.__table__][0]))
                next_instance += 1
        _write(db, batch, seeded)
    live = {}
    for number in range(LIVE_INSTANCES):
        _merge(live, maker.live_with_ready_task(next_instance + number, datetime(2026, 3, 2, 9, tzinfo=timezone.utc)))
    _write(db, live | totals.rows(), seeded)
    _after_bulk_insert(db)
    return seeded


class DayTotals:
    """The day totals of every seeded audit, counted by engine/reporting/day_totals.py as the engine's own
    writes count them, and written once at the end (a day's audits may span two batches)."""

    def __init__(self):
        self.domains, self.deadlines, self.learning = Counter(), Counter(), Counter()
        self.moderation: dict[tuple, Counter] = {}

    def add(self, completed: datetime, audit: dict[Table, list[dict]]) -> None:
        domains = _as_rows(audit[AuditDomainGrade.__table__])
        self.domains.update(domain_totals(completed, domains))
        self.deadlines.update(deadline_totals(completed, _as_rows(audit[AuditDeadline.__table__])))
        self.learning.update(learning_totals(completed, domains))
        row = moderation_row(SimpleNamespace(**audit[AuditOutcome.__table__][0]))
        if row is not None:
            key = (row.pop("day"), row.pop("auditor"))
            self.moderation.setdefault(key, Counter()).update(row)

    def rows(self) -> dict[Table, list[dict]]:
        return {AuditDomainDay.__table__: _total_rows(self.domains, ("day", "domain", "grade")),
                AuditDeadlineDay.__table__: _total_rows(self.deadlines, ("day", "name", "met")),
                AuditLearningDay.__table__: learning_rows(self.learning),
                AuditModerationDay.__table__: [{"day": day, "auditor": auditor} | dict(counts)
                                               for (day, auditor), counts in self.moderation.items()]}


def _as_rows(rows: list[dict]) -> list[SimpleNamespace]:
    return [SimpleNamespace(**row) for row in rows]


def _total_rows(totals: Counter, columns: tuple[str, ...]) -> list[dict]:
    return [dict(zip(columns, key)) | {"audits": n} for key, n in totals.items()]


def _version_ids(db: Database) -> dict[str, int]:
    with db.reading() as session:
        rows = session.execute(select(ProcessVersion.process_id, func.max(ProcessVersion.id))
                               .group_by(ProcessVersion.process_id))
        return dict(rows.all())


def _next_instance_id(db: Database) -> int:
    with db.reading() as session:
        return (session.scalar(select(func.max(ProcessInstance.id))) or 0) + 1


def _merge(batch: dict[Table, list[dict]], rows: dict[Table, list[dict]]) -> None:
    for table, table_rows in rows.items():
        batch.setdefault(table, []).extend(table_rows)


WRITE_ORDER = [ProcessInstance.__table__, AuditOutcome.__table__, AuditDomainGrade.__table__,
               AuditDeadline.__table__, AgreedAction.__table__, AlertOutcome.__table__, UserTask.__table__,
               AuditDomainDay.__table__, AuditDeadlineDay.__table__, AuditLearningDay.__table__,
               AuditModerationDay.__table__]


def _write(db: Database, batch: dict[Table, list[dict]], seeded: Seeded) -> None:
    with db.engine.begin() as connection:
        for table in (t for t in WRITE_ORDER if batch.get(t)):
            rows = batch[table]
            if is_postgres(db.engine):
                _copy(connection, table, rows)
            else:
                connection.execute(table.insert(), rows)
            seeded.add(table, len(rows))


def _copy(connection: Connection, table: Table, rows: list[dict]) -> None:
    """COPY is PostgreSQL's bulk load: several times faster than multi-row INSERTs."""
    columns = list(rows[0])
    cursor = connection.connection.dbapi_connection.cursor()
    with cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([_copy_value(row[column]) for column in columns])


def _copy_value(value):
    """As the ORM would bind it: UTC datetimes without their zone, JSON as text."""
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).replace(tzinfo=None)
    if isinstance(value, (list, dict)):
        return json.dumps(value)
    return value


def _after_bulk_insert(db: Database) -> None:
    """PostgreSQL: move the id sequences past the explicit ids, then vacuum and analyze as
    autovacuum would on a live system (bench/population.py does the same)."""
    if not is_postgres(db.engine):
        return
    with db.engine.begin() as connection:
        for name in ("process_instance", "audit_outcome"):
            connection.execute(text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                                    f"(SELECT max(id) FROM {name}))"))
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))
