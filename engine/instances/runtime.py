"""One process instance at work: load it, run the engine on it, save it with its projections.

`save()` writes the state, the user-task and timer projections and the history in the caller's
transaction, as a fixed few Core statements (rows.py); if anything fails the caller rolls back and
nothing is half-saved. Everything a save can refuse is worked out before its first write, so a step
that fails has written nothing and its error is recorded in the same transaction without a
savepoint; only a step whose scripts asked for messages or outcomes, which are written (and can
still be refused) after the rows they read, saves inside one.
"""
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState
from sqlalchemy.orm import Session

from engine.calendar import WorkingCalendar
from engine.clock import now
from engine.definitions.answers import case_fields, check_completion, place_errors, with_defaults
from engine.definitions.audit_calendar import with_cycle
from engine.definitions.notifications import free_text_fields
from engine.errors import Conflict, InvalidData, NotFound
from engine.grades import GradeScale, scale_in_force
from engine.instances import rows, store
from engine.instances.commands import Command, Complete, Deliver
from engine.instances.cycle_timers import CycleTooShort, catch_up_once
from engine.instances.loops import LoopTooLong, check_task, check_workflow
from engine.instances.messages import deliver, messages_taken
from engine.instances.projection import (
    completed_tasks,
    fired_timers,
    ready_user_tasks,
    timer_due_at,
    timers_now,
    waiting_timers,
)
from engine.instances.rows import Known, history_row
from engine.instances.versions import SpecCache, VersionInfo
from engine.models import ProcessInstance, ProcessVersion
from engine.outbox import RecipientError, dao_add_event, write_messages
from engine.people.organisation import case_place, people_named, resolve_candidates
from engine.reporting.outcomes import OutcomeError, write_outcomes
from engine.role_catalogue import role_for_lane
from engine.scripts.budget import MAX_STATE_BYTES, Budget, BudgetExceeded, budget
from engine.scripts.data_weight import RefersToItself, weigh
from engine.scripts.effects import Effect, collecting
from engine.scripts.functions import make_script_engine
from engine.serialization import SERIALIZER_VERSION, dump_state, load_state


class ExecutionFailed(Exception):
    """A script or expression failed at run time; carries where and why, and what kind of failure
    it was (engine/case_page.error_in_words says it to people): "diagram" (a script, condition or
    timer), "budget" (more work or data than a step may take), "loop" (a loop gone round more often than
    engine/instances/loops.py allows), "data" (data a case cannot keep),
    "recipients" (a notification that names nobody) or "outcome" (an outcome without its fields)."""

    def __init__(self, element_id: str | None, message: str, line: int | None, kind: str = "diagram"):
        super().__init__(message)
        self.element_id, self.message, self.line, self.kind = element_id, message, line, kind

    def as_dict(self) -> dict:
        return {"element_id": self.element_id, "message": self.message, "line": self.line, "kind": self.kind}


@dataclass
class EngineContext:
    calendar: WorkingCalendar
    base_url: str = "http://127.0.0.1:5000"
    resolver: Callable = resolve_candidates  # (session, role, data, subject) -> usernames
    specs: SpecCache = field(default_factory=SpecCache)
    roles: dict[str, str] = field(default_factory=dict)
    max_state_bytes: int = MAX_STATE_BYTES  # what one instance may save (QA_MAX_STATE_BYTES)

    def __post_init__(self):
        self.script_engine = make_script_engine(self.calendar)
        self.reserved = self.script_engine.reserved_names()
        self._free_text: dict[int, frozenset[str]] = {}

    def free_text_of(self, version) -> frozenset[str]:
        """The fields a version's forms ask as free text, withheld from its notifications (R-81)."""
        if version.id not in self._free_text:
            forms = {key: form.get("schema") or {} for key, form in (version.forms or {}).items()}
            self._free_text[version.id] = frozenset(free_text_fields(forms, case_fields(self.roles)))
        return self._free_text[version.id]


