"""Parse deployed XML safely and remember where each element is.

No DTD, no entities, no network: any DOCTYPE is refused before lxml sees the file, which rules
out XXE and billion-laughs documents. SpiffWorkflow leaves line numbers empty, so we keep our
own map from element id to source line.
"""
import re
from dataclasses import dataclass, field

from lxml import etree

from engine.definitions.problems import Problem

MAX_FILE_BYTES = 2 * 1024 * 1024
_DTD_MARKERS = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)
# lxml decodes by the declared encoding: another one (UTF-7) would hide a DOCTYPE from the check above.
_DECLARED_ENCODING = re.compile(rb"\A(?:\xef\xbb\xbf)?\s*<\?xml[^>]*?\bencoding\s*=\s*[\"']([^\"']*)[\"']")


@dataclass
class XmlFile:
    file_name: str
    content: bytes
    root: etree._Element
    lines: dict[str, int] = field(default_factory=dict)

    def line_of(self, element_id: str | None) -> int | None:
        return self.lines.get(element_id) if element_id else None


def _hardened_parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           dtd_validation=False, huge_tree=False, remove_comments=False)


def parse_xml(file_name: str, content: bytes) -> XmlFile:
    """Parse one file or raise Problem naming the file and the line."""
    if len(content) > MAX_FILE_BYTES:
        raise Problem(file_name, None, None, f"file is larger than {MAX_FILE_BYTES} bytes")
    declared = _DECLARED_ENCODING.match(content)
    if declared and declared.group(1).decode("ascii", "replace").lower().replace("_", "-") not in ("utf-8", "utf8"):
        raise Problem(file_name, None, 1, f"declares encoding {declared.group(1).decode('ascii', 'replace')!r}; "
                                          "definitions are UTF-8 (encoding=\"UTF-8\")")
    marker = _DTD_MARKERS.search(content)
    if marker:
        line = content.count(b"\n", 0, marker.start()) + 1
        raise Problem(file_name, None, line, "DTDs and entity declarations are not allowed")
    try:
        root = etree.fromstring(content, _hardened_parser())
    except etree.XMLSyntaxError as error:
        raise Problem(file_name, None, error.lineno, f"not well-formed XML: {error.msg}") from None
    lines = {el.get("id"): el.sourceline for el in root.iter() if isinstance(el.tag, str) and el.get("id")}
    return XmlFile(file_name, content, root, lines)
