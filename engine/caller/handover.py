"""Handing work over (engine/instances/handover.py, engine/people/away.py): reassigning a task,
time away and its cover."""

from engine.caller.base import Door
from engine.definitions.naming import people_for
from engine.errors import Conflict, Forbidden, NotFound
from engine.instances import handover
from engine.models import Person, ProcessInstance
from engine.people import access, away
from engine.people.away import covers_now
from engine.people.directory import display_names
from engine.views import queries
from engine.views.task_waits import waits_for


class HandoverVerbs(Door):
    def reassign_form(self, task_id: str) -> dict:
        """A ready task and the people it could be reassigned to; 403 unless the caller may reassign it."""
        with self.db.reading() as session:
            task, instance = self._reassignable(session, task_id)
            people = handover.choices(session, task, instance, self.engine.case_data(session, task))
            return queries.task_view(task) | waits_for(session, [task.id])[task.id] | {"choices": people}

    def reassign(self, task_id: str, to: str, reason: str) -> dict:
        with self.db.transaction() as session:
            self._reassignable(session, task_id)
            return self.engine.reassign_in(session, task_id, to, reason, self.user.username)

    def _reassignable(self, session, task_id: str):
        task = access.task_for(session, self.user, task_id)
        instance = session.get(ProcessInstance, task.instance_id)
        if not handover.may_reassign(session, self.user, task, instance):
            raise Forbidden("only a manager above the case or the person, or an operator, may reassign this task")
        if task.state != "ready":
            raise Conflict(f"task {task_id} is {task.state}, no longer ready")
        return task, instance

    def away(self, username: str | None = None) -> dict:
        """A person's away periods (the caller's own by default), whom the caller covers, and the
        people who could cover; 404 for someone the caller may not mark away."""
        username = username or self.user.username
        with self.db.reading() as session:
            if session.get(Person, username) is None:
                raise NotFound(f"no person {username}")
            if not away.may_mark_away(session, self.user, username):
                raise Forbidden("only the person, their managers or an administrator see their away periods")
            periods, covering = away.away_periods(session, username), away.covering(session, username)
            names = display_names(session, [username, *(p.cover for p in periods), *(p.username for p in covering)])
            return {"username": username, "name": names.get(username, username),
                    "periods": [away.period_view(p, names) for p in periods],
                    "covering": [away.period_view(p, names) for p in covering],
                    "people": [pair for pair in people_for(session, None) if pair[0] != username],
                    "managed": away.people_marked_by(session, self.user)}

    def directory_people(self) -> list[tuple[str, str]]:
        """(username, name) of the active people, by name: what a page's person filter offers."""
        with self.db.reading() as session:
            return people_for(session, None)

    def covering_now(self) -> list[dict]:
        """The away periods in which the caller covers someone today."""
        with self.db.reading() as session:
            periods = [p for p in away.covering(session, self.user.username)
                       if covers_now(session, p.cover, p.username)]
            names = display_names(session, [p.username for p in periods])
            return [away.period_view(p, names) for p in periods]

    def mark_away(self, username: str, cover: str, first_day, last_day) -> dict:
        with self.db.transaction() as session:
            period = away.dao_mark_away(session, self.user, username, cover, first_day, last_day)
            return away.period_view(period, display_names(session, [username, cover]))

    def cancel_away(self, period_id: int, username: str | None = None) -> dict:
        with self.db.transaction() as session:
            period = away.dao_cancel_away(session, self.user, period_id, username)
            return away.period_view(period, display_names(session, [period.username, period.cover]))
