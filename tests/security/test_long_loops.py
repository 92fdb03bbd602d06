"""Issue 25, item 8: a long loop never ends a case silently. SpiffWorkflow adds a level to an
instance's task tree for every step a loop runs again and breaks near 1,000 levels (engine/instances/loops.py):
past MAX_TREE_DEPTH the step is not kept and the instance goes to `error` naming the element; a
completion that could not be kept answers 409, never 200. Within the limit a loop keeps its data
through save/restore and ends as its diagram says (R-17: case_audit's QA returns, processes/README.md)."""
import re
from itertools import pairwise
from pathlib import Path

import pytest

from engine.definitions.loops import strongly_connected
from engine.errors import InvalidDefinition
from engine.limits import MAX_TREE_DEPTH, MIN_LOOP_ROUNDS
from engine.views.case_page import error_in_words
from tests.engine.flow import save_restore
from tests.fixtures.diagrams import NOTE_FORM, NS
from tests.flows.conftest import complete, definition_files, ready
from tests.flows.test_case_audit import FILES, start, submit_for_qa

CASE = {"case_ref": "C-1001", "auditor": "ann", "practitioner": "pat"}
README = Path(__file__).resolve().parents[2] / "processes" / "README.md"


def looping(pid: str, user: bool, steps: int) -> bytes:
    """start > [revise (a user task)] > count (n += 1) > step_1 .. step_k > again, which goes back
    while n < rounds and otherwise on to acknowledge (a user task) > end."""
    first = "revise" if user else "count"
    nodes = ['<bpmn:userTask id="revise" name="Revise" camunda:formKey="note" />'] if user else []
    nodes.append('<bpmn:scriptTask id="count" name="Count"><bpmn:script>n = n + 1</bpmn:script></bpmn:scriptTask>')
    nodes += [f'<bpmn:scriptTask id="step_{k}" name="Step {k}"><bpmn:script>last = n</bpmn:script></bpmn:scriptTask>'
              for k in range(1, steps + 1)]
    path = (["revise"] if user else []) + ["count"] + [f"step_{k}" for k in range(1, steps + 1)] + ["again"]
    flows = [f'<bpmn:sequenceFlow id="f_{a}" sourceRef="{a}" targetRef="{b}" />' for a, b in pairwise(path)]
    return f'''<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions {NS} id="defs_{pid}" targetNamespace="http://example.org/qa">
  <bpmn:process id="{pid}" name="Loop" isExecutable="true">
    <bpmn:laneSet id="lanes_{pid}"><bpmn:lane id="lane_{pid}" name="Auditor">
      <bpmn:flowNodeRef>acknowledge</bpmn:flowNodeRef>{"<bpmn:flowNodeRef>revise</bpmn:flowNodeRef>" if user else ""}
    </bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="start" />
    {chr(10).join(nodes)}
    <bpmn:exclusiveGateway id="again" name="Again?" default="f_done" />
    <bpmn:userTask id="acknowledge" name="Acknowledge" camunda:formKey="note" />
    <bpmn:endEvent id="end" />
    <bpmn:sequenceFlow id="f_start" sourceRef="start" targetRef="{first}" />
    {"".join(flows)}
    <bpmn:sequenceFlow id="f_back" sourceRef="again" targetRef="{first}">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">n &lt; rounds</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f_done" sourceRef="again" targetRef="acknowledge" />
    <bpmn:sequenceFlow id="f_end" sourceRef="acknowledge" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>
'''.encode()


def deploy_loop(engine, pid: str, user: bool = False, steps: int = 0) -> None:
    engine.deploy({f"{pid}.bpmn": looping(pid, user, steps), "note.json": NOTE_FORM}, "olive")


def acknowledge(engine, iid: int) -> None:
    complete(engine, iid, "acknowledge", {"note": "seen"})


# --- a loop of engine steps (a script and a gateway: two levels a round) --------------------------------

def test_a_script_loop_within_the_limit_keeps_its_data_through_save_restore(engine):
    deploy_loop(engine, "counting")
    rounds = MAX_TREE_DEPTH // 2 - 10
    iid = engine.start_instance("counting", CASE | {"n": 0, "rounds": rounds, "keep": "me"}, "quinn")
    save_restore(engine, iid)
    acknowledge(engine, iid)
    view = engine.reads.instance(iid)
    assert view["status"] == "completed"
    assert (view["data"]["n"], view["data"]["keep"]) == (rounds, "me")


