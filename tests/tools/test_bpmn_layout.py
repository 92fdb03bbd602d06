"""tools.bpmn_layout: generated diagram interchange is complete, legible, and leaves the semantics alone."""
import difflib
import itertools
import re
import subprocess
import sys
from pathlib import Path

from lxml import etree
from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnValidator
from SpiffWorkflow.camunda.parser import CamundaParser

from tests.fixtures.diagrams import chain, decision, with_decision
from tools.bpmn_layout import layout, missing_shapes, order_changes

REPO = Path(__file__).resolve().parents[2]
SAMPLE = Path(__file__).with_name("sample_qa_review.bpmn").read_bytes()
NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL", "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
      "dc": "http://www.omg.org/spec/DD/20100524/DC", "di": "http://www.omg.org/spec/DD/20100524/DI"}
LANES = {"write_report": "Auditor", "qa_check": "QA team", "escalate": "QA team", "sign_off": "Team manager",
         "notify": "QA team"}
Rect = tuple[float, float, float, float]


def rect(bounds) -> Rect:
    return tuple(float(bounds.get(key)) for key in ("x", "y", "width", "height"))


def shapes(xml: bytes) -> dict[str, Rect]:
    root = etree.fromstring(xml)
    return {s.get("bpmnElement"): rect(s.find("dc:Bounds", NS)) for s in root.iterfind(".//bpmndi:BPMNShape", NS)}


def edges(xml: bytes) -> dict[str, list[tuple[float, float]]]:
    root = etree.fromstring(xml)
    return {e.get("bpmnElement"): [(float(p.get("x")), float(p.get("y"))) for p in e.iterfind("di:waypoint", NS)]
            for e in root.iterfind(".//bpmndi:BPMNEdge", NS)}


def labels(xml: bytes) -> dict[str, Rect]:
    root = etree.fromstring(xml)
    return {e.get("bpmnElement"): rect(e.find("bpmndi:BPMNLabel/dc:Bounds", NS))
            for e in root.iterfind(".//bpmndi:*", NS) if e.find("bpmndi:BPMNLabel/dc:Bounds", NS) is not None}


def ids_of(xml: bytes, tag: str) -> list[str]:
    return [e.get("id") for e in etree.fromstring(xml).iterfind(f".//bpmn:{tag}", NS)]


def node_ids(xml: bytes) -> list[str]:
    root = etree.fromstring(xml)
    return [e.get("id") for e in root.iterfind(".//bpmn:process/*", NS)
            if etree.QName(e).localname.endswith(("Task", "Event", "Gateway", "Activity", "task"))]


def overlap(a: Rect, b: Rect) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def inside(inner: Rect, outer: Rect) -> bool:
    return (outer[0] <= inner[0] and inner[0] + inner[2] <= outer[0] + outer[2]
            and outer[1] <= inner[1] and inner[1] + inner[3] <= outer[1] + outer[3])


def on_border(point: tuple[float, float], box: Rect, slack: float = 2) -> bool:
    x, y = point
    left, top, right, bottom = box[0], box[1], box[0] + box[2], box[1] + box[3]
    within = left - slack <= x <= right + slack and top - slack <= y <= bottom + slack
    near_edge = min(abs(x - left), abs(x - right), abs(y - top), abs(y - bottom)) <= slack
    return within and near_edge


def crosses(a: tuple[float, float], b: tuple[float, float], box: Rect) -> bool:
    """Whether an axis-parallel segment runs through the inside of a box."""
    (x1, y1), (x2, y2) = a, b
    left, top, right, bottom = box[0], box[1], box[0] + box[2], box[1] + box[3]
    if y1 == y2:
        return top < y1 < bottom and min(x1, x2) < right and max(x1, x2) > left
    return left < x1 < right and min(y1, y2) < bottom and max(y1, y2) > top


