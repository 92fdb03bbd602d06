"""What a value weighs once saved: the bytes its JSON would take, and how deeply it nests, found
without building the JSON and in time linear in the value's distinct objects.

A list can hold the same string many times over (`[s] * 5000` is 5,000 references to one `s`):
it costs almost nothing in memory, but its JSON repeats `s` 5,000 times. Writing it out, or
walking it reference by reference, is where the service's memory and time went (issue 25). Each
distinct object is weighed once here, and a container's weight is the sum of its children's.
"""
from dataclasses import dataclass

from engine.scripts import budget

_SCALAR_BYTES = 8  # a number, true/false/null: short enough to count alike


class RefersToItself(ValueError):
    def __init__(self):
        super().__init__("a list or dict contains itself")


@dataclass(frozen=True)
class Weight:
    bytes: int  # of its JSON, escapes aside
    depth: int  # 1 for a flat list or dict, 0 for a scalar


def weigh(value, tick: bool = True) -> Weight:
    """The value's weight. With `tick`, each distinct container is one step of the running budget,
    so that weighing is bounded like the script that built the value."""
    if _children(value) is None:
        return Weight(_scalar_bytes(value), 0)
    weights: dict[int, Weight] = {}
    open_ids: set[int] = set()
    pending = [(value, False)]
    while pending:
        item, children_done = pending.pop()
        key = id(item)
        if key in weights:
            continue
        children = _children(item) or []  # only containers are pending
        if children_done:
            open_ids.discard(key)
            weights[key] = _container_weight(item, children, weights)
        elif key in open_ids:
            raise RefersToItself()
        else:
            if tick:
                budget.tick()
            open_ids.add(key)
            pending.append((item, True))
            pending += [(child, False) for child in children
                        if isinstance(child, _CONTAINERS) and id(child) not in weights]
    return weights[id(value)]


_CONTAINERS = (dict, list, tuple, set, frozenset)


def _children(item) -> list | None:
    if isinstance(item, dict):
        return list(item.values())
    if isinstance(item, (list, tuple, set, frozenset)):
        return list(item)
    return None


def _container_weight(item, children: list, weights: dict[int, Weight]) -> Weight:
    size, depth = 2 + 2 * len(children), 0  # brackets, commas and spaces
    if isinstance(item, dict):
        size += sum(_scalar_bytes(k) + 2 for k in item)
    for child in children:
        if isinstance(child, _CONTAINERS):
            weight = weights[id(child)]
            size, depth = size + weight.bytes, max(depth, weight.depth)
        else:
            size += _scalar_bytes(child)
    return Weight(size, 1 + depth)


def _scalar_bytes(item) -> int:
    if isinstance(item, (str, bytes)):
        return len(item) + 2
    if isinstance(item, int) and not isinstance(item, bool):
        return max(_SCALAR_BYTES, item.bit_length() // 3 + 1)  # about its decimal digits
    return _SCALAR_BYTES
