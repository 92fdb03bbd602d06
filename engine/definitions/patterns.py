"""Form `pattern`s, matched in time linear in the answer: by RE2, never by Python's `re`.

Python's `re` backtracks: `^([a-zA-Z0-9]+\\s?)+$` took 30 s on a 37-character answer. RE2 runs
every pattern it accepts in time bounded by the answer's length times the pattern's compiled
size; it refuses backreferences and lookarounds, which cannot be matched so. A deploy refuses a
pattern RE2 does not accept, or one whose compiled size passes MAX_PROGRAM_SIZE (the bound's
factor: the largest allowed, on the largest answer a request may carry, is matched in ~0.3 s).
`patternProperties` is refused: jsonschema matches property names with `re` (and pages draw named
fields only).
"""
from functools import lru_cache

import re2
from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import ValidationError

from engine.definitions.problems import Problem
from engine.definitions.schema_walk import VALUE_KEYWORDS, schema_items

MAX_PATTERN_LENGTH = 1_000  # characters of a pattern as written
MAX_PROGRAM_SIZE = 400  # RE2 instructions: 262,144 bytes x 400 is matched in ~0.3 s of CPU


class PatternRefused(ValueError):
    """A pattern that cannot be matched in bounded time, with the sentence saying why."""


def _options() -> re2.Options:
    options = re2.Options()
    options.log_errors = False  # RE2 would write each refusal to stderr
    return options


@lru_cache(maxsize=512)
def compiled(pattern: str):
    """The RE2 program of a pattern, or PatternRefused saying why it has none."""
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise PatternRefused(f"is longer than {MAX_PATTERN_LENGTH:,} characters")
    try:
        program = re2.compile(pattern, _options())
    except re2.error as error:
        reason = error.args[0].decode() if error.args and isinstance(error.args[0], bytes) else str(error)
        raise PatternRefused(f"cannot be matched in bounded time ({reason}); backreferences and "
                             "lookarounds are not supported") from None
    if program.programsize > MAX_PROGRAM_SIZE:
        raise PatternRefused(f"is too large to match in bounded time ({program.programsize} steps a "
                             f"character; at most {MAX_PROGRAM_SIZE})")
    return program


def _bounded_pattern(validator, pattern, instance, schema):
    """jsonschema's `pattern` keyword, matched by RE2."""
    if not validator.is_type(instance, "string"):
        return
    try:
        matched = compiled(pattern).search(instance)
    except PatternRefused as refused:  # a form deployed before patterns were checked
        yield ValidationError(f"the form's pattern {pattern!r} {refused}; it must be deployed again")
        return
    if not matched:
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


def _no_pattern_properties(validator, value, instance, schema):
    yield ValidationError("the form uses patternProperties, which forms may not; it must be deployed again")


BoundedValidator = validators.extend(Draft202012Validator, {"pattern": _bounded_pattern,
                                                            "patternProperties": _no_pattern_properties})


def pattern_problems(file_name: str, schema: dict) -> list[Problem]:
    """A problem for each pattern RE2 cannot match in bounded time, and each patternProperties."""
    problems = []
    for pointer, key, value in _keywords(schema):
        if key == "patternProperties":
            problems.append(Problem(file_name, None, None, f"{pointer}: patternProperties is not supported; "
                                                           "name each field under properties"))
        elif isinstance(value, str):
            try:
                compiled(value)
            except PatternRefused as refused:
                problems.append(Problem(file_name, None, None, f"{pointer}: the pattern {value!r} {refused}"))
    return problems


def _keywords(schema: dict):
    """(JSON pointer, keyword, value) of every `pattern` and `patternProperties` in a schema.
    A `pattern` inside `properties` may be a field's name, so only schema positions are read."""
    for pointer, key, here, value in schema_items(schema, lambda key, _value: key not in VALUE_KEYWORDS):
        if key in ("pattern", "patternProperties") and not pointer.endswith(_NAMING_KEYWORDS):
            yield here, key, value


# Keywords whose object maps names (of fields or definitions) to schemas: a child called
# "pattern" there is a field, not the keyword.
_NAMING_KEYWORDS = ("/properties", "/$defs", "/definitions", "/dependentSchemas", "/patternProperties")
