"""A notification uses only fields an earlier step can have set (R-81: people read the policy's
words, never a placeholder such as `{grade_label}` left as written).

For every `notify(...)` (its subject and body) and `record_on_case(...)` (its title and note), a
deploy refuses a `{field}` placeholder, or a name its expressions read, that no path from the
start to that script task can have set. "Can have set" counts, along the sequence flows (a loop
counts whole: a field set later in the loop is set the second time round):
- what the engine gives every message (`case_ref`, `link`, `instance_id`) and what any start may
  name (the case's fields and people, `answers.case_fields`);
- the start data: the start form's fields (camunda:formKey on the start event), the keyword
  arguments of every `start_process("<process>", ...)` in the bundle (`**audit` counts the keys
  its script gives `audit`), and for a called process the fields its callers can have set before
  their call activity;
- the forms of user tasks, the assignments of scripts (`x = ...`, `x += ...`, `for x in ...`;
  in the checked script itself, those above the call), the output columns of a business rule
  task's decision, everything a called process can set (its data comes back) and everything the
  steps of an embedded sub-process can set (its start event starts from the sub-process's data).
A boundary event starts from the data of the task it is attached to, before that task's form.

Start data this check cannot see is not guessed at. How the five processes start:
- case_audit: its start form (forms/case_audit_start.json), over the API or by audit_cycle's
  `start_process("case_audit", **audit)`: checked.
- child_safety_alert: `start_process(...)` from case_audit and need_to_know_audit: checked
  against their keywords (a start over the API gives the same fields, processes/ documents them).
- dispute_resolution: case_audit's call activity: checked against what the audit can have set
  by then (a start of its own gives a subset: case_ref, auditor, practitioner, overall_grade,
  audit_kind).
- audit_cycle and need_to_know_audit: their start forms (forms/audit_cycle_start.json: `year`;
  forms/need_to_know_notification.json): checked. A process with no start form that nothing in the
  bundle starts takes any field with its start and is not checked; so would a `**mapping` whose keys
  cannot be read cheaply make the process it starts unchecked.
"""
import ast
import functools
import string
from typing import TypeGuard

from engine.definitions.bundle import ParsedSet
from engine.definitions.forms import declared_fields
from engine.definitions.problems import Problem
from engine.scripts.functions import reserved_names
from engine.scripts.sandbox import UNPARSEABLE

BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
CAMUNDA = "{http://camunda.org/schema/1.0/bpmn}"
ALWAYS_GIVEN = frozenset({"case_ref", "link", "instance_id"})  # engine/outbox.py _fields
TEXT_ARGUMENTS = {"notify": (("subject", 1), ("body", 2)), "record_on_case": (("title", 0), ("note", 1))}
UNKNOWN = None  # start data this check cannot see: the process is not checked


def unset_field_problems(parsed: ParsedSet, identifiers: set[str]) -> list[Problem]:
    processes = {p.get("id"): (xml, p) for xml in _bpmn_files(parsed) for p in xml.root.iter(f"{BPMN}process")}
    settable: dict[str, set[str]] = {}
    for process_id in processes:
        _settable_in(parsed, processes, process_id, settable)
    starts = _start_fields(parsed, processes, settable, identifiers | ALWAYS_GIVEN)
    problems = []
    for process_id, (xml, process) in processes.items():
        start = starts[process_id]
        if start is None:  # UNKNOWN
            continue
        given = start | identifiers | ALWAYS_GIVEN
        before = _fields_before(parsed, processes, process, given, settable)
        for task in process.iter(f"{BPMN}scriptTask"):
            problems += _script_problems(xml, task, before.get(task.get("id"), set()))
    return problems


# --- what each step sets --------------------------------------------------------------------

