"""Deploy a bundle: validate everything, then store changed files and new process versions.

A process gets a new version when its executable content changes: its spec, the specs it calls,
its decision tables (serialized inside the spec) or its forms. Layout-only edits do not count.
"""
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.definitions import answers, diagram_limits, forms, loops, notifications, process_starts, rules, unset_fields
from engine.definitions.bundle import ParsedSet, build_parser, file_kind, parse_files, problem_from_validation
from engine.definitions.problems import Problem
from engine.errors import InvalidDefinition
from engine.models import DefinitionFile, ProcessVersion, Role
from engine.scripts.functions import reserved_names
from engine.serialization import dump_specs

MAX_BUNDLE_FILES = 200


@dataclass
class Deployed:
    process_id: str
    version: int
    created: bool


def deploy_bundle(session: Session, files: dict[str, bytes], actor: str, at: datetime,
                  note: str | None = None) -> list[Deployed]:
    """Validate the bundle against the deployed set and store it, or raise InvalidDefinition."""
    _check_bundle_shape(files)
    current = current_files(session)
    working = {name: row.content.encode() for name, row in current.items()} | files
    parsed, specs = _validate(session, working, set(files))
    stored = _store_files(session, files, current, actor, at)
    return [_store_version(session, parsed, pid, spec_pair, stored, actor, at, note)
            for pid, spec_pair in specs.items()]


def validate_bundle(session: Session, files: dict[str, bytes]) -> list[Deployed]:
    """The same checks as deploy_bundle, storing nothing: the versions a deploy would create
    (`created`) and the processes it would leave as they are, or InvalidDefinition."""
    _check_bundle_shape(files)
    working = {name: row.content.encode() for name, row in current_files(session).items()} | files
    parsed, specs = _validate(session, working, set(files))
    found = []
    for process_id, (spec, deps) in specs.items():
        latest = latest_version(session, process_id)
        created = latest is None or latest.content_hash != _identity(parsed, spec, deps)[1]
        found.append(Deployed(process_id, (latest.version if latest else 0) + created, created))
    return found


@dataclass(frozen=True)
class Candidate:
    """A process version a bundle would deploy, as deploy would store it, stored nowhere."""
    process_id: str
    specs: str  # serialized as ProcessVersion.specs
    forms: dict  # as ProcessVersion.forms: {key: {"schema", "ui"}}
    start_form: str | None
    content_hash: str  # the digest a deploy compares to tell a new version


def candidate_versions(session: Session, files: dict[str, bytes]) -> dict[str, Candidate]:
    """Every process of the deployed set with `files` put in, after the same checks as deploy_bundle
    (InvalidDefinition when one fails), built and not stored: what a replay runs past cases on."""
    _check_bundle_shape(files)
    working = {name: row.content.encode() for name, row in current_files(session).items()} | files
    parsed, specs = _validate(session, working, set(files))
    candidates = {}
    for process_id, (spec, deps) in specs.items():
        specs_json, digest = _identity(parsed, spec, deps)
        start_form = rules.start_form_of(parsed, spec)
        candidates[process_id] = Candidate(process_id, specs_json, _forms_used(parsed, [spec, *deps.values()],
                                                                                start_form), start_form, digest)
    return candidates


def _check_bundle_shape(files: dict[str, bytes]) -> None:
    if not files:
        raise InvalidDefinition("the bundle holds no files", [])
    if len(files) > MAX_BUNDLE_FILES:
        raise InvalidDefinition(f"the bundle holds more than {MAX_BUNDLE_FILES} files", [])
    for name, content in files.items():
        try:
            content.decode("utf-8")
        except UnicodeDecodeError as error:
            problem = Problem(name, None, content.count(b"\n", 0, error.start) + 1, "the file is not UTF-8 text")
            raise InvalidDefinition(str(problem), [problem.as_dict()]) from None


def current_files(session: Session) -> dict[str, DefinitionFile]:
    newest = select(DefinitionFile.file_name, func.max(DefinitionFile.id).label("id")).group_by(
        DefinitionFile.file_name).subquery()
    rows = session.scalars(select(DefinitionFile).join(newest, DefinitionFile.id == newest.c.id))
    return {row.file_name: row for row in rows}


def _validate(session: Session, working: dict[str, bytes], bundle_names: set[str]):
    parsed, problems = parse_files(working)
    problems += diagram_limits.size_problems(parsed) or build_parser(parsed)  # the parser recurses along a flow
    roles = {row.id: row.label for row in session.execute(select(Role.id, Role.label))}
    problems += _form_problems(parsed)
    specs: dict = {}
    if not problems:
        process_ids = set(_parser(parsed).get_process_ids())
        problems += rules.call_problems(parsed, process_ids)
        problems += process_starts.start_problems(parsed)
        problems += rules.expression_problems(parsed)
        problems += rules.publish_problems(parsed)
        problems += rules.deadline_problems(parsed)
        problems += rules.cycle_problems(parsed)
        problems += notifications.notification_problems(parsed, answers.case_fields(roles))
        problems += unset_fields.unset_field_problems(parsed, answers.case_fields(roles))
    if not problems:
        specs, spec_problems = _specs(parsed)
        problems += spec_problems
        all_specs = {pid: spec for spec, deps in specs.values() for pid, spec in [(spec.name, spec), *deps.items()]}
        problems += rules.user_task_problems(parsed, all_specs, roles, answers.case_fields(roles))
        problems += rules.starter_problems(parsed, roles)
        problems += rules.start_form_problems(parsed)
        problems += rules.message_form_problems(parsed, all_specs)
        problems += loops.loop_problems(parsed, all_specs)
    if problems:
        raise InvalidDefinition(_summary(problems, bundle_names), [p.as_dict() for p in _ordered(problems)])
    return parsed, specs


