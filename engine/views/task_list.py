"""My tasks as a page (issue 23's filters, issue 28's reads): the ready tasks a person's way in lets
through (engine/people/access.py: inbox_clauses, which start from the person's candidate, role and
assignee indexes, or a manager's oversight_clauses), filtered, sorted and paged by the database, so
a page reads its own rows and not the person's every task. Alongside, in one grouped statement, the
steps the list offers and how many tasks the filters keep.

The order is the one the page always had: urgent first (a child's safety), then soonest due (none
last) or by case reference, ties by task id. Strings compare as Python compares them: SQLite's
BINARY and PostgreSQL's C.UTF-8 collation both order by code point.
"""
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone

from sqlalchemy import and_, case, func, or_, select, true
from sqlalchemy.orm import Session

from engine.calendar import LONDON
from engine.models import ProcessInstance, TaskCandidate, UserTask
from engine.views.queries import task_view

SORTS = ("due", "case")


@dataclass(frozen=True)
class TaskFilter:
    """What the page narrows the list to; None (or False) leaves a filter out."""
    case_ref: str | None = None  # exactly, as the engine's list has always taken it
    process_id: str | None = None
    step: str | None = None  # an element id
    overdue: bool = False  # due before now
    due_week: bool = False  # due from now to the end of this week (Sunday, London)
    urgent: bool = False
    person: str | None = None  # a username: the tasks naming them or held by them (a manager chasing them)
    sort: str = "due"

    def listed(self) -> list:
        """The filters that make the list the Step filter chooses from (case and process)."""
        return [getattr(UserTask, name) == getattr(self, name) for name in ("case_ref", "process_id")
                if getattr(self, name) is not None]

    def kept(self, at: datetime) -> list:
        """The page's other filters, the ones the Step filter's choices leave out."""
        clauses = []
        if self.step:
            clauses.append(UserTask.element_id == self.step)
        if self.overdue:
            clauses.append(UserTask.due_at < at)
        if self.due_week:
            clauses.append(and_(UserTask.due_at >= at, UserTask.due_at < end_of_week(at)))
        if self.urgent:
            clauses.append(URGENT)
        if self.person:
            named = select(TaskCandidate.task_id).where(TaskCandidate.username == self.person)
            clauses.append(or_(UserTask.id.in_(named), UserTask.assignee == self.person))
        return clauses


URGENT = and_(UserTask.urgent.is_not(None), UserTask.urgent != "")


def end_of_week(at: datetime) -> datetime:
    """The instant the London week of `at` ends: the midnight that starts the next Monday."""
    today = at.astimezone(LONDON).date()
    monday = today + timedelta(days=7 - today.weekday())
    return datetime.combine(monday, time(0), tzinfo=LONDON).astimezone(timezone.utc)


def _order(sort: str) -> tuple:
    due = (UserTask.due_at.is_(None), UserTask.due_at)
    by_case = (func.lower(func.coalesce(UserTask.case_ref, "")),) if sort == "case" else ()
    return (case((URGENT, 0), else_=1), *by_case, *due, UserTask.id)


def _ready(ways_in: tuple, running_only: bool = True) -> list:
    return [UserTask.state == "ready", *((ProcessInstance.status == "running",) if running_only else ()), *ways_in]


def task_page(session: Session, ways_in: tuple, at: datetime, where: TaskFilter, page: int = 1,
              page_size: int = 25) -> dict:
    """A page of the ready tasks `ways_in` and `where` let through, with how many there are in all,
    how many of those are urgent, and the steps of the list before the page's own filters."""
    base = [*_ready(ways_in), *where.listed()]
    kept = and_(true(), *where.kept(at))
    counted = (select(UserTask.element_id, UserTask.name, func.count(case((kept, 1))),
                      func.count(case((and_(kept, URGENT), 1))))
               .join(ProcessInstance, ProcessInstance.id == UserTask.instance_id)
               .where(*base).group_by(UserTask.element_id, UserTask.name))
    groups = session.execute(counted).all()
    rows = session.scalars(select(UserTask).join(ProcessInstance, ProcessInstance.id == UserTask.instance_id)
                           .where(*base, kept).order_by(*_order(where.sort))
                           .offset((page - 1) * page_size).limit(page_size))
    return {"items": [task_view(task) for task in rows], "page": page, "page_size": page_size,
            "total": sum(n for *_, n, _ in groups), "urgent": sum(u for *_, u in groups),
            "steps": sorted({(element, name) for element, name, _, _ in groups}, key=lambda pair: pair[1])}
