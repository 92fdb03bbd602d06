"""The HTTP bench's database: processes/ and forms/ deployed with the bench chain, the demo
organisation with 100 bench auditors (each with a password), and 10,000 live chain instances
spread over those auditors, so each has ~100 tasks in their inbox, as a busy auditor might.

Instances are started with the system clock (the server's): their 5-working-day timers are not
yet due, so the timer worker running beside the server has nothing to fire but what falls due.
"""
import json
from dataclasses import dataclass

from app import DEMO_PASSWORD, ROOT, definition_files
from engine.clock import SystemClock, install_engine_clock, set_clock
from engine.db import Database
from engine.people.accounts import dao_set_password_hash, hash_password
from engine.people.organisation import seed_organisation
from engine.workflow_engine import WorkflowEngine

from .diagram import bundle
from .population import populate

AUDITORS = [f"aud{n:03d}" for n in range(1, 101)]
PASSWORD = DEMO_PASSWORD
# Who starts case audits over HTTP (qa_team) and who opens the overview (it sees across).
QA_TEAM = "quinn"


@dataclass(frozen=True)
class World:
    url: str
    instances: int


def build(url: str, instances: int) -> World:
    set_clock(SystemClock())
    install_engine_clock()
    db = Database(url)
    try:
        engine = WorkflowEngine(db)
        engine.deploy(definition_files() | bundle(), "bench")
        _seed_people(engine)
        populate(engine, db, instances, AUDITORS)
    finally:
        db.dispose()
    return World(url, instances)


def _seed_people(engine: WorkflowEngine) -> None:
    """The demo organisation plus AUDITORS (team CIC 1), every one with PASSWORD (hashed once: argon2
    is slow on purpose)."""
    document = json.loads((ROOT / "data" / "demo_organisation.json").read_text())
    document["people"] += [{"username": name, "name": f"Auditor {name[3:]}", "roles": ["auditor"], "team": "cic_1"}
                           for name in AUDITORS]
    password_hash = hash_password(PASSWORD)
    with engine.db.transaction() as session:
        seed_organisation(session, document)
        for person in document["people"]:
            dao_set_password_hash(session, person["username"], password_hash)