def process_text(xml: bytes) -> bytes:
    return re.search(rb"<bpmn:process .*?</bpmn:process>", xml, re.DOTALL).group()


def flow_ends(xml: bytes) -> dict[str, tuple[str, str]]:
    root = etree.fromstring(xml)
    return {f.get("id"): (f.get("sourceRef"), f.get("targetRef")) for f in root.iterfind(".//bpmn:sequenceFlow", NS)}


def boundary_hosts(xml: bytes) -> dict[str, str]:
    root = etree.fromstring(xml)
    return {b.get("id"): b.get("attachedToRef") for b in root.iterfind(".//bpmn:boundaryEvent", NS)}


def spiff_spec(xml: bytes, process_id: str, *decisions: bytes):
    parser = CamundaParser()
    for dmn in decisions:
        parser.add_dmn_str(dmn)
    parser.add_bpmn_str(xml)
    return parser.get_spec(process_id)


LAID_OUT = layout(SAMPLE)


# --- completeness and semantics -------------------------------------------------------------

def test_every_element_gets_a_shape_or_edge():
    assert "qa_check" in missing_shapes(SAMPLE)
    assert missing_shapes(LAID_OUT) == []
    drawn = list(shapes(LAID_OUT)) + list(edges(LAID_OUT))
    assert sorted(drawn) == sorted(set(drawn)), "one shape or edge per element"


def test_spiffworkflow_parses_the_result_with_its_lanes():
    BpmnValidator().validate(etree.fromstring(LAID_OUT), "sample_qa_review.bpmn")
    spec = spiff_spec(LAID_OUT, "qa_review")
    assert {task_id: spec.task_specs[task_id].lane for task_id in LANES} == LANES


def test_gateway_conditions_keep_the_order_spiffworkflow_tries_them_in():
    def outputs(xml: bytes) -> dict[str, list[str]]:
        specs = spiff_spec(xml, "qa_review").task_specs
        return {gateway: [s.name for s in specs[gateway].outputs] for gateway in ("accepted", "split")}

    assert outputs(LAID_OUT)["accepted"] == outputs(SAMPLE)["accepted"]
    assert order_changes(SAMPLE, LAID_OUT) == []


def test_semantic_part_is_byte_for_byte_unchanged():
    assert process_text(LAID_OUT) == process_text(SAMPLE)
    before, after = SAMPLE.decode().splitlines(), LAID_OUT.decode().splitlines()
    changes = [op for op in difflib.SequenceMatcher(None, before, after).get_opcodes() if op[0] != "equal"]
    replaced = [before[i1:i2] for op, i1, i2, _, _ in changes if op != "insert"]
    assert replaced == [[before[1]]], "only the root start tag changes (new namespace declarations)"
    assert LAID_OUT.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n')


def test_root_keeps_its_prefixes_and_declares_the_diagram_namespaces():
    nsmap = etree.fromstring(LAID_OUT).nsmap
    assert etree.fromstring(SAMPLE).nsmap.items() <= nsmap.items()
    assert {nsmap["bpmndi"], nsmap["dc"], nsmap["di"]} == {NS["bpmndi"], NS["dc"], NS["di"]}


def test_lanes_are_drawn_in_a_pool():
    root = etree.fromstring(LAID_OUT)
    collaboration = root.find("bpmn:collaboration", NS)
    assert list(root).index(collaboration) < list(root).index(root.find("bpmn:process", NS))
    participant = collaboration.find("bpmn:participant", NS)
    assert (collaboration.get("id"), participant.get("id")) == ("collab_qa_review", "participant_qa_review")
    assert (participant.get("processRef"), participant.get("name")) == ("qa_review", "Case audit QA review")
    assert root.find(".//bpmndi:BPMNPlane", NS).get("bpmnElement") == "collab_qa_review"
    boxes, pool = shapes(LAID_OUT), shapes(LAID_OUT)["participant_qa_review"]
    lanes = [boxes[lane] for lane in ids_of(LAID_OUT, "lane")]
    assert all(inside(lane, pool) and lane[0] + lane[2] == pool[0] + pool[2] for lane in lanes)
    assert [lane[1] for lane in lanes] == sorted(lane[1] for lane in lanes), "lanes in document order"
    assert all(upper[1] + upper[3] == lower[1] for upper, lower in itertools.pairwise(lanes))
    assert lanes[0][0] - pool[0] == 30, "a label band on the left of the pool"


