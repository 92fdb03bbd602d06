"""Deploy rules checked before anything is stored.

Expressions are found in the XML rather than in SpiffWorkflow's specs so that each problem can
name its element and exact line; they are compiled by the same sandbox that runs them.
"""
import ast
import re

from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask

from engine.definitions.bundle import ParsedSet
from engine.definitions.forms import declared_fields
from engine.definitions.problems import Problem
from engine.definitions.xml import XmlFile
from engine.limits import MIN_CYCLE_SECONDS
from engine.role_catalogue import role_for_lane
from engine.scripts.effects import PUBLISHED_BY_DIAGRAMS
from engine.scripts.sandbox import UNPARSEABLE, ScriptRejected, compile_expression, compile_script

BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
CAMUNDA = "{http://camunda.org/schema/1.0/bpmn}"
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


def user_task_problems(parsed: ParsedSet, specs: dict, roles: dict[str, str], case_fields: set[str]) -> list[Problem]:
    """Every user task sits in a lane naming a known role and has a form that exists, which does not
    ask for what identifies the case."""
    problems, seen = [], set()
    for spec in specs.values():
        for task_spec in spec.task_specs.values():
            if not isinstance(task_spec, UserTask) or (spec.name, task_spec.bpmn_id) in seen:
                continue
            seen.add((spec.name, task_spec.bpmn_id))
            problems += _user_task_problems(parsed, spec, task_spec, roles, case_fields)
    return problems


def _user_task_problems(parsed, spec, task_spec, roles, case_fields) -> list[Problem]:
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
    else:
        problems += [Problem(*where, f"its form '{key}' declares '{name}', which identifies the case or who acts "
                                     "on it: only the start of a process (its start form) sets it")
                     for name in sorted(declared_fields(parsed.forms[key]) & case_fields)]
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


_STATED_DAYS = re.compile(r"\b(\d+)\s+working\s+days?\b", re.IGNORECASE)


def deadline_problems(parsed: ParsedSet) -> list[Problem]:
    """A timer whose name states a number of working days counts exactly that many: a deadline is
    written once, and a name that says 5 over an expression that counts 3 misleads everyone."""
    problems = []
    for xml in (x for x in parsed.xml.values() if not x.file_name.endswith(".dmn")):
        for timer in xml.root.iter(f"{BPMN}timerEventDefinition"):
            event = timer.getparent()
            stated = {int(n) for n in _STATED_DAYS.findall(event.get("name") or "")}
            expression = next((e for e in timer if _local(e.tag) in ("timeDate", "timeDuration", "timeCycle")), None)
            if not stated or expression is None:
                continue
            counted = _working_days_counted(expression.text or "")
            wrong = sorted(stated - counted) if counted is not None else sorted(stated)
            if wrong:
                says = " and ".join(str(n) for n in wrong)
                counts = ", ".join(str(n) for n in sorted(counted)) if counted else "a number the data gives"
                problems.append(Problem(xml.file_name, event.get("id"), event.sourceline,
                                        f"the name says {says} working day(s) but the timer counts {counts}: "
                                        "name the deadline without its number, or make them agree"))
    return problems


def cycle_problems(parsed: ParsedSet) -> list[Problem]:
    """A cycle timer repeats at most once a minute: a sub-minute cycle would keep the worker firing
    it. Only a literal cycle ("R/PT30S") is read here; one the data computes is checked when it runs
    (cycle_timers.catch_up_once)."""
    problems = []
    for xml in (x for x in parsed.xml.values() if not x.file_name.endswith(".dmn")):
        for expression in xml.root.iter(f"{BPMN}timeCycle"):
            seconds = _cycle_seconds(expression.text or "")
            if seconds is not None and seconds < MIN_CYCLE_SECONDS:
                owner = _owner(expression)
                problems.append(Problem(xml.file_name, owner.get("id") if owner is not None else None,
                                        expression.sourceline, f"the cycle repeats every {seconds:g} s; a cycle "
                                        f"timer may repeat at most once a minute ({MIN_CYCLE_SECONDS} s)"))
    return problems


def _cycle_seconds(source: str) -> float | None:
    """The period of a literal ISO 8601 cycle ("R3/PT1H"); None when the expression is computed."""
    try:
        text = ast.literal_eval(source.strip())
        _cycles, _start, period = TimerEventDefinition.parse_iso_recurring_interval(text)
    except Exception:  # noqa: BLE001 - computed, or malformed: expression_problems and the run say so
        return None
    return period.total_seconds()


def _working_days_counted(source: str) -> set[int] | None:
    """The constant day counts of the add_working_days calls of a timer expression; None when a
    count comes from the data."""
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except UNPARSEABLE:
        return set()  # expression_problems reports it
    counts: set[int] = set()
    for call in ast.walk(tree):
        if isinstance(call, ast.Call) and getattr(call.func, "id", None) == "add_working_days" and len(call.args) == 2:
            arg = call.args[1]
            options = [arg.body, arg.orelse] if isinstance(arg, ast.IfExp) else [arg]
            for option in options:
                if not (isinstance(option, ast.Constant) and isinstance(option.value, int)):
                    return None
                counts.add(option.value)
    return counts


def start_form_of(parsed: ParsedSet, spec) -> str | None:
    """The form a process's start data answers to: its start event's camunda:formKey."""
    for process in parsed.xml[spec.file].root.iter(f"{BPMN}process"):
        if process.get("id") == spec.name:
            start = process.find(f"{BPMN}startEvent")
            return start.get(f"{CAMUNDA}formKey") if start is not None else None
    return None


def start_form_problems(parsed: ParsedSet) -> list[Problem]:
    """A start event's form exists."""
    problems = []
    for xml in parsed.xml.values():
        for start in xml.root.iter(f"{BPMN}startEvent"):
            key = start.get(f"{CAMUNDA}formKey")
            if key and key not in parsed.forms:
                problems.append(Problem(xml.file_name, start.get("id"), start.sourceline,
                                        f"start form '{key}' does not exist (expected forms/{key}.json)"))
    return problems


def messages_caught(spec) -> list[str]:
    """The messages a spec's message start events catch (an event sub-process started by a message,
    engine/instances/messages.py): each message's fields are the form of its name."""
    return [start.event_definition.name for start in getattr(spec, "bpmn_start_events", [])
            if isinstance(start.event_definition, MessageEventDefinition)]


def message_form_problems(parsed: ParsedSet, specs: dict) -> list[Problem]:
    """A message a start event catches has a form of its name: what a person sends with it."""
    problems = []
    for spec in specs.values():
        for name in messages_caught(spec):
            if name not in parsed.forms:
                file_name, line = parsed.locate(spec.name, getattr(spec, "file", None))
                problems.append(Problem(file_name, spec.name, line, f"the message '{name}' starts '{spec.name}', "
                                        f"but no form forms/{name}.json says what it carries"))
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
    except UNPARSEABLE:
        return  # expression_problems reports it
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "publish"
                and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            yield node.lineno, node.args[0].value
