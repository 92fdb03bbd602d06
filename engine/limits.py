"""The limits the engine keeps, which both faces check input against.

Ids and versions are 32-bit integers on every database. A change note is a sentence or two.

How deeply data may nest. Deeper data is refused where it enters (a request, a form file, a
script's result): Python's JSON and SpiffWorkflow's serializer recurse, and an instance saved
with data nested a few hundred levels deep could not be loaded again."""
import re
from collections.abc import Iterable

MAX_ID = 2**31 - 1  # ids and versions are 32-bit integers on every database: larger ones name nothing
MAX_NOTE = 1000  # characters of a deployment's change note
MAX_TREE_DEPTH = 600  # levels of one task tree (engine/instances/loops.py); SpiffWorkflow breaks near 1,000
MIN_LOOP_ROUNDS = 12  # rounds every loop must be able to take, checked at deploy (audit_cycle: 12 months)
MAX_DEPTH = 32  # the audit tool nests 4 levels; no form or script needs more than a handful

# A JSON string (escapes included) or a bracket: brackets inside strings do not count.
_JSON_TOKENS = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def json_too_deep(document: bytes, limit: int = MAX_DEPTH) -> bool:
    """Whether JSON text nests arrays and objects more than `limit` deep, read without parsing it."""
    depth = 0
    for token in _JSON_TOKENS.finditer(document):
        bracket = token.group()
        if bracket in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return True
        elif bracket in (b"]", b"}"):
            depth -= 1
    return False


def value_too_deep(value, limit: int = MAX_DEPTH) -> bool:
    """Whether lists, tuples and dicts nest more than `limit` deep, walked without recursion."""
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        children: Iterable
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, (list, tuple)):
            children = item
        else:
            continue
        if depth > limit:
            return True
        pending += [(child, depth + 1) for child in children if isinstance(child, (dict, list, tuple))]
    return False
