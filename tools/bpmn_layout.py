"""Write BPMN diagram interchange (bpmndi) for semantic BPMN files: lanes as swimlanes in a pool, columns
by longest path from the start, orthogonal edges. Everything else in the file stays byte for byte.
Usage: python -m tools.bpmn_layout [--check] FILE [FILE ...]"""
import argparse
import re
import sys
from pathlib import Path

from lxml import etree

from .bpmn_draw import BPMNDI_NS, DC_NS, Names, Pool, diagrams
from .bpmn_graph import BPMN, BPMN_NS, FLOW_NODES, lane_only_nested, local
from .bpmn_text import Span, Tag, line_indent, parse, scan, splice, tag_end, whitespace_before

BPMNDI = f"{{{BPMNDI_NS}}}"
DRAWN = FLOW_NODES | {"boundaryEvent", "sequenceFlow", "messageFlow", "lane", "participant",
                      "dataObjectReference", "dataStoreReference"}
_DECLARATION = re.compile(rb"""\sxmlns(:[^\s=]+)?\s*=\s*("[^"]*"|'[^']*')""")


# --- the file: pools and edits ------------------------------------------------------------

def _pools(root: etree._Element, processes: list[etree._Element]) -> tuple[str | None, list[Pool], list[Pool]]:
    """The collaboration to draw, its pools, and the participants to add for processes that have none.

    Pools are needed when there are lanes (bpmn-js draws lanes only inside a participant), several
    processes, or a collaboration already."""
    collaboration = root.find(f"{BPMN}collaboration")
    has_lanes = any(process.find(f"{BPMN}laneSet/{BPMN}lane") is not None for process in processes)
    if collaboration is None and len(processes) < 2 and not has_lanes:
        return None, [], []
    by_id = {process.get("id"): process for process in processes}
    existing = [] if collaboration is None else [
        Pool(p.get("id", ""), by_id.get(p.get("processRef"))) for p in collaboration.iterchildren(f"{BPMN}participant")]
    referenced = {pool.process.get("id") for pool in existing if pool.process is not None}
    added = [Pool(f"participant_{p.get('id')}", p) for p in processes if p.get("id") not in referenced]
    collaboration_id = collaboration.get("id") if collaboration is not None else f"collab_{processes[0].get('id')}"
    return collaboration_id, existing + added, added


def _participant_tag(names: Names, pool: Pool) -> Tag:
    process = pool.process
    attributes = {"id": pool.participant}
    if process.get("name"):
        attributes["name"] = process.get("name")
    attributes["processRef"] = process.get("id")
    return Tag(names(BPMN_NS, "participant"), attributes)


class Editor:
    """Text edits on the original bytes, written with its encoding and indentation."""

    def __init__(self, xml: bytes, root: etree._Element):
        self.xml, self.spans = xml, scan(xml)
        self.encoding = root.getroottree().docinfo.encoding or "UTF-8"
        self.edits: list[tuple[int, int, bytes]] = []
        self.unit = self._indent_unit()
        self.line_end = "\r\n" if b"\r\n" in xml else "\n"

    def _indent_unit(self) -> str | None:
        first = self.spans.top[0].start if self.spans.top else self.spans.root_close
        return line_indent(self.xml, first) if b"\n" in self.xml[self.spans.root.start:first] else None

    def insert(self, position: int, text: str) -> None:
        text = text.replace("\n", self.line_end)
        self.edits.append((position, position, text.encode(self.encoding, "xmlcharrefreplace")))

    def remove(self, span: Span) -> None:
        """Remove an element and the whitespace before it."""
        self.edits.append((whitespace_before(self.xml, span.start), span.end, b""))

    def newline(self, indent: str) -> str:
        return "" if self.unit is None else "\n" + indent

    def result(self) -> bytes:
        return splice(self.xml, self.edits)


def layout(xml: bytes) -> bytes:
    """The same document with its bpmndi:BPMNDiagram elements replaced by a generated layout."""
    root = parse(xml)
    names, editor = Names(root), Editor(xml, root)
    for span in editor.spans.top:
        if span.name == f"{BPMNDI_NS} BPMNDiagram":
            editor.remove(span)
    editor.insert(_declarations_end(xml, editor.spans.root.start),
                  "".join(f' xmlns:{prefix}="{uri}"' for prefix, uri in names.missing.items()))
    processes = root.findall(f"{BPMN}process")
    collaboration_id, pools, added = _pools(root, processes)
    if added:
        _add_participants(editor, names, root, collaboration_id, added)
    drawn = diagrams(names, root, processes, collaboration_id, pools)
    position = whitespace_before(xml, editor.spans.root_close)
    unit = editor.unit or ""
    editor.insert(position, "".join(editor.newline(unit) + d.render(unit, editor.unit) for d in drawn))
    return editor.result()