class InstanceRuntime:
    start_data: dict  # the data it was started with: set by create()

    def __init__(self, session: Session, ctx: EngineContext, row: ProcessInstance,
                 version: VersionInfo, workflow: BpmnWorkflow, known: Known | None = None):
        self.session, self.ctx, self.row, self.version, self.workflow = session, ctx, row, version, workflow
        self.known = known  # what its rows held when loaded; None: loaded to be read, not saved
        self.loaded_revision = row.revision
        self.status = row.status
        self.timers_fired = 0
        self.cycles_caught_up: list = []  # cycle_timers.MissedCycles: what each cycle timer's firing stood for
        self.completed: tuple[str, str] | None = None  # (task id, actor) of the task this action completed
        self.answers: dict = {}  # the answers that completed it
        self.taken_by: str | None = None  # who completes it through complete_in, holding it (require_free)
        self.is_new = False  # created in this transaction: no rows to compare with yet
        self.effects: list[Effect] = []  # what the steps run so far asked of the world
        self.started: list[int] = []  # the instances this action started (engine/workflow_engine._start_child)
        self.timer_rows: list | None = None  # the waiting-timer rows save() wrote
        # The timers fired before (to tell which fire in this action), and those its rows hold.
        self.fired_before, self.timers_before = timers_now(workflow)
        self.history: list[dict] = []  # the history rows of this action, written by save()
        # Written by save(), or by the record of the step's failure: what the start itself made.
        self.kept_history: list[dict] = []
        self.kept_participants: set[str] = set()

    @classmethod
    def create(cls, session, ctx, version: ProcessVersion, data: dict, actor: str, parent_id=None):
        info, spec, deps = ctx.specs.get(version)
        workflow = BpmnWorkflow(spec, deps, script_engine=ctx.script_engine)
        data = with_cycle(session, ctx.script_engine, info.start_schema(), with_defaults(info.start_schema(), data))
        workflow.task_tree.data.update(data)  # the start event's data flows to every task
        at = now()
        # The state is written by save(); a start that fails stores initial_state() instead.
        team_id, service_area_id = case_place(session, data)
        row = rows.dao_add_instance(session, {
            "process_version_id": info.id, "process_id": info.process_id, "status": "running",
            "case_ref": data.get("case_ref"), "state": "", "team_id": team_id, "service_area_id": service_area_id,
            "cycle": store.cycle_of(data), "serializer_version": SERIALIZER_VERSION, "revision": 1,
            "parent_id": parent_id, "started_by": actor, "created_at": at, "updated_at": at, "error": None})
        runtime = cls(session, ctx, row, info, workflow, Known())
        runtime.is_new, runtime.start_data = True, data
        runtime.kept_participants = people_named(session, data, ctx.roles, also=(actor,))
        runtime.kept_history = [history_row(row.id, actor, "instance_started", at, process_id=version.process_id,
                                            version=version.version, data=data)]
        return runtime

    def initial_state(self) -> str:
        """The state of this instance before it ran its first step."""
        workflow = BpmnWorkflow(self.workflow.spec, self.workflow.subprocess_specs)
        workflow.task_tree.data.update(self.start_data)
        return dump_state(workflow)

    @classmethod
    def load(cls, session, ctx, instance_id: int, lock: bool = False):
        """The instance with what its rows hold (one statement, rows.dao_load_instance); with `lock`,
        its row is held until the transaction ends."""
        return cls._restored(session, ctx, *rows.dao_load_instance(session, instance_id, lock=lock))

    @classmethod
    def load_by_task(cls, session, ctx, task_id: str):
        """The instance of a task, locked, in the same statement as the task's state and holder."""
        return cls._restored(session, ctx, *rows.dao_load_instance(session, task_id=task_id, lock=True))

    @classmethod
    def _restored(cls, session, ctx, row: ProcessInstance, known: Known):
        version, spec, deps = ctx.specs.by_id(session, row.process_version_id)
        workflow = load_state(row.state, row.serializer_version, spec, deps, ctx.script_engine)
        return cls(session, ctx, row, version, workflow, known)

    def current_data(self) -> dict:
        """The data as the instance holds it now: the workflow's when completed, else that of the
        newest ready user task, else of the last completed task (waiting events carry none)."""
        return current_data(self.workflow)

    # --- actions -------------------------------------------------------------------------

    def require_status(self, *allowed: str) -> None:
        if self.status not in allowed:
            raise Conflict(f"process instance {self.row.id} is {self.status}, not {' or '.join(allowed)}")

    def require_free(self, task_id: str, actor: str) -> None:
        """The task loaded with the instance is ready, and free or held by `actor` (else 409). Its
        row is ended by save() only if it still is (rows.dao_write_tasks): of two racing, one wins."""
        assert self.known is not None and self.known.task is not None, "loaded by the task's id"
        state, holder = self.known.task
        if state != "ready":
            raise Conflict(f"task {task_id} is {state}, no longer ready")
        if holder not in (None, actor):
            raise Conflict(f"task {task_id} is held by {holder}")
        self.taken_by = actor

    def apply(self, command: Command, actor: str) -> None:
        if isinstance(command, Complete):
            self.complete_task(command.task_id, command.data, actor)
        elif isinstance(command, Deliver):
            self.take_message(command.message, command.fields, actor)
        else:
            self.run()

    def run(self) -> None:
        """Fire what is due and run every engine step that can run now."""
        def steps() -> None:
            self.workflow.refresh_timers()
            self._engine_steps()

        self._guarded(steps)

    def complete_task(self, task_id: str, data: dict, actor: str) -> None:
        task = self._ready_task(task_id)
        key = task.task_spec.form.key
        check_completion(key, self.version.forms.get(key, {}).get("schema"), data, self.ctx.reserved,
                         self.session, task.data)
        def steps() -> None:
            task.data.update(data)
            task.run()
            self._engine_steps()

        self._guarded(steps)
        self.history.append(history_row(self.row.id, actor, "task_completed", now(), task.task_spec.bpmn_id,
                                        task_id=task_id, data=data))
        self.completed, self.answers = (task_id, actor), data

    def take_message(self, message: str, fields: dict, actor: str) -> None:
        """A message a person sent (engine/instances/messages.py), its fields checked against the form of its
        name; 409 when the instance's diagram does not take it."""
        start_id = messages_taken(self.workflow).get(message)
        if start_id is None:
            raise Conflict(f"process instance {self.row.id} ({self.row.process_id}) does not take '{message}'")
        case_data = self.current_data()
        check_completion(message, self.version.forms.get(message, {}).get("schema"), fields, self.ctx.reserved,
                         self.session, case_data)

        def step():
            if not deliver(self.workflow, message, fields, case_data):
                raise Conflict(f"process instance {self.row.id} does not wait for '{message}' now")
            self._engine_steps()
        self._guarded(step)
        self.history.append(history_row(self.row.id, actor, "message_received", now(), start_id,
                                        message=message, data=fields))

    def _ready_task(self, task_id: str):
        task = find_task(self.workflow, task_id)
        if task is None:
            raise NotFound(f"task {task_id} is not part of process instance {self.row.id}")
        if task.state != TaskState.READY or not task.task_spec.manual:
            raise Conflict(f"task {task_id} is {TaskState.get_name(task.state)}, not READY")
        return task

    def _engine_steps(self) -> None:
        """Run what the engine can, each task it runs checked against the limit on loops (loops.py)."""
        self.workflow.do_engine_steps(did_complete_task=check_task)

    def _guarded(self, step) -> None:
        """Run engine steps on one budget (budget.py), collecting what their scripts ask of the world."""
        effects, caught_up = run_step(self.workflow, step, self.version.grades, self.ctx.max_state_bytes)
        self.cycles_caught_up += caught_up
        self.effects += effects

    @property
    def processes_to_start(self) -> list[Effect]:
        return [e for e in self.effects if e.kind == "start"]

    # --- saving --------------------------------------------------------------------------

    def save(self, actor: str) -> None:
        """Write the step: first everything that can refuse it (its size, its data, the people it
        places, its new tasks' candidates), then the rows, each table in one statement."""
        assert self.known is not None, "InstanceRuntime.create or load gives what the rows hold"
        at = now()
        status = self.status
        if status == "running" and self.workflow.is_completed():
            status = "completed"
            self.history.append(history_row(self.row.id, actor, "instance_completed", at))
        tasks = self.workflow.get_tasks()  # one walk of the tree for all that follows
        state = self._checked_state(tasks)
        placed, people = self._placed()
        ended, added, candidates = self._task_rows(at, tasks)
        timers = waiting_timers(self.workflow, tasks)
        fired = self._fired_history(at, tasks)
        with self._late_writes():
            store.dao_write_instance(self.session, self.row, self.loaded_revision, state=state,
                                     serializer_version=SERIALIZER_VERSION, status=status, updated_at=at,
                                     process_version_id=self.version.id,
                                     error=self.row.error if status == "error" else None, **placed)
            written = rows.dao_write_tasks(self.session, ended, added)
            self._check_completed(written)
            rows.dao_add_candidates(self.session, candidates)
            people |= self.kept_participants | {c["username"] for c in candidates}
            rows.dao_add_participants(self.session, self.row.id, people - self.known.participants)
            if self.known.has_drafts:
                rows.dao_drop_drafts(self.session, [row["id"] for row in ended])
            new_ids = {row["id"] for row in added}
            ended_rows = [row for row in written if row.id not in new_ids]
            rows.dao_add_history(self.session, self.kept_history + self.history + self._ended_history(ended_rows, at)
                                 + [self._ready_history(row, at) for row in added] + fired)
            rows.dao_write_timers(self.session, self.row.id, self.timers_before, timers)
            self.timer_rows = rows.timer_objects(self.row.id, timers)
            for row in ended_rows:
                if row.state == "completed":
                    dao_add_event(self.session, "task.completed", at, self.row.id, self.row.case_ref,
                                  task_event(row) | {"completed_by": row.completed_by})
            self._write_messages(at)
            self._write_outcomes(at)
            for row in written:  # after what the step sent: an event stream reads in the order things happened
                if row.id in new_ids:
                    dao_add_event(self.session, "task.ready", at, self.row.id, self.row.case_ref, task_event(row))
        self._saved(ended, added, people, timers)

    def _checked_state(self, tasks: list) -> str:
        weight = self._data_bytes(tasks)  # before writing it out: shared references weigh what they will take
        if weight > self.ctx.max_state_bytes:
            raise self._too_large(weight)
        try:
            state = dump_state(self.workflow)
        except (TypeError, ValueError, RecursionError, MemoryError) as error:  # data JSON cannot hold
            raise ExecutionFailed(self.completed and self._element_of(self.completed[0]),
                                  f"the data cannot be saved: {error}", None, "data") from None
        if len(state) > self.ctx.max_state_bytes:
            raise self._too_large(len(state))
        return state

    def _late_writes(self):
        """A savepoint around the writes only when the step asked for messages or outcomes: those are
        written after the rows they read and can still refuse the step (a recipient naming nobody, an
        outcome without its fields), which then must leave none of its rows behind."""
        late = any(effect.kind not in ("start", "place") for effect in self.effects)
        return self.session.begin_nested() if late else nullcontext()

    def _check_completed(self, written) -> None:
        """The completed task's row was ended only if still ready and free for its completer."""
        if self.taken_by and self.completed and self.completed[0] not in {row.id for row in written}:
            raise Conflict(f"task {self.completed[0]} was taken or ended by someone else meanwhile; "
                           "reload and try again")

    def _saved(self, ended: list[dict], added: list[dict], people: set[str], timers) -> None:
        """What the rows hold now, should this runtime save again."""
        assert self.known is not None
        self.known.ready_task_ids = (self.known.ready_task_ids - {r["id"] for r in ended}) | {r["id"] for r in added}
        self.known.participants |= people
        self.timers_before, self.history, self.kept_history, self.kept_participants = timers, [], [], set()

    def _placed(self) -> tuple[dict, set[str]]:
        """What place_case() asked (effects.py): the people the data names then must be in the
        directory (else 422, and the step is undone), they become participants (answered, to be
        written), and a case its start could not place takes their team and service area; a placed
        case keeps its place."""
        placing = [effect for effect in self.effects if effect.kind == "place"]
        if not placing:
            return {}, set()
        data = placing[-1].data
        errors = place_errors(self.session, data, self.ctx.roles)
        if errors:  # named by the answer that gave the value, when a form's answer did
            raise InvalidData("the case is placed with what is not in the directory",
                              {_answer_path(self.answers, data.get(key)) or key: messages
                               for key, messages in errors.items()})
        people = people_named(self.session, data, self.ctx.roles)
        if self.row.team_id is not None or self.row.service_area_id is not None:
            return {}, people
        team_id, service_area_id = case_place(self.session, data)
        return ({"team_id": team_id, "service_area_id": service_area_id} if team_id or service_area_id else {}), people

    def _element_of(self, task_id: str) -> str | None:
        task = find_task(self.workflow, task_id)
        return task.task_spec.bpmn_id if task else None

    def _data_bytes(self, tasks: list) -> int:
        """What every task's data will take in the saved state, each distinct object weighed once."""
        try:
            return weigh([task.data for task in tasks] + [self.workflow.data], tick=False).bytes
        except RefersToItself as error:
            raise ExecutionFailed(self.completed and self._element_of(self.completed[0]),
                                  f"the data cannot be saved: {error}", None, "data") from None

    def _too_large(self, size: int) -> ExecutionFailed:
        """The step would save more than an instance may hold: blame the task holding the most data."""
        def weight(task):
            return weigh(task.data, tick=False).bytes, task.last_state_change
        biggest = max(self.workflow.get_tasks(), key=weight)
        return ExecutionFailed(biggest.task_spec.bpmn_id, f"exceeded its budget: the instance's data would take "
                               f"{size:,} bytes; at most {self.ctx.max_state_bytes:,}", None, "budget")

    def _write_messages(self, at) -> None:
        try:
            write_messages(self.session, self.row, self.effects, at, self.ctx.base_url,
                           self.ctx.free_text_of(self.version))
        except RecipientError as error:  # a recipient that names nobody: the diagram's mistake
            raise ExecutionFailed(error.element_id, str(error), None, "recipients") from error

    def _write_outcomes(self, at) -> None:
        try:
            write_outcomes(self.session, self.row, self.effects, at, self.ctx.calendar)
        except OutcomeError as error:  # an outcome without the fields it needs: the diagram's mistake
            raise ExecutionFailed(error.element_id, str(error), None, "outcome") from error

    def _task_rows(self, at, tasks: list) -> tuple[list[dict], list[dict], list[dict]]:
        """(rows ending: the tasks no longer ready, rows added: the new ones, the new ones' candidates),
        judged from the task tree against the ready rows read with the instance."""
        assert self.known is not None
        ready = {t.id: t for t in ready_user_tasks(self.workflow, tasks)}
        ended = [self._ended_row(task_id, at) for task_id in sorted(self.known.ready_task_ids) if task_id not in ready]
        added, candidates = [], []
        for task in (task for task_id, task in ready.items() if task_id not in self.known.ready_task_ids):
            row = self._added_row(task, at)
            added.append(row)
            candidates += [{"task_id": task.id, "username": u} for u in dict.fromkeys(row["candidates"])]
        return ended, added, candidates

    def _ended_row(self, task_id: str, at) -> dict:
        """The end of a task's row. Only state, ended_at and completed_by (and its holder, for the
        completed task) are written: the rest is there because an upsert's row must be whole."""
        spiff_task = find_task(self.workflow, task_id)
        completed = spiff_task is not None and spiff_task.state == TaskState.COMPLETED
        completed_here = completed and self.completed is not None and self.completed[0] == task_id
        return _task_row(task_id, self.row, state="completed" if completed else "cancelled", ready_at=at,
                         ended_at=at, completed_by=self.completed[1] if completed_here and self.completed else None,
                         assignee=self.taken_by if completed_here else None)

    def _added_row(self, task, at) -> dict:
        role = role_for_lane(task.lane, self.ctx.roles) or task.lane or ""
        spiff_task = find_task(self.workflow, task.id)
        subject = getattr(spiff_task.task_spec, "extensions", {}).get("subject")
        candidates = self.ctx.resolver(self.session, role, spiff_task.data, subject)
        return _task_row(task.id, self.row, element_id=task.element_id, name=task.name, role=role,
                         candidates=candidates, open_to_role=not candidates, case_ref=self.row.case_ref,
                         form_key=task.form_key, due_at=task.due_at, ready_at=at, spec_id=task.spec_id,
                         urgent=task.urgent)

    def _ended_history(self, ended_rows, at) -> list[dict]:
        return [history_row(self.row.id, store.SYSTEM, "task_cancelled", at, row.element_id, task_id=row.id)
                for row in ended_rows if row.state == "cancelled"]

    def _ready_history(self, row: dict, at) -> dict:
        due = row["due_at"]
        return history_row(self.row.id, store.SYSTEM, "task_ready", at, row["element_id"], task_id=row["id"],
                           role=row["role"], candidates=row["candidates"], due_at=due.isoformat() if due else None)

    def _fired_history(self, at, tasks: list) -> list[dict]:
        """A timer_fired row for each timer this action fired, counted in timers_fired. Timers are
        judged from the task tree, not the rows: one action may create and fire a timer."""
        fired = []
        for task in fired_timers(self.workflow, self.fired_before, tasks):
            due = timer_due_at(task)
            fired.append(history_row(self.row.id, store.SYSTEM, "timer_fired", at, task.task_spec.bpmn_id,
                                     due_at=due.isoformat() if due else None))
        for firing in self.cycles_caught_up:
            fired.append(history_row(self.row.id, store.SYSTEM, "timer_fired", at, firing.element_id,
                                     due_at=firing.due_at.isoformat(), cycles=firing.cycles))
        self.timers_fired += len(fired)
        return fired