CROSS_LANE_CHOICE = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="defs" targetNamespace="urn:t">
  <bpmn:process id="choice" isExecutable="true">
    <bpmn:laneSet id="lanes">
      <bpmn:lane id="upper" name="Team manager"><bpmn:flowNodeRef>to_manager</bpmn:flowNodeRef></bpmn:lane>
      <bpmn:lane id="lower" name="Auditor"><bpmn:flowNodeRef>start</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>gate</bpmn:flowNodeRef><bpmn:flowNodeRef>to_auditor</bpmn:flowNodeRef></bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="start" />
    <bpmn:exclusiveGateway id="gate" />
    <bpmn:task id="to_auditor" />
    <bpmn:task id="to_manager" />
    <bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="gate" />
    <bpmn:sequenceFlow id="fa" sourceRef="gate" targetRef="to_auditor">
      <bpmn:conditionExpression>grade == "good"</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="fm" sourceRef="gate" targetRef="to_manager">
      <bpmn:conditionExpression>grade != "outstanding"</bpmn:conditionExpression></bpmn:sequenceFlow>
  </bpmn:process>
</bpmn:definitions>
"""


def test_a_changed_condition_order_is_reported_because_spiffworkflow_follows_the_diagram():
    laid_out = layout(CROSS_LANE_CHOICE)

    def tried(xml: bytes) -> list[str]:
        return [name for _, name in spiff_spec(xml, "choice").task_specs["gate"].cond_task_specs]

    assert (tried(CROSS_LANE_CHOICE), tried(laid_out)) == (["to_auditor", "to_manager"], ["to_manager", "to_auditor"])
    assert order_changes(CROSS_LANE_CHOICE, laid_out) == ["gateway gate now tries fm, fa (was fa, fm)"]


# --- geometry -------------------------------------------------------------------------------

def test_node_shapes_do_not_overlap():
    boxes, hosts = shapes(LAID_OUT), boundary_hosts(LAID_OUT)
    nodes = node_ids(LAID_OUT)
    for index, first in enumerate(nodes):
        for second in nodes[index + 1:]:
            if hosts.get(first) == second or hosts.get(second) == first:
                continue
            assert not overlap(boxes[first], boxes[second]), (first, second)


def test_every_node_lies_inside_its_lane():
    root, boxes = etree.fromstring(LAID_OUT), shapes(LAID_OUT)
    for lane in root.iterfind(".//bpmn:lane", NS):
        for ref in lane.iterfind("bpmn:flowNodeRef", NS):
            assert inside(boxes[ref.text], boxes[lane.get("id")]), (ref.text, lane.get("name"))


def test_boundary_events_sit_on_the_bottom_edge_of_their_task():
    boxes = shapes(LAID_OUT)
    for boundary, host in boundary_hosts(LAID_OUT).items():
        x, y, w, h = boxes[boundary]
        hx, hy, hw, hh = boxes[host]
        assert (w, h) == (36, 36)
        assert y + h / 2 == hy + hh and hx <= x + w / 2 <= hx + hw


def test_several_boundary_events_spread_along_the_bottom_edge():
    reminder = b'''<bpmn:boundaryEvent id="qa_reminder" name="5 working days" attachedToRef="qa_check"
        cancelActivity="false">
      <bpmn:timerEventDefinition id="qa_reminder_def">
        <bpmn:timeDate xsi:type="bpmn:tFormalExpression">add_working_days(now(), 5)</bpmn:timeDate>
      </bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:endEvent id="reminded" name="Reminder sent" />
    <bpmn:sequenceFlow id="remind" sourceRef="qa_reminder" targetRef="reminded" />
  </bpmn:process>'''
    laid_out = layout(SAMPLE.replace(b"  </bpmn:process>", reminder))
    boxes = shapes(laid_out)
    first, second, host = boxes["qa_overdue"], boxes["qa_reminder"], boxes["qa_check"]
    assert not overlap(first, second)
    assert all(box[1] + box[3] / 2 == host[1] + host[3] and host[0] <= box[0] + box[2] / 2 <= host[0] + host[2]
               for box in (first, second))
    assert missing_shapes(laid_out) == []
    spiff_spec(laid_out, "qa_review")


def test_boundary_event_target_goes_a_row_below_its_task():
    boxes = shapes(LAID_OUT)
    assert boxes["escalate"][1] > boxes["qa_check"][1] + boxes["qa_check"][3]
    assert boxes["escalate"][0] > boxes["qa_check"][0]


def test_sizes_and_gateway_markers():
    boxes, root = shapes(LAID_OUT), etree.fromstring(LAID_OUT)
    assert boxes["write_report"][2:] == boxes["notify"][2:] == (100, 80)
    assert boxes["allocated"][2:] == boxes["closed"][2:] == (36, 36)
    assert boxes["accepted"][2:] == boxes["split"][2:] == (50, 50)
    marker = root.find(".//bpmndi:BPMNShape[@bpmnElement='accepted']", NS).get("isMarkerVisible")
    assert marker == "true"


def test_columns_follow_the_longest_path_and_ignore_the_loop_back():
    centre = {node: x + w / 2 for node, (x, _, w, _) in shapes(LAID_OUT).items()}
    path = ["allocated", "write_report", "qa_check", "accepted", "split", "sign_off", "join", "closed"]
    assert [centre[b] - centre[a] for a, b in itertools.pairwise(path)] == [170] * 7
    assert centre["notify"] == centre["sign_off"]


def test_a_chain_in_one_lane_is_a_straight_line():
    routes = edges(LAID_OUT)
    for flow in ("to_write", "to_decision", "to_escalated", "to_closed"):
        assert len(routes[flow]) == 2 and routes[flow][0][1] == routes[flow][1][1], flow


def test_edges_leave_and_enter_their_shapes_orthogonally():
    boxes, routes = shapes(LAID_OUT), edges(LAID_OUT)
    for flow, (source, target) in flow_ends(LAID_OUT).items():
        points = routes[flow]
        assert len(points) >= 2
        assert on_border(points[0], boxes[source]) and on_border(points[-1], boxes[target]), flow
        assert all(a[0] == b[0] or a[1] == b[1] for a, b in itertools.pairwise(points)), flow


def test_edges_do_not_run_through_shapes():
    boxes, routes = shapes(LAID_OUT), edges(LAID_OUT)
    for flow, points in routes.items():
        for node in node_ids(LAID_OUT):
            assert not any(crosses(a, b, boxes[node]) for a, b in itertools.pairwise(points)), (flow, node)


def test_loop_back_goes_round_the_nodes_to_the_left():
    points, boxes = edges(LAID_OUT)["returned"], shapes(LAID_OUT)
    write_report = boxes["write_report"]
    assert any(a[1] == b[1] and b[0] < a[0] for a, b in itertools.pairwise(points)), "runs leftwards"
    assert points[-1] == (write_report[0], write_report[1] + write_report[3] / 2)


def test_named_events_gateways_and_flows_have_labels_clear_of_shapes():
    found, boxes = labels(LAID_OUT), shapes(LAID_OUT)
    assert {"allocated", "qa_overdue", "escalated", "closed", "accepted", "returned", "to_split"} <= set(found)
    assert "write_report" not in found, "task names render inside the task"
    for element, label in found.items():
        assert not any(overlap(label, boxes[node]) for node in node_ids(LAID_OUT)), element
    placed = list(found.values())
    assert not any(overlap(a, b) for i, a in enumerate(placed) for b in placed[i + 1:])


# --- documents ------------------------------------------------------------------------------

def test_layout_is_idempotent():
    assert layout(LAID_OUT) == LAID_OUT


def test_an_existing_diagram_is_replaced():
    moved = LAID_OUT.replace(b'<dc:Bounds x="', b'<dc:Bounds x="1')
    assert moved != LAID_OUT and layout(moved) == LAID_OUT
    foreign = b"""  <d:BPMNDiagram xmlns:d="http://www.omg.org/spec/BPMN/20100524/DI" id="old">
    <d:BPMNPlane id="old_plane" bpmnElement="qa_review" />
  </d:BPMNDiagram>
