"""Read a BPMN process (or sub-process) into a graph and place its nodes on a grid of lane bands,
columns (longest path from the start) and rows."""
from collections import defaultdict
from dataclasses import dataclass, field

from lxml import etree

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMN = f"{{{BPMN_NS}}}"

CONTAINERS = {"subProcess", "transaction", "adHocSubProcess"}
TASKS = {"task", "userTask", "scriptTask", "businessRuleTask", "serviceTask", "sendTask", "receiveTask",
         "manualTask", "callActivity"} | CONTAINERS
EVENTS = {"startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent"}
GATEWAYS = {"exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway", "complexGateway"}
FLOW_NODES = TASKS | EVENTS | GATEWAYS
ARTIFACTS = {"dataObjectReference", "dataStoreReference", "textAnnotation"}


def local(element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


@dataclass(frozen=True)
class Link:
    """A sequence flow, association or data association: something drawn as an edge."""
    id: str
    source: str
    target: str
    name: str = ""


@dataclass
class Lane:
    id: str
    depth: int
    first_band: int
    last_band: int = 0


@dataclass(frozen=True)
class Cell:
    band: int
    column: int
    row: int


@dataclass
class Graph:
    container: etree._Element
    nodes: list[str] = field(default_factory=list)
    kinds: dict[str, str] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    flows: list[Link] = field(default_factory=list)
    boundaries: dict[str, list[str]] = field(default_factory=dict)
    artifacts: list[str] = field(default_factory=list)
    associations: list[Link] = field(default_factory=list)
    lanes: list[Lane] = field(default_factory=list)
    bands: int = 1
    band_of: dict[str, int] = field(default_factory=dict)

    @property
    def lane_depth(self) -> int:
        return max((lane.depth + 1 for lane in self.lanes), default=0)

    def boundary_ids(self) -> list[str]:
        return [b for bs in self.boundaries.values() for b in bs]

    def targets(self, source: str) -> list[str]:
        return [flow.target for flow in self.flows if flow.source == source]


def read_graph(container: etree._Element) -> Graph:
    graph = Graph(container)
    for element in container:
        _read_element(graph, element)
    for host in [host for host in graph.boundaries if graph.kinds.get(host) not in FLOW_NODES]:
        for orphan in graph.boundaries.pop(host):
            del graph.kinds[orphan]
    graph.flows = [f for f in graph.flows if _drawn(graph, f.source) and _drawn(graph, f.target)]
    graph.associations = [a for a in graph.associations if _drawn(graph, a.source) and _drawn(graph, a.target)]
    bands = 0
    for lane_set in container.iterchildren(f"{BPMN}laneSet"):
        bands = _read_lanes(graph, lane_set, 0, bands)
    graph.bands = max(1, bands)
    _place_sub_processes(graph, container)
    return graph


def _place_sub_processes(graph: Graph, container) -> None:
    """A sub-process in no lane (its tasks keep their own lanes, which a lane around it would
    override) is drawn in the lane of the first of its tasks that has one."""
    for element in container:
        if local(element) in CONTAINERS and element.get("id") not in graph.band_of:
            nested = [graph.band_of[e.get("id")] for e in element.iter() if e.get("id") in graph.band_of]
            if nested:
                graph.band_of[element.get("id")] = nested[0]


def _drawn(graph: Graph, element_id: str) -> bool:
    return element_id in graph.kinds


def _read_element(graph: Graph, element) -> None:
    kind, element_id = local(element), element.get("id")
    if not element_id:
        return
    if kind in FLOW_NODES:
        graph.nodes.append(element_id)
        _read_data_associations(graph, element)
    elif kind == "boundaryEvent":
        graph.boundaries.setdefault(element.get("attachedToRef", ""), []).append(element_id)
    elif kind in ARTIFACTS:
        graph.artifacts.append(element_id)
    elif kind == "sequenceFlow":
        graph.flows.append(Link(element_id, element.get("sourceRef", ""), element.get("targetRef", ""),
                                element.get("name", "")))
        return
    elif kind == "association":
        graph.associations.append(Link(element_id, element.get("sourceRef", ""), element.get("targetRef", "")))
        return
    else:
        return
    graph.kinds[element_id] = kind
    text = element.findtext(f"{BPMN}text", "") if kind == "textAnnotation" else element.get("name", "")
    graph.names[element_id] = text.strip()


def _read_data_associations(graph: Graph, node) -> None:
    node_id = node.get("id")
    for association in node.iterchildren(f"{BPMN}dataInputAssociation", f"{BPMN}dataOutputAssociation"):
        if not association.get("id"):
            continue
        if local(association) == "dataInputAssociation":
            source, target = association.findtext(f"{BPMN}sourceRef", ""), node_id
        else:
            source, target = node_id, association.findtext(f"{BPMN}targetRef", "")
        graph.associations.append(Link(association.get("id"), source.strip(), target.strip()))


def _read_lanes(graph: Graph, lane_set, depth: int, next_band: int) -> int:
    """Leaf lanes become bands in document order; a node goes to the deepest lane that lists it."""
    for element in lane_set.iterchildren(f"{BPMN}lane"):
        if lane_only_nested(element, set(graph.kinds)):
            continue
        lane = Lane(element.get("id", ""), depth, first_band=next_band)
        graph.lanes.append(lane)
        after = next_band
        for child_set in element.iterchildren(f"{BPMN}childLaneSet"):
            after = _read_lanes(graph, child_set, depth + 1, after)
        after = max(after, next_band + 1)
        lane.last_band = after - 1
        for ref in element.iterchildren(f"{BPMN}flowNodeRef"):
            graph.band_of.setdefault((ref.text or "").strip(), lane.first_band)
        next_band = after
    return next_band


def lane_only_nested(lane, drawn: set[str]) -> bool:
    """A lane that lists tasks, all of them inside sub-processes: it assigns their role (the engine
    reads the lane of every task in the file) but would be an empty band on this plane, so it is not drawn."""
    refs = [(ref.text or "").strip() for ref in lane.iter(f"{BPMN}flowNodeRef")]
    return bool(refs) and not drawn.intersection(refs)


def _successors(graph: Graph) -> dict[str, list[tuple[str, int, str | None]]]:
    """(target, rank step, flow id) per node; a boundary event hangs on its host at the host's rank."""
    edges = {node: [] for node in graph.nodes + graph.boundary_ids()}
    for flow in graph.flows:
        edges[flow.source].append((flow.target, 1, flow.id))
    for host, boundaries in graph.boundaries.items():
        edges[host] += [(boundary, 0, None) for boundary in boundaries]
    return edges


def walk(graph: Graph) -> tuple[dict[str, int], set[str]]:
    """Depth-first from the start events: each node's visiting order, and the flows that loop back."""
    edges, order, back, on_path = _successors(graph), {}, set(), set()

    def visit(node: str) -> None:
        order[node] = len(order)
        on_path.add(node)
        for target, _, flow_id in edges[node]:
            if target in on_path:
                back.add(flow_id)
            elif target not in order:
                visit(target)
        on_path.discard(node)

    starts = [node for node in graph.nodes if graph.kinds[node] == "startEvent"]
    for node in starts + graph.nodes + graph.boundary_ids():
        if node not in order:
            visit(node)
    return order, back


def rank_nodes(graph: Graph, back: set[str]) -> dict[str, int]:
    """Longest path from the start along flows that do not loop back."""
    predecessors = defaultdict(list)
    for source, edges in _successors(graph).items():
        for target, step, flow_id in edges:
            if flow_id not in back:
                predecessors[target].append((source, step))
    ranks: dict[str, int] = {}

    def rank(node: str) -> int:
        if node not in ranks:
            ranks[node] = max((rank(source) + step for source, step in predecessors[node]), default=0)
        return ranks[node]

    for node in graph.nodes + graph.boundary_ids():
        rank(node)
    return ranks


def place_nodes(graph: Graph) -> dict[str, Cell]:
    """A cell for every node and artifact; boundary events go with their host."""
    order, back = walk(graph)
    ranks = rank_nodes(graph, back)
    cells: dict[str, Cell] = {}
    proposals: dict[str, int] = {}
    for node in sorted(graph.nodes, key=lambda n: (ranks[n], order[n])):
        cells[node] = _free_cell(cells, graph.band_of.get(node, 0), ranks[node], proposals.get(node, 0))
        _propose_rows(graph, node, cells, proposals)
    for artifact in graph.artifacts:
        anchor = next((cells[n] for n in _linked(graph, artifact) if n in cells), None)
        start = Cell(anchor.band, anchor.column, anchor.row + 1) if anchor else Cell(0, 0, 0)
        cells[artifact] = _free_cell(cells, start.band, start.column, start.row)
    return cells


def _free_cell(cells: dict[str, Cell], band: int, column: int, row: int) -> Cell:
    taken = set(cells.values())
    while Cell(band, column, row) in taken:
        row += 1
    return Cell(band, column, row)


def _propose_rows(graph: Graph, node: str, cells: dict[str, Cell], proposals: dict[str, int]) -> None:
    """Successors in flow order keep the node's row or take the rows below it, so chains stay straight and
    SpiffWorkflow (which orders a gateway's outgoing flows by target y) keeps the document order.
    Targets of boundary events start a row below the task they hang from."""
    cell = cells[node]
    next_row = {cell.band: cell.row}
    boundary_targets = [t for b in graph.boundaries.get(node, []) for t in graph.targets(b)]
    for targets, floor in ((graph.targets(node), cell.row), (boundary_targets, cell.row + 1)):
        for target in targets:
            if target in cells or target in proposals:
                continue
            band = graph.band_of.get(target, 0)
            row = max(next_row.get(band, 0), floor) if band == cell.band else next_row.get(band, 0)
            proposals[target] = row
            next_row[band] = row + 1


def _linked(graph: Graph, artifact: str) -> list[str]:
    return [link.target if link.source == artifact else link.source
            for link in graph.associations if artifact in (link.source, link.target)]
