"""The figures of issue 27 (R-27, R-28) against a plain count over seeded rows: agreed actions by
state, service area and team (and the actions of inadequate audits done before the case's next
audit started), re-audit movement per domain against the case's previous audit, moderation (QA's
returns, grades changed between the stages, by domain and by auditor, audit/re-audit agreement)
and the audits of the period's cycles against those completed; for periods whose edges fall on
London midnights and clock changes, narrowed or not, with older rows that never had the stages."""
import random
from collections import Counter
from datetime import date, timedelta

import pytest
from alembic import command
from sqlalchemy import select

from engine.calendar import LONDON
from engine.clock import now
from engine.models import AgreedAction, AuditDomainGrade, AuditOutcome, ProcessInstance, ProcessVersion
from engine.reporting.audit_report import audit_report
from engine.reporting.outcomes import dao_add_audit_outcome
from tests.engine.reporting.test_audit_report import SCALE, WINDOWS, insert_plain, migrate, some_instant

STAGES = {"draft_discussed": (0, 1), "discussed_accepted": (1, 2), "accepted_final": (2, 3)}  # indexes of 4 grades
CHANGES = ("improved", "same", "downgraded")
DOMAINS = ("risk", "decisions", "engagement", "recording")
AREAS = ("safeguarding_support", "children_in_care", None)
TEAMS = ("sas_1", "cic_1", None)
KINDS = ("audit", "audit", "re_audit", "re_re_audit", "thematic")
CASES = [f"C-{n}" for n in range(40)]  # few cases: most re-audits find an audit before them


@pytest.fixture
def reports(org):
    from tests.fixtures.diagrams import NOTE_FORM, grades, scripted
    org.deploy({"scripted.bpmn": scripted(), "note.json": NOTE_FORM} | grades(), "olive")
    return org


def maybe(rng: random.Random, value, share: float = 0.85):
    return value if rng.random() < share else None


def random_audit(rng: random.Random, old: bool) -> dict:
    """One audit; an `old` one was written before the stages were kept (migration 0020)."""
    final = rng.choice(SCALE)  # an audit always has its final grade
    stages = [None, None, None, final] if old else [*(maybe(rng, rng.choice(SCALE)) for _ in range(3)), final]
    domains = {}
    for domain in rng.sample(DOMAINS, rng.randint(0, 4)):
        grades = [rng.choice([*SCALE, "not_applicable", None]) for _ in range(4)]
        domains[domain] = [None, None, None, grades[3]] if old else grades
    return {"case_ref": rng.choice(CASES), "kind": rng.choice(KINDS), "area": rng.choice(AREAS),
            "team": rng.choice(TEAMS), "auditor": rng.choice(["ann", "bea", None]), "grades": stages,
            "qa_returns": 0 if old else rng.choice([0, 0, 0, 1, 2]), "completed_at": some_instant(rng),
            "cycle": f"2026-{rng.randint(4, 12):02d}", "status": "completed", "domains": domains}


def random_action(rng: random.Random, audit: dict) -> dict:
    agreed = some_instant(rng)
    due = agreed + timedelta(days=rng.randint(-3, 40), hours=rng.randint(0, 23))
    outcome = rng.choice([None, None, "done", "done", "not_done"])
    completed = due + timedelta(days=rng.randint(-10, 10)) if outcome else None
    closed = rng.choice([None, None, "all_done", "carried_into_reaudit"]) if outcome != "done" else "all_done"
    return {"audit": audit, "agreed_at": agreed, "due_at": due, "outcome": outcome, "completed_at": completed,
            "closed_as": closed, "area": rng.choice(AREAS), "team": rng.choice(TEAMS),
            "grade": rng.choice([*SCALE, "inadequate", "inadequate"]), "kind": audit["kind"]}


def seed(engine, audits: list[dict], actions: list[dict], running: list[dict]) -> None:
    """Oldest first, as the engine writes them: each audit's instance (started 20 days before it
    ended), its outcome and domains through the engine's write path; the actions; audits under way."""
    with engine.db.transaction() as session:
        version_id = session.scalar(select(ProcessVersion.id).where(ProcessVersion.process_id == "scripted"))
        for audit in sorted(audits, key=lambda a: a["completed_at"]) + running:
            audit["instance_id"] = _instance(session, version_id, audit)
            if audit["status"] == "completed":
                _outcome(session, audit)
        for number, action in enumerate(actions):
            audit = action["audit"]
            session.add(AgreedAction(
                audit_instance_id=audit["instance_id"], position=number, case_ref=audit["case_ref"],
                service_area=action["area"], team=action["team"], audit_kind=action["kind"],
                audit_grade=action["grade"], action="Update the chronology", owner="pat",
                agreed_at=action["agreed_at"], due_at=action["due_at"], completed_at=action["completed_at"],
                outcome=action["outcome"], closed_as=action["closed_as"]))


