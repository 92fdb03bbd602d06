"""How deeply data may nest. Deeper data is refused where it enters (a request, a form file, a
script's result): Python's JSON and SpiffWorkflow's serializer recurse, and an instance saved
with data nested a few hundred levels deep could not be loaded again."""
import re

from .data_weight import RefersToItself, weigh

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
    """Whether lists, tuples and dicts nest more than `limit` deep (or contain themselves), each
    distinct object walked once: shared references are not walked again (data_weight.py)."""
    try:
        return weigh(value, tick=False).depth > limit
    except RefersToItself:
        return True
