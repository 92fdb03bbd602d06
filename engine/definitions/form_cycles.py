"""A form that refers to itself, directly or through its definitions, has no end.

`{"$ref": "#"}`, a field referring to its own definition, or two definitions referring to each
other: validating, reading its fields or drawing its page would follow the references for ever
(the issue saw such a form deploy and its task never complete: 500). A page draws a finite form,
so a deploy refuses every cycle, naming the reference that closes it.
"""


def reference_cycles(schema: dict) -> list[tuple[str, str]]:
    """(JSON pointer of a `$ref`, message) for each reference closing a cycle in a form."""
    refs = _local_refs(schema)  # [(pointer of the $ref, the pointer it targets)]
    nodes = {"", *(target for _site, target in refs)}
    # `part -> target` when the part at `part` holds a $ref to `target` (the root holds them all)
    edges: dict[str, list[tuple[str, str]]] = {node: [] for node in nodes}
    for site, target in refs:
        for part in _containers(site, nodes):
            edges[part].append((site, target))
    return [(site, _message(cycle)) for site, cycle in back_edges(edges)]


def back_edges(edges: dict) -> list[tuple[object, list]]:
    """(site, cycle) for each edge closing a cycle of a graph `node -> [(site, target)]`, the cycle
    as its nodes from the target back to it. Depth-first without recursion: a form may hold
    thousands of references (process_starts.py uses it for processes that start each other)."""
    found, done = [], set()
    for root in sorted(edges):
        if root in done:
            continue
        path, pending = [root], [iter(edges[root])]
        while pending:
            step = next(pending[-1], None)
            if step is None:
                done.add(path.pop())
                pending.pop()
                continue
            site, target = step
            if target in path:
                found.append((site, path[path.index(target):] + [target]))
            elif target not in done:
                path.append(target)
                pending.append(iter(edges.get(target, ())))
    return found


def _message(cycle: list[str]) -> str:
    steps = " -> ".join(f"#{part}" for part in cycle)
    return f"refers to itself ({steps}); a form's parts may not refer back to what holds them"


def _containers(site: str, nodes: set[str]) -> list[str]:
    """The parts among `nodes` that hold the pointer `site` (its prefixes, at token boundaries)."""
    tokens = site.split("/")
    return [prefix for prefix in ("/".join(tokens[:n]) for n in range(1, len(tokens) + 1)) if prefix in nodes]


def _local_refs(schema: dict) -> list[tuple[str, str]]:
    found, pending = [], [("", schema)]
    while pending:
        pointer, node = pending.pop()
        if isinstance(node, list):
            pending += [(f"{pointer}/{i}", item) for i, item in enumerate(node)]
        if not isinstance(node, dict):
            continue
        for key, value in node.items():
            here = f"{pointer}/{key.replace('~', '~0').replace('/', '~1')}"
            if key == "$ref" and isinstance(value, str) and value.startswith("#"):
                found.append((here, value[1:].rstrip("/")))
            elif key not in ("const", "enum", "default", "examples"):
                pending.append((here, value))
    return found
