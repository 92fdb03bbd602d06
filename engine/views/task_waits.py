"""Whom a ready task waits for, in words, so a manager can chase it (issue 23, item 1): the people
named as its candidates, or, when nobody is named, anyone holding its role in the case's team; who
holds it, and since when they took it.
"""
from datetime import datetime

from sqlalchemy import literal, select, union_all
from sqlalchemy.orm import Session

from engine.models import HistoryEvent, Person, ProcessInstance, Role, Team, UserTask
from engine.people.away import away_today


def waits_for(session: Session, task_ids: list[str]) -> dict[str, dict]:
    """{task id: {"waits_for": words, "held_by": name or None, "held_since": instant or None}}."""
    if not task_ids:
        return {}
    rows = session.execute(
        select(UserTask, ProcessInstance.team_id).join(ProcessInstance, ProcessInstance.id == UserTask.instance_id)
        .where(UserTask.id.in_(task_ids))).all()
    named = {n for task, _ in rows for n in [*(task.candidates or []), task.assignee] if n}
    away = away_today(session, named)
    people, roles, teams = _names(session, {
        "person": (Person.username, Person.display_name, named | {p.cover for p in away.values()}),
        "role": (Role.id, Role.label, {task.role for task, _ in rows}),
        "team": (Team.id, Team.name, {team for _, team in rows if team})})
    since = _held_since(session, [task for task, _ in rows if task.assignee])
    named_as = _Names(people, away)
    return {task.id: {"waits_for": _waiting(task, team, named_as, roles, teams),
                      "held_by": named_as.get(task.assignee) if task.assignee else None,
                      "held_since": since.get(task.id)} for task, team in rows}


class _Names:
    """People's names, each away today followed by their cover: "Ann, away until Friday 6 November,
    cover: Bea", so a manager chases the cover, not an empty desk."""

    def __init__(self, people: dict[str, str], away: dict):
        self.people, self.away = people, away

    def get(self, username: str, _default=None) -> str:
        name = self.people.get(username, username)
        period = self.away.get(username)
        if period is None:
            return name
        last = period.last_day
        cover = self.people.get(period.cover, period.cover)
        return f"{name}, away until {last:%A} {last.day} {last:%B}, cover: {cover}"


def _waiting(task: UserTask, team: str | None, people: _Names, roles: dict, teams: dict) -> str:
    if task.candidates and not task.open_to_role:
        return ", ".join(people.get(name) for name in task.candidates)
    role = roles.get(task.role, task.role.replace("_", " "))
    return f"Anyone with the role {role}" + (f", {teams.get(team, team)}" if team else "")


def _held_since(session: Session, held: list[UserTask]) -> dict[str, datetime]:
    """When the holder took each task: its latest claim in the history (a task taken by completing
    it is never listed as held)."""
    if not held:
        return {}
    wanted = {task.id for task in held}
    events = session.scalars(select(HistoryEvent).where(
        HistoryEvent.instance_id.in_({task.instance_id for task in held}), HistoryEvent.event == "task_claimed")
        .order_by(HistoryEvent.id))
    return {task_id: event.at for event in events if (task_id := event.detail.get("task_id")) in wanted}


def _names(session: Session, wanted: dict[str, tuple]) -> list[dict]:
    """For each kind (key column, label column, the keys wanted): {key: label}, in one statement."""
    kinds = list(wanted)
    reads = [select(literal(kind), key, label).where(key.in_(keys)) for kind, (key, label, keys) in wanted.items()
             if keys]
    found: dict[str, dict] = {kind: {} for kind in kinds}
    if reads:
        for kind, key, label in session.execute(union_all(*reads)):
            found[kind][key] = label
    return [found[kind] for kind in kinds]
