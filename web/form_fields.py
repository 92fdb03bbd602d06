"""Any form of forms/ as GOV.UK fields: one renderer reads the JSON Schema (and its UI schema) of a
task's form, so a process owner's new form needs no Python. web/form_answers.py reads every kind
of field it draws back into the answer it stands for.

  enum, const choices (oneOf/anyOf)  -> radios, labelled by each choice's `title`
  boolean                            -> Yes / No radios
  boolean that must be true (const)  -> one checkbox, a confirmation ("Shared with the auditor")
  string, format date                -> date input (day, month, year)
  string                             -> textarea (two rows when maxLength <= 120), or a one-line
                                        input when it cannot hold a line break (a pattern, or
                                        "ui:widget": "text")
  integer, number                    -> a numeric text input
  x-role (a person) or x-team        -> a select of the directory's active people holding the role
                                        (or the group's roles), or of its teams, with their names,
                                        when the page is given the choices (engine/definitions/choices.py)
  object with properties             -> a fieldset of its fields
  object of additionalProperties     -> a fieldset per entry the case holds (a map: domain -> grade),
                                        titled by the `propertyNames` choice of its key
  array of objects or strings        -> rows, with "Add another" and "Remove" (no script needed)
  if {X: const V} then {required: Y} -> Y revealed under X's answer V
  a type or choice that allows null  -> the same field, left empty for null

Field names are the dotted paths the engine reports errors at ("domains.risk_assessment.grade");
html ids replace the dots. What a page holds besides the answers (how many rows a list shows, which
entries a map has) goes with it in hidden inputs, so a submitted page is read with its own shape.
"""
import json
import re
from dataclasses import dataclass, field
from typing import Any

from engine.definitions.forms import resolve_pointer

SHORT_TEXT = 120
MAP_KEY = re.compile(r"[A-Za-z0-9_-]{1,100}")  # a key a field name can carry (no dots): fullmatch


@dataclass
class Field:
    kind: str  # radios | yes_no | confirm | select | date | text | textarea | number | group | map | list
    name: str
    label: str
    hint: str | None = None
    required: bool = False
    choices: list[tuple[str, str]] = field(default_factory=list)  # (value on the page, words): radios, confirm, select
    answers: dict[str, Any] = field(default_factory=dict)  # value on the page -> the answer it stands for
    children: list["Field"] = field(default_factory=list)  # a group's or map's fields
    rows: list[list["Field"]] = field(default_factory=list)  # a list's rows, each the item's fields
    reveals: dict[str, list["Field"]] = field(default_factory=dict)  # answer -> fields shown under it
    value: Any = None  # as the page shows it: text, or the chosen choice's value on the page
    height: int = 5  # a textarea's rows
    typed: Any = None  # what was typed but could not be read (a date's [day, month, year], a number), to show again
    error: str | None = None
    prompt: str | None = None  # a select's first option, which chooses nothing ("Choose a person")
    context: str | None = None  # the group or list row it sits in, to word its errors ("... for Risk Assessment")

    @property
    def id(self) -> str:
        return self.name.replace(".", "-")

    @property
    def keys(self) -> list[str]:
        """A map's entries, in the order the page shows them."""
        return [child.name.rsplit(".", 1)[-1] for child in self.children]

    def walk(self):
        """This field and every field under it (revealed, in groups, in rows)."""
        yield self
        for child in [*self.children, *(f for fs in self.reveals.values() for f in fs),
                      *(f for row in self.rows for f in row)]:
            yield from child.walk()


@dataclass
class Shape:
    """What a page shows besides answers: rows per list, entries per map (from its hidden inputs)."""
    rows: dict[str, int] = field(default_factory=dict)
    keys: dict[str, list[str]] = field(default_factory=dict)