def _instance(session, version_id: int, audit: dict) -> int:
    started = audit["completed_at"] - timedelta(days=20)
    audit["started_at"] = started
    row = ProcessInstance(process_version_id=version_id, process_id="case_audit", status=audit["status"],
                          state="{}", serializer_version="test", case_ref=audit["case_ref"],
                          service_area_id=audit["area"], cycle=audit["cycle"], started_by="quinn",
                          created_at=started, updated_at=started)
    session.add(row)
    session.flush()
    return row.id


def _outcome(session, audit: dict) -> None:
    pre, discussed, accepted, final = audit["grades"]
    dao_add_audit_outcome(session, AuditOutcome(
        instance_id=audit["instance_id"], case_ref=audit["case_ref"], service_area=audit["area"], team=audit["team"],
        auditor=audit["auditor"], practitioner="pat", audit_kind=audit["kind"], pre_discussion_grade=pre,
        discussed_grade=discussed, accepted_grade=accepted, overall_grade=final, qa_returns=audit["qa_returns"],
        started_at=audit["started_at"], completed_at=audit["completed_at"]),
        [AuditDomainGrade(domain=d, grade_before=g[0], grade_discussed=g[1], grade_accepted=g[2], grade_after=g[3])
         for d, g in audit["domains"].items()], [])


@pytest.fixture
def seeded(reports):
    """250 audits (a third of them older rows without stages), 300 actions, 15 audits under way."""
    rng = random.Random(2027)
    audits = [random_audit(rng, old=n % 3 == 0) for n in range(250)]
    running = [dict(random_audit(rng, old=False), status="running") for _ in range(15)]
    actions = [random_action(rng, rng.choice(audits)) for _ in range(300)]
    seed(reports, audits, actions, running)
    return audits, actions, running


# --- the plain counts ---------------------------------------------------------------------------

def in_window(instant, first: date, last: date) -> bool:
    return first <= instant.astimezone(LONDON).date() <= last


def in_scope(row: dict, area, kind) -> bool:
    return (area is None or (row["area"] or "unknown") == area) and kind in (None, row["kind"])


def action_state(action: dict) -> str:
    if action["outcome"] == "done":
        return "done_on_time" if action["completed_at"] <= action["due_at"] else "done_late"
    if action["outcome"] == "not_done":
        return "not_done"
    if action["closed_as"] == "carried_into_reaudit":
        return "carried_into_reaudit"
    return "overdue" if action["due_at"] < now() else "open_in_time"


def plain_action_counts(actions: list[dict]) -> dict:
    states = Counter(action_state(a) for a in actions)
    return {"agreed": len(actions), "done_on_time": states["done_on_time"], "done_late": states["done_late"],
            "not_done": states["not_done"], "carried_into_reaudit": states["carried_into_reaudit"],
            "open": states["overdue"] + states["open_in_time"], "overdue": states["overdue"]}


def next_audit_started(action: dict, every_audit: list[dict]):
    audit = action["audit"]
    later = [a["started_at"] for a in every_audit
             if a["case_ref"] == audit["case_ref"] and a["started_at"] > audit["started_at"]]
    return min(later) if later else None


def plain_actions(actions, every_audit, first, last, area=None, kind=None) -> dict:
    chosen = [a for a in actions if in_window(a["agreed_at"], first, last) and in_scope(a, area, kind)]
    inadequate = [a for a in chosen if a["grade"] == "inadequate"]
    started = [(a, next_audit_started(a, every_audit)) for a in inadequate]
    return plain_action_counts(chosen) | {
        "by_service_area": {k: plain_action_counts([a for a in chosen if (a["area"] or "unknown") == k])
                            for k in sorted({a["area"] or "unknown" for a in chosen})},
        "by_team": {k: plain_action_counts([a for a in chosen if (a["team"] or "unknown") == k])
                    for k in sorted({a["team"] or "unknown" for a in chosen})},
        "inadequate": {"grade": "inadequate", "agreed": len(inadequate), "reaudit_started": sum(s is not None for _, s in started),
                       "done_before_reaudit": sum(s is not None and a["outcome"] == "done" and a["completed_at"] < s
                                                  for a, s in started)}}


