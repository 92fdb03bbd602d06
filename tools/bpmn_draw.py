"""Draw processes as BPMN diagram interchange: frames on a grid of lane bands, columns and rows; shapes,
routed edges and labels; written as new elements with the file's own prefixes."""
from dataclasses import dataclass

from lxml import etree

from .bpmn_geometry import (
    COLUMN_WIDTH,
    ROW_HEIGHT,
    Box,
    Point,
    Router,
    edge_label_spots,
    first_free_spot,
    node_label_spots,
    simplify,
    size_of,
    text_size,
)
from .bpmn_graph import BPMN, BPMN_NS, CONTAINERS, EVENTS, GATEWAYS, Cell, Graph, place_nodes, read_graph
from .bpmn_text import Tag

BPMNDI_NS = "http://www.omg.org/spec/BPMN/20100524/DI"
DC_NS = "http://www.omg.org/spec/DD/20100524/DC"
DI_NS = "http://www.omg.org/spec/DD/20100524/DI"
PREFERRED_PREFIXES = {BPMN_NS: "bpmn", BPMNDI_NS: "bpmndi", DC_NS: "dc", DI_NS: "di"}
LABELLED = EVENTS | GATEWAYS | {"boundaryEvent", "dataObjectReference", "dataStoreReference"}
POOL_X, POOL_Y, POOL_GAP, LABEL_BAND = 160, 80, 40, 30


class Names:
    """Tag names spelled with the file's own prefixes, and the DI namespaces the root must declare."""

    def __init__(self, root: etree._Element):
        declared: dict[str, str | None] = {}
        for prefix, uri in root.nsmap.items():
            if uri not in declared or declared[uri] is None:
                declared[uri] = prefix
        self.prefixes, self.missing = dict(declared), {}
        for uri, preferred in PREFERRED_PREFIXES.items():
            if uri not in declared:
                prefix = _free_prefix(preferred, root.nsmap)
                self.prefixes[uri], self.missing[prefix] = prefix, uri

    def __call__(self, uri: str, name: str) -> str:
        prefix = self.prefixes[uri]
        return f"{prefix}:{name}" if prefix else name


def _free_prefix(preferred: str, nsmap: dict) -> str:
    prefix, number = preferred, 1
    while prefix in nsmap:
        number += 1
        prefix = f"{preferred}{number}"
    return prefix


@dataclass
class Pool:
    participant: str
    process: etree._Element | None


# --- where things go -----------------------------------------------------------------------------

@dataclass
class Frame:
    """One process (or sub-process) on the grid: lane bands stacked from `top`, columns from `left`."""
    graph: Graph
    cells: dict[str, Cell]
    top: int
    left: int
    rows: list[int]

    @property
    def height(self) -> int:
        return sum(self.rows) * ROW_HEIGHT

    @property
    def right(self) -> int:
        columns = max((cell.column for cell in self.cells.values()), default=0) + 1
        return self.left + columns * COLUMN_WIDTH

    def band_top(self, band: int) -> int:
        return self.top + sum(self.rows[:band]) * ROW_HEIGHT


def make_frame(graph: Graph, top: int, pooled: bool) -> Frame:
    cells = place_nodes(graph)
    rows = [1] * graph.bands
    for cell in cells.values():
        rows[cell.band] = max(rows[cell.band], cell.row + 1)
    left = POOL_X + (LABEL_BAND * (1 + graph.lane_depth) if pooled else 0)
    return Frame(graph, cells, top, left, rows)


def node_boxes(frame: Frame) -> dict[str, Box]:
    """Nodes centred in their cells; boundary events spread along the bottom edge of their task."""
    boxes = {}
    for element, cell in frame.cells.items():
        cx = frame.left + COLUMN_WIDTH // 2 + cell.column * COLUMN_WIDTH
        cy = frame.band_top(cell.band) + cell.row * ROW_HEIGHT + ROW_HEIGHT // 2
        boxes[element] = Box.around(cx, cy, *size_of(frame.graph.kinds[element]))
    for host, boundaries in frame.graph.boundaries.items():
        for boundary, cx in zip(boundaries, _spread(boxes[host], len(boundaries))):
            boxes[boundary] = Box.around(cx, boxes[host].bottom, *size_of("boundaryEvent"))
    return boxes


