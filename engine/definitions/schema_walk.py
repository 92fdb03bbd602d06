"""Walking a form's JSON Schema without recursion (a form may nest deeply), key by key, each with its
JSON pointer: the checks on references, cycles and patterns read a form this way."""
from collections.abc import Callable, Iterator

# Keywords that hold answers' values, not schemas: nothing inside them is a keyword.
VALUE_KEYWORDS = ("const", "enum", "default", "examples")


def schema_items(schema: dict, descend: Callable[[str, object], bool]) -> Iterator[tuple[str, str, str, object]]:
    """(pointer of the object, key, pointer of the key, value) for every key of every object in the
    schema, lists walked through; the walk goes into a value only where `descend(key, value)`."""
    pending: list[tuple[str, object]] = [("", schema)]
    while pending:
        pointer, node = pending.pop()
        if isinstance(node, list):
            pending += [(f"{pointer}/{i}", item) for i, item in enumerate(node)]
        if not isinstance(node, dict):
            continue
        for key, value in node.items():
            here = f"{pointer}/{key.replace('~', '~0').replace('/', '~1')}"
            yield pointer, key, here, value
            if descend(key, value):
                pending.append((here, value))
