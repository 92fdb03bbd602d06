"""The case list (R-81, R-80): the instances a person may see, filtered, sorted and paged by the
database, with how many match each choice of a filter, for the cases page and the API's list.
"""
import re
from dataclasses import dataclass, fields, replace
from datetime import datetime

from sqlalchemy import String, case, cast, exists, func, literal, select, union_all
from sqlalchemy.orm import Session, defer

from engine.models import (
    AuditOutcome,
    InstanceParticipant,
    ProcessInstance,
    ProcessVersion,
    ServiceArea,
    Team,
    UserTask,
)
from engine.reporting.figures import Figure

SORTS = {  # the name a page or a query gives → ORDER BY; ties broken by id, newest first but for "oldest"
    "newest": (ProcessInstance.created_at.desc(),),
    "oldest": (ProcessInstance.created_at.asc(), ProcessInstance.id.asc()),
    "updated": (ProcessInstance.updated_at.desc(),),
    "case_ref": (ProcessInstance.case_ref.asc(),),
    "deadline": (),  # the soonest deadline of a ready task first, instances with none last (below)
}
CYCLE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")  # how a cycle is written: "2026-11"
FACETS = ("process_id", "status", "service_area_id", "cycle")  # filters whose choices are counted


@dataclass(frozen=True)
class CaseFilter:
    """What a list is narrowed to; None (or False) leaves a filter out."""
    process_id: str | None = None
    status: str | None = None
    case_ref: str | None = None  # the start of a case reference, in any case
    case: str | None = None  # a case reference exactly, in any case: every instance of that case
    service_area_id: str | None = None
    team_id: str | None = None
    step: str | None = None  # an element id: instances with a ready task there
    overdue: bool = False  # instances with a ready task past its deadline
    cycle: str | None = None  # "2026-11"
    parent_id: int | None = None
    person: str | None = None  # a username: cases naming them (practitioner, auditor, asked to act)
    grade: str | None = None  # a completed audit's final grade
    report: Figure | None = None  # the instances one figure of a report counts

    def clauses(self, at: datetime, leave_out: str | tuple[str, ...] = ()) -> list:
        clauses = []
        for name in ("process_id", "status", "service_area_id", "team_id", "cycle", "parent_id"):
            value = getattr(self, name)
            if value is not None and name not in ((leave_out,) if isinstance(leave_out, str) else leave_out):
                clauses.append(getattr(ProcessInstance, name) == value)
        if self.case_ref:
            clauses.append(func.lower(ProcessInstance.case_ref).startswith(self.case_ref.lower(), autoescape=True))
        if self.case:
            clauses.append(func.lower(ProcessInstance.case_ref) == self.case.lower())
        if self.step:
            clauses.append(_has_ready_task(UserTask.element_id == self.step))
        if self.overdue:
            clauses.append(_has_ready_task(UserTask.due_at < at))
        if self.person:
            clauses.append(ProcessInstance.id.in_(select(InstanceParticipant.instance_id)
                                                  .where(InstanceParticipant.username == self.person)))
        if self.grade:
            clauses.append(ProcessInstance.id.in_(select(AuditOutcome.instance_id)
                                                  .where(AuditOutcome.overall_grade == self.grade)))
        if self.report:
            clauses.append(ProcessInstance.id.in_(self.report.instance_ids()))
        return clauses

    def as_query(self) -> dict:
        """The filters that are set, as a page's query string names them."""
        query = {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) not in (None, False)}
        return query | (query.pop("report").as_query() if self.report else {})


def _has_ready_task(*clauses):
    return exists().where(UserTask.instance_id == ProcessInstance.id, UserTask.state == "ready", *clauses)


def case_list(session: Session, may_see, at: datetime, where: CaseFilter, sort: str = "newest",
              page: int = 1, page_size: int = 20) -> dict:
    """A page of the instances `may_see` and `where` let through, with the total and each row's
    open steps (who holds them, when they are due)."""
    clauses = [may_see, *where.clauses(at)]
    total = session.scalar(select(func.count()).select_from(ProcessInstance).where(*clauses))
    query = (select(ProcessInstance, ProcessVersion.version, ProcessVersion.name)
             .options(defer(ProcessInstance.state))  # the saved workflow, ~20 kB an instance: a list shows none of it
             .join(ProcessVersion, ProcessVersion.id == ProcessInstance.process_version_id)
             .where(*clauses).order_by(*_order(sort), ProcessInstance.id.desc())
             .offset((page - 1) * page_size).limit(page_size))
    rows = session.execute(query).all()
    steps = open_steps(session, [row.id for row, _, _ in rows])
    places = place_names(session)
    items = [_row(row, version, name, steps.get(row.id, []), places) for row, version, name in rows]
    return {"items": items, "page": page, "page_size": page_size, "total": total}


def _order(sort: str) -> tuple:
    if sort != "deadline":
        return SORTS[sort]
    soonest = (select(func.min(UserTask.due_at)).where(UserTask.instance_id == ProcessInstance.id,
                                                       UserTask.state == "ready").scalar_subquery())
    return (soonest.is_(None), soonest.asc())  # portable NULLS LAST


