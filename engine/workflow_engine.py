"""The engine's public verbs. Each runs in one transaction: all of it commits, or none.

A script or expression failing at run time leaves the instance in `error`, with the element,
message and line, and the action to replay once the cause is fixed: the failed step has written
nothing (InstanceRuntime.save), so the error is recorded in the same transaction.
"""
import logging
from datetime import datetime
from typing import Any

from sqlalchemy.exc import InterfaceError, OperationalError

from engine.calendar import WorkingCalendar
from engine.clock import install_engine_clock, now
from engine.db import Database
from engine.definitions.answers import check_start
from engine.definitions.deploy import Deployed, deploy_bundle
from engine.errors import Conflict, MigrationRefused
from engine.history import dao_append_history
from engine.instances import handover, inbound, rows, store, version_move
from engine.instances.commands import RUN, Command, Complete, Deliver, command_from
from engine.instances.runtime import EngineContext, ExecutionFailed, InstanceRuntime
from engine.instances.timers import dao_due_instances, dao_lock_due_instance
from engine.models import ProcessVersion, Role
from engine.replay import Progress, ReplayResult, Selection, replay
from engine.replay.jobs import run_queued_replays
from engine.replay.runs import dao_add_replay_run
from engine.scripts.budget import MAX_STATE_BYTES
from engine.views import queries
from engine.views.queries import Reads

# The status each operator's verb sets: the statuses it may come from, and its history event.
STATUS_CHANGES = {
    "suspended": (("running",), "instance_suspended"),
    "running": (("suspended",), "instance_resumed"),
    "terminated": (("running", "suspended", "error"), "instance_terminated"),
}
log = logging.getLogger(__name__)


