"""What the reports call things, read from the deployed files: grade titles from the shared
definitions (forms/grades.defs.json), domain titles from forms/domains.defs.json (or, for tools
deployed before it, their `domains` fields' own titles). A process owner who renames a domain there
renames it in every form, page and report."""
import json

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.models import DefinitionFile

GRADE_DEFINITIONS = ("grade", "domain_grade")  # under $defs: a grade, and a domain's (with not applicable)
DOMAIN_DEFINITION = "domain_name"  # under $defs: every domain, titled
DOMAINS_FIELD = "domains"  # the object field of an audit tool that holds its graded domains


def dao_report_labels(session: Session) -> dict[str, dict[str, str]]:
    """{"grades": {value: title}, "domains": {domain id: title}} of the newest file of each name,
    worked out once per set of deployed files."""
    newest = (select(func.max(DefinitionFile.id)).where(DefinitionFile.kind.in_(("form", "defs")))
              .group_by(DefinitionFile.file_name))
    ids = tuple(sorted(session.scalars(newest)))
    if ids not in _cached:
        contents = session.scalars(select(DefinitionFile.content).where(DefinitionFile.id.in_(ids))
                                   .order_by(DefinitionFile.id))
        _cached.clear()  # an older set of files is not coming back
        _cached[ids] = labels_of(json.loads(content) for content in contents)
    return _cached[ids]


_cached: dict[tuple, dict] = {}


def labels_of(documents) -> dict[str, dict[str, str]]:
    grades: dict[str, str] = {}
    domains: dict[str, str] = {}
    titled_in_tools: dict[str, str] = {}
    for document in documents:
        definitions = document.get("$defs") or {}
        for definition in (definitions.get(name) or {} for name in GRADE_DEFINITIONS):
            grades |= _titles(definition)
        domains |= _titles(definitions.get(DOMAIN_DEFINITION) or {})
        fields = ((document.get("schema") or document).get("properties") or {}).get(DOMAINS_FIELD) or {}
        for domain, spec in (fields.get("properties") or {}).items():
            if isinstance(spec, dict) and spec.get("title"):
                titled_in_tools.setdefault(domain, spec["title"])
    return {"grades": grades, "domains": titled_in_tools | domains}


def _titles(definition: dict) -> dict[str, str]:
    return {option["const"]: option["title"] if "title" in option else option["const"]
            for option in [*definition.get("oneOf", []), *definition.get("anyOf", [])]
            if isinstance(option, dict) and "const" in option}