def _form_problems(parsed: ParsedSet) -> list[Problem]:
    reserved = reserved_names()
    return [problem for key, schema in parsed.forms.items()
            for problem in forms.form_problems(f"{key}.json", schema, reserved)]


def _parser(parsed: ParsedSet):
    """SpiffWorkflow's parser, which build_parser has set before any check reads it."""
    if parsed.parser is None:
        raise RuntimeError("build_parser has not run on this bundle")
    return parsed.parser


def _specs(parsed: ParsedSet):
    specs, problems = {}, []
    parser = _parser(parsed)
    for process_id in parser.get_process_ids():
        try:
            spec = parser.get_spec(process_id)
            specs[process_id] = (spec, parser.get_subprocess_specs(process_id))
        except ValidationException as error:
            problems.append(problem_from_validation(parsed, error))
    return specs, problems


def _ordered(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: (p.file, p.line or 0))


def _summary(problems: list[Problem], bundle_names: set[str]) -> str:
    first = _ordered(problems)[0]
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    outside = "" if first.file in bundle_names else " in an already deployed file"
    return f"{first}{outside}{more}"


def _store_files(session, files, current, actor, at) -> dict[str, DefinitionFile]:
    stored = dict(current)
    for name, content in files.items():
        digest = hashlib.sha256(content).hexdigest()
        if name in current and current[name].sha256 == digest:
            continue
        row = DefinitionFile(file_name=name, kind=file_kind(name), sha256=digest,
                             content=content.decode("utf-8"), deployed_at=at, deployed_by=actor)
        session.add(row)
        stored[name] = row
    session.flush()
    return stored


def _identity(parsed: ParsedSet, spec, deps) -> tuple[str, str]:
    """The serialized specs and the digest of everything executable about a process."""
    specs_json = dump_specs(spec, deps)
    start_form = rules.start_form_of(parsed, spec)
    forms = _forms_used(parsed, [spec, *deps.values()], start_form)
    identity = (specs_json + json.dumps(forms, sort_keys=True) + json.dumps(_starter_roles(parsed, spec))
                + (start_form or ""))
    return specs_json, hashlib.sha256(identity.encode()).hexdigest()


def _store_version(session, parsed: ParsedSet, process_id, spec_pair, stored, actor, at, note) -> Deployed:
    spec, deps = spec_pair
    specs_json, digest = _identity(parsed, spec, deps)
    start_form = rules.start_form_of(parsed, spec)
    forms = _forms_used(parsed, [spec, *deps.values()], start_form)
    latest = latest_version(session, process_id)
    if latest is not None and latest.content_hash == digest:
        return Deployed(process_id, latest.version, False)
    version = ProcessVersion(
        process_id=process_id, version=(latest.version + 1) if latest else 1,
        name=spec.description or process_id, content_hash=digest, specs=specs_json, forms=forms,
        starter_roles=_starter_roles(parsed, spec), start_form=start_form,
        bpmn_file_id=stored[spec.file].id, deployed_at=at, deployed_by=actor, change_note=note)
    session.add(version)
    session.flush()
    return Deployed(process_id, version.version, True)


def _starter_roles(parsed: ParsedSet, spec) -> list[str] | None:
    """Roles that may start the process: camunda:candidateStarterGroups, comma-separated role ids."""
    root = parsed.xml[spec.file].root
    for process in root.iter("{http://www.omg.org/spec/BPMN/20100524/MODEL}process"):
        if process.get("id") == spec.name:
            groups = process.get("{http://camunda.org/schema/1.0/bpmn}candidateStarterGroups")
            return [g.strip() for g in groups.split(",") if g.strip()] if groups else None
    return None


def _forms_used(parsed: ParsedSet, specs, start_form: str | None) -> dict:
    keys = {getattr(getattr(t, "form", None), "key", None) for s in specs for t in s.task_specs.values()}
    keys |= {start_form, *(name for s in specs for name in rules.messages_caught(s))}
    return {key: {"schema": parsed.forms[key], "ui": parsed.ui.get(key, {})}
            for key in sorted(k for k in keys if k)}


def latest_version(session: Session, process_id: str) -> ProcessVersion | None:
    return session.scalars(select(ProcessVersion).where(ProcessVersion.process_id == process_id)
                           .order_by(ProcessVersion.version.desc()).limit(1)).first()
