"""The live diagram's element states, read from the task tree (R-80: where each case is)."""
from engine.instances.runtime import InstanceRuntime
from engine.views.diagram_state import diagram_state
from tests.flows.conftest import complete, ready
from tests.flows.test_case_audit import FILES, definition_files, discussion, draft, start


def state_of(engine, iid: int) -> dict:
    with engine.db.reading() as session:
        runtime = InstanceRuntime.load(session, engine.ctx, iid)
        return diagram_state(runtime.workflow, runtime.row.error)


def test_a_new_audit_shows_its_start_done_and_its_first_task_ready(org):
    org.deploy(definition_files(*FILES), "olive")
    iid = start(org)
    drawn = state_of(org, iid)
    assert list(drawn) == ["case_audit"]
    elements = drawn["case_audit"]["elements"]
    assert elements["draft_audit"] == "ready"
    assert elements["draft_and_discuss"] == "active"  # the collapsed sub-process the draft is in
    others = [state for element, state in elements.items() if element not in ("draft_audit", "draft_and_discuss")]
    assert others and all(state in ("completed", "waiting") for state in others)
    [task] = ready(org, iid, "draft_audit")
    assert drawn["case_audit"]["ready"] == {"draft_audit": [task["id"]]}
    assert drawn["case_audit"]["timers"]  # the month-end deadline of the draft waits


def test_qa_inside_its_sub_process_and_a_called_dispute_are_drawn_in_their_own_files(org):
    org.deploy(definition_files(*FILES), "olive")
    iid = start(org)
    complete(org, iid, "draft_audit", draft("requires_improvement"))
    complete(org, iid, "discuss_draft_findings", discussion("requires_improvement"))
    drawn = state_of(org, iid)["case_audit"]
    assert drawn["elements"]["draft_audit"] == "completed"
    assert drawn["elements"]["quality_assurance"] == "active"  # the collapsed sub-process
    assert drawn["elements"]["quality_assure_report"] == "ready"  # inside it, same file
    assert "quality_assure_report" in drawn["timers"] or any(drawn["timers"])
    complete(org, iid, "quality_assure_report", {"qa_outcome": "accepted"})
    complete(org, iid, "respond_to_report", {"dispute": True, "comments": "Risk assessment was updated"})
    both = state_of(org, iid)
    assert both["case_audit"]["elements"]["resolve_dispute"] == "active"
    assert both["dispute_resolution"]["elements"]["prepare_written_response"] == "ready"
