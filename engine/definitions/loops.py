"""The deploy's half of the limit on loops (engine/instances/loops.py): every loop of a process must be able to
go round MIN_LOOP_ROUNDS times within MAX_TREE_DEPTH levels.

A round adds at most one level per step of the loop, and the steps of a loop are at most those of
the strongly connected part of the process's graph it lies in (gateways, boundary splits and joins
included, as SpiffWorkflow runs them); the path to the loop adds at most the other steps of the
process. So a process with S steps whose largest loop part has L steps can always go round
(MAX_TREE_DEPTH - S) // L times. For case_audit's QA returns that bound is exact: 6 steps a round.
"""
from engine.definitions.bundle import ParsedSet
from engine.definitions.problems import Problem
from engine.limits import MAX_TREE_DEPTH, MIN_LOOP_ROUNDS


def loop_problems(parsed: ParsedSet, specs: dict) -> list[Problem]:
    """One problem for each process (or sub-process) whose largest loop cannot go round MIN_LOOP_ROUNDS
    times, or whose steps alone are deeper than the limit."""
    problems = []
    for spec in specs.values():
        graph = {name: [output.name for output in task_spec.outputs] for name, task_spec in spec.task_specs.items()}
        loops = [part for part in strongly_connected(graph) if len(part) > 1 or part[0] in graph[part[0]]]
        if not loops:
            continue
        largest = max(loops, key=len)
        rounds = (MAX_TREE_DEPTH - len(graph)) // len(largest)
        if rounds < MIN_LOOP_ROUNDS:
            problems.append(_problem(parsed, spec, largest, rounds))
    return problems


def _problem(parsed: ParsedSet, spec, loop: list[str], rounds: int) -> Problem:
    """Named at the loop's element that comes first in its file."""
    elements = sorted({spec.task_specs[name].bpmn_id for name in loop if spec.task_specs[name].bpmn_id})
    placed = sorted((parsed.locate(element, spec.file)[1] or 0, element) for element in elements)
    first = placed[0][1] if placed else None
    file_name, line = parsed.locate(first, spec.file)
    shown = ", ".join(elements[:6]) + (", ..." if len(elements) > 6 else "")
    return Problem(file_name, first, line,
                   f"a loop through {len(loop)} steps ({shown}) in a process of {len(spec.task_specs)} steps can go "
                   f"round only {max(rounds, 0)} times before a case reaches the limit of {MAX_TREE_DEPTH} levels; "
                   f"every loop must allow {MIN_LOOP_ROUNDS}: put the loop's steps in a sub-process, which counts "
                   "as one step")


def strongly_connected(graph: dict[str, list[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components, iteratively: a hostile diagram cannot recurse it deep."""
    index, low, on_stack, stack, parts, counter = {}, {}, set(), [], [], 0
    for root, outputs in graph.items():
        if root in index:
            continue
        work = [(root, iter(outputs))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, targets = work[-1]
            target = next(targets, None)
            if target is not None:
                if target not in index:
                    index[target] = low[target] = counter
                    counter += 1
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(graph.get(target, []))))
                elif target in on_stack:
                    low[node] = min(low[node], index[target])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                part = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    part.append(member)
                    if member == node:
                        break
                parts.append(part)
    return parts