def rank_change(before, after):
    if before not in SCALE or after not in SCALE:
        return None
    step = SCALE.index(before) - SCALE.index(after)
    return CHANGES[0] if step > 0 else CHANGES[2] if step < 0 else CHANGES[1]


def last_of_latest(earlier: list[dict]):
    latest = max(a["completed_at"] for a in earlier)
    return [a for a in earlier if a["completed_at"] == latest][-1]


def plain_movement(chosen: list[dict], audits: list[dict]) -> dict:
    moved: dict = {}
    for audit in chosen:
        earlier = [a for a in sorted(audits, key=lambda a: a["completed_at"])
                   if a["case_ref"] == audit["case_ref"] and a["completed_at"] < audit["completed_at"]]
        if audit["kind"] not in ("re_audit", "re_re_audit") or not earlier:
            continue
        before = last_of_latest(earlier)["domains"]
        for domain, grades in audit["domains"].items():
            change = rank_change((before.get(domain) or [None] * 4)[3], grades[3])
            if change:
                moved.setdefault(domain, dict.fromkeys(CHANGES, 0))[change] += 1
    return dict(sorted(moved.items()))


def stage_counts(pairs) -> dict:
    counts = {stage: {"changed": 0, "compared": 0} for stage in STAGES}
    for grades in pairs:
        for stage, (i, j) in STAGES.items():
            if grades[i] is not None and grades[j] is not None:
                counts[stage]["compared"] += 1
                counts[stage]["changed"] += grades[i] != grades[j]
    return counts


def audit_moderation(audits: list[dict]) -> dict:
    known = [a for a in audits if a["grades"][1] is not None]
    return {"audits": len(known), "qa_returned": sum(a["qa_returns"] > 0 for a in known),
            "qa_returns": sum(a["qa_returns"] for a in known),
            "grade_changed": stage_counts(a["grades"] for a in known)}


def plain_moderation(chosen: list[dict], moved: dict) -> dict:
    figures = audit_moderation(chosen)
    known = [a for a in chosen if a["grades"][1] is not None]
    domains = sorted({d for a in chosen for d, g in a["domains"].items()
                      if any(g[i] is not None and g[j] is not None for i, j in STAGES.values())})
    return figures | {
        "returns_per_audit": round(figures["qa_returns"] / figures["audits"], 2) if figures["audits"] else 0.0,
        "by_domain": {d: stage_counts(a["domains"][d] for a in chosen if d in a["domains"]) for d in domains},
        "by_auditor": {name: audit_moderation([a for a in known if (a["auditor"] or "unknown") == name])
                       for name in sorted({a["auditor"] or "unknown" for a in known})},
        "reaudit_agreement": {d: {"same": c["same"], "compared": sum(c.values()),
                                  "percent": round(100 * c["same"] / sum(c.values()), 1)} for d, c in moved.items()}}


def plain_learning(audits, actions, running, first, last, area=None, kind=None) -> dict:
    chosen = [a for a in audits if in_window(a["completed_at"], first, last) and in_scope(a, area, kind)]
    moved = plain_movement(chosen, audits)
    months = {f"{d.year}-{d.month:02d}" for d in (first + timedelta(days=n) for n in range((last - first).days + 1))}
    planned = [a for a in audits + running if a["cycle"] in months and (area is None or (a["area"] or "unknown") == area)]
    return {"actions": plain_actions(actions, audits + running, first, last, area, kind), "reaudit_domains": moved,
            "moderation": plain_moderation(chosen, moved),
            "plan": {"planned": len(planned), "completed": sum(a["status"] == "completed" for a in planned)}}


def learning_of(engine, first, last, area=None, kind=None) -> dict:
    with engine.db.reading() as session:
        figures = audit_report(session, first, last, area, kind)
    return {key: figures[key] for key in ("actions", "reaudit_domains", "moderation", "plan")}


# --- the tests ------------------------------------------------------------------------------------

