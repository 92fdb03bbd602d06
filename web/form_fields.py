"""Any form of forms/ as GOV.UK fields: one renderer reads the JSON Schema (and its UI schema) of a
task's form, so a process owner's new form needs no Python.

  enum, const choices (oneOf/anyOf)  -> radios, labelled by each choice's `title`
  boolean                            -> Yes / No radios
  string, format date                -> date input (day, month, year)
  string                             -> textarea, or a text input when short (maxLength <= 120,
                                        a pattern, or "ui:widget": "text")
  integer, number                    -> a numeric text input
  object with properties             -> a fieldset of its fields
  array of objects or strings        -> rows, with "Add another" and "Remove" (no script needed)
  if {X: const V} then {required: Y} -> Y revealed under X's answer V

Field names are the dotted paths the engine reports errors at ("domains.risk_assessment.grade");
html ids replace the dots.
"""
from dataclasses import dataclass, field
from typing import Any

from engine.definitions.forms import choices_of, resolve_pointer

SHORT_TEXT = 120


@dataclass
class Field:
    kind: str  # radios | yes_no | date | text | textarea | number | group | list
    name: str
    label: str
    hint: str | None = None
    required: bool = False
    choices: list[tuple[str, str]] = field(default_factory=list)  # (value, text), radios
    children: list["Field"] = field(default_factory=list)  # a group's fields
    rows: list[list["Field"]] = field(default_factory=list)  # a list's rows, each the item's fields
    reveals: dict[str, list["Field"]] = field(default_factory=dict)  # answer -> fields shown under it
    value: Any = None
    error: str | None = None
    context: str | None = None  # the group or list row it sits in, to word its errors ("... for Risk Assessment")

    @property
    def id(self) -> str:
        return self.name.replace(".", "-")

    def walk(self):
        """This field and every field under it (revealed, in groups, in rows)."""
        yield self
        for child in [*self.children, *(f for fs in self.reveals.values() for f in fs),
                      *(f for row in self.rows for f in row)]:
            yield from child.walk()


class FormModel:
    """The fields of one form for one set of answers."""

    def __init__(self, schema: dict, ui: dict | None = None):
        self.schema, self.ui = schema or {}, ui or {}

    def fields(self, values: dict, rows: dict[str, int] | None = None) -> list[Field]:
        """The form's fields holding `values`; `rows` says how many rows a list shows (its name -> n)."""
        return self._object_fields(self.schema, "", values or {}, rows or {})

    # --- building ------------------------------------------------------------------------------

    def _object_fields(self, schema: dict, prefix: str, values: dict, rows: dict) -> list[Field]:
        schema = self._resolved(schema)
        required = set(schema.get("required", []))
        revealed = self._reveals(schema)
        hidden = {name for fields in revealed.values() for name in fields}
        result = []
        for name in self._order(schema):
            if name in hidden:
                continue
            built = self._field(schema["properties"][name], prefix + name, name in required, values.get(name), rows)
            if built.kind == "group" and not built.children:
                continue  # a map with no entries yet: nothing to show
            result.append(built)
            for (controller, answer), names in revealed.items():
                if controller == name:
                    result[-1].reveals[answer] = [
                        self._field(schema["properties"][n], prefix + n, True, values.get(n), rows) for n in names]
        return result

    def _field(self, schema: dict, name: str, required: bool, value, rows: dict) -> Field:
        own = self._resolved(schema)
        label = schema.get("title") or own.get("title") or _humanise(name.rsplit(".", 1)[-1])
        # A shared definition's own description is for whoever writes forms, unless nothing else labels the field.
        shared = own.get("description") if not schema.get("title") else None
        hint = schema.get("description") or shared or self._ui(name).get("ui:help")
        base = Field("text", name, label, hint, required, value=value if not isinstance(value, (dict, list)) else None)
        choices = choices_of(self.schema, own) if ("oneOf" in own or "anyOf" in own or "const" in own) else None
        kind = _kind(own)
        if own.get("enum") or choices:
            base.kind, base.choices = "radios", [(str(v), self._choice_label(own, v)) for v in (own.get("enum") or choices)]
        elif kind == "boolean":
            base.kind, base.choices = "yes_no", [("yes", "Yes"), ("no", "No")]
        elif kind == "string" and own.get("format") == "date":
            base.kind = "date"
        elif kind in ("integer", "number"):
            base.kind = "number"
        elif kind == "object" and own.get("properties"):
            base.kind = "group"
            base.children = self._object_fields(own, name + ".", value if isinstance(value, dict) else {}, rows)
            for child in base.children:
                child.context = child.context or label
        elif kind == "object" and isinstance(own.get("additionalProperties"), dict):
            # A map (domain -> grade): the entries the case holds already, each with its own fields.
            base.kind = "group"
            entries = value if isinstance(value, dict) else {}
            base.children = [self._field(own["additionalProperties"], f"{name}.{key}", False, entries[key], rows)
                             for key in entries]

        elif kind == "array":
            self._list(base, own, value, rows)
        elif kind == "string":
            short = (own.get("maxLength") or SHORT_TEXT + 1) <= SHORT_TEXT or "pattern" in own
            base.kind = "text" if short or self._ui(name).get("ui:widget") == "text" else "textarea"
        return base

    def _list(self, base: Field, schema: dict, value, rows: dict) -> None:
        base.kind = "list"
        item = self._resolved(schema.get("items") or {"type": "string"})
        items = value if isinstance(value, list) else []
        count = max(rows.get(base.name, len(items)), 1)
        for index in range(count):
            row_value = items[index] if index < len(items) else None
            if _kind(item) == "object":
                row = self._object_fields(item, f"{base.name}.{index}.",
                                          row_value if isinstance(row_value, dict) else {}, rows)
            else:
                row = [self._field(item, f"{base.name}.{index}", True, row_value, rows)]
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

    def _reveals(self, schema: dict) -> dict[tuple[str, str], list[str]]:
        """(controlling field, answer) -> the fields its `if`/`then` requires, for `if` on one const."""
        tests = [(schema.get("if"), schema.get("then"))] + [(s.get("if"), s.get("then")) for s in schema.get("allOf", [])]
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
            answer = condition["const"]
            answer = ("yes" if answer else "no") if isinstance(answer, bool) else str(answer)
            names = [n for n in then.get("required", []) if n in schema.get("properties", {}) and n != controller]
            if names:
                reveals[(controller, answer)] = names
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

    def _choice_label(self, schema: dict, value) -> str:
        for option in self._options(schema):
            if option.get("const") == value and option.get("title"):
                return option["title"]
        return _humanise(str(value))

    def _options(self, schema: dict) -> list[dict]:
        options = []
        for option in schema.get("oneOf", []) + schema.get("anyOf", []):
            resolved = self._resolved(option)
            options += self._options(resolved) if ("oneOf" in resolved or "anyOf" in resolved) else [resolved]
        return options


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
