"""Size limits of a diagram, stated for process owners in processes/README.md.

SpiffWorkflow parses a flow by following it recursively (a chain of ~470 steps passed Python's
recursion limit: a RecursionError, not a sentence), and a start costs time growing with the square
of the paths open at once (1,700 parallel branches: killed at 30 s). The limits keep the largest
allowed diagram's start under half a second (tests/security/test_diagram_limits.py measures it)
and are checked before the parser sees the file.
"""
from engine.definitions.bundle import ParsedSet
from engine.definitions.problems import Problem
from engine.definitions.process_starts import starts_in

BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
MAX_FLOW_ELEMENTS = 250  # tasks, events, gateways and sub-processes of one process, nested ones included
MAX_PATHS_AT_ONCE = 5  # sequence flows leaving one element that takes them all (a parallel gateway's branches)
ONE_PATH_GATEWAYS = ("exclusiveGateway", "eventBasedGateway")  # take one of their paths: not limited
MAX_STARTED_ELEMENTS = 600  # the same, with every process it calls or starts, once per call or start
MAX_FILE_ELEMENTS = 1_000  # BPMN elements with an id in one file, sequence flows included
FLOW_KINDS = ("Task", "Event", "Gateway", "SubProcess", "subProcess")  # endings of flow elements' tags
FLOW_NAMES = ("task", "callActivity", "transaction")


def size_problems(parsed: ParsedSet) -> list[Problem]:
    problems = []
    for name, xml in parsed.xml.items():
        if name.endswith(".bpmn"):
            problems += _file_problems(name, xml.root)
    return problems or _started_problems(parsed)


def _started_problems(parsed: ParsedSet) -> list[Problem]:
    """A start runs what a process calls and starts in the same step: a process of 25 elements
    calling five of 250, each calling five more, would run 6,000."""
    processes = {process.get("id"): (name, process) for name, xml in parsed.xml.items() if name.endswith(".bpmn")
                 for process in xml.root.iter(f"{BPMN}process")}
    own = {pid: sum(1 for e in process.iter() if _is_flow_element(e)) for pid, (_n, process) in processes.items()}
    started = {pid: [target for _e, _line, target in starts_in(process) if target in processes]
               for pid, (_n, process) in processes.items()}
    problems = []
    for pid, (name, process) in processes.items():
        total = _with_started(pid, own, started)
        if total > MAX_STARTED_ELEMENTS:
            problems.append(Problem(name, pid, process.sourceline,
                                    f"runs more than {MAX_STARTED_ELEMENTS} tasks, events and gateways with the "
                                    "processes it calls and starts (each call or start counted)"))
    return problems


def _with_started(root: str, own: dict[str, int], started: dict[str, list[str]]) -> int:
    """Flow elements of `root` and, once per call or start, of each process it runs; a start back
    into the path counts nothing (process_starts.py refuses it). Stops counting past the limit."""
    pending: list[tuple[str, tuple[str, ...]]] = [(root, (root,))]  # (process, the path of starts that led to it)
    total = 0
    while pending and total <= MAX_STARTED_ELEMENTS:
        pid, path = pending.pop()
        total += own[pid]
        pending += [(target, (*path, target)) for target in started[pid] if target not in path]
    return total


def _file_problems(name: str, root) -> list[Problem]:
    elements = [e for e in root.iter() if isinstance(e.tag, str) and e.tag.startswith(BPMN) and e.get("id")]
    if len(elements) > MAX_FILE_ELEMENTS:
        return [Problem(name, None, None, f"holds {len(elements):,} BPMN elements; a file may hold at most "
                                          f"{MAX_FILE_ELEMENTS:,}")]
    problems = []
    for process in root.iter(f"{BPMN}process"):
        flow_elements = [e for e in process.iter() if _is_flow_element(e)]
        if len(flow_elements) > MAX_FLOW_ELEMENTS:
            problems.append(Problem(name, process.get("id"), process.sourceline,
                                    f"has {len(flow_elements):,} tasks, events and gateways; a process may have at "
                                    f"most {MAX_FLOW_ELEMENTS}: split it into processes that call each other"))
        problems += _fan_out_problems(name, process, flow_elements)
    return problems


def _fan_out_problems(name: str, process, flow_elements) -> list[Problem]:
    leaving: dict[str, int] = {}
    for flow in process.iter(f"{BPMN}sequenceFlow"):
        leaving[flow.get("sourceRef")] = leaving.get(flow.get("sourceRef"), 0) + 1
    return [Problem(name, e.get("id"), e.sourceline, f"starts {leaving[e.get('id')]:,} paths at once; at most "
                                                     f"{MAX_PATHS_AT_ONCE} may leave an element that takes them all")
            for e in flow_elements if leaving.get(e.get("id"), 0) > MAX_PATHS_AT_ONCE
            and e.tag[len(BPMN):] not in ONE_PATH_GATEWAYS]


def _is_flow_element(element) -> bool:
    if not isinstance(element.tag, str) or not element.tag.startswith(BPMN) or not element.get("id"):
        return False
    kind = element.tag[len(BPMN):]
    return kind.endswith(FLOW_KINDS) or kind in FLOW_NAMES