def _task_row(task_id: str, instance: ProcessInstance, **values) -> dict:
    """A user_task row with every column given (a multi-row INSERT's rows must name the same ones)."""
    return {"id": task_id, "instance_id": instance.id, "process_id": instance.process_id, "element_id": "",
            "name": "", "role": "", "candidates": [], "open_to_role": False, "assignee": None, "case_ref": None,
            "form_key": None, "due_at": None, "state": "ready", "ended_at": None, "completed_by": None,
            "spec_id": None, "urgent": None} | values


def current_data(workflow: BpmnWorkflow) -> dict:
    """A workflow's data now (InstanceRuntime.current_data)."""
    if workflow.is_completed():
        return dict(workflow.data)
    tasks = (workflow.get_tasks(state=TaskState.READY, manual=True)
             or completed_tasks(workflow) or [workflow.task_tree])
    return dict(max(tasks, key=lambda t: t.last_state_change).data)


def run_step(workflow: BpmnWorkflow, step: Callable[[], None], grades: GradeScale,
             max_state_bytes: int = MAX_STATE_BYTES) -> tuple[list[Effect], list]:
    """Run one step of engine work on one budget (budget.py) with the grade scale in force, collecting
    what its scripts ask of the world. Answers (the effects, the cycle timers caught up); a script's
    failure is raised as ExecutionFailed. Touches no row: the instance's save (or a replay) uses it."""
    try:
        with (collecting() as effects, budget(Budget(max_data_bytes=max_state_bytes)), scale_in_force(grades)):
            caught_up = catch_up_once(workflow, now())
            step()
            check_workflow(workflow)  # a completion or a prediction may go deeper too
    except (Conflict, NotFound, InvalidData):
        raise
    except LoopTooLong as deep:
        raise ExecutionFailed(deep.element_id, str(deep), None, "loop") from None
    except CycleTooShort as short:
        raise ExecutionFailed(short.element_id, str(short), None, "diagram") from None
    except BudgetExceeded as over:
        raise ExecutionFailed(over.element_id, over.message, over.line, "budget") from None
    except Exception as error:
        raise _as_failure(error) from error
    # An event a diagram throws that no task of this instance catches (a signal nobody waits for
    # any more, a terminate end event inside a sub-process) goes nowhere: instances reach each
    # other only through start_process and messages people send, so SpiffWorkflow's list of
    # such events is dropped rather than kept (and saved) for ever.
    workflow.bpmn_events = []
    return effects, caught_up


