"""Answers to a form, generated from its JSON Schema for property tests (Hypothesis).

hypothesis-jsonschema gives up on the audit tool (ten domains, each with an if/then: three examples
in two and a half minutes), so answers are built here from the keywords forms use: types, const,
enum, oneOf/anyOf, patterns, lengths, bounds, dates, objects with required and optional fields,
maps (additionalProperties with propertyNames), arrays, and if/then/else on a field's answer
(`then` adds the fields it requires, `else` takes away those it forbids). Text is what a person
can type: printable characters and line breaks. A form using a keyword not known here fails the
test with its name, rather than being tested loosely. A field that names a person or a team
(`x-role`, `x-team`) takes one the demo directory allows: the engine refuses anyone else.
"""
import json
from datetime import date
from pathlib import Path

from hypothesis import strategies as st
from jsonschema import Draft202012Validator

KNOWN = {"$schema", "$defs", "$ref", "title", "description", "type", "properties", "required",
         "additionalProperties", "propertyNames", "minProperties", "items", "minItems", "maxItems",
         "enum", "const", "oneOf", "anyOf", "if", "then", "else", "allOf", "format", "pattern",
         "minLength", "maxLength", "minimum", "maximum", "default", "examples"}
TYPED = st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Co", "Cn", "Cf", "Zl", "Zp", "Zs"))
TEXT = st.text(st.one_of(TYPED, st.sampled_from(" \n")), max_size=60)
DIRECTORY = json.loads((Path(__file__).resolve().parents[2] / "data" / "demo_organisation.json").read_text())


def answers(schema: dict) -> st.SearchStrategy:
    """Any answers the form takes (valid against it: drawn values that are not are filtered out)."""
    validator = Draft202012Validator(schema)
    return _value(schema, schema).filter(validator.is_valid)


def _value(root: dict, node) -> st.SearchStrategy:
    node = resolved(root, node)
    unknown = {key for key in node if key not in KNOWN and not key.startswith("x-")}  # x-: annotations
    if unknown:
        raise NotImplementedError(f"the round-trip test does not know the keywords {sorted(unknown)}")
    if "x-role" in node or node.get("x-team"):
        kinds = node.get("type")
        return st.one_of(st.none(), _named(node)) if isinstance(kinds, list) and "null" in kinds else _named(node)
    if "const" in node:
        return st.just(node["const"])
    if "enum" in node:
        return st.sampled_from(node["enum"])
    options = node.get("oneOf") or node.get("anyOf")
    if options:
        merged = [{**{k: v for k, v in node.items() if k not in ("oneOf", "anyOf")}, **resolved(root, o)} for o in options]
        return st.one_of([_value(root, option) for option in merged])
    kinds = node.get("type") or ("object" if "properties" in node else "string")
    if isinstance(kinds, list):
        return st.one_of([_value(root, {**node, "type": kind}) for kind in kinds])
    return {"string": _text, "integer": _integer, "number": _number, "boolean": lambda n: st.booleans(),
            "null": lambda n: st.none(), "array": lambda n: _array(root, n),
            "object": lambda n: _object(root, n)}[kinds](node)


def _named(node: dict) -> st.SearchStrategy:
    """A team of the demo directory, or one of its people holding the field's role (or a role of its group)."""
    if node.get("x-team"):
        return st.sampled_from(sorted(team["id"] for team in DIRECTORY["teams"]))
    roles = set(DIRECTORY["role_groups"].get(node["x-role"], [node["x-role"]]))
    return st.sampled_from(sorted(p["username"] for p in DIRECTORY["people"] if roles & set(p["roles"])))


def _text(node: dict) -> st.SearchStrategy:
    if node.get("format") == "date":
        return st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)).map(date.isoformat)
    if "pattern" in node:
        return st.from_regex(node["pattern"], fullmatch=True, alphabet=TYPED).filter(lambda s: "\n" not in s)
    low, high = node.get("minLength", 0), node.get("maxLength", 60)
    return TEXT.filter(lambda s: low <= len(s) <= high)


def _integer(node: dict) -> st.SearchStrategy:
    return st.integers(node.get("minimum", -10**6), node.get("maximum", 10**6))


def _number(node: dict) -> st.SearchStrategy:
    return st.floats(node.get("minimum", -1e6), node.get("maximum", 1e6), allow_nan=False, allow_infinity=False)


def _array(root: dict, node: dict) -> st.SearchStrategy:
    low = node.get("minItems", 0)
    return st.lists(_value(root, node.get("items", {"type": "string"})), min_size=low,
                    max_size=min(node.get("maxItems", low + 3), low + 3))


def _object(root: dict, node: dict) -> st.SearchStrategy:
    @st.composite
    def build(draw):
        value = {}
        for name, field in (node.get("properties") or {}).items():
            if name in node.get("required", []) or draw(st.booleans()):
                value[name] = draw(_value(root, field))
        entry = node.get("additionalProperties")
        if isinstance(entry, dict):
            names = _value(root, node.get("propertyNames") or {"pattern": "^[a-z][a-z0-9_]{0,20}$"})
            low = node.get("minProperties", 0)
            value |= draw(st.dictionaries(names, _value(root, entry), min_size=low, max_size=low + 3))
        for test, then, otherwise in _conditions(root, node):
            holds = Draft202012Validator({**test, "$defs": root.get("$defs", {})}).is_valid(value)
            branch = then if holds else otherwise
            for name in (branch or {}).get("required", []):
                if name not in value:
                    field = {**resolved(root, node["properties"].get(name, {})),
                             **((branch.get("properties") or {}).get(name) or {})}
                    value[name] = draw(_value(root, field))
            for name, allowed in ((branch or {}).get("properties") or {}).items():
                if allowed is False:
                    value.pop(name, None)
        return value
    return build()


def _conditions(root: dict, node: dict):
    for part in [node, *(resolved(root, p) for p in node.get("allOf", []))]:
        if isinstance(part.get("if"), dict):
            yield part["if"], part.get("then"), part.get("else")


def resolved(root: dict, node) -> dict:
    """A schema part with its local $refs followed."""
    while isinstance(node, dict) and str(node.get("$ref", "")).startswith("#/"):
        target = root
        for part in node["$ref"][2:].split("/"):
            target = target[part]
        node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
    return node if isinstance(node, dict) else {}
