"""The agreed actions as the reports count them (R-27, R-28): the SMART actions agreed in the
window (their agreed_at, London days), each in one state, by service area and by team; and the
actions of inadequate audits done before the case's next audit started.

States, each action in exactly one (overdue is a part of open):
    done_on_time           done, completed by its due time
    done_late              done after it
    not_done               its owner recorded it was not done
    carried_into_reaudit   not done when the follow-up carried it into the re-audit
    open                   none of these yet; overdue: open and past its due time now
"""
from datetime import datetime

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session, aliased

from engine.models import AgreedAction, ProcessInstance

CARRIED = "carried_into_reaudit"
STATES = ("done_on_time", "done_late", "not_done", CARRIED, "open", "overdue")
FIGURES = ("agreed", *STATES)  # what a figure key may name
INADEQUATE_FIGURES = ("agreed", "reaudit_started", "done_before_reaudit")
ROW_COLUMNS = ("case_ref", "service_area", "team", "audit_kind", "audit_grade", "owner", "agreed_at", "due_at",
               "completed_at", "outcome", "closed_as")  # never the action's own words, nor the reason carried


def state_clauses(state: str, at: datetime) -> list:
    """WHERE clauses of the actions in one state (or every action: "agreed") at the time `at`."""
    action = AgreedAction
    still_open = [action.outcome.is_(None), or_(action.closed_as.is_(None), action.closed_as != CARRIED)]
    return {"agreed": [],
            "done_on_time": [action.outcome == "done", action.completed_at <= action.due_at],
            "done_late": [action.outcome == "done", or_(action.completed_at.is_(None),
                                                        action.completed_at > action.due_at)],
            "not_done": [action.outcome == "not_done"],
            CARRIED: [action.outcome.is_(None), action.closed_as == CARRIED],
            "open": still_open,
            "overdue": [*still_open, action.due_at < at]}[state]


def _exclusive_state(at: datetime):
    """Each action's one state, overdue told apart from open in time."""
    whens = [(and_(*state_clauses(state, at)), state) for state in ("done_on_time", "done_late", "not_done", CARRIED,
                                                                     "overdue")]
    return case(*whens, else_="open_in_time")


def action_figures(groups, inadequate: dict[str, int]) -> dict:
    """The figures from the counts per (service area, team, exclusive state)."""
    totals = _empty()
    by_area: dict[str, dict[str, int]] = {}
    by_team: dict[str, dict[str, int]] = {}
    for area, team, state, n in groups:
        for counts in (totals, by_area.setdefault(area or "unknown", _empty()),
                       by_team.setdefault(team or "unknown", _empty())):
            counts["agreed"] += n
            counts["open" if state in ("overdue", "open_in_time") else state] += n
            counts["overdue"] += n if state == "overdue" else 0
    return {**totals, "by_service_area": dict(sorted(by_area.items())), "by_team": dict(sorted(by_team.items())),
            "inadequate": inadequate}


def _empty() -> dict[str, int]:
    return dict.fromkeys(FIGURES, 0)


def next_audit_started():
    """When the case's next audit started: the first instance of the same process and case
    reference started after the audit that agreed the action (None while there is none); read from
    ix_process_instance_case_process."""
    audit, later = aliased(ProcessInstance), aliased(ProcessInstance)
    return (select(func.min(later.created_at))
            .where(audit.id == AgreedAction.audit_instance_id, later.case_ref == AgreedAction.case_ref,
                   later.process_id == audit.process_id, later.created_at > audit.created_at)
            .scalar_subquery())


def inadequate_clauses(figure: str, worst_grade: str) -> list:
    """Actions of audits graded `worst_grade`: all, those whose case's next audit has started, and
    those done before it started."""
    clauses = [AgreedAction.audit_grade == worst_grade]
    started = next_audit_started()
    if figure == "reaudit_started":
        clauses.append(started.is_not(None))
    elif figure == "done_before_reaudit":
        clauses += [AgreedAction.outcome == "done", AgreedAction.completed_at < started]
    return clauses


# --- data access --------------------------------------------------------------------------------------

def dao_count_actions(session: Session, clauses: list, at: datetime) -> list[tuple]:
    """Actions per (service area, team, exclusive state); ix_agreed_action_report holds every column."""
    state = _exclusive_state(at)
    query = (select(AgreedAction.service_area, AgreedAction.team, state, func.count()).where(*clauses)
             .group_by(AgreedAction.service_area, AgreedAction.team, state))
    return list(session.execute(query))


def dao_count_inadequate(session: Session, clauses: list, worst_grade: str) -> dict[str, int]:
    """The actions of audits graded `worst_grade`: all, on cases whose next audit started, and done
    before it started (the next audit's start looked up once per action, in a subquery)."""
    actions = (select(AgreedAction.outcome, AgreedAction.completed_at, next_audit_started().label("started"))
               .where(*clauses, AgreedAction.audit_grade == worst_grade).subquery())
    done_before = and_(actions.c.outcome == "done", actions.c.completed_at < actions.c.started)
    query = select(func.count(), func.count(actions.c.started), func.sum(case((done_before, 1), else_=0)))
    agreed, reaudit_started, done = session.execute(query).one()
    return {"grade": worst_grade, "agreed": agreed, "reaudit_started": reaudit_started,
            "done_before_reaudit": int(done or 0)}


def dao_list_actions(session: Session, clauses: list) -> list[dict]:
    query = select(AgreedAction).where(*clauses).order_by(AgreedAction.agreed_at, AgreedAction.id)
    return [{column: _plain(getattr(action, column)) for column in ROW_COLUMNS} for action in session.scalars(query)]


def _plain(value):
    return value.isoformat() if isinstance(value, datetime) else value
