"""A form that refers to itself, directly or through its definitions, has no end.

`{"$ref": "#"}`, a field referring to its own definition, or two definitions referring to each
other: validating, reading its fields or drawing its page would follow the references for ever
(the issue saw such a form deploy and its task never complete: 500). A page draws a finite form,
so a deploy refuses every cycle, naming the reference that closes it.
"""
from typing import Any

from engine.definitions.schema_walk import VALUE_KEYWORDS, schema_items


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


def back_edges(edges: dict) -> list[tuple[Any, list]]:
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
    items = schema_items(schema, lambda key, _value: key not in (*VALUE_KEYWORDS, "$ref"))
    return [(here, value[1:].rstrip("/")) for _pointer, key, here, value in items
            if key == "$ref" and isinstance(value, str) and value.startswith("#")]



MAX_EXPANDED_PARTS = 20_000  # a form's parts with each reference followed: ours have at most ~1,000


def expanded_size(schema: dict) -> int:
    """How many parts (objects, lists, values) a form has with every local `$ref` counted as what
    it refers to, up to just past MAX_EXPANDED_PARTS: what validating it may cost. Twenty
    definitions each referring twice to the next hold 60 parts and expand to over a million.
    For a form without reference cycles (reference_cycles refuses them first)."""
    refs = _local_refs(schema)
    nodes = {"", *(target for _site, target in refs)}
    edges: dict[str, list[str]] = {node: [] for node in nodes}
    for site, target in refs:
        for part in _containers(site, nodes):
            edges[part].append(target)
    sizes: dict[str, int] = {}
    for node in _postorder(edges):
        sizes[node] = min(_walk(_resolve(schema, node), sizes), MAX_EXPANDED_PARTS + 1)
    return sizes[""]


def _walk(part, sizes: dict[str, int]) -> int:
    """The parts of `part`, each $ref adding the size of what it refers to."""
    total, pending = 0, [part]
    while pending and total <= MAX_EXPANDED_PARTS:
        node = pending.pop()
        total += 1
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#"):
                total += sizes.get(ref[1:].rstrip("/"), 0)
            pending += [v for k, v in node.items() if k not in ("const", "enum", "default", "examples")]
        elif isinstance(node, list):
            pending += node
    return total


def _postorder(edges: dict[str, list[str]]) -> list[str]:
    """Each node after every node it reaches (the graph has no cycles)."""
    order, done = [], set()
    for root in sorted(edges):
        pending = [(root, iter(edges[root]))] if root not in done else []
        while pending:
            node, targets = pending[-1]
            target = next(targets, None)
            if target is None:
                pending.pop()
                if node not in done:
                    done.add(node)
                    order.append(node)
            elif target not in done and target in edges:
                pending.append((target, iter(edges[target])))
    return order


def _resolve(schema: dict, pointer: str):
    node: object = schema
    for token in pointer.split("/")[1:]:
        token = token.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict):
            node = node.get(token)
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return None
    return node