def _spread(host: Box, count: int) -> list[int]:
    """Centres along the bottom edge: one or two in the middle of equal parts, more from corner to corner."""
    if count <= 2:
        return [host.x + host.w * (2 * index + 1) // (2 * count) for index in range(count)]
    return [host.x + host.w * index // (count - 1) for index in range(count)]


def channels(frame: Frame) -> list[int]:
    """Horizontal lines free of shapes: just inside each band's edges and between its rows."""
    ys = []
    for band, rows in enumerate(frame.rows):
        top = frame.band_top(band)
        ys += [top + 15, top + rows * ROW_HEIGHT - 15]
        ys += [top + row * ROW_HEIGHT + shift for row in range(1, rows) for shift in (0, -8, 8)]
    return ys


def lane_boxes(frame: Frame, right: int) -> dict[str, Box]:
    boxes = {}
    for lane in frame.graph.lanes:
        x, top = POOL_X + LABEL_BAND * (1 + lane.depth), frame.band_top(lane.first_band)
        boxes[lane.id] = Box(x, top, right - x, frame.band_top(lane.last_band + 1) - top)
    return boxes


# --- drawing -------------------------------------------------------------------------------------

class Canvas:
    """The shapes and edges of one diagram plane, and the room their labels take."""

    def __init__(self, names: Names):
        self.names = names
        self.shapes: dict[str, Tag] = {}
        self.edges: list[Tag] = []
        self.nodes: dict[str, Box] = {}
        self.containers: dict[str, Box] = {}
        self.labels: list[Box] = []
        self.routes: dict[str, list[Point]] = {}

    def shape(self, element_id: str, box: Box, flags: dict[str, str]) -> None:
        self.shapes[element_id] = Tag(self.names(BPMNDI_NS, "BPMNShape"),
                                      {"id": f"{element_id}_di", "bpmnElement": element_id, **flags},
                                      [self.bounds(box)])

    def edge(self, element_id: str, points: list[Point], label: Box | None = None) -> None:
        waypoints = [Tag(self.names(DI_NS, "waypoint"), {"x": str(x), "y": str(y)}) for x, y in points]
        tag = Tag(self.names(BPMNDI_NS, "BPMNEdge"), {"id": f"{element_id}_di", "bpmnElement": element_id},
                  waypoints)
        if label:
            tag.children.append(self.label(label))
        self.edges.append(tag)

    def bounds(self, box: Box) -> Tag:
        return Tag(self.names(DC_NS, "Bounds"), {"x": str(box.x), "y": str(box.y), "width": str(box.w),
                                                 "height": str(box.h)})

    def label(self, box: Box) -> Tag:
        return Tag(self.names(BPMNDI_NS, "BPMNLabel"), {}, [self.bounds(box)])

    def taken(self) -> list[Box]:
        return list(self.nodes.values()) + self.labels

    def diagram(self, plane_element: str) -> Tag:
        plane = Tag(self.names(BPMNDI_NS, "BPMNPlane"), {"id": f"BPMNPlane_{plane_element}",
                                                         "bpmnElement": plane_element},
                    list(self.shapes.values()) + self.edges)
        return Tag(self.names(BPMNDI_NS, "BPMNDiagram"), {"id": f"BPMNDiagram_{plane_element}"}, [plane])


def _flags(kind: str) -> dict[str, str]:
    if kind == "exclusiveGateway":
        return {"isMarkerVisible": "true"}
    if kind in CONTAINERS:
        return {"isExpanded": "false"}
    return {}


def diagrams(names: Names, root, processes: list, collaboration_id: str | None, pools: list[Pool]) -> list[Tag]:
    """The main plane (the collaboration, or the only process), then one plane per sub-process."""
    diagrams = []
    if collaboration_id:
        diagrams.append(_draw_pools(Canvas(names), root, pools).diagram(collaboration_id))
    elif processes:
        canvas = Canvas(names)
        _draw_frames(canvas, [make_frame(read_graph(processes[0]), POOL_Y, pooled=False)])
        diagrams.append(canvas.diagram(processes[0].get("id")))
    for container in root.iter(*(f"{BPMN}{kind}" for kind in CONTAINERS)):
        graph = read_graph(container)
        if graph.nodes:
            canvas = Canvas(names)
            _draw_frames(canvas, [make_frame(graph, POOL_Y, pooled=False)])
            diagrams.append(canvas.diagram(container.get("id")))
    return diagrams


def _draw_pools(canvas: Canvas, root, pools: list[Pool]) -> Canvas:
    frames, top = [], POOL_Y
    for pool in pools:
        process = pool.process if pool.process is not None else etree.Element(f"{BPMN}process")
        frames.append(make_frame(read_graph(process), top, pooled=True))
        top += frames[-1].height + POOL_GAP
    right = max((frame.right for frame in frames), default=POOL_X + COLUMN_WIDTH)
    horizontal = {"isHorizontal": "true"}
    for pool, frame in zip(pools, frames):
        canvas.shape(pool.participant, Box(POOL_X, frame.top, right - POOL_X, frame.height), horizontal)
        canvas.containers[pool.participant] = Box(POOL_X, frame.top, right - POOL_X, frame.height)
        for lane_id, box in lane_boxes(frame, right).items():
            canvas.shape(lane_id, box, horizontal)
    _draw_frames(canvas, frames)
    _draw_message_flows(canvas, root)
    return canvas


def _draw_frames(canvas: Canvas, frames: list[Frame]) -> None:
    for frame in frames:
        boxes = node_boxes(frame)
        graph = frame.graph
        for element in graph.nodes + graph.boundary_ids() + graph.artifacts:
            canvas.shape(element, boxes[element], _flags(graph.kinds[element]))
        canvas.nodes.update(boxes)
    for frame in frames:
        _route_flows(canvas, frame)
    for frame in frames:
        _label_nodes(canvas, frame.graph)
    for frame in frames:
        _draw_edges(canvas, frame.graph)


def _label_nodes(canvas: Canvas, graph: Graph) -> None:
    for element in graph.nodes + graph.boundary_ids() + graph.artifacts:
        kind, name = graph.kinds[element], graph.names[element]
        if kind in LABELLED and name:
            spots = node_label_spots(kind, canvas.nodes[element], text_size(name))
            spot = first_free_spot(spots, canvas.taken(), list(canvas.routes.values()))
            canvas.labels.append(spot)
            canvas.shapes[element].children.append(canvas.label(spot))


def _route_flows(canvas: Canvas, frame: Frame) -> None:
    router = Router(canvas.taken(), channels(frame))
    for flow in frame.graph.flows:
        canvas.routes[flow.id] = router.route(canvas.nodes[flow.source], canvas.nodes[flow.target],
                                              (flow.source, flow.target), _exit(frame.graph.kinds[flow.source]))


def _exit(kind: str) -> str:
    return "bottom" if kind == "boundaryEvent" else "corner" if kind in GATEWAYS else "right"


def _draw_edges(canvas: Canvas, graph: Graph) -> None:
    for flow in graph.flows:
        points, label = canvas.routes[flow.id], None
        if flow.name:
            spots = edge_label_spots(points, text_size(flow.name))
            label = first_free_spot(spots, canvas.taken(), list(canvas.routes.values()))
            canvas.labels.append(label)
        canvas.edge(flow.id, points, label)
    for link in graph.associations:
        others = [box for node, box in canvas.nodes.items() if node not in (link.source, link.target)]
        canvas.edge(link.id, _association(canvas.nodes[link.source], canvas.nodes[link.target], others))


def _association(source: Box, target: Box, others: list[Box]) -> list[Point]:
    """A straight line between facing borders; its end on the wider shape slides along that border when
    another shape is in the way (a boundary event on a task's bottom edge, say)."""
    start, end = _straight(source, target)
    vertical = start[0] == end[0]
    for shift in (0, -30, 30, -40, 40):
        if vertical and source.w > target.w:
            line = [(start[0] + shift, start[1]), end]
        elif vertical:
            line = [start, (end[0] + shift, end[1])]
        else:
            line = [start, (end[0], end[1] + shift)] if target.h > source.h else [(start[0], start[1] + shift), end]
        if not any(box.crossed_by(*line) for box in others):
            return line
    return [start, end]


def _straight(source: Box, target: Box) -> list[Point]:
    """From border to border, for associations."""
    if target.x >= source.right:
        return [(source.right, source.cy), (target.x, target.cy)]
    if target.right <= source.x:
        return [(source.x, source.cy), (target.right, target.cy)]
    if target.y >= source.bottom:
        return [(source.cx, source.bottom), (target.cx, target.y)]
    return [(source.cx, source.y), (target.cx, target.bottom)]


def _draw_message_flows(canvas: Canvas, root) -> None:
    boxes = {**canvas.containers, **canvas.nodes}
    for flow in root.iter(f"{BPMN}messageFlow"):
        source, target = boxes.get(flow.get("sourceRef")), boxes.get(flow.get("targetRef"))
        if source and target and flow.get("id"):
            canvas.edge(flow.get("id"), _between_pools(source, target))


def _between_pools(source: Box, target: Box) -> list[Point]:
    if source.bottom <= target.y:
        start, end = (source.cx, source.bottom), (target.cx, target.y)
    elif target.bottom <= source.y:
        start, end = (source.cx, source.y), (target.cx, target.bottom)
    else:
        return _straight(source, target)
    middle = (start[1] + end[1]) // 2
    return simplify([start, (start[0], middle), (end[0], middle), end])
