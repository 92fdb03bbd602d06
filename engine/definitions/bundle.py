"""A bundle of definition files, parsed together with what is already deployed.

The deployed state is a set of files keyed by name; a deploy replaces some of them. Parsing the
whole set lets a changed form, decision table or called process give its users new versions.
"""
from dataclasses import dataclass, field

from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnValidator
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.camunda.parser import CamundaParser

from engine.definitions import forms
from engine.definitions.problems import Problem
from engine.definitions.xml import XmlFile, parse_xml

# Longest suffix first: `<name>.defs.json` holds definitions shared by forms, any other `.json` a form.
KINDS = {".bpmn": "bpmn", ".dmn": "dmn", ".defs.json": "defs", ".json": "form"}


def file_kind(file_name: str) -> str | None:
    for suffix, kind in KINDS.items():
        if file_name.endswith(suffix):
            return kind
    return None


@dataclass
class ParsedSet:
    xml: dict[str, XmlFile] = field(default_factory=dict)
    forms: dict[str, dict] = field(default_factory=dict)
    ui: dict[str, dict] = field(default_factory=dict)
    shared: dict[str, dict] = field(default_factory=dict)  # file name -> the $defs it shares
    parser: CamundaParser | None = None

    def locate(self, element_id: str | None, file_name: str | None = None) -> tuple[str, int | None]:
        """The file and line of an element, searching every file when the parser gave no file."""
        if file_name and file_name in self.xml:
            return file_name, self.xml[file_name].line_of(element_id)
        for name, xml in self.xml.items():
            if element_id and element_id in xml.lines:
                return name, xml.lines[element_id]
        return file_name or "(bundle)", None


def parse_files(files: dict[str, bytes]) -> tuple[ParsedSet, list[Problem]]:
    """Parse every file; return what parsed and every problem found."""
    parsed, problems = ParsedSet(), []
    for name, content in files.items():
        kind = file_kind(name)
        try:
            if kind is None:
                raise Problem(name, None, None, "unknown file type (expected .bpmn, .dmn or .json)")
            if kind == "form":
                target = parsed.ui if forms.is_ui_file(name) else parsed.forms
                target[forms.form_key(name)] = forms.parse_form(name, content)
            elif kind == "defs":
                parsed.shared[name] = forms.parse_shared(name, content)
            else:
                parsed.xml[name] = parse_xml(name, content)
        except Problem as problem:
            problems.append(problem)
    problems += forms.supply_shared(parsed.forms, parsed.shared)
    return parsed, problems


_VALIDATOR = None


def _bpmn_validator() -> BpmnValidator:
    global _VALIDATOR
    if _VALIDATOR is None:
        _VALIDATOR = BpmnValidator()
    return _VALIDATOR


def build_parser(parsed: ParsedSet) -> list[Problem]:
    """Feed the parsed XML to SpiffWorkflow's parser (DMN first: tasks look decisions up)."""
    parser, problems = CamundaParser(), []
    ordered = sorted(parsed.xml.items(), key=lambda item: not item[0].endswith(".dmn"))
    for name, xml in ordered:
        try:
            if name.endswith(".dmn"):
                parser.add_dmn_xml(xml.root, filename=name)
            else:
                _bpmn_validator().validate(xml.root, name)
                parser.add_bpmn_xml(xml.root, filename=name)
        except ValidationException as error:
            problems.append(problem_from_validation(parsed, error, name))
        except Exception as error:  # SpiffWorkflow raises bare errors for some malformed input
            problems.append(Problem(name, None, None, f"{type(error).__name__}: {error}"))
    parsed.parser = parser
    return problems


def problem_from_validation(parsed: ParsedSet, error: ValidationException, default_file: str | None = None) -> Problem:
    file_name, line = parsed.locate(error.id or None, error.file_name or default_file)
    line = error.line_number or line
    return Problem(file_name, error.id or None, line or None, str(error.args[0]) if error.args else str(error))
