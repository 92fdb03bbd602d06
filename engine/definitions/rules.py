"""Deploy rules checked before anything is stored.

Expressions are found in the XML rather than in SpiffWorkflow's specs so that each problem can
name its element and exact line; they are compiled by the same sandbox that runs them.
"""
import ast
import re

from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask

from ..effects import PUBLISHED_BY_DIAGRAMS
from ..sandbox import ScriptRejected, compile_expression, compile_script
from .bundle import ParsedSet
from .problems import Problem
from .xml import XmlFile

BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
EVAL_TAGS = {"conditionExpression", "timeDate", "timeDuration", "timeCycle", "completionCondition",
             "loopCardinality", "condition"}


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _owner(element):
    """The nearest ancestor-or-self with an id, event definitions skipped: the element a person sees."""
    while element is not None and (not element.get("id") or _local(element.tag).endswith("EventDefinition")):
        element = element.getparent()
    return element


def _compile(xml: XmlFile, element, source: str, mode: str) -> Problem | None:
    try:
        (compile_script if mode == "exec" else compile_expression)(source)
    except ScriptRejected as error:
        owner = _owner(element)
        offset = (error.line or 1) - 1
        return Problem(xml.file_name, owner.get("id") if owner is not None else None,
                       (element.sourceline or 0) + offset or None, f"{error.message} in: {source.strip()[:120]}")
    return None


def expression_problems(parsed: ParsedSet) -> list[Problem]:
    problems = []
    for xml in parsed.xml.values():
        checker = _dmn_expressions if xml.file_name.endswith(".dmn") else _bpmn_expressions
        problems += [p for p in checker(xml) if p]
    return problems


def _bpmn_expressions(xml: XmlFile):
    for element in xml.root.iter():
        name, text = _local(element.tag), element.text or ""
        if name == "script" and _local(element.getparent().tag) == "scriptTask":
            yield _compile(xml, element, text, "exec")
        elif name in EVAL_TAGS and text.strip():
            yield _compile(xml, element, text.strip(), "eval")


def _dmn_expressions(xml: XmlFile):
    for table in (e for e in xml.root.iter() if _local(e.tag) == "decisionTable"):
        inputs = [_text_of(i, "inputExpression") for i in table if _local(i.tag) == "input"]
        for source, element in inputs:
            if source:
                yield _compile(xml, element, source, "eval")
        for rule in (r for r in table if _local(r.tag) == "rule"):
            entries = [_text_of(e, None) for e in rule if _local(e.tag) == "inputEntry"]
            for (test, element), (column, _) in zip(entries, inputs, strict=False):
                if test and test != "-":
                    yield _compile(xml, element, _dmn_test(column or "v", test), "eval")
            for e in (e for e in rule if _local(e.tag) == "outputEntry"):
                text, element = _text_of(e, None)
                if text:
                    yield _compile(xml, element, text, "eval")


def _text_of(element, child: str | None):
    """The <text> of element (or of its `child`), with the <text> element for its line."""
    parent = element if child is None else next((c for c in element if _local(c.tag) == child), None)
    text = next((c for c in parent if _local(c.tag) == "text"), None) if parent is not None else None
    return ((text.text or "").strip() if text is not None else ""), (text if text is not None else element)


def _dmn_test(column: str, test: str) -> str:
    """The Python expression SpiffWorkflow's DMN engine builds from a rule cell (DMNEngine.evaluate)."""
    if "?" in test:
        return re.sub(r"\?", f"({column})", test)
    for candidate in (f"({column}) == ({test})", f"({column}) {test}"):
        try:
            compile(candidate, "<dmn>", "eval")
            return candidate
        except SyntaxError:
            continue
    return f"({column}) == ({test})"


def role_for_lane(lane: str | None, roles: dict[str, str]) -> str | None:
    """A lane names a role by its id or its label, ignoring case, spaces and underscores."""
    if not lane:
        return None
    wanted = _normalise(lane)
    for role_id, label in roles.items():
        if wanted in (_normalise(role_id), _normalise(label)):
            return role_id
    return None


def _normalise(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def user_task_problems(parsed: ParsedSet, specs: dict, roles: dict[str, str]) -> list[Problem]:
    """Every user task sits in a lane naming a known role and has a form that exists."""
    problems, seen = [], set()
    for spec in specs.values():
        for task_spec in spec.task_specs.values():
            if not isinstance(task_spec, UserTask) or (spec.name, task_spec.bpmn_id) in seen:
                continue
            seen.add((spec.name, task_spec.bpmn_id))
            problems += _user_task_problems(parsed, spec, task_spec, roles)
    return problems


def _user_task_problems(parsed, spec, task_spec, roles) -> list[Problem]:
    file_name, line = parsed.locate(task_spec.bpmn_id, spec.file)
    where = (file_name, task_spec.bpmn_id, line)
    problems = []
    if not task_spec.lane:
        problems.append(Problem(*where, "user task is not in a lane; its lane names the role that acts on it"))
    elif role_for_lane(task_spec.lane, roles) is None:
        problems.append(Problem(*where, f"lane '{task_spec.lane}' names no known role "
                                        f"(known: {', '.join(sorted(roles))})"))
    key = getattr(getattr(task_spec, "form", None), "key", None)
    if not key:
        problems.append(Problem(*where, "user task has no form (camunda:formKey)"))
    elif key not in parsed.forms:
        problems.append(Problem(*where, f"form '{key}' does not exist (expected forms/{key}.json)"))
    return problems


def call_problems(parsed: ParsedSet, process_ids: set[str]) -> list[Problem]:
    """Every call activity calls a process that is deployed or in the bundle."""
    problems = []
    for xml in parsed.xml.values():
        for element in xml.root.iter(f"{BPMN}callActivity"):
            called = element.get("calledElement")
            if called not in process_ids:
                problems.append(Problem(xml.file_name, element.get("id"), element.sourceline,
                                        f"calls process '{called}', which is neither deployed nor in this bundle"))
    return problems


def starter_problems(parsed: ParsedSet, roles: dict[str, str]) -> list[Problem]:
    """camunda:candidateStarterGroups names roles that exist."""
    problems = []
    for xml in parsed.xml.values():
        for process in xml.root.iter(f"{BPMN}process"):
            groups = process.get("{http://camunda.org/schema/1.0/bpmn}candidateStarterGroups") or ""
            for group in (g.strip() for g in groups.split(",") if g.strip()):
                if group not in roles:
                    problems.append(Problem(xml.file_name, process.get("id"), process.sourceline,
                                            f"candidateStarterGroups names '{group}', which is not a role"))
    return problems


def publish_problems(parsed: ParsedSet) -> list[Problem]:
    """publish("<type>", ...) in a script names an event type a diagram may publish."""
    problems = []
    for xml in (x for x in parsed.xml.values() if not x.file_name.endswith(".dmn")):
        for element in xml.root.iter(f"{BPMN}script"):
            for line, event_type in _published_types(element.text or ""):
                if event_type not in PUBLISHED_BY_DIAGRAMS:
                    owner = _owner(element)
                    problems.append(Problem(xml.file_name, owner.get("id") if owner is not None else None,
                                            (element.sourceline or 0) + line - 1 or None,
                                            f"publish('{event_type}'): diagrams publish only "
                                            f"{', '.join(PUBLISHED_BY_DIAGRAMS)}"))
    return problems


def _published_types(source: str):
    """(line, event type) of each publish call whose type is written out (the rest are checked when they run)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return  # expression_problems reports it
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "publish"
                and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            yield node.lineno, node.args[0].value