@pytest.mark.parametrize("first, last", WINDOWS)
def test_every_new_figure_equals_a_plain_count_over_the_rows(reports, seeded, first, last):  # R-27 R-28
    audits, actions, running = seeded
    assert learning_of(reports, first, last) == plain_learning(audits, actions, running, first, last)


@pytest.mark.parametrize("area, kind", [("children_in_care", None), (None, "re_audit"), ("unknown", "audit"),
                                        ("safeguarding_support", "re_re_audit")])
def test_narrowed_to_an_area_or_kind_they_count_the_rows_alike(reports, seeded, area, kind):  # R-27 R-28
    audits, actions, running = seeded
    first, last = WINDOWS[0]
    assert learning_of(reports, first, last, area, kind) == plain_learning(audits, actions, running, first, last,
                                                                           area, kind)


def test_the_seed_reaches_every_figure(reports, seeded):  # the counts above are not all zeros
    figures = learning_of(reports, *WINDOWS[0])
    actions, moderation = figures["actions"], figures["moderation"]
    assert all(actions[state] for state in ("done_on_time", "done_late", "not_done", "carried_into_reaudit",
                                            "open", "overdue"))
    assert all(n for what, n in actions["inadequate"].items() if what != "grade")
    assert all(sum(c.values()) for c in figures["reaudit_domains"].values()) and len(figures["reaudit_domains"]) == 4
    assert moderation["qa_returned"] and all(s["changed"] for s in moderation["grade_changed"].values())
    assert figures["plan"]["planned"] > figures["plan"]["completed"] > 0


def test_older_rows_without_stages_count_in_no_moderation_figure(reports):
    rng = random.Random(5)
    old = [random_audit(rng, old=True) for _ in range(30)]
    seed(reports, old, [], [])
    moderation = learning_of(reports, *WINDOWS[0])["moderation"]
    assert (moderation["audits"], moderation["qa_returns"], moderation["by_auditor"]) == (0, 0, {})
    assert all(s == {"changed": 0, "compared": 0} for s in moderation["grade_changed"].values())
    assert moderation["by_domain"] == {}


def test_an_open_action_is_overdue_once_the_clock_passes_its_due_time(reports, clock):
    audit = random_audit(random.Random(1), old=False) | {"completed_at": clock.now() - timedelta(days=1)}
    action = {"audit": audit, "agreed_at": clock.now(), "due_at": clock.now() + timedelta(days=3), "outcome": None,
              "completed_at": None, "closed_as": None, "area": None, "team": None, "grade": "good", "kind": "audit"}
    seed(reports, [audit], [action], [])
    month = (date(2026, 11, 1), date(2026, 11, 30))
    assert (learning_of(reports, *month)["actions"]["open"], learning_of(reports, *month)["actions"]["overdue"]) == (1, 0)
    clock.set(clock.now() + timedelta(days=4))
    assert learning_of(reports, *month)["actions"]["overdue"] == 1


def test_migration_0021_marks_the_movement_of_the_rows_already_written(reports, db):
    rng = random.Random(21)
    audits = sorted((random_audit(rng, old=True) for _ in range(80)), key=lambda a: a["completed_at"])
    migrate(db, command.downgrade, "0020")  # rows written before the movement was kept
    with db.transaction() as session:
        version_id = session.scalar(select(ProcessVersion.id).where(ProcessVersion.process_id == "scripted"))
        for audit in audits:
            audit["instance_id"] = _instance(session, version_id, audit)
            outcome_id = insert_plain(session, AuditOutcome, {
                "instance_id": audit["instance_id"], "case_ref": audit["case_ref"], "audit_kind": audit["kind"],
                "overall_grade": audit["grades"][3], "disputed": False, "started_at": audit["started_at"],
                "completed_at": audit["completed_at"], "qa_returns": 0})
            for domain, grades in audit["domains"].items():
                insert_plain(session, AuditDomainGrade, {"outcome_id": outcome_id, "domain": domain,
                                                         "grade_after": grades[3]})
    migrate(db, command.upgrade, "head")
    for first, last in WINDOWS:
        chosen = [a for a in audits if in_window(a["completed_at"], first, last)]
        assert learning_of(reports, first, last)["reaudit_domains"] == plain_movement(chosen, audits)
    assert learning_of(reports, *WINDOWS[0])["reaudit_domains"]
