"""One signed-in person at the service. Every read is filtered by what they may see and every verb
checks their access in the same transaction as it acts (R-81), so that the API and the pages are
two faces of one layer: a route parses, makes one call here, and dumps what it answers.

Who may do what: a task is visible to whoever may act on it (named, open to a role they hold, or
holding it) or may see its instance; an instance they may not see is 404 for every verb, except
to the roles that act on versions and errors rather than on cases (migrators, administrators).
Claiming and completing need the right to act (else 403); a task held by another is 409.
Releasing is for its holder, or an operator freeing a task whose holder is away.
"""
from datetime import datetime

from engine.allocation import preview as allocation_preview
from engine.allocation.year import as_of as audit_year_at
from engine.calendar import LONDON
from engine.clock import SettableClock, now, share_clock
from engine.definitions import catalogue
from engine.definitions.answers import check_draft
from engine.definitions.choices import choices_for
from engine.definitions.deploy import current_files, validate_bundle
from engine.definitions.diff import file_diff
from engine.definitions.naming import people_for
from engine.definitions.problems import Problem
from engine.errors import Conflict, EngineError, Forbidden, InvalidDefinition, MigrationRefused, NotFound
from engine.history import dao_append_history
from engine.instances import handover, store
from engine.instances.loops import refuse_unkept
from engine.instances.messages import CHILD_SAFETY_CONCERN, messages_taken
from engine.instances.notes import add_note, case_notes, visible_notes
from engine.instances.runtime import InstanceRuntime
from engine.instances.starting import newest_versions
from engine.models import Person, ProcessInstance
from engine.people import access, away, inbox
from engine.people.accounts import CurrentUser
from engine.people.away import covers_now
from engine.people.directory import PeopleDirectory, display_names
from engine.reporting.audit_report import alert_report_rows, audit_report_rows
from engine.reporting.figures import Figure
from engine.reporting.pack import audit_pack
from engine.views import queries
from engine.views.case_list import CaseFilter, area_counts, case_list, facet_counts, step_counts
from engine.views.case_page import VIEWED, alert_raised, case_page, change_of, diagram_file
from engine.views.cycle_overview import cycle_overview
from engine.views.task_waits import waits_for


