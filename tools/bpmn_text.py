"""Edit an XML file as text, so that everything the layout does not touch stays byte for byte:
where the elements are, new elements written out, and splices."""
import re
from dataclasses import dataclass, field
from xml.parsers import expat

from lxml import etree

_DTD = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)
_QUOTES = {ord('"'), ord("'")}


def parse(xml: bytes) -> etree._Element:
    """Parse with no DTD, entities or network (as the engine's deploy does)."""
    if _DTD.search(xml):
        raise ValueError("DTDs and entity declarations are not allowed")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    return etree.fromstring(xml, parser)


@dataclass(frozen=True)
class Span:
    """An element in the file: expanded name ("uri local"), id, and byte range."""
    name: str
    id: str
    start: int
    end: int


@dataclass
class Spans:
    root: Span | None = None
    root_close: int = 0
    top: list[Span] = field(default_factory=list)
    last_child_end: dict[tuple[str, str], int] = field(default_factory=dict)


def scan(xml: bytes) -> Spans:
    """Byte ranges of the root and its children, and where each child's last child of a kind ends,
    keyed by (child id, expanded name of the grandchild)."""
    parser, spans, stack = expat.ParserCreate(namespace_separator=" "), Spans(), []

    def start(name: str, attributes: dict) -> None:
        stack.append((name, attributes.get("id", ""), parser.CurrentByteIndex))

    def end(name: str) -> None:
        _, element_id, begin = stack.pop()
        span = Span(name, element_id, begin, element_end(xml, begin, parser.CurrentByteIndex))
        if not stack:
            spans.root, spans.root_close = span, parser.CurrentByteIndex
        elif len(stack) == 1:
            spans.top.append(span)
        elif len(stack) == 2:
            spans.last_child_end[(stack[-1][1], name)] = span.end

    parser.StartElementHandler, parser.EndElementHandler = start, end
    parser.Parse(xml, True)
    return spans


def tag_end(xml: bytes, start: int) -> int:
    """The byte after the '>' closing the tag that starts at `start` ('>' may sit inside quoted values)."""
    quote = None
    for index in range(start, len(xml)):
        byte = xml[index]
        if quote is not None:
            quote = None if byte == quote else quote
        elif byte in _QUOTES:
            quote = byte
        elif byte == ord(">"):
            return index + 1
    raise ValueError(f"unterminated tag at byte {start}")


def element_end(xml: bytes, start: int, end_event: int) -> int:
    """expat reports an empty element's end after its '/>', and other ends at their '</'."""
    first_tag_end = tag_end(xml, start)
    return first_tag_end if xml[first_tag_end - 2:first_tag_end] == b"/>" else tag_end(xml, end_event)


def whitespace_before(xml: bytes, position: int) -> int:
    return len(xml[:position].rstrip())


def line_indent(xml: bytes, position: int) -> str:
    """The indentation of the line an element starts on (empty when it does not start a line)."""
    before = xml[whitespace_before(xml, position):position]
    return before.rsplit(b"\n", 1)[1].decode() if b"\n" in before else ""


def splice(xml: bytes, edits: list[tuple[int, int, bytes]]) -> bytes:
    """Replace each (start, end) range with its text; ranges must not overlap."""
    parts, position = [], 0
    for start, end, text in sorted(edits, key=lambda edit: (edit[0], edit[1])):
        parts += [xml[position:start], text]
        position = end
    return b"".join(parts + [xml[position:]])


def _attribute(value: str) -> str:
    return (value.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")
            .replace("\n", "&#10;").replace("\t", "&#9;"))


@dataclass
class Tag:
    """A new element to write: prefixed name, attributes in order, children."""
    name: str
    attributes: dict[str, str]
    children: list["Tag"] = field(default_factory=list)

    def render(self, indent: str = "", unit: str | None = "  ") -> str:
        """Indented by `unit` per level after a newline, or on one line when unit is None."""
        attributes = "".join(f' {key}="{_attribute(value)}"' for key, value in self.attributes.items())
        if not self.children:
            return f"<{self.name}{attributes} />"
        inner_indent = indent + (unit or "")
        newline = "" if unit is None else "\n"
        inner = "".join(newline + inner_indent + child.render(inner_indent, unit) for child in self.children)
        return f"<{self.name}{attributes}>{inner}{newline}{indent if unit is not None else ''}</{self.name}>"