def _sets(parsed: ParsedSet, processes, element, settable) -> set[str]:
    """The fields one flow node can set (a sub-process: every step in it)."""
    kind = _local(element.tag)
    if kind == "scriptTask":
        return _assigned(_script_tree(element))
    if kind == "userTask":
        return declared_fields(parsed.forms.get(element.get(f"{CAMUNDA}formKey"), {}))
    if kind == "businessRuleTask":
        return _decision_outputs(parsed, element.get(f"{CAMUNDA}decisionRef"))
    if kind == "callActivity":
        return _settable_in(parsed, processes, element.get("calledElement"), settable)
    if kind in ("subProcess", "transaction"):
        return set().union(*(_sets(parsed, processes, child, settable) for child in _flow_nodes(element)))
    return set()


def _settable_in(parsed, processes, process_id, settable) -> set[str]:
    """Every field a process can set anywhere, called processes included (memoised; a process
    that calls itself counts what is known so far)."""
    if process_id not in settable:
        settable[process_id] = set()
        if process_id in processes:
            process = processes[process_id][1]
            settable[process_id] = set().union(*(_sets(parsed, processes, n, settable) for n in _flow_nodes(process)))
    return settable[process_id]


def _assigned(tree: ast.AST | None, before_line: int | None = None) -> set[str]:
    """Names a script assigns (above `before_line` when given)."""
    targets = []
    for node in ast.walk(tree) if tree is not None else ():
        if before_line is not None and getattr(node, "lineno", 0) >= before_line:
            continue
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.For, ast.NamedExpr)):
            targets += node.targets if isinstance(node, ast.Assign) else [node.target]
    return {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}


def _decision_outputs(parsed: ParsedSet, decision_id: str | None) -> set[str]:
    for xml in (x for x in parsed.xml.values() if x.file_name.endswith(".dmn")):
        for decision in (e for e in xml.root.iter() if _local(e.tag) == "decision" and e.get("id") == decision_id):
            return {o.get("name").split(".")[0] for o in decision.iter() if _local(o.tag) == "output" and o.get("name")}
    return set()


# --- what each process starts with ----------------------------------------------------------

def _start_fields(parsed: ParsedSet, processes, settable, always: set[str]) -> dict[str, set[str] | None]:
    """The fields each process's start can hold, or UNKNOWN. A called process starts with what its
    callers hold at the call activity, which depends on their own start: repeated until it settles."""
    starts = {pid: _own_start(parsed, processes, pid) for pid in processes}
    while True:
        widened = dict(starts)
        for process_id, (_xml, process) in processes.items():
            calls = [c for c in process.iter(f"{BPMN}callActivity") if c.get("calledElement") in processes]
            if not calls:
                continue
            known = starts[process_id]
            before = (_fields_before(parsed, processes, process, known | always, settable)
                      if known is not UNKNOWN else {})
            for call in calls:
                held = before.get(call.get("id"), set()) if known is not UNKNOWN else UNKNOWN
                widened[call.get("calledElement")] = _union(widened[call.get("calledElement")], held)
        if widened == starts:
            return starts
        starts = widened


def _own_start(parsed: ParsedSet, processes, process_id: str) -> set[str] | None:
    """The start form's fields and every start_process call's keywords; UNKNOWN when the process has
    neither a start form nor a starter in the bundle (started from outside: the API, a webhook)."""
    process = processes[process_id][1]
    form_keys = [s.get(f"{CAMUNDA}formKey") for s in process.findall(f"{BPMN}startEvent")]
    started_by = [_started_with(call, tree) for _xml, _task, tree in _scripts(processes)
                  for call in _calls(tree, "start_process") if _first_constant(call) == process_id]
    called = any(c.get("calledElement") == process_id for _x, p in processes.values()
                 for c in p.iter(f"{BPMN}callActivity"))
    if not any(form_keys) and not started_by and not called:
        return UNKNOWN
    declared: set[str] = set()
    for key in filter(None, form_keys):
        declared |= declared_fields(parsed.forms.get(key, {}))
    fields: set[str] | None = declared
    for keywords in started_by:
        fields = _union(fields, keywords)
    return fields