def task_event(row) -> dict:
    """The data of a task.ready or task.completed event: the task, never the case's data (R-81)."""
    return {"task_id": row.id, "instance_id": row.instance_id, "process_id": row.process_id,
            "element_id": row.element_id, "name": row.name, "role": row.role, "candidates": row.candidates,
            "case_ref": row.case_ref, "due_at": row.due_at.isoformat() if row.due_at else None}


def _answer_path(answers: dict, value) -> str | None:
    """The dotted path of the answer holding `value` (a username), e.g. allocation.practitioner."""
    for key, answer in answers.items():
        if answer == value:
            return key
        if isinstance(answer, dict):
            inner = _answer_path(answer, value)
            if inner:
                return f"{key}.{inner}"
    return None


def find_task(workflow: BpmnWorkflow, task_id: str):
    """The task with this id in the workflow or any of its subprocesses, or None."""
    try:
        uuid = UUID(task_id)
    except ValueError:
        return None
    for tasks in [workflow.tasks, *(sp.tasks for sp in workflow.subprocesses.values())]:
        if uuid in tasks:
            return tasks[uuid]
    return None


def _as_failure(error: Exception) -> ExecutionFailed:
    task = getattr(error, "task", None)
    task_spec = task.task_spec if task is not None else getattr(error, "task_spec", None)
    element = getattr(task_spec, "bpmn_id", None)
    line = getattr(error, "line_number", None) or None
    message = str(error.args[0]) if error.args else type(error).__name__
    notes = getattr(error, "__notes__", None)
    if notes:
        message += " (" + "; ".join(notes) + ")"
    return ExecutionFailed(element, message, line)