def _declarations_end(xml: bytes, root_start: int) -> int:
    """After the root's last namespace declaration (or its name): where new declarations go."""
    start_tag = xml[root_start:tag_end(xml, root_start)]
    ends = [m.end() for m in _DECLARATION.finditer(start_tag)] or [re.match(rb"<[^\s/>]+", start_tag).end()]
    return root_start + ends[-1]


def _add_participants(editor: Editor, names: Names, root, collaboration_id: str, added: list[Pool]) -> None:
    spans = {span.id: span for span in editor.spans.top}
    participants = [_participant_tag(names, pool) for pool in added]
    if root.find(f"{BPMN}collaboration") is not None:
        span = spans[collaboration_id]
        indent = line_indent(editor.xml, span.start) + (editor.unit or "")
        position = editor.spans.last_child_end.get((collaboration_id, f"{BPMN_NS} participant"))
        text = "".join(editor.newline(indent) + tag.render(indent, editor.unit) for tag in participants)
        editor.insert(position or tag_end(editor.xml, span.start), text)
        return
    first_process = spans[added[0].process.get("id")]
    indent = line_indent(editor.xml, first_process.start)
    collaboration = Tag(names(BPMN_NS, "collaboration"), {"id": collaboration_id}, participants)
    editor.insert(first_process.start, collaboration.render(indent, editor.unit) + editor.newline(indent))


# --- checks --------------------------------------------------------------------------------------

def missing_shapes(xml: bytes) -> list[str]:
    """Ids of flow nodes, boundary events, flows, lanes, participants and data references with no
    BPMNShape/BPMNEdge; also the id of a process with lanes that no participant (pool) shows."""
    root = parse(xml)
    drawn = {element.get("bpmnElement") for element in root.iter(f"{BPMNDI}BPMNShape", f"{BPMNDI}BPMNEdge")}
    wanted = [element.get("id") for element in root.iter(f"{BPMN}*")
              if local(element) in DRAWN and element.get("id") and not _hidden_lane(element)]
    in_pools = {participant.get("processRef") for participant in root.iter(f"{BPMN}participant")}
    unpooled = [process.get("id") for process in root.iter(f"{BPMN}process")
                if process.find(f"{BPMN}laneSet/{BPMN}lane") is not None and process.get("id") not in in_pools]
    return [element_id for element_id in wanted if element_id not in drawn] + unpooled


def _hidden_lane(element) -> bool:
    """A lane whose tasks are all inside sub-processes is not drawn on its process's plane."""
    if local(element) != "lane":
        return False
    process = next(a for a in element.iterancestors() if local(a) in ("process", "subProcess"))
    own = {child.get("id") for child in process if local(child) in DRAWN}
    return lane_only_nested(element, own)


def gateway_orders(xml: bytes) -> dict[str, list[str]]:
    """The order SpiffWorkflow tries each exclusive gateway's conditional flows in: by the y of the target's
    shape, document order among equals (and without a diagram)."""
    root = parse(xml)
    ys = {shape.get("bpmnElement"): float(shape.find(f"{{{DC_NS}}}Bounds").get("y", 0))
          for shape in root.iter(f"{BPMNDI}BPMNShape") if shape.find(f"{{{DC_NS}}}Bounds") is not None}
    orders = {}
    for gateway in root.iter(f"{BPMN}exclusiveGateway"):
        flows = [flow for flow in gateway.getparent().iterchildren(f"{BPMN}sequenceFlow")
                 if flow.get("sourceRef") == gateway.get("id") and flow.get("id") != gateway.get("default")]
        flows.sort(key=lambda flow: ys.get(flow.get("targetRef"), 0.0))
        orders[gateway.get("id")] = [flow.get("id") for flow in flows]
    return orders


def order_changes(before: bytes, after: bytes) -> list[str]:
    """Exclusive gateways whose conditions SpiffWorkflow would try in another order after the change."""
    old, new = gateway_orders(before), gateway_orders(after)
    return [f"gateway {gateway} now tries {', '.join(order)} (was {', '.join(old.get(gateway, []))})"
            for gateway, order in new.items() if len(order) > 1 and old.get(gateway) != order]


# --- command line --------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.bpmn_layout",
                                     description="Lay out BPMN files: rewrite their diagram (bpmndi) in place.")
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 listing files whose diagram misses an element")
    args = parser.parse_args(argv)
    return check_files(args.files) if args.check else rewrite_files(args.files)


def check_files(paths: list[Path]) -> int:
    status = 0
    for path in paths:
        missing = missing_shapes(path.read_bytes())
        if missing:
            print(f"{path}: no diagram for {', '.join(missing)}")
            status = 1
    return status


def rewrite_files(paths: list[Path]) -> int:
    for path in paths:
        before = path.read_bytes()
        after = layout(before)
        for change in order_changes(before, after):
            print(f"{path}: warning: {change}", file=sys.stderr)
        if after != before:
            path.write_bytes(after)
            print(f"{path}: laid out")
    return 0


if __name__ == "__main__":
    sys.exit(main())