def _started_with(call: ast.Call, tree: ast.AST) -> set[str] | None:
    """The fields a start_process call gives; `**mapping` counts the constant keys its script gives
    that dict (`audit = {...}`, `audit["team"] = ...`), UNKNOWN when it is anything else."""
    fields = set()
    for keyword in call.keywords:
        if keyword.arg:
            fields.add(keyword.arg)
        elif isinstance(keyword.value, ast.Name):
            keys = _dict_keys(tree, keyword.value.id)
            if keys is UNKNOWN:
                return UNKNOWN
            fields |= keys
        else:
            return UNKNOWN
    return fields


def _dict_keys(tree: ast.AST, name: str) -> set[str] | None:
    keys, literal = set(), False
    for node in ast.walk(tree):
        changed_otherwise = (isinstance(node, ast.AugAssign) and getattr(node.target, "id", None) == name) or (
            isinstance(node, ast.Attribute) and getattr(node.value, "id", None) == name)  # audit.update(...)
        if changed_otherwise:
            return UNKNOWN
        if not isinstance(node, ast.Assign):
            continue
        for target in node.targets:
            if isinstance(target, ast.Name) and target.id == name:
                if not isinstance(node.value, ast.Dict) or not all(_is_text(k) for k in node.value.keys):
                    return UNKNOWN
                keys |= {k.value for k in node.value.keys if _is_text(k)}
                literal = True
            elif isinstance(target, ast.Subscript) and getattr(target.value, "id", None) == name:
                if not _is_text(target.slice):
                    return UNKNOWN
                keys.add(target.slice.value)
    return keys if literal else UNKNOWN


# --- along the flows --------------------------------------------------------------------------

def _fields_before(parsed: ParsedSet, processes, process, given: set[str], settable) -> dict[str, set[str]]:
    """For each flow node of the process (sub-processes included), the fields some path from the
    start can have set when it begins: a fixed point over the sequence flows."""
    nodes = {n.get("id"): n for n in process.iter() if _is_flow_node(n)}
    sources: dict[str, list[str]] = {node_id: [] for node_id in nodes}
    for flow in process.iter(f"{BPMN}sequenceFlow"):
        sources.setdefault(flow.get("targetRef"), []).append(flow.get("sourceRef"))
    sets = {node_id: _sets(parsed, processes, node, settable) for node_id, node in nodes.items()}
    before: dict[str, set[str]] = {node_id: set() for node_id in nodes}
    changed = True
    while changed:
        changed = False
        for node_id, node in nodes.items():
            fields = _entry(node, nodes, sources, before, sets, given)
            if not fields <= before[node_id]:
                before[node_id] |= fields
                changed = True
    return before


def _entry(node, nodes, sources, before, sets, given) -> set[str]:
    """The fields a node can begin with: what its incoming flows bring (the start event: the start)."""
    kind, parent = _local(node.tag), node.getparent()
    if kind == "startEvent" and _local(parent.tag) == "process":
        return set(given)
    if kind == "startEvent":  # of a sub-process: its data; of an event sub-process: anything the process holds
        if parent.get("triggeredByEvent") == "true":
            return set().union(given, *sets.values())
        return before.get(parent.get("id"), set())
    if kind == "boundaryEvent":  # fires before its task is answered; inside a sub-process, anything in it ran
        attached = nodes.get(node.get("attachedToRef"))
        if attached is None:
            return set()
        inner = _local(attached.tag) in ("subProcess", "callActivity")
        return before[attached.get("id")] | (sets[attached.get("id")] if inner else set())
    incoming = [source for source in sources.get(node.get("id"), []) if source in nodes]
    return set().union(*(before[source] | sets[source] for source in incoming))


# --- the check --------------------------------------------------------------------------------

