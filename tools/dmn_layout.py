"""Diagram interchange for DMN files: one shape per decision, so the decision requirements
diagram opens in the Camunda Modeler and dmn-js. `python -m tools.dmn_layout FILE...` rewrites in
place; `--check` lists files with a decision that has no shape.

The file is edited as text (the DMNDI block replaced or inserted before </definitions>) so that the
decision tables a process owner wrote stay byte for byte as they were.
"""
import re
import sys
from pathlib import Path

from lxml import etree

DMNDI = "https://www.omg.org/spec/DMN/20191111/DMNDI/"
DC = "http://www.omg.org/spec/DMN/20180521/DC/"
WIDTH, HEIGHT, GAP = 180, 80, 60
_EXISTING = re.compile(rb"\s*<dmndi:DMNDI>.*?</dmndi:DMNDI>", re.DOTALL)


def _decisions(xml: bytes) -> list[str]:
    root = etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True))
    return [e.get("id") for e in root if isinstance(e.tag, str) and e.tag.endswith("}decision")]


def _shapes(decisions: list[str]) -> str:
    shapes = "".join(
        f'\n      <dmndi:DMNShape id="{d}_di" dmnElementRef="{d}">'
        f'\n        <dc:Bounds height="{HEIGHT}" width="{WIDTH}" x="{160 + i * (WIDTH + GAP)}" y="100" />'
        f"\n      </dmndi:DMNShape>" for i, d in enumerate(decisions))
    return f'\n  <dmndi:DMNDI>\n    <dmndi:DMNDiagram id="diagram">{shapes}\n    </dmndi:DMNDiagram>\n  </dmndi:DMNDI>'


def layout(xml: bytes) -> bytes:
    body = _EXISTING.sub(b"", xml)
    end = body.rindex(b"</definitions>")
    body = body[:end].rstrip() + _shapes(_decisions(xml)).encode() + b"\n" + body[end:]
    return _declare(body)


def _declare(xml: bytes) -> bytes:
    """Add the dmndi and dc prefixes to the root element if it lacks them."""
    root_start = re.search(rb"<definitions\b", xml).end()
    for prefix, uri in ((b"dmndi", DMNDI), (b"dc", DC)):
        root_tag = xml[root_start:xml.index(b">", root_start)]
        if b"xmlns:" + prefix + b"=" not in root_tag:
            xml = xml[:root_start] + b' xmlns:' + prefix + b'="' + uri.encode() + b'"' + xml[root_start:]
    return xml


def missing_shapes(xml: bytes) -> list[str]:
    root = etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True))
    drawn = {e.get("dmnElementRef") for e in root.iter(f"{{{DMNDI}}}DMNShape")}
    return [d for d in _decisions(xml) if d not in drawn]


def main(argv: list[str]) -> int:
    check = "--check" in argv
    paths = [Path(a) for a in argv if a != "--check"]
    failing = [p for p in paths if missing_shapes(p.read_bytes())]
    if check:
        for path in failing:
            print(f"{path}: no shape for {', '.join(missing_shapes(path.read_bytes()))}")
        return 1 if failing else 0
    for path in paths:
        path.write_bytes(layout(path.read_bytes()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