class WorkflowEngine:
    def __init__(self, db: Database, calendar: WorkingCalendar | None = None,
                 base_url: str = "http://127.0.0.1:5000", max_state_bytes: int = MAX_STATE_BYTES):
        install_engine_clock()
        self.db = db
        self.ctx = EngineContext(calendar or WorkingCalendar(), base_url, max_state_bytes=max_state_bytes)
        self.reads = Reads(db, self.ctx)

    # --- definitions ---------------------------------------------------------------------

    def deploy(self, files: dict[str, bytes], actor: str, note: str | None = None) -> list[Deployed]:
        with self.db.transaction() as session:
            return self.deploy_in(session, files, actor, note)

    def deploy_in(self, session, files: dict[str, bytes], actor: str, note: str | None = None) -> list[Deployed]:
        deployed = deploy_bundle(session, files, actor, now(), note)
        for d in (d for d in deployed if d.created):
            details: dict[str, Any] = {"process_id": d.process_id, "version": d.version}
            details |= {"note": note} if note else {}
            dao_append_history(session, None, actor, "definition_deployed", now(), **details)
        return deployed

    def replay(self, files: dict[str, bytes], selection: Selection, as_of: datetime | None = None,
               kept_by: str | None = None, progress: Progress | None = None) -> ReplayResult:
        """What the bundle would have done to past cases (engine/replay/): in a transaction that only
        reads, so that nothing a replayed step asks for is written. With `kept_by`, the result is then
        kept as a replay_run row of theirs (its id in result.run_id): the only row a replay writes.
        `progress(done, total)` is told how far it is, and stops it by answering False (Cancelled)."""
        with self.db.reading() as session:
            self._load_roles(session)
            result = replay(session, self.ctx, files, selection, as_of, progress)
        if kept_by is not None:
            with self.db.transaction() as session:
                result.run_id = dao_add_replay_run(session, selection, result, files, kept_by, now()).id
        return result

    def run_queued_replays(self) -> int:
        """The worker's job: the oldest queued replay run, its progress and result kept on its row
        (engine/replay/jobs.py)."""
        return run_queued_replays(self.db, lambda files, selection, progress: self.replay(
            files, selection, progress=progress))

    # --- instances -----------------------------------------------------------------------
    # Each verb opens one transaction around its `*_in` form, which takes the session: a person's
    # request (engine/caller/) checks their access and acts in that same transaction.

    def start_instance(self, process_id: str, data: dict, actor: str, parent_id: int | None = None) -> int:
        with self.db.transaction() as session:
            return self.start_in(session, process_id, data, actor, parent_id).row.id

    def start_in(self, session, process_id: str, data: dict, actor: str, parent_id: int | None = None,
                 version: ProcessVersion | None = None):
        """`version`: the process's newest version, when the caller has read it in this session already."""
        self._load_roles(session)
        version = version or store.dao_get_process_version(session, process_id, None)
        check_start(session, data, self.ctx.roles, self.ctx.reserved, self.ctx.specs.get(version)[0].start_schema())
        runtime = InstanceRuntime.create(session, self.ctx, version, data, actor, parent_id)
        self._act(runtime, RUN, actor)
        return runtime

    def start_instance_once(self, event_id: str, event_type: str, process_id: str, data: dict,
                            actor: str, signed: str | None = None) -> tuple[int | None, bool]:
        """start_instance for an event from outside (the case-record webhook, R-50), once per event id:
        the id is logged in the same transaction as the start, so a crash keeps both or neither.
        Answers (the new instance, True), or for an id already taken (the instance it started, False)."""
        with self.db.transaction() as session:
            event, new = inbound.dao_take_event(session, event_id, event_type, now(), signed)
            if not new:
                return event.instance_id, False
            self._load_roles(session)
            version = store.dao_get_process_version(session, process_id, None)
            check_start(session, data, self.ctx.roles, self.ctx.reserved,
                        self.ctx.specs.get(version)[0].start_schema())
            runtime = InstanceRuntime.create(session, self.ctx, version, data, actor)
            event.instance_id = runtime.row.id
            dao_append_history(session, runtime.row.id, actor, "event_received", now(),
                               event_id=event_id, event_type=event_type)
            self._act(runtime, RUN, actor)
            return runtime.row.id, True

    def complete_task(self, task_id: str, data: dict, actor: str) -> int:
        """Complete a ready task as `actor`; returns its instance's id. See complete_in."""
        with self.db.transaction() as session:
            return self.complete_in(session, task_id, data, actor).row.id

    def complete_in(self, session, task_id: str, data: dict, actor: str) -> InstanceRuntime:
        """A free task is taken by `actor` in the same transaction; one held by another, or no longer
        ready, is refused (409)."""
        self._load_roles(session)
        # The instance row is locked before the task row: the order every writer (timers too) takes.
        runtime = InstanceRuntime.load_by_task(session, self.ctx, task_id)
        runtime.require_status("running")
        runtime.require_free(task_id, actor)
        self._act(runtime, Complete(task_id, data), actor)
        return runtime

    def send_message(self, instance_id: int, message: str, fields: dict, actor: str) -> list[int]:
        """See send_message_in; answers the instances the message started (a child-safety alert)."""
        with self.db.transaction() as session:
            return self.send_message_in(session, instance_id, message, fields, actor).started

    def send_message_in(self, session, instance_id: int, message: str, fields: dict, actor: str) -> InstanceRuntime:
        """A message from a person that the instance's diagram catches at any step (engine/instances/messages.py),
        e.g. a child-safety concern: what it starts runs at once, and the instance goes on."""
        self._load_roles(session)
        runtime = InstanceRuntime.load(session, self.ctx, instance_id, lock=True)
        runtime.require_status("running")
        self._act(runtime, Deliver(message, fields), actor)
        return runtime

    def retry(self, instance_id: int, actor: str) -> None:
        with self.db.transaction() as session:
            self.retry_in(session, instance_id, actor)

    def retry_in(self, session, instance_id: int, actor: str) -> None:
        """Replay the action that failed, e.g. after the definition was fixed and the instance migrated."""
        self._load_roles(session)
        runtime = InstanceRuntime.load(session, self.ctx, instance_id)
        runtime.require_status("error")
        stored = runtime.row.error["action"]
        runtime.status = "running"
        dao_append_history(session, instance_id, actor, "instance_retried", now(), action=stored)
        self._act(runtime, command_from(stored), actor)

    def fire_due_timers(self, at: datetime | None = None, batch: int = 100) -> int:
        """Fire every timer due before `at` (default: the clock's now). Returns how many fired.

        Each instance fires in a transaction of its own, so that one slow step holds up no other
        instance (and on SQLite holds the write lock for that step only, its scripts bounded by the
        step's budget). Several workers can sweep at once: on PostgreSQL an instance another
        worker holds is skipped, and none fires a timer twice.
        """
        at, fired, after = at or now(), 0, 0
        while True:
            with self.db.reading() as session:
                ids = dao_due_instances(session, at, after, batch)
            fired += sum(self._fire_timers(instance_id, at) for instance_id in ids)
            if len(ids) < batch:
                return fired
            after = ids[-1]

    def _fire_timers(self, instance_id: int, at: datetime) -> int:
        """Run one due instance. An unexpected failure (not a script's: those put the instance in
        error) is logged and rolled back, so one instance cannot hold up every other instance's
        timers; the next sweep tries it again."""
        try:
            with self.db.transaction() as session:
                if not dao_lock_due_instance(session, instance_id, at):
                    return 0  # fired by another worker meanwhile, or held by one
                self._load_roles(session)
                runtime = InstanceRuntime.load(session, self.ctx, instance_id)
                self._act(runtime, RUN, store.SYSTEM)
                return runtime.timers_fired
        except (OperationalError, InterfaceError):
            raise  # the database itself is away: stop the sweep
        except Exception:
            log.exception("the timers of process instance %s could not fire; the next sweep tries again", instance_id)
            return 0

    def migrate(self, instance_id: int, version: int, actor: str) -> None:
        with self.db.transaction() as session:
            self.migrate_in(session, instance_id, version, actor)

    def migrate_in(self, session, instance_id: int, version: int, actor: str) -> None:
        """Move an instance to another version of its process; refused with the reason when unsafe."""
        self._load_roles(session)
        runtime = InstanceRuntime.load(session, self.ctx, instance_id)
        runtime.require_status("running", "suspended", "error")
        target, spec, deps = self.ctx.specs.get(store.dao_get_process_version(session, runtime.row.process_id, version))
        if target.id == runtime.version.id:
            raise MigrationRefused(f"process instance {instance_id} is already on version {version}")
        runtime.workflow = version_move.migrate(runtime.workflow, spec, deps, target.version)
        dao_append_history(session, instance_id, actor, "instance_migrated", now(),
                           from_version=runtime.version.version, to_version=target.version)
        runtime.version = target
        runtime.save(actor)

    def migration_preview_in(self, session, process_id: str, version: int | None) -> dict:
        """The instances of older versions of a process that have not ended, each with whether it
        can move to `version` (default the newest) and, if not, why."""
        target_row = store.dao_get_process_version(session, process_id, version)
        target, spec, deps = self.ctx.specs.get(target_row)
        instances = []
        for row in queries.instances_before(session, process_id, target.version):
            runtime = InstanceRuntime.load(session, self.ctx, row["id"])
            reasons = version_move.refusals(runtime.workflow, spec, deps, target.version)
            instances.append(row | {"movable": not reasons, "reasons": reasons})
        return {"process_id": process_id, "version": target.version, "instances": instances}

    def suspend(self, instance_id: int, actor: str, reason: str) -> None:
        with self.db.transaction() as session:
            self.set_status_in(session, instance_id, actor, reason, "suspended")

    def resume(self, instance_id: int, actor: str, reason: str) -> None:
        with self.db.transaction() as session:
            self.set_status_in(session, instance_id, actor, reason, "running")

    def terminate(self, instance_id: int, actor: str, reason: str) -> None:
        with self.db.transaction() as session:
            self.set_status_in(session, instance_id, actor, reason, "terminated")

    def set_status_in(self, session, instance_id: int, actor: str, reason: str, status: str) -> None:
        """Suspend (to "suspended"), resume ("running") or terminate ("terminated"), with a reason."""
        allowed, event = STATUS_CHANGES[status]
        row = store.dao_get_instance(session, instance_id)
        if row.status not in allowed:
            raise Conflict(f"process instance {instance_id} is {row.status}; cannot become {status}")
        at = now()
        store.dao_write_instance(session, row, row.revision, status=status, updated_at=at)
        if status == "terminated":
            store.dao_end_user_tasks(session, instance_id, "cancelled", at)
            store.dao_replace_timers(session, instance_id, [])
        dao_append_history(session, instance_id, actor, event, at, reason=reason)

    # --- tasks: holding them ---------------------------------------------------------------

    def claim_in(self, session, task_id: str, actor: str) -> dict:
        """Hold a ready task so nobody else acts on it (409 if another holds it); answers the task."""
        task = store.dao_get_user_task(session, task_id)
        _require_running(store.dao_get_instance(session, task.instance_id))
        store.dao_hold_task(session, task, actor, None)
        dao_append_history(session, task.instance_id, actor, "task_claimed", now(), task.element_id,
                           task_id=task_id)
        return queries.task_view(task)

    def release_in(self, session, task_id: str, actor: str, holder: str) -> dict:
        """Give a held task back to its candidates; 409 unless `holder` still holds it."""
        task = store.dao_get_user_task(session, task_id)
        if task.state == "ready" and task.assignee is None:
            raise Conflict(f"task {task_id} is not claimed")
        store.dao_hold_task(session, task, None, holder)
        dao_append_history(session, task.instance_id, actor, "task_released", now(), task.element_id,
                           task_id=task_id, holder=holder)
        return queries.task_view(task)

    def reassign_in(self, session, task_id: str, to: str, reason: str, actor: str) -> dict:
        """Make `to` the only person a ready task waits for (engine/instances/handover.py); answers the task."""
        task = store.dao_get_user_task(session, task_id)
        instance = store.dao_get_instance(session, task.instance_id, lock=True)  # the order completion takes
        _require_running(instance)
        session.refresh(task)
        if task.state != "ready":
            raise Conflict(f"task {task_id} is {task.state}, no longer ready")
        handover.dao_reassign(session, task, instance, self.case_data(session, task), to, reason, actor, now(),
                              self.ctx.base_url)
        return queries.task_view(task)

    def case_data(self, session, task) -> dict:
        """The data a ready task sees: the case as the step knows it (its practitioner, auditor...)."""
        return queries.task_detail(session, self.ctx, task)["data"]

    def view_after(self, session, runtime: InstanceRuntime) -> dict:
        """The instance's state once an action ran in this transaction."""
        if runtime.row.status == "error":  # the step was not kept: read the state that was
            return queries.loaded_instance_view(session, self.ctx, runtime.row.id)
        # What this action wrote is at hand: the version and the timers are not read back.
        return queries.instance_view(session, runtime.row.id, runtime.current_data(), runtime.version.version,
                                     runtime.timer_rows)

    # --- internals -----------------------------------------------------------------------

    def _act(self, runtime: InstanceRuntime, command: Command, actor: str) -> None:
        try:
            runtime.apply(command, actor)
            runtime.save(actor)
        except ExecutionFailed as failure:
            self._record_failure(runtime, failure, command, actor)
            return
        for effect in runtime.processes_to_start:
            self._start_child(runtime, effect, actor)

    def _start_child(self, parent: InstanceRuntime, effect, actor: str) -> None:
        """A process a step started (e.g. a child-safety alert) runs at once, in the same transaction."""
        version = store.dao_get_process_version(parent.session, effect.args["process_id"], None)
        child = InstanceRuntime.create(parent.session, self.ctx, version, effect.args["data"], actor, parent.row.id)
        parent.started.append(child.row.id)
        dao_append_history(parent.session, parent.row.id, actor, "process_started", now(), effect.element_id,
                           process_id=version.process_id, child_id=child.row.id)
        self._act(child, RUN, actor)

    def _record_failure(self, runtime, failure: ExecutionFailed, command: Command, actor: str) -> None:
        at = now()
        error = failure.as_dict() | {"action": command.as_dict(), "at": at.isoformat()}
        state = {"state": runtime.initial_state()} if runtime.is_new else {}
        session = runtime.session
        store.dao_write_instance(session, runtime.row, runtime.loaded_revision,
                                 status="error", error=error, updated_at=at, **state)
        if runtime.taken_by and isinstance(command, Complete):  # the completer holds the task, as a claim would
            rows.dao_hold_ready_task(session, command.task_id, runtime.taken_by)
        rows.dao_add_participants(session, runtime.row.id, runtime.kept_participants)
        rows.dao_add_history(session, runtime.kept_history + [rows.history_row(
            runtime.row.id, actor, "instance_error", at, failure.element_id, message=failure.message,
            line=failure.line)])

    def _load_roles(self, session) -> None:
        if not self.ctx.roles:
            self.ctx.roles = {role.id: role.label for role in session.query(Role)}


def _require_running(row) -> None:
    if row.status != "running":
        raise Conflict(f"process instance {row.id} is {row.status}, not running")
