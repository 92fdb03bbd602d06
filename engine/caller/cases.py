"""Cases: starting one, raising a concern on one, the case list, a case's page, its history and
notes, and what operators do to one (suspend, resume, terminate, move, retry)."""

from engine.caller.base import Door
from engine.clock import now
from engine.definitions.choices import choices_for
from engine.errors import Conflict, Forbidden
from engine.history import dao_append_history
from engine.instances import store
from engine.instances.messages import CHILD_SAFETY_CONCERN, messages_taken
from engine.instances.notes import add_note, case_notes
from engine.instances.runtime import InstanceRuntime
from engine.instances.starting import newest_versions
from engine.people import access
from engine.views import queries
from engine.views.case_list import CaseFilter, case_list, facet_counts, reference_counts, step_counts
from engine.views.case_page import VIEWED, alert_raised, case_page, change_of, diagram_file
from engine.views.previous_audit import audits_of_reference, earlier_audits
from engine.views.task_waits import waits_for


class CaseVerbs(Door):
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
                          "steps": step_counts(session, may_see, at, where),
                          "references": reference_counts(session, may_see, [i["case_ref"] for i in found["items"]])}
            return found

    def case_audits(self, instance_id: int) -> dict:
        """The audits of a case as its page shows them (R-27): the previous one, this one's agreed
        actions, every earlier one; 404 unless the person may see the case."""
        with self.db.reading() as session:
            access.require_visible(session, self.user, instance_id)
            return self._audits(session, instance_id)

    def _audits(self, session, instance_id: int) -> dict:
        return self._audits_seen(session, instance_id) | {
            "earlier_audits": earlier_audits(session, instance_id, access.visible_instances(self.user), now())}

    def audits_of_case(self, case_ref: str) -> list[dict]:
        """The completed audits of one case reference that the person may see, newest first, with their
        final grades and how their agreed actions stand (R-27): a case's history as one list."""
        with self.db.reading() as session:
            found = audits_of_reference(session, case_ref, access.visible_instances(self.user), now())
            return [audit for audit in found if audit["may_open"]]

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
            page |= self._audits(session, instance_id)
            page["may"] = {"operate": self.user.has(*access.OPERATORS), "retry": self.user.has(*access.ADMINISTRATORS),
                           "see_viewers": self.user.has(*access.SEES_ACROSS),
                           "raise_concern": self._may_raise_concern(session, instance_id, page)}
            return page

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
            session.expire_all()  # a replay that failed again wrote only its error: read what is kept
            return queries.loaded_instance_view(session, self.engine.ctx, instance_id)