class FormModel:
    """The fields of one form for one set of answers."""

    def __init__(self, schema: dict, ui: dict | None = None, directory: dict | None = None):
        """`directory`: the people and teams fields may name (engine/directory_choices.choices_for);
        without it such fields are drawn as what their type says (a one-line text input)."""
        self.schema, self.ui, self.directory = schema or {}, ui or {}, directory

    def fields(self, values: dict, shape: Shape | None = None) -> list[Field]:
        """The form's fields holding `values`; `shape` says how many rows a list shows and which
        entries a map has, when the values alone do not (a submitted page)."""
        return self._object_fields(self.schema, "", values or {}, shape or Shape())

    def prefilled(self, data: dict) -> dict:
        """What the form starts with on its page: the case's values of the fields its `x-prefill`
        names (the draft's grades for the discussion that grades again); every other field starts
        empty, so an earlier step's answer is never offered as this one's."""
        names = self.schema.get("x-prefill")
        return {name: data[name] for name in (names if isinstance(names, list) else []) if name in data}

    def shown(self, values: dict) -> list[tuple[str, list[Field]]]:
        """The earlier answers the form's `x-show` names, as (section title, fields holding them)."""
        parts = self.schema.get("x-show")
        sections = []
        for part in (parts if isinstance(parts, list) else [parts] if isinstance(parts, dict) else []):
            part = self._resolved(part)
            if part.get("properties"):
                sections.append((part.get("title") or "", self._object_fields(part, "", values or {}, Shape())))
        return sections

    # --- building ------------------------------------------------------------------------------

    def _object_fields(self, schema: dict, prefix: str, values: dict, shape: Shape) -> list[Field]:
        schema = self._resolved(schema)
        required = set(schema.get("required", []))
        revealed = self._reveals(schema)
        hidden = {name for fields in revealed.values() for name in fields}
        titles = self._key_titles(schema)
        result = []
        for name in self._order(schema):
            if name in hidden:
                continue
            result.append(self._field(schema["properties"][name], prefix + name, name in required,
                                      values.get(name), shape, titles.get(name)))
            for (controller, answer), names in revealed.items():
                if controller == name:
                    result[-1].reveals[answer] = [
                        self._field(schema["properties"][n], prefix + n, True, values.get(n), shape, titles.get(n))
                        for n in names]
        return result

    def _field(self, schema: dict, name: str, required: bool, value, shape: Shape,
               key_title: str | None = None) -> Field:
        own = self._resolved(schema)
        label = schema.get("title") or key_title or own.get("title") or _humanise(name.rsplit(".", 1)[-1])
        # A shared definition's own description is for whoever writes forms, unless nothing else labels the field.
        shared = own.get("description") if not (schema.get("title") or key_title) else None
        hint = schema.get("description") or shared or self._ui(name).get("ui:help")
        base = Field("text", name, label, hint, required, value=value if not isinstance(value, (dict, list)) else None)
        options = self._choices(own)
        kind = _kind(own)
        named = self._directory_choices(own)
        if named is not None:
            base.kind = "select"
            base.prompt = ("Choose a team" if own.get("x-team") is True else "Choose a person") if required else "None"
            self._offer(base, named, value)
            if isinstance(value, str) and value and base.value is None:
                # Named elsewhere (a draft, the API) but not offered: kept on the page, for the check to refuse.
                self._offer(base, [(value, f"{value} (not in the directory for this field)")], value)
        elif options is not None and [answer for answer, _ in options] == [True]:
            base.kind = "confirm"  # the one answer is "yes": a tick that confirms it
            self._offer(base, [(True, label)], value)
        elif options is not None:
            base.kind = "radios"
            self._offer(base, options, value)
        elif kind == "boolean":
            base.kind = "yes_no"
            self._offer(base, [(True, "Yes"), (False, "No")], value)
        elif kind == "string" and own.get("format") == "date":
            base.kind = "date"
        elif kind in ("integer", "number"):
            base.kind = "number"
        elif kind == "object" and own.get("properties"):
            base.kind = "group"
            base.children = self._object_fields(own, name + ".", value if isinstance(value, dict) else {}, shape)
            for child in base.children:
                child.context = child.context or label
        elif kind == "object" and isinstance(own.get("additionalProperties"), dict):
            self._map(base, own, value, shape)
        elif kind == "array":
            self._list(base, own, value, shape)
        elif kind == "string":
            # A one-line input drops line breaks, so only a field that holds none is drawn as one.
            one_line = "pattern" in own or self._ui(name).get("ui:widget") == "text"
            base.kind = "text" if one_line else "textarea"
            base.height = 2 if (own.get("maxLength") or SHORT_TEXT + 1) <= SHORT_TEXT else 5
        return base

    def _offer(self, base: Field, options: list[tuple[Any, str]], value) -> None:
        """Choices drawn with their words; each page value reads back as the answer it stands for."""
        for answer, words in options:
            on_page = page_value(answer)
            base.choices.append((on_page, words))
            base.answers[on_page] = answer
        base.value = page_value(value) if value is not None and page_value(value) in base.answers else None

    def _directory_choices(self, schema: dict) -> list[tuple[str, str]] | None:
        """(answer, words) of a field that names a person (x-role) or a team (x-team), from the
        directory the page was given; None when it names neither or no directory was given."""
        if self.directory is None:
            return None
        if isinstance(schema.get("x-role"), str):
            return list((self.directory.get("people") or {}).get(schema["x-role"], []))
        if schema.get("x-team") is True:
            return list(self.directory.get("teams") or [])
        return None

    def _map(self, base: Field, schema: dict, value, shape: Shape) -> None:
        """A map (domain -> grade): the entries the case holds, or those the submitted page showed."""
        base.kind = "map"
        entries = value if isinstance(value, dict) else {}
        keys = shape.keys.get(base.name, list(entries))
        titles = self._key_titles(schema)
        base.children = [self._field(schema["additionalProperties"], f"{base.name}.{key}", True, entries.get(key),
                                     shape, titles.get(key)) for key in keys if MAP_KEY.fullmatch(key)]
        for child in base.children:
            child.context = child.context or base.label

    def _list(self, base: Field, schema: dict, value, shape: Shape) -> None:
        base.kind = "list"
        item = self._resolved(schema.get("items") or {"type": "string"})
        items = value if isinstance(value, list) else []
        count = max(shape.rows.get(base.name, len(items)), 1)
        for index in range(count):
            row_value = items[index] if index < len(items) else None
            if _kind(item) == "object":
                row = self._object_fields(item, f"{base.name}.{index}.",
                                          row_value if isinstance(row_value, dict) else {}, shape)
            else:
                row = [self._field(item, f"{base.name}.{index}", True, row_value, shape)]
            for child in row:
                child.context = f"{base.label} {index + 1}"
            base.rows.append(row)

    # --- reading the schema --------------------------------------------------------------------

    def _resolved(self, schema) -> dict:
        seen = 0
        while isinstance(schema, dict) and isinstance(schema.get("$ref"), str) and schema["$ref"].startswith("#/"):
            schema = {**(resolve_pointer(self.schema, schema["$ref"]) or {}),
                      **{k: v for k, v in schema.items() if k != "$ref"}}
            seen += 1
            if seen > 20:
                break
        return schema if isinstance(schema, dict) else {}

    def _choices(self, schema: dict) -> list[tuple[Any, str]] | None:
        """(answer, words) of a field that takes one of a list of values (enum, const, oneOf/anyOf
        of consts, a null among them left out: an empty field); None for any other field."""
        if "enum" in schema:
            return [(v, self._title_of(schema, v)) for v in schema["enum"] if v is not None]
        options = self._options(schema)
        if not options or any("const" not in o and not _only_null(o) for o in options):
            return None
        return [(o["const"], o.get("title") or _humanise(str(o["const"]))) for o in options if "const" in o]

    def _options(self, schema: dict) -> list[dict]:
        if "const" in schema:
            return [schema]
        options = []
        for option in schema.get("oneOf", []) + schema.get("anyOf", []):
            resolved = self._resolved(option)
            options += self._options(resolved) if ("oneOf" in resolved or "anyOf" in resolved or "const" in resolved) \
                else [resolved]
        return options

    def _title_of(self, schema: dict, value) -> str:
        for option in self._options(schema):
            if option.get("const") == value and option.get("title"):
                return option["title"]
        return _humanise(str(value))

    def _key_titles(self, schema: dict) -> dict[str, str]:
        """An object's keys as `propertyNames` titles them (one title per domain, in a shared
        definition): {key: title}."""
        names = self._resolved(schema.get("propertyNames") or {})
        return {str(value): words for value, words in (self._choices(names) or [])}

    def _reveals(self, schema: dict) -> dict[tuple[str, str], list[str]]:
        """(controlling field, its page value) -> the fields its `if`/`then` requires, for `if` on one const."""
        tests = ([(schema.get("if"), schema.get("then"))]
                 + [(s.get("if"), s.get("then")) for s in schema.get("allOf", [])])
        reveals = {}
        for test, then in tests:
            if not isinstance(test, dict) or not isinstance(then, dict):
                continue
            conditions = test.get("properties") or {}
            if len(conditions) != 1:
                continue
            [(controller, condition)] = conditions.items()
            if "const" not in (condition or {}):
                continue
            names = [n for n in then.get("required", []) if n in schema.get("properties", {}) and n != controller]
            if names:
                reveals[(controller, page_value(condition["const"]))] = names
        return reveals

    def _order(self, schema: dict) -> list[str]:
        names = list((schema.get("properties") or {}).keys())
        order = self.ui.get("ui:order") if schema is self.schema or schema == self._resolved(self.schema) else None
        if isinstance(order, list):
            names = [n for n in order if n in names] + [n for n in names if n not in order]
        return names

    def _ui(self, name: str) -> dict:
        part = self.ui
        for step in name.split("."):
            part = part.get(step, {}) if isinstance(part, dict) else {}
        return part if isinstance(part, dict) else {}


def page_value(answer) -> str:
    """How a choice's answer is written on the page: a string as it is, a boolean as yes or no,
    anything else as JSON ("3"), so that reading it back gives the same type."""
    if isinstance(answer, bool):
        return "yes" if answer else "no"
    return answer if isinstance(answer, str) else json.dumps(answer)


def _only_null(option: dict) -> bool:
    return option.get("type") == "null" or option.get("const", 0) is None


def _kind(schema: dict) -> str | None:
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    if kind is None and "properties" in schema:
        return "object"
    return kind or ("string" if not schema.get("enum") else None)


def _humanise(name: str) -> str:
    text = name.replace("_", " ").strip()
    return text[:1].upper() + text[1:]