def _script_problems(xml, task, before: set[str]) -> list[Problem]:
    script = task.find(f"{BPMN}script")
    tree = _script_tree(task)
    problems = []
    for function, wanted in TEXT_ARGUMENTS.items():
        for call in _calls(tree, function):
            about = next((k.value for k in call.keywords if k.arg == "about"), None)
            if about is not None and not isinstance(about, ast.Dict):
                continue  # its fields come from a value this check cannot read
            overrides = {k.value for k in getattr(about, "keys", []) if _is_text(k)}
            held = before | _assigned(tree, call.lineno) | overrides
            line = (script.sourceline or 0) + call.lineno - 1 or None
            problems += [Problem(xml.file_name, task.get("id"), line, _message(function, name, as_placeholder))
                         for name, as_placeholder in _used(call, wanted) if name not in held]
    return problems


def _message(function: str, name: str, as_placeholder: bool) -> str:
    effect = (f"the text would read '{{{name}}}' as written" if as_placeholder
              else "the step would stop with an error")
    return (f"{function}(...) uses '{name}', which no earlier step can have set (not the start, a form, a "
            f"script, a decision or a called process): {effect}. Set it before this message, or say it in words")


def _used(call: ast.Call, wanted) -> list[tuple[str, bool]]:
    """(name, is a placeholder) of every field a message's text reads, in order, without repeats."""
    parts = [k.value for k in call.keywords if k.arg in dict(wanted)]
    parts += [call.args[position] for _name, position in wanted if position < len(call.args)]
    found: dict[str, bool] = {}
    for part in parts:
        bound = {n.id for n in ast.walk(part) if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load)}
        for node in ast.walk(part):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                if node.id not in bound | reserved_names():  # not a function scripts call, nor a loop's own name
                    found.setdefault(node.id, False)
            elif _is_text(node):
                for name in _placeholders(node.value):
                    found.setdefault(name, True)
    return list(found.items())


def _placeholders(text: str) -> list[str]:
    try:
        return [name for _, name, _, _ in string.Formatter().parse(text) if name and name.isidentifier()]
    except ValueError:  # a lone brace: no placeholder this check can name
        return []


# --- reading the XML --------------------------------------------------------------------------

def _bpmn_files(parsed: ParsedSet):
    return [x for x in parsed.xml.values() if not x.file_name.endswith(".dmn")]


def _scripts(processes):
    for xml, process in processes.values():
        for task in process.iter(f"{BPMN}scriptTask"):
            yield xml, task, _script_tree(task)


def _script_tree(task) -> ast.AST | None:
    script = task.find(f"{BPMN}script")
    return _parsed_script(script.text or "") if script is not None else None


@functools.lru_cache(maxsize=1024)
def _parsed_script(source: str) -> ast.AST | None:
    """Parsed once per text: the check reads each script several times. Trees are only read."""
    try:
        return ast.parse(source)
    except UNPARSEABLE:
        return None  # rules.expression_problems reports it


def _calls(tree: ast.AST | None, function: str) -> list[ast.Call]:
    return [n for n in (ast.walk(tree) if tree is not None else ())
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == function]


def _first_constant(call: ast.Call) -> str | None:
    return call.args[0].value if call.args and _is_text(call.args[0]) else None


def _flow_nodes(container) -> list:
    return [child for child in container if _is_flow_node(child)]


def _is_flow_node(element) -> bool:
    kind = _local(element.tag)
    return bool(element.get("id")) and kind not in NOT_FLOW_NODES and not kind.endswith("EventDefinition")


NOT_FLOW_NODES = {"sequenceFlow", "laneSet", "lane", "documentation", "textAnnotation", "association", "process",
                  "dataObject", "dataObjectReference", "dataStoreReference", "ioSpecification", "extensionElements"}


class _Text(ast.Constant):
    """For the checker only: a constant whose value is a str."""
    value: str


def _is_text(node) -> TypeGuard[_Text]:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def _union(a: set[str] | None, b: set[str] | None) -> set[str] | None:
    return UNKNOWN if a is UNKNOWN or b is UNKNOWN else a | b


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""