class Caller:
    def __init__(self, engine, user: CurrentUser):
        self.engine, self.user, self.db = engine, user, engine.db

    # --- tasks ---------------------------------------------------------------------------------

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
                "notes": visible_notes(session, self.user, task.instance_id)}

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

    # --- handing work over (engine/instances/handover.py, engine/people/away.py) ---------------------------------

    def _refuse_cover_of_own_case(self, session, task) -> None:
        """A cover acts for the person away, never on another role's step of a case where the cover
        is the practitioner (the check reassigning and naming make, engine/instances/handover.py)."""
        name = self.user.username
        if name in (task.candidates or []) or task.assignee == name or (task.open_to_role and self.user.has(task.role)):
            return  # named, holding it, or open to a role they hold: not through cover
        if task.role != "practitioner" and self.engine.case_data(session, task).get("practitioner") == name:
            raise Forbidden("you are this case's practitioner: you cannot take this step of your own case as cover")

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

    def allocation_preview(self, task_id: str, allocations: list) -> dict:
        """An allocation list as it would start from its task (engine/allocation/preview.py): every
        row with its errors and warnings, for whoever may act on the task; it reads, never writes."""
        with self.db.reading() as session:
            task = access.task_for(session, self.user, task_id, act=True)
            detail = queries.task_detail(session, self.engine.ctx, task)
            cycle = allocation_preview.cycle_of(detail["data"])
            rows = allocation_preview.preview(session, detail["form"] or {}, allocations, cycle, now())
            return {"task": detail, "cycle": cycle, "rows": rows}

    # --- messages (what the service told the person) -------------------------------------------

    def messages(self, page: int = 1, page_size: int = 20) -> dict:
        """The notifications addressed to the person, newest first, read or not (engine/people/inbox.py)."""
        with self.db.reading() as session:
            return inbox.dao_list_messages(session, self.user.username, page, page_size)

    def unread_messages(self) -> int:
        with self.db.reading() as session:
            return inbox.dao_count_unread(session, self.user.username)

    def mark_read(self, message_id: int) -> dict:
        """Their read state only, not history; 404 for a message not addressed to them."""
        with self.db.transaction() as session:
            return inbox.dao_mark_read(session, self.user.username, message_id, now())

    def mark_all_read(self) -> int:
        with self.db.transaction() as session:
            return inbox.dao_mark_all_read(session, self.user.username, now())

    # --- instances -----------------------------------------------------------------------------

    def raise_concern(self, instance_id: int, fields: dict) -> dict:
        """Raise a child-safety concern on a case at any step (R-40): the alert its diagram starts, who
        was told and by when the first stage is due. 404 if the case is not theirs to see, 403 if
        they may see it but not raise one, 409 if its diagram takes none now."""
        with self.db.transaction() as session:
            access.require_visible(session, self.user, instance_id)
            if not access.may_raise_concern(session, self.user, instance_id):
                raise Forbidden("only the audit team, the people this case names and those acting on it "
                                "raise a concern on it")
            runtime = self.engine.send_message_in(session, instance_id, CHILD_SAFETY_CONCERN, fields,
                                                  self.user.username)
            for alert_id in runtime.started:  # whoever raised it follows the alert (R-41: told how it ended)
                store.dao_add_participants(session, alert_id, {self.user.username})
            return {"instance_id": instance_id,
                    "alerts": [alert_raised(session, alert_id) for alert_id in runtime.started]}

    def concern_form(self, instance_id: int) -> dict:
        """What raising a concern on a case asks (the form of the message its diagram takes), with the
        case it is about; the same refusals as raise_concern."""
        with self.db.reading() as session:
            access.require_visible(session, self.user, instance_id)
            runtime = InstanceRuntime.load(session, self.engine.ctx, instance_id)
            shown = {"status": runtime.row.status, "messages": messages_taken(runtime.workflow)}
            if not self._may_raise_concern(session, instance_id, shown):
                if runtime.row.status == "running" and CHILD_SAFETY_CONCERN in shown["messages"]:
                    raise Forbidden("only the audit team, the people this case names and those acting on it "
                                    "raise a concern on it")
                raise Conflict(f"case {runtime.row.case_ref or instance_id} does not take a concern now: raise it "
                               "on the audit it came from")
            form = (runtime.version.forms or {}).get(CHILD_SAFETY_CONCERN) or {}
            return {"instance_id": instance_id, "case_ref": runtime.row.case_ref, "form": form.get("schema"),
                    "ui": form.get("ui"),
                    "process_name": store.dao_get_version(session, runtime.row.process_version_id).name}

    def alert_summary(self, alert_id: int) -> dict:
        """An alert as its raiser is told of it: who it told and its first step (engine/case_page.alert_raised)."""
        with self.db.reading() as session:
            access.require_visible(session, self.user, alert_id)
            row = store.dao_get_instance(session, alert_id)
            return alert_raised(session, alert_id) | {"case_ref": row.case_ref, "parent_id": row.parent_id}

    def start(self, process_id: str, data: dict) -> dict:
        """Start the newest version of a process: its starter roles only (camunda:candidateStarterGroups)."""
        with self.db.transaction() as session:
            version = store.dao_get_process_version(session, process_id, None)  # the newest; 404 if none
            access.require_may_start(self.user, version)
            runtime = self.engine.start_in(session, process_id, data, self.user.username, version=version)
            return self.engine.view_after(session, runtime)

    def startable(self) -> list[dict]:
        """The processes the person may start (the check of start()), newest versions, by name: each
        with its start form's key, or None when it has none (it is started from another step or the API)."""
        with self.db.reading() as session:
            return [{"process_id": v.process_id, "name": v.name, "start_form": v.start_form}
                    for v in newest_versions(session) if access.may_start(self.user, v)]

    def start_form(self, process_id: str) -> dict:
        """What starting a process asks (its start form, the directory's choices for the people and
        teams it names); 404 without the process, 403 unless the person may start it (as start())."""
        with self.db.reading() as session:
            version = store.dao_get_process_version(session, process_id, None)
            access.require_may_start(self.user, version)
            form = (version.forms or {}).get(version.start_form) or {} if version.start_form else {}
            return {"process_id": process_id, "name": version.name, "start_form": version.start_form,
                    "form": form.get("schema"), "ui": form.get("ui"),
                    "directory": choices_for(session, form.get("schema"))}

    def instances(self, page: int = 1, page_size: int = 20, sort: str = "newest", **filters) -> dict:
        """The API's list: a page of the instances the person may see, newest first unless sorted otherwise."""
        return self.cases(CaseFilter(**filters), sort, page, page_size)

    def cases(self, where: CaseFilter, sort: str = "newest", page: int = 1, page_size: int = 20,
              counts: bool = False) -> dict:
        """A page of the instances the person may see that `where` lets through; with `counts`, how
        many each choice of a filter would give, and the steps open in them."""
        with self.db.reading() as session:
            may_see, at = access.visible_instances(self.user), now()
            found = case_list(session, may_see, at, where, sort, page, page_size)
            if counts:
                found |= {"counts": facet_counts(session, may_see, at, where),
                          "steps": step_counts(session, may_see, at, where)}
            return found

    def dashboard(self, cycle: str | None = None) -> dict:
        """For the roles that see across, and managers for their area: the audit cycle's open cases
        (this month's unless told) by step and by service area, and every open step by the process it
        belongs to, with how many are past their deadline."""
        with self.db.reading() as session:
            access.require_oversight(self.user)
            may_see, at = access.visible_instances(self.user), now()
            local = at.astimezone(LONDON)
            cycle = cycle or f"{local.year:04d}-{local.month:02d}"
            this_cycle, running = CaseFilter(status="running", cycle=cycle), CaseFilter(status="running")
            return {"cycle": cycle, "cycle_steps": step_counts(session, may_see, at, this_cycle),
                    "cycle_areas": area_counts(session, may_see, at, this_cycle),
                    "open_steps": step_counts(session, may_see, at, running)}

    def audit_year(self, year: int | None = None) -> dict:
        """The audit year (this one unless told) as engine/views/cycle_overview.py counts it: for the roles
        that see across, and for managers their area's cases and their own people's audits (R-12)."""
        with self.db.reading() as session:
            access.require_oversight(self.user)
            at = now()
            among = None if self.user.has(*access.SEES_ACROSS) else access.people_managed(self.user)
            return cycle_overview(session, self.engine.ctx, access.visible_instances(self.user), at,
                                  year if year is not None else audit_year_at(at), auditors_among=among)

    def audit_report(self, figure: Figure, compare: bool = False) -> dict:
        """For the roles that see across: the report of the figure's period (engine/reporting/pack.py)."""
        with self.db.reading() as session:
            access.require(self.user, *access.SEES_ACROSS)
            return audit_pack(session, figure, compare)

    def report_rows(self, figure: Figure) -> list[dict]:
        """For the roles that see across: the rows behind one figure, one per audit (or alert)."""
        with self.db.reading() as session:
            access.require(self.user, *access.SEES_ACROSS)
            scope, where = figure.scope, tuple(figure.clauses())
            if figure.counts_alerts:
                return alert_report_rows(session, scope, where)
            return audit_report_rows(session, scope.first, scope.last, scope.service_area, scope.audit_kind, where)

    def view(self, instance_id: int) -> dict:
        """The instance with its data, tasks, timers and children, recording that the person viewed it (R-80)."""
        with self.db.transaction() as session:
            access.require_visible(session, self.user, instance_id)
            dao_append_history(session, instance_id, self.user.username, VIEWED, now())
            return queries.loaded_instance_view(session, self.engine.ctx, instance_id)

    def case(self, instance_id: int, record: bool = True) -> dict:
        """Everything the case page shows of an instance (engine/views/case_page.py) and what the person
        may do to it; opening the page is recorded as a view (R-80), refreshing an open one is not."""
        with (self.db.transaction() if record else self.db.reading()) as session:
            access.require_visible(session, self.user, instance_id)
            if record:
                dao_append_history(session, instance_id, self.user.username, VIEWED, now())
            page = case_page(session, self.engine.ctx, instance_id, access.visible_instances(self.user), now())
            page["history"] = self._shown(page["history"])
            waits = waits_for(session, [task["id"] for task in page["tasks"] if task["state"] == "ready"])
            page["tasks"] = [task | waits.get(task["id"], {}) for task in page["tasks"]]
            page["notes"] = case_notes(session, instance_id)
            page["may"] = {"operate": self.user.has(*access.OPERATORS), "retry": self.user.has(*access.ADMINISTRATORS),
                           "see_viewers": self.user.has(*access.SEES_ACROSS),
                           "raise_concern": self._may_raise_concern(session, instance_id, page)}
            return page

    def _may_raise_concern(self, session, instance_id: int, shown: dict) -> bool:
        """Whether a page offers "Raise a child-safety concern": the instance runs, its diagram takes
        one, and the person may raise it."""
        running = shown.get("instance_status", shown.get("status")) == "running"
        return (running and CHILD_SAFETY_CONCERN in shown["messages"]
                and access.may_raise_concern(session, self.user, instance_id))

    def change(self, instance_id: int) -> str:
        """What an open case page polls: a token that changes when the instance does."""
        with self.db.reading() as session:
            access.require_visible(session, self.user, instance_id)
            return change_of(session, instance_id)

    def diagram(self, instance_id: int, process_id: str | None = None) -> str:
        """The BPMN file that draws the instance's process, or one it calls."""
        with self.db.reading() as session:
            access.require_visible(session, self.user, instance_id)
            row = store.dao_get_instance(session, instance_id)
            called = self.engine.ctx.specs.by_id(session, row.process_version_id)[2]
            return diagram_file(session, instance_id, process_id, called)

    def history(self, instance_id: int) -> list[dict]:
        with self.db.reading() as session:
            access.require_visible(session, self.user, instance_id)
            return self._shown(queries.history(session, instance_id))

    def _shown(self, events: list[dict]) -> list[dict]:
        """Who viewed a case is for the roles that see across (R-80); others see what was done."""
        if self.user.has(*access.SEES_ACROSS):
            return events
        return [e for e in events if e["event"] != VIEWED]

    def notes(self, instance_id: int) -> list[dict]:
        """The case's notes, oldest first (engine/instances/notes.py): for whoever may see the case, else 404."""
        with self.db.reading() as session:
            access.require_visible(session, self.user, instance_id)
            return case_notes(session, instance_id)

    def add_note(self, instance_id: int, text: str, task_id: str | None = None) -> dict:
        """Post a note on a case the person may see (404 otherwise), left on one of its tasks or not;
        422 naming what is wrong with the text. Recorded in the history; its participants are told
        that a note was added, never what it says (R-81)."""
        with self.db.transaction() as session:
            return add_note(session, self.user, instance_id, text, task_id, now(), self.engine.ctx.base_url)

    def set_status(self, instance_id: int, status: str, reason: str) -> dict:
        """Suspend ("suspended"), resume ("running") or terminate ("terminated"): operators."""
        with self.db.transaction() as session:
            access.require_role_on(session, self.user, instance_id, access.OPERATORS)
            self.engine.set_status_in(session, instance_id, self.user.username, reason, status)
            return queries.loaded_instance_view(session, self.engine.ctx, instance_id)

    def migrate(self, instance_id: int, version: int) -> dict:
        """Move an instance to another version (migrators); answers it without case data."""
        with self.db.transaction() as session:
            access.require_role_on(session, self.user, instance_id, access.MIGRATORS)
            self.engine.migrate_in(session, instance_id, version, self.user.username)
            return queries.summary(session, instance_id)

    def retry(self, instance_id: int) -> dict:
        """Replay the action that failed, for an instance in error (administrators)."""
        with self.db.transaction() as session:
            access.require_role_on(session, self.user, instance_id, access.ADMINISTRATORS)
            self.engine.retry_in(session, instance_id, self.user.username)
            session.expire_all()  # a replay that failed again rolled back to its savepoint
            return queries.loaded_instance_view(session, self.engine.ctx, instance_id)

    # --- definitions (process owners) ----------------------------------------------------------

    def validate(self, files: dict[str, bytes]) -> dict:
        """Deploy's checks on a bundle, storing nothing (process owners): the versions it would
        create, or InvalidDefinition (422) naming each problem's file, element and line."""
        access.require(self.user, *access.DEPLOYERS)
        with self.db.reading() as session:
            found = validate_bundle(session, files)
            return {"valid": True, "would_deploy": [d for d in found if d.created],
                    "unchanged": [d for d in found if not d.created]}

    def deploy(self, files: dict[str, bytes], note: str | None = None) -> list:
        """Deploy a bundle with the change note the versions it creates keep (process owners)."""
        access.require(self.user, *access.DEPLOYERS)
        with self.db.transaction() as session:
            return self.engine.deploy_in(session, files, self.user.username, note)

    def upload_diff(self, files: dict[str, bytes]) -> list[dict]:
        """What each uploaded diagram or decision table changes against the deployed file of its name."""
        access.require(self.user, *access.DEPLOYERS)
        with self.db.reading() as session:
            deployed = {name: row.content for name, row in current_files(session).items()}
            try:
                return [{"file_name": name, "deployed": name in deployed, "old": deployed.get(name),
                         "new": content.decode("utf-8"), **file_diff(deployed.get(name), content, name)}
                        for name, content in sorted(files.items()) if name.endswith((".bpmn", ".dmn"))]
            except Problem as problem:
                raise InvalidDefinition(str(problem), [problem.as_dict()]) from None
            except UnicodeDecodeError:
                raise InvalidDefinition("a file is not UTF-8 text", []) from None

    def version_diff(self, process_id: str, version: int, against: int | None = None) -> dict:
        """What a version of a process changed against another (by default the one before it)."""
        with self.db.reading() as session:
            against = against if against is not None else version - 1
            new = queries.bpmn(session, process_id, version)
            old = queries.bpmn(session, process_id, against) if against >= 1 else None
            return {"process_id": process_id, "version": version, "against": against if old else None,
                    "old": old, "new": new, **file_diff(old, new, f"{process_id}.bpmn")}

    def migration_preview(self, process_id: str, version: int | None = None) -> dict:
        """The instances of older versions that have not ended, each movable to `version` (default
        the newest) or not, with why (migrators)."""
        access.require(self.user, *access.MIGRATORS)
        with self.db.reading() as session:
            return self.engine.migration_preview_in(session, process_id, version)

    def migrate_many(self, process_id: str, version: int, instance_ids: list[int]) -> dict:
        """Move each instance to `version`, one transaction each (each recorded in its history); one
        that cannot move stays where it is, with the reason. The whole run is recorded too."""
        access.require(self.user, *access.MIGRATORS)
        results: list[dict] = []
        for instance_id in dict.fromkeys(instance_ids):
            try:
                with self.db.transaction() as session:
                    if store.dao_get_instance(session, instance_id).process_id != process_id:
                        raise MigrationRefused(f"process instance {instance_id} is not of process '{process_id}'")
                    self.engine.migrate_in(session, instance_id, version, self.user.username)
                results.append({"id": instance_id, "moved": True, "reason": None})
            except EngineError as error:
                results.append({"id": instance_id, "moved": False, "reason": error.detail})
        with self.db.transaction() as session:
            dao_append_history(session, None, self.user.username, "instances_migrated", now(),
                               process_id=process_id, version=version,
                               moved=[r["id"] for r in results if r["moved"]],
                               refused=[r["id"] for r in results if not r["moved"]])
        return {"process_id": process_id, "version": version, "results": results}

    def editing(self, process_id: str) -> dict:
        """What the modeller opens (process owners): the newest version's BPMN file and what its
        properties may be set to (engine/definitions/catalogue.py)."""
        access.require(self.user, *access.DEPLOYERS)
        with self.db.reading() as session:
            version = queries.definition(session, process_id)["versions"][-1]
            return {"process_id": process_id, "version": version["version"], "file_name": version["bpmn_file"],
                    "xml": queries.bpmn(session, process_id, version["version"])} | self._choices(session)

    def editing_file(self, file_name: str) -> dict:
        """A decision table for the modeller (process owners), with the same choices."""
        access.require(self.user, *access.DEPLOYERS)
        with self.db.reading() as session:
            return queries.definition_file(session, file_name) | self._choices(session)

    def _choices(self, session) -> dict:
        return catalogue.choices(session, self.engine.ctx.calendar, now())

    def form_preview(self, key: str, replacing: dict[str, bytes] | None = None) -> dict:
        """A form as staff will see it on a task, from the deployed files or with an upload in place."""
        with self.db.reading() as session:
            return catalogue.form_preview(session, key, replacing)

    def definition_files(self) -> list[dict]:
        with self.db.reading() as session:
            return queries.definition_files(session)

    def definition_file(self, file_name: str, number: int | None = None) -> dict:
        with self.db.reading() as session:
            return queries.definition_file(session, file_name, number)

    def timers(self, due_before: datetime | None = None) -> list[dict]:
        """Waiting timers of the instances the person may see, soonest first."""
        with self.db.reading() as session:
            return queries.waiting_timers(session, due_before, access.visible_instances(self.user))

    # --- what every signed-in person reads: the deployed processes, the places, the labels -----

    def definitions(self) -> list[dict]:
        return self.engine.reads.definitions()

    def definition(self, process_id: str) -> dict:
        return self.engine.reads.definition(process_id)

    def bpmn(self, process_id: str, version: int) -> str:
        return self.engine.reads.bpmn(process_id, version)

    def places(self) -> dict[str, dict[str, str]]:
        """Names of the teams and service areas, by id."""
        return self.engine.reads.places()

    def report_labels(self) -> dict[str, dict[str, str]]:
        return self.engine.reads.report_labels()

    def role_name(self, role: str | None) -> str:
        return self.engine.ctx.roles.get(role, role or "someone") if role else "someone"

    @property
    def calendar(self):
        """The working-day calendar deadlines are counted in."""
        return self.engine.ctx.calendar

    def audit_report_between(self, first, last, service_area=None, audit_kind=None, rows: bool = False):
        """The audit report of the API (R-60, R-61), or the rows behind it: across the organisation, so
        for those who see across it (R-81)."""
        access.require(self.user, *access.SEES_ACROSS)
        read = self.engine.reads.audit_report_rows if rows else self.engine.reads.audit_report
        return read(first, last, service_area, audit_kind)

    # --- operating the service (administrators) ------------------------------------------------

    def people_directory(self) -> PeopleDirectory:
        """Everyone's accounts and roles, for administrators (R-81)."""
        access.require(self.user, *access.ADMINISTRATORS)
        return PeopleDirectory(self.db)

    def share_clock(self, clock: SettableClock, at: datetime) -> None:
        """Move the settable clock, for every process of the service (demos and acceptance checks)."""
        access.require(self.user, *access.ADMINISTRATORS)
        clock.set(at)
        share_clock(self.db, now())

    def fire_due_timers(self) -> int:
        access.require(self.user, *access.ADMINISTRATORS)
        return self.engine.fire_due_timers()
