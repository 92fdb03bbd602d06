"""Tasks: the person's lists, a task's page, its draft, claiming, releasing and completing it, the
waiting timers, and an allocation list's preview."""
from datetime import datetime

from engine.allocation import preview as allocation_preview
from engine.caller.base import Door
from engine.clock import now
from engine.definitions.answers import check_draft
from engine.definitions.choices import choices_for
from engine.errors import Conflict, Forbidden
from engine.instances import handover, store
from engine.instances.loops import refuse_unkept
from engine.instances.notes import visible_notes
from engine.models import ProcessInstance
from engine.people import access
from engine.people.away import covers_now
from engine.people.directory import display_names
from engine.views import queries
from engine.views.task_list import TaskFilter, task_page
from engine.views.task_waits import waits_for


class TaskVerbs(Door):
    def inbox(self, **filters) -> list[dict]:
        """The ready tasks of running instances the person may act on, free or theirs, oldest first."""
        with self.db.reading() as session:
            return queries.ready_tasks(session, *access.inbox_clauses(self.user), **filters)

    def team_tasks(self, **filters) -> list[dict]:
        """For managers: the ready tasks of their teams' and services' cases, theirs to see, not to do."""
        with self.db.reading() as session:
            return queries.ready_tasks(session, *access.oversight_clauses(self.user), **filters)

    def task_list(self, team: bool = False, **filters) -> list[dict]:
        """My tasks (or, for managers, their teams'), each with whom it waits for, who holds it and
        since when (engine/views/task_waits.py), for a page that lets them be chased."""
        clauses = access.oversight_clauses(self.user) if team else access.inbox_clauses(self.user)
        with self.db.reading() as session:
            tasks = queries.ready_tasks(session, *clauses, **filters)
            waits = waits_for(session, [task["id"] for task in tasks])
            return [task | waits.get(task["id"], {}) for task in tasks]

    def task_page(self, where: TaskFilter, page: int = 1, page_size: int = 25, team: bool = False) -> dict:
        """A page of My tasks (or, for managers, their teams'), filtered, sorted and paged by the database
        (engine/views/task_list.py), each row with whom it waits for and who holds it since when."""
        clauses = access.oversight_clauses(self.user) if team else access.inbox_clauses(self.user)
        with self.db.reading() as session:
            found = task_page(session, clauses, now(), where, page, page_size)
            waits = waits_for(session, [task["id"] for task in found["items"]])
            return found | {"items": [task | waits.get(task["id"], {}) for task in found["items"]]}

    def task(self, task_id: str) -> dict:
        """One task with its form, UI schema and data, whether the person may act on it, and their draft."""
        with self.db.reading() as session:
            task, may_act = access.task_and_right(session, self.user, task_id)
            draft = store.dao_get_draft(session, task_id, self.user.username)
            detail = queries.task_detail(session, self.engine.ctx, task)
            started_by = display_names(session, [detail["started_by"]]).get(detail["started_by"], detail["started_by"])
            return detail | waits_for(session, [task.id]).get(task.id, {}) | {
                "started_by_name": started_by, "directory": choices_for(session, detail["form"]),
                "may_act": may_act, "draft": draft.data if draft else None,
                "draft_saved_at": draft.saved_at.isoformat() if draft else None,
                "may_raise_concern": self._may_raise_concern(session, task.instance_id, detail),
                "may_reassign": task.state == "ready" and handover.may_reassign(
                    session, self.user, task, session.get(ProcessInstance, task.instance_id)),
                "notes": visible_notes(session, self.user, task.instance_id),
                **self._audits_seen(session, task.instance_id)}

    def task_summary(self, task_id: str) -> dict:
        """A task as lists show it, with whom it waits for, without its form: 404 unless the person may see it."""
        with self.db.reading() as session:
            task = access.task_for(session, self.user, task_id)
            return queries.task_view(task) | waits_for(session, [task.id])[task.id]

    def task_form(self, task_id: str) -> dict:
        """Only a task's form and UI schema (what reading a submitted page needs): no case data, and
        the instance's workflow is not loaded."""
        with self.db.reading() as session:
            task = access.task_for(session, self.user, task_id)
            version = self.engine.ctx.specs.by_id(session, store.dao_get_instance(session, task.instance_id)
                                                  .process_version_id)[0]
            form = (version.forms or {}).get(task.form_key) or {}
            return {"form": form.get("schema"), "ui": form.get("ui"),
                    "directory": choices_for(session, form.get("schema"))}

    def save_draft(self, task_id: str, data: dict) -> dict:
        """Keep a person's answers to a ready task to come back to: theirs alone, not history; not checked
        against the form until they complete it (then the draft goes)."""
        with self.db.transaction() as session:
            task = access.task_for(session, self.user, task_id, act=True)
            if task.state != "ready":
                raise Conflict(f"task {task_id} is {task.state}, no longer ready")
            check_draft(data)
            draft = store.dao_save_draft(session, task_id, self.user.username, data, now())
            return {"task_id": task_id, "data": draft.data, "saved_at": draft.saved_at.isoformat()}

    def draft(self, task_id: str) -> dict:
        """The person's own draft of the task; data and saved_at are null when they saved none."""
        with self.db.reading() as session:
            access.task_for(session, self.user, task_id)
            draft = store.dao_get_draft(session, task_id, self.user.username)
            return {"task_id": task_id, "data": draft.data if draft else None,
                    "saved_at": draft.saved_at.isoformat() if draft else None}

    def claim(self, task_id: str) -> dict:
        with self.db.transaction() as session:
            self._refuse_cover_of_own_case(session, access.task_for(session, self.user, task_id, act=True))
            return self.engine.claim_in(session, task_id, self.user.username)

    def release(self, task_id: str) -> dict:
        with self.db.transaction() as session:
            task = access.task_for(session, self.user, task_id)
            holder = task.assignee or self.user.username
            if holder != self.user.username and not self.user.has(*access.OPERATORS):
                raise Forbidden(f"only its holder or one of {', '.join(access.OPERATORS)} may release this task")
            return self.engine.release_in(session, task_id, self.user.username, holder)

    def complete(self, task_id: str, data: dict) -> dict:
        """Complete a task with its form's data; answers the instance's new state. A cover completing
        a task the away person holds first releases it for them, in the history."""
        with self.db.transaction() as session:
            task = access.task_for(session, self.user, task_id, act=True)
            self._refuse_cover_of_own_case(session, task)
            if task.assignee not in (None, self.user.username) and covers_now(session, self.user.username,
                                                                               task.assignee):
                self.engine.release_in(session, task_id, self.user.username, task.assignee)
            runtime = self.engine.complete_in(session, task_id, data, self.user.username)
            view = self.engine.view_after(session, runtime)
        refuse_unkept(view)  # once the instance's `error` is committed: a completion not kept is no 200
        return view

    def allocation_preview(self, task_id: str, allocations: list) -> dict:
        """An allocation list as it would start from its task (engine/allocation/preview.py): every
        row with its errors and warnings, for whoever may act on the task; it reads, never writes."""
        with self.db.reading() as session:
            task = access.task_for(session, self.user, task_id, act=True)
            detail = queries.task_detail(session, self.engine.ctx, task)
            cycle = allocation_preview.cycle_of(detail["data"])
            rows = allocation_preview.preview(session, detail["form"] or {}, allocations, cycle, now())
            return {"task": detail, "cycle": cycle, "rows": rows}

    def timers(self, due_before: datetime | None = None) -> list[dict]:
        """Waiting timers of the instances the person may see, soonest first."""
        with self.db.reading() as session:
            return queries.waiting_timers(session, due_before, access.visible_instances(self.user))
