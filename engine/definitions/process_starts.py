"""Processes that start themselves, directly or in a cycle, are refused at deploy.

A process starts another through a call activity (`calledElement`) or a script's
`start_process("<id>", ...)`; a start that leads back to its own process starts again and again
in one step (the issue saw a 500 after 6-11 s with a 2,000-line traceback, or a start that never
returned). `start_process` names its process with a quoted id, so the deploy can follow it.
"""
import ast

from engine.definitions.bundle import ParsedSet
from engine.definitions.form_cycles import back_edges
from engine.definitions.problems import Problem
from engine.scripts.sandbox import UNPARSEABLE

BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"


def start_problems(parsed: ParsedSet) -> list[Problem]:
    """A problem for each start that closes a cycle, and for each start_process whose process is not quoted."""
    edges: dict[str, list] = {}
    problems: list[Problem] = []
    for xml in (x for name, x in parsed.xml.items() if name.endswith(".bpmn")):
        for process in xml.root.iter(f"{BPMN}process"):
            starts = edges.setdefault(process.get("id"), [])
            for element, line, target in starts_in(process):
                site = (xml.file_name, element, line)
                if target is None:
                    problems.append(_problem(site, "calls start_process with a process id that is not a quoted string; "
                                             "name the process, e.g. start_process(\"child_safety_alert\")"))
                else:
                    starts.append((site, target))
    for site, cycle in back_edges(edges):
        path = " -> ".join(cycle)
        said = "starts itself" if len(cycle) == 2 else f"starts '{cycle[-1]}' again ({path})"
        problems.append(_problem(site, f"process '{cycle[-2]}' {said}; a process may not start itself, "
                                       "directly or through the processes it starts"))
    return problems


def _problem(site, message: str) -> Problem:
    file_name, element, line = site
    return Problem(file_name, element.get("id"), line, message)


def starts_in(process):
    """(element, line, process id or None when not quoted) for each start in a process and its sub-processes."""
    for element in process.iter(f"{BPMN}callActivity"):
        yield element, element.sourceline, element.get("calledElement")
    for script in process.iter(f"{BPMN}script"):
        try:
            tree = ast.parse(script.text or "")
        except UNPARSEABLE:  # for the expression rules to refuse
            continue
        for call in (n for n in ast.walk(tree) if _calls_start_process(n)):
            yield script.getparent(), (script.sourceline or 1) + call.lineno - 1, _quoted_process(call)


def _calls_start_process(node) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "start_process"


def _quoted_process(call: ast.Call) -> str | None:
    named = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "process_id"), None)
    return named.value if isinstance(named, ast.Constant) and isinstance(named.value, str) else None
