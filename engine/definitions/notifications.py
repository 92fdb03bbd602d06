"""No free text typed by staff goes into an email or a webhook event (R-81).

A field is free text when a form asks for it as a string with no enum, const, pattern or date
format: a rationale, a concern, feedback. Identifiers (case reference, team, usernames) are not.
A value copied from free text is free text too: assignments in scripts and the data given to
`start_process` pass it on. A deploy refuses a `notify(...)` or `publish(...)` whose text or
fields use such a field, naming file, element and line; the message points to the case page.
At run time the same fields are withheld from placeholders (engine/outbox.py), whatever a
diagram says. Case-record uploads (`record_on_case`) are the case record itself and carry the
report in full.
"""
import ast
import string

from engine.definitions.bundle import ParsedSet
from engine.definitions.forms import resolve_pointer
from engine.definitions.problems import Problem
from engine.scripts.sandbox import UNPARSEABLE

BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
NOT_FREE_FORMATS = {"date", "date-time", "time", "email", "uuid"}
MESSAGE_FUNCTIONS = {"notify": ("subject", "body"), "publish": ()}  # publish: every keyword is sent


def free_text_fields(forms: dict[str, dict], identifiers: set[str]) -> set[str]:
    """Field names, at any depth, that some form asks for as free text."""
    found = set()
    for schema in forms.values():
        pending, seen = [schema], set()
        while pending:
            part = pending.pop()
            if not isinstance(part, dict) or id(part) in seen:
                continue
            seen.add(id(part))
            for name, field in (part.get("properties") or {}).items():
                if name not in identifiers and _is_free_text(schema, field):
                    found.add(name)
                pending.append(field)
            pending += [v for k, v in part.items() if k in ("items", "if", "then", "else")]
            pending += [*part.get("allOf", []), *part.get("anyOf", []), *part.get("oneOf", [])]
            pending += list((part.get("$defs") or {}).values())
            if isinstance(part.get("$ref"), str) and part["$ref"].startswith("#/"):
                pending.append(resolve_pointer(schema, part["$ref"]))
    return found


def _is_free_text(schema: dict, field) -> bool:
    if isinstance(field, dict) and isinstance(field.get("$ref"), str) and field["$ref"].startswith("#/"):
        field = resolve_pointer(schema, field["$ref"]) or {}
    if not isinstance(field, dict) or any(key in field for key in ("enum", "const", "pattern", "oneOf", "anyOf")):
        return False
    if field.get("format") in NOT_FREE_FORMATS:
        return False
    kind = field.get("type", "string")
    return kind == "string" or (isinstance(kind, list) and "string" in kind)


def notification_problems(parsed: ParsedSet, identifiers: set[str]) -> list[Problem]:
    tainted = _copies(parsed, free_text_fields(parsed.forms, identifiers))
    problems = []
    for xml, element, tree in _scripts(parsed):
        for call, function in ((n, n.func.id) for n in ast.walk(tree)
                               if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)):
            if function not in MESSAGE_FUNCTIONS:
                continue
            for name in sorted(_used_in_message(call, function) & tainted):
                owner = _owner_id(element)
                problems.append(Problem(
                    xml.file_name, owner, (element.sourceline or 0) + call.lineno - 1 or None,
                    f"{function}(...) uses '{name}', free text typed by staff: notifications carry no "
                    "free text (R-81); say where to read it instead, e.g. the case page {link}"))
    return problems


def _copies(parsed: ParsedSet, free: set[str]) -> set[str]:
    """Free text fields and every name a script (or a start_process call) copies them into."""
    flows: list[tuple[str, set[str]]] = []
    for _xml, _element, tree in _scripts(parsed):
        for node in ast.walk(tree):
            if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)) and node.value is not None:
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                flows += [(t.id, _names(node.value)) for t in _target_names(targets)]
            elif isinstance(node, ast.For):
                flows += [(t.id, _names(node.iter)) for t in _target_names([node.target])]
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "start_process":
                flows += [(k.arg, _names(k.value)) for k in node.keywords if k.arg]
    tainted, grew = set(free), True
    while grew:
        before = len(tainted)
        tainted |= {target for target, sources in flows if sources & tainted}
        grew = len(tainted) > before
    return tainted


def _used_in_message(call: ast.Call, function: str) -> set[str]:
    """Data names a message's text or fields read: placeholders in its strings and names in its
    expressions (`"grade " + overall_grade`). `function`: the name `call` calls."""
    wanted = MESSAGE_FUNCTIONS[function]
    if wanted:
        parts = [*call.args[1:3], *(k.value for k in call.keywords if k.arg in wanted)]
    else:
        parts = [k.value for k in call.keywords]
    used = set()
    for part in parts:
        used |= _names(part)
        for text in (n.value for n in ast.walk(part) if isinstance(n, ast.Constant) and isinstance(n.value, str)):
            used |= {name for _, name, _, _ in string.Formatter().parse(text) if name}
    return used


def _names(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _target_names(targets) -> list[ast.Name]:
    return [n for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)]


def _scripts(parsed: ParsedSet):
    """(file, <script> element, parsed tree) of every script task of the bundle's BPMN files."""
    for xml in (x for x in parsed.xml.values() if not x.file_name.endswith(".dmn")):
        for element in xml.root.iter(f"{BPMN}script"):
            try:
                yield xml, element, ast.parse(element.text or "")
            except UNPARSEABLE:
                continue  # rules.expression_problems reports it


def _owner_id(element) -> str | None:
    parent = element.getparent()
    return parent.get("id") if parent is not None else None