</bpmn:definitions>"""
    assert layout(SAMPLE.replace(b"</bpmn:definitions>", foreign)) == LAID_OUT


def test_several_processes_stack_as_pools_in_one_collaboration():
    second = chain(pid="reminder", steps=1).decode()
    extra = re.search(r"<bpmn:process .*?</bpmn:process>", second, re.DOTALL).group()
    xml = SAMPLE.replace(b"</bpmn:definitions>", f"  {extra}\n</bpmn:definitions>".encode()).replace(
        b'id="start"', b'id="reminder_start"').replace(b'sourceRef="start"', b'sourceRef="reminder_start"').replace(
        b"<bpmn:flowNodeRef>start<", b"<bpmn:flowNodeRef>reminder_start<")
    laid_out = layout(xml)
    assert missing_shapes(laid_out) == []
    assert ids_of(laid_out, "collaboration") == ["collab_qa_review"]
    assert ids_of(laid_out, "participant") == ["participant_qa_review", "participant_reminder"]
    boxes = shapes(laid_out)
    first, below = boxes["participant_qa_review"], boxes["participant_reminder"]
    assert first[1] + first[3] < below[1] and first[0] == below[0]
    assert inside(boxes["step_1"], below) and inside(boxes["reminder_start"], below)
    assert spiff_spec(laid_out, "reminder").task_specs["step_1"].lane == "Auditor"
    BpmnValidator().validate(etree.fromstring(laid_out), "two.bpmn")


def test_existing_collaboration_gets_the_missing_participants_before_its_message_flows():
    xml = SAMPLE.replace(b"  <bpmn:process ", b'''  <bpmn:collaboration id="outside">
    <bpmn:participant id="family" name="Family" />
    <bpmn:messageFlow id="letter" sourceRef="closed" targetRef="family" />
  </bpmn:collaboration>
  <bpmn:process ''', 1).replace(b'<bpmn:endEvent id="closed" name="Audit closed" />',
                                b'<bpmn:endEvent id="closed" name="Audit closed"><bpmn:messageEventDefinition '
                                b'id="closed_message" /></bpmn:endEvent>')
    laid_out = layout(xml)
    assert ids_of(laid_out, "participant") == ["family", "participant_qa_review"]
    assert missing_shapes(laid_out) == []
    BpmnValidator().validate(etree.fromstring(laid_out), "outside.bpmn")
    assert etree.fromstring(laid_out).find(".//bpmndi:BPMNPlane", NS).get("bpmnElement") == "outside"
    assert spiff_spec(laid_out, "qa_review").task_specs["sign_off"].lane == "Team manager"


def test_a_process_without_lanes_gets_a_plain_plane():
    xml = re.sub(rb"<bpmn:laneSet .*?</bpmn:laneSet>", b"", with_decision(), flags=re.DOTALL)
    laid_out = layout(xml)
    assert missing_shapes(laid_out) == [] and ids_of(laid_out, "collaboration") == []
    assert etree.fromstring(laid_out).find(".//bpmndi:BPMNPlane", NS).get("bpmnElement") == "graded"


def test_engine_fixtures_lay_out_and_still_parse():
    for xml, process_id in ((chain(steps=3), "chain"), (with_decision(call="child"), "graded")):
        laid_out = layout(xml)
        assert missing_shapes(laid_out) == []
        BpmnValidator().validate(etree.fromstring(laid_out), process_id)
        assert spiff_spec(laid_out, process_id, decision())


def test_a_sub_process_is_drawn_collapsed_with_a_plane_of_its_own():
    inner = b'''<bpmn:subProcess id="gather" name="Gather evidence">
      <bpmn:startEvent id="gather_start" /><bpmn:task id="collect" name="Collect" />
      <bpmn:endEvent id="gather_end" />
      <bpmn:sequenceFlow id="g1" sourceRef="gather_start" targetRef="collect" />
      <bpmn:sequenceFlow id="g2" sourceRef="collect" targetRef="gather_end" />
    </bpmn:subProcess>'''
    xml = SAMPLE.replace(b'<bpmn:callActivity id="notify" name="Notify the practitioner" '
                         b'calledElement="notify_practitioner" />', inner.replace(b'"gather"', b'"notify"'))
    laid_out = layout(xml)
    root = etree.fromstring(laid_out)
    assert missing_shapes(laid_out) == []
    planes = [plane.get("bpmnElement") for plane in root.iterfind(".//bpmndi:BPMNPlane", NS)]
    assert planes == ["collab_qa_review", "notify"]
    assert root.find(".//bpmndi:BPMNShape[@bpmnElement='notify']", NS).get("isExpanded") == "false"
    spiff_spec(laid_out, "qa_review")


def test_nested_lanes_sit_inside_their_parent_lane():
    xml = SAMPLE.replace(b'<bpmn:lane id="lane_qa" name="QA team">', b'''<bpmn:lane id="lane_qa" name="QA team">
        <bpmn:childLaneSet id="qa_sub_lanes">
          <bpmn:lane id="lane_qa_officer" name="QA officer"><bpmn:flowNodeRef>qa_check</bpmn:flowNodeRef></bpmn:lane>
          <bpmn:lane id="lane_qa_lead" name="QA lead"><bpmn:flowNodeRef>escalate</bpmn:flowNodeRef></bpmn:lane>
        </bpmn:childLaneSet>''')
    laid_out = layout(xml)
    boxes = shapes(laid_out)
    assert missing_shapes(laid_out) == []
    assert inside(boxes["lane_qa_officer"], boxes["lane_qa"]) and inside(boxes["lane_qa_lead"], boxes["lane_qa"])
    assert boxes["lane_qa_officer"][0] == boxes["lane_qa"][0] + 30
    assert inside(boxes["qa_check"], boxes["lane_qa_officer"]) and inside(boxes["escalate"], boxes["lane_qa_lead"])
    assert inside(boxes["accepted"], boxes["lane_qa"])
    lanes = [spiff_spec(x, "qa_review").task_specs["qa_check"].lane for x in (xml, laid_out)]
    assert lanes[0] == lanes[1]


def test_data_objects_get_a_shape_near_their_task_and_an_edge():
    xml = SAMPLE.replace(b'<bpmn:userTask id="qa_check" name="QA the report" camunda:formKey="qa_review" />',
                         b'''<bpmn:dataObject id="report_data" />
    <bpmn:dataObjectReference id="report" name="Audit report" dataObjectRef="report_data" />
    <bpmn:userTask id="qa_check" name="QA the report" camunda:formKey="qa_review">
      <bpmn:dataInputAssociation id="reads_report"><bpmn:sourceRef>report</bpmn:sourceRef></bpmn:dataInputAssociation>
    </bpmn:userTask>''')
    laid_out = layout(xml)
    boxes, routes = shapes(laid_out), edges(laid_out)
    assert missing_shapes(laid_out) == [] and boxes["report"][2:] == (36, 50)
    assert on_border(routes["reads_report"][0], boxes["report"])
    assert on_border(routes["reads_report"][-1], boxes["qa_check"])
    assert not any(overlap(boxes["report"], boxes[node]) for node in node_ids(laid_out))
    spiff_spec(laid_out, "qa_review")


def test_windows_line_ends_are_kept():
    assert layout(SAMPLE.replace(b"\n", b"\r\n")) == LAID_OUT.replace(b"\n", b"\r\n")


def test_a_file_on_one_line_stays_on_few_lines():
    compact = re.sub(rb">\s+<", b"><", SAMPLE)
    laid_out = layout(compact)
    assert missing_shapes(laid_out) == [] and laid_out.count(b"\n") == compact.count(b"\n")
    spiff_spec(laid_out, "qa_review")


# --- command line ---------------------------------------------------------------------------

def run_cli(*args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "tools.bpmn_layout", *args]
    return subprocess.run(command, cwd=REPO, capture_output=True, check=False, text=True, timeout=60)


def test_cli_check_fails_without_a_diagram_and_passes_after_layout(tmp_path):
    path = tmp_path / "qa_review.bpmn"
    path.write_bytes(SAMPLE)
    failed = run_cli("--check", str(path))
    assert failed.returncode == 1 and str(path) in failed.stdout and "qa_check" in failed.stdout
    assert path.read_bytes() == SAMPLE, "--check writes nothing"
    assert run_cli(str(path)).returncode == 0
    assert path.read_bytes() == LAID_OUT
    passed = run_cli("--check", str(path))
    assert (passed.returncode, passed.stdout) == (0, "")


def test_cli_warns_when_spiffworkflow_would_try_conditions_in_another_order(tmp_path):
    path = tmp_path / "choice.bpmn"
    path.write_bytes(CROSS_LANE_CHOICE)
    result = run_cli(str(path))
    assert result.returncode == 0 and "warning: gateway gate now tries fm, fa" in result.stderr


def test_a_lane_whose_tasks_are_all_in_a_sub_process_is_not_an_empty_band_on_the_main_plane():
    """Issue 24: the lane still gives the tasks inside the sub-process its role (SpiffWorkflow reads
    every lane of the file), but the main plane draws no empty band for it."""
    inner = b'''<bpmn:subProcess id="signing" name="Sign off">
      <bpmn:startEvent id="signing_start" /><bpmn:userTask id="sign_off" name="Sign off the audit" camunda:formKey="sign_off" />
      <bpmn:endEvent id="signing_end" />
      <bpmn:sequenceFlow id="s1" sourceRef="signing_start" targetRef="sign_off" />
      <bpmn:sequenceFlow id="s2" sourceRef="sign_off" targetRef="signing_end" />
    </bpmn:subProcess>'''
    xml = (SAMPLE.replace(b'<bpmn:userTask id="sign_off" name="Sign off the audit" camunda:formKey="sign_off" />', inner)
           .replace(b'sourceRef="split" targetRef="sign_off"', b'sourceRef="split" targetRef="signing"')
           .replace(b'id="signed" sourceRef="sign_off"', b'id="signed" sourceRef="signing"'))
    laid_out = layout(xml)
    assert missing_shapes(laid_out) == []
    boxes = shapes(laid_out)
    assert "lane_manager" not in boxes and "lane_qa" in boxes and "lane_auditor" in boxes
    pool = boxes["participant_qa_review"]
    assert pool[3] == boxes["lane_auditor"][3] + boxes["lane_qa"][3]  # two bands, no third
    parser = CamundaParser()
    parser.add_bpmn_str(laid_out)
    parser.get_spec("qa_review")
    assert parser.get_spec("signing").task_specs["sign_off"].lane == "Team manager"
