"""The audit year on one page for the QA team (R-10 to R-12): its calendar, when the next allocation
list is due, each cycle's audits by service area (allocated, started, submitted, overdue) and each
auditor's audits against the minimum. A case audit belongs to the cycle its start names (the
instance's `cycle` column, "2026-11"); the month and minimum rules come from the policy files
(engine/allocation/year.py).
"""
from datetime import date, datetime

from sqlalchemy import case, exists, func, or_, select
from sqlalchemy.orm import Session

from engine.allocation.year import (
    AUDIT_YEAR_PROCESS,
    FIRST_DAY_TIMER,
    LIST_TASK,
    calendar_of,
    list_due,
    minimum_audits,
    next_cycle_month,
)
from engine.calendar import LONDON
from engine.definitions.naming import people_for
from engine.models import ProcessInstance, TaskCandidate, TaskDraft, UserTask, WaitingTimer
from engine.views.case_list import CaseFilter, area_counts

AUDITOR_ROLE = "auditor"  # the role of an audit's drafting step, whose candidate is its auditor
QA_ROLE = "qa_team"  # an audit is submitted once a step is the QA team's (its quality assurance)


def cycle_overview(session: Session, ctx, may_see, at: datetime, year: int, auditors_among=None) -> dict:
    """`auditors_among`: a SELECT of usernames (a manager's people) to list only those auditors,
    counting all their audits (numbers, no case); None lists every auditor."""
    months = calendar_of(session, ctx, year)
    cycles = [m["cycle"] for m in months]
    progress = _progress(session, may_see, cycles)
    for month in months:
        areas = {a["service_area_id"]: a for a in area_counts(session, may_see, at, CaseFilter(cycle=month["cycle"]))}
        month["areas"] = [{"service_area_id": area, "allocated": counted["instances"], "overdue": counted["overdue"],
                           **progress.get((month["cycle"], area), {"started": 0, "submitted": 0})}
                          for area, counted in sorted(areas.items(), key=lambda item: item[0] or "")]
        month["totals"] = {key: sum(a[key] for a in month["areas"])
                           for key in ("allocated", "started", "submitted", "overdue")}
    minimum = minimum_audits(session, ctx)
    return {"year": year, "months": months, "next_list": next_list(session, ctx),
            "minimum": minimum, "auditors": _auditors(session, may_see, cycles, minimum, auditors_among)}


def _progress(session: Session, may_see, cycles: list[str]) -> dict:
    """(cycle, service area) -> how many audits are started (a step done, a draft saved or a step
    held) and submitted (a step reached the QA team, or the audit is complete)."""
    on = UserTask.instance_id == ProcessInstance.id
    started = or_(exists().where(on, UserTask.state == "completed"),
                  exists().where(on, UserTask.state == "ready", UserTask.assignee.is_not(None)),
                  exists().where(on, TaskDraft.task_id == UserTask.id))
    submitted = or_(ProcessInstance.status == "completed", exists().where(on, UserTask.role == QA_ROLE))
    query = (select(ProcessInstance.cycle, ProcessInstance.service_area_id,
                    func.count(case((started, 1))), func.count(case((submitted, 1))))
             .where(may_see, ProcessInstance.cycle.in_(cycles))
             .group_by(ProcessInstance.cycle, ProcessInstance.service_area_id))
    return {(cycle, area): {"started": n_started, "submitted": n_submitted}
            for cycle, area, n_started, n_submitted in session.execute(query)}


def _auditors(session: Session, may_see, cycles: list[str], minimum: int | None, among=None) -> list[dict]:
    """Each auditor (everyone holding the auditor role, and anyone else allocated an audit this
    year): audits allocated and completed this year, and whether they are below the minimum."""
    query = (select(TaskCandidate.username, func.count(func.distinct(ProcessInstance.id)),
                    func.count(func.distinct(case((ProcessInstance.status == "completed", ProcessInstance.id)))))
             .join(UserTask, UserTask.id == TaskCandidate.task_id)
             .join(ProcessInstance, ProcessInstance.id == UserTask.instance_id)
             .where(may_see if among is None else TaskCandidate.username.in_(among),
                    UserTask.role == AUDITOR_ROLE, ProcessInstance.cycle.in_(cycles))
             .group_by(TaskCandidate.username))
    counted = {username: (allocated, completed) for username, allocated, completed in session.execute(query)}
    names = dict(people_for(session, AUDITOR_ROLE))
    if among is not None:
        mine = set(session.scalars(among))
        names = {username: name for username, name in names.items() if username in mine}
    rows = []
    for username in sorted(set(names) | set(counted), key=lambda u: names.get(u, u)):
        allocated, completed = counted.get(username, (0, 0))
        rows.append({"username": username, "name": names.get(username, username), "allocated": allocated,
                     "completed": completed, "behind": minimum is not None and allocated < minimum})
    return rows


def next_list(session: Session, ctx) -> dict | None:
    """When the running audit year's next allocation list is due: a list asked for now (its step's
    deadline), else the month its timer opens or, when the calendar runs no cycle then, the next
    month that does. None without a running audit year."""
    running = ProcessInstance.process_id == AUDIT_YEAR_PROCESS, ProcessInstance.status == "running"
    asked = session.execute(select(UserTask.instance_id, UserTask.due_at).join(
        ProcessInstance, ProcessInstance.id == UserTask.instance_id).where(
        *running, UserTask.element_id == LIST_TASK, UserTask.state == "ready").order_by(UserTask.due_at)).first()
    if asked:
        # the list step's boundary timer (processes/audit_cycle.bpmn, timer_list_due) gives it its due_at;
        # a process owner may take it out: then it has none
        due = asked[1].astimezone(LONDON).date() if asked[1] else None
        return {"instance_id": asked[0], "due": due, "asked": True}
    timer = session.execute(select(WaitingTimer.instance_id, WaitingTimer.due_at).join(
        ProcessInstance, ProcessInstance.id == WaitingTimer.instance_id).where(
        *running, WaitingTimer.element_id == FIRST_DAY_TIMER).order_by(WaitingTimer.due_at)).first()
    if not timer:
        return None
    month, _ = next_cycle_month(session, ctx, timer[1].astimezone(LONDON).date())
    if month is None:
        return None
    return {"instance_id": timer[0], "due": list_due(ctx, month), "asked": False, "label": f"{date(*month, 1):%B %Y}"}