def open_steps(session: Session, instance_ids: list[int]) -> dict[int, list[dict]]:
    """The ready user tasks of these instances, oldest first, by instance."""
    found: dict[int, list[dict]] = {}
    if not instance_ids:
        return found
    query = (select(UserTask).where(UserTask.instance_id.in_(instance_ids), UserTask.state == "ready")
             .order_by(UserTask.ready_at, UserTask.id))
    for task in session.scalars(query):
        found.setdefault(task.instance_id, []).append(
            {"task_id": task.id, "element_id": task.element_id, "name": task.name, "role": task.role,
             "assignee": task.assignee, "due_at": task.due_at.isoformat() if task.due_at else None})
    return found


def reference_counts(session: Session, may_see, case_refs) -> dict[str, dict[str, int]]:
    """For each of these case references (lower-cased, as CaseFilter.case matches them), how many
    instances of it the person may see and how many of those are completed audits: what the case
    list says of each row's reference, linking to the whole history of the case."""
    wanted = sorted({ref.lower() for ref in case_refs if ref})
    if not wanted:
        return {}
    reference = func.lower(ProcessInstance.case_ref)
    query = (select(reference, func.count(ProcessInstance.id), func.count(AuditOutcome.id))
             .outerjoin(AuditOutcome, AuditOutcome.instance_id == ProcessInstance.id)
             .where(may_see, reference.in_(wanted)).group_by(reference))
    return {ref: {"instances": n, "audits": audits} for ref, n, audits in session.execute(query)}


def place_names(session: Session) -> dict[str, dict[str, str]]:
    """Names of the teams and service areas, by id (one statement)."""
    names: dict[str, dict[str, str]] = {"team": {}, "service_area": {}}
    query = union_all(select(literal("team"), Team.id, Team.name),
                      select(literal("service_area"), ServiceArea.id, ServiceArea.name))
    for kind, key, name in session.execute(query):
        names[kind][key] = name
    return names


def _row(row: ProcessInstance, version: int, process_name: str, steps: list[dict], places: dict) -> dict:
    deadlines = [step["due_at"] for step in steps if step["due_at"]]
    return {"id": row.id, "process_id": row.process_id, "process_name": process_name, "version": version,
            "status": row.status, "case_ref": row.case_ref, "parent_id": row.parent_id,
            "started_by": row.started_by, "created_at": row.created_at.isoformat(),
            "updated_at": row.updated_at.isoformat(), "cycle": row.cycle,
            "team": places["team"].get(row.team_id), "service_area": places["service_area"].get(row.service_area_id),
            "steps": steps, "next_deadline": min(deadlines) if deadlines else None}


def facet_counts(session: Session, may_see, at: datetime, where: CaseFilter) -> dict[str, dict]:
    """For each counted filter, how many instances each of its values would give, the other
    filters kept: the numbers beside a filter's choices. One statement: the instances the other
    filters and `may_see` let through are read once (a CTE), then counted by each filter's column
    with the remaining filters applied to them."""
    listed = (select(*(getattr(ProcessInstance, facet) for facet in FACETS))
              .where(may_see, *where.clauses(at, leave_out=FACETS)).cte("listed"))
    by_facet = [select(literal(facet), cast(listed.c[facet], String), func.count())
                .where(*(listed.c[other] == getattr(where, other) for other in FACETS
                         if other != facet and getattr(where, other) is not None))
                .group_by(listed.c[facet]) for facet in FACETS]
    counts: dict[str, dict] = {facet: {} for facet in FACETS}
    for facet, value, n in session.execute(union_all(*by_facet)):
        if value is not None:
            counts[facet][value] = n
    return counts


def step_counts(session: Session, may_see, at: datetime, where: CaseFilter) -> list[dict]:
    """The steps open in the listed instances (the step filter left out): element, name, the
    process the step belongs to (the instance's, or one it calls), how many instances wait there
    and how many of those are past the step's deadline."""
    listed = select(ProcessInstance.id).where(may_see, *replace(where, step=None).clauses(at))
    late = case((UserTask.due_at < at, UserTask.instance_id))
    query = (select(UserTask.element_id, func.min(UserTask.name), func.min(func.coalesce(UserTask.spec_id,
                                                                                         UserTask.process_id)),
                    func.count(func.distinct(UserTask.instance_id)), func.count(func.distinct(late)))
             .where(UserTask.state == "ready", UserTask.instance_id.in_(listed))
             .group_by(UserTask.element_id).order_by(func.min(UserTask.name)))
    return [{"element_id": element, "name": name, "process_id": process, "instances": n, "overdue": overdue}
            for element, name, process, n, overdue in session.execute(query)]


def area_counts(session: Session, may_see, at: datetime, where: CaseFilter) -> list[dict]:
    """The listed instances by service area: how many, and how many have a step past its deadline."""
    late = case((_has_ready_task(UserTask.due_at < at), 1))
    query = (select(ProcessInstance.service_area_id, func.count(), func.count(late))
             .where(may_see, *where.clauses(at)).group_by(ProcessInstance.service_area_id))
    return [{"service_area_id": area, "instances": n, "overdue": overdue}
            for area, n, overdue in session.execute(query)]
