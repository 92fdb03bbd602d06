"""The benchmarked diagram: the test suite's chain of 10 user tasks, each with an interrupting
working-day boundary timer, in lane Auditor with form `note`."""
import json
from pathlib import Path

from SpiffWorkflow.camunda.parser.CamundaParser import CamundaParser

from engine.people.organisation import seed_organisation
from tests.fixtures.diagrams import chain, chain_bundle

PROCESS_ID = "bench_chain"
STEPS = 10
DAYS = 5
ACTOR = "ann"
NOTE = {"note": "checked, no concerns"}


def bundle() -> dict[str, bytes]:
    return chain_bundle(pid=PROCESS_ID, steps=STEPS, days=DAYS)


def seed_people(engine) -> None:
    """The demo organisation: a start may name only people of the directory (ACTOR is one)."""
    document = json.loads((Path(__file__).resolve().parent.parent / "data" / "demo_organisation.json").read_text())
    with engine.db.transaction() as session:
        seed_organisation(session, document)


def parsed_spec():
    parser = CamundaParser()
    parser.add_bpmn_str(chain(pid=PROCESS_ID, steps=STEPS, days=DAYS), f"{PROCESS_ID}.bpmn")
    return parser.get_spec(PROCESS_ID), parser.get_subprocess_specs(PROCESS_ID)


def case_ref(number: int) -> str:
    return f"BENCH-{number:06d}"


def start_data(number: int) -> dict:
    return {"case_ref": case_ref(number), "auditor": ACTOR}