@pytest.mark.parametrize("rounds", [MAX_TREE_DEPTH // 2 + 10, 333, 1000])
def test_a_script_loop_past_the_limit_is_an_error_naming_it_never_a_completion(engine, rounds):
    deploy_loop(engine, "counting")
    iid = engine.start_instance("counting", CASE | {"n": 0, "rounds": rounds, "keep": "me"}, "quinn")
    view = engine.reads.instance(iid)
    assert view["status"] == "error"  # before: `completed`, its data {} (1000), or waiting at acknowledge
    assert view["error"]["element_id"] in ("count", "again") and view["error"]["kind"] == "loop"
    assert "exceeded the limit on loops" in view["error"]["message"]
    assert f"at most {MAX_TREE_DEPTH:,}" in view["error"]["message"]
    assert view["data"]["keep"] == "me"  # the start's data is kept; nothing of the failed step is
    assert "went round a loop" in error_in_words(view["error"], {})["sentence"]  # the case page's words


# --- at deploy: every loop can go round at least MIN_LOOP_ROUNDS times ----------------------------------

def test_a_loop_too_long_to_go_round_12_times_is_refused_at_deploy_naming_its_first_element(engine):
    with pytest.raises(InvalidDefinition) as refused:
        deploy_loop(engine, "sprawling", user=True, steps=60)  # 63 steps a round: 8 rounds in 600 levels
    [problem] = refused.value.errors
    assert (problem["file"], problem["element_id"]) == ("sprawling.bpmn", "revise") and problem["line"]
    assert "can go round only 8 times" in problem["message"]
    assert f"every loop must allow {MIN_LOOP_ROUNDS}" in problem["message"]
    deploy_loop(engine, "sprawling", user=True, steps=40)  # 43 steps a round: 12 rounds


# --- a loop people go round (a user task, eleven scripts, a gateway: 13 levels a round) ----------------

def test_a_user_task_loop_answers_409_at_the_limit_and_keeps_every_round_before(client, auth, engine_of):
    deploy_loop(engine_of, "revising", user=True, steps=10)
    iid = engine_of.start_instance("revising", CASE | {"n": 0, "rounds": 10_000, "keep": "me"}, "quinn")
    kept = 0
    while True:
        [task] = ready(engine_of, iid, "revise")
        answer = client.post(f"/api/tasks/{task['id']}/complete", json={"data": {"note": f"round {kept + 1}"}},
                             headers=auth("ann"))
        if answer.status_code != 200:
            break
        assert answer.json["status"] == "running" and answer.json["data"]["n"] == kept + 1
        kept += 1
        if kept == 20:
            save_restore(engine_of, iid)
        assert kept < 100, "no limit: SpiffWorkflow's own breaks near 80 rounds"
    # Every round that fits is kept: 44 of 13 levels, with the steps predicted after the last.
    assert MAX_TREE_DEPTH - 3 * 13 < kept * 13 <= MAX_TREE_DEPTH
    assert answer.status_code == 409 and "the task was not completed" in answer.json["detail"]
    assert "exceeded the limit on loops" in answer.json["detail"]
    view = engine_of.reads.instance(iid)
    assert view["status"] == "error" and view["error"]["kind"] == "loop"
    assert view["error"]["element_id"] in ("revise", "count", "again") or view["error"]["element_id"].startswith(
        "step_")
    assert (view["data"]["n"], view["data"]["keep"]) == (kept, "me")
    assert [t["element_id"] for t in ready(engine_of, iid)] == ["revise"]  # the step was not taken


# --- case_audit's QA returns (R-17) ---------------------------------------------------------------------

def stated_qa_returns() -> int:
    """The rounds processes/README.md promises a case_audit's QA return loop."""
    return int(re.search(r"returned for amendment (\d+) times", README.read_text()).group(1))


def qa_return(engine, iid: int, round_: int) -> None:
    complete(engine, iid, "quality_assure_report",
             {"qa_outcome": "returned", "areas_to_review": f"Round {round_}", "discussion_with_audit_team": False})


@pytest.fixture
def audits(org):
    org.deploy(definition_files(*FILES), "olive")
    return org


def test_case_audit_survives_50_qa_returns_and_is_accepted_after(audits):
    iid = start(audits)
    submit_for_qa(audits, iid, "good")
    for round_ in range(1, 51):
        qa_return(audits, iid, round_)
        complete(audits, iid, "amend_audit_report", {"amendments": f"Amendment {round_}"})
        if round_ == 25:
            save_restore(audits, iid)
    view = audits.reads.instance(iid)
    assert view["status"] == "running" and view["data"]["amendments"] == "Amendment 50"
    complete(audits, iid, "quality_assure_report", {"qa_outcome": "accepted"})
    assert ready(audits, iid, "respond_to_report")
    assert audits.reads.instance(iid)["data"]["overall_grade"] == "good"


def test_case_audit_keeps_the_qa_returns_processes_readme_states_then_stops_in_error(audits):
    stated = stated_qa_returns()
    assert stated >= 50
    iid = start(audits)
    submit_for_qa(audits, iid, "good")
    for round_ in range(1, stated + 1):
        qa_return(audits, iid, round_)
        complete(audits, iid, "amend_audit_report", {"amendments": f"Amendment {round_}"})
    assert audits.reads.instance(iid)["status"] == "running"
    qa_return(audits, iid, stated + 1)
    if audits.reads.instance(iid)["status"] == "running":
        complete(audits, iid, "amend_audit_report", {"amendments": "One too many"})
    view = audits.reads.instance(iid)
    assert view["status"] == "error" and view["error"]["kind"] == "loop"  # before: running on to round 158
    assert view["error"]["element_id"] in ("quality_assure_report", "amend_audit_report", "qa_outcome_gateway",
                                           "join_qa")
    assert view["data"]["overall_grade"] == "good"


def test_the_deploy_check_walks_a_huge_loop_without_recursion():
    chain = {f"n{k}": [f"n{k + 1}"] for k in range(100_000)} | {"n100000": ["n0"], "out": []}
    parts = sorted(strongly_connected(chain), key=len)
    assert [len(part) for part in parts] == [1, 100_001]
