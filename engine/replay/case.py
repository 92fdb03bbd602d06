"""One recorded case replayed on a candidate version, under its own clock (engine/replay/__init__.py).

Each step goes through the runtime's own run_step (sandbox, script functions, budget, loop limit);
what an instance's save would write (user-task rows, notifications, outcome rows) is kept here in
memory instead, built by the same functions the save uses.
"""
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import SimpleNamespace

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState
from sqlalchemy.orm import Session

from engine.calendar import WorkingCalendar
from engine.clock import SettableClock, replaying_on
from engine.definitions.answers import check_completion
from engine.definitions.rules import role_for_lane
from engine.errors import InvalidData
from engine.grades import GradeScale
from engine.instances.loops import check_task
from engine.instances.messages import deliver, messages_taken
from engine.instances.projection import (
    PendingTimer,
    ReadyUserTask,
    fired_timers,
    ready_user_tasks,
    timer_due_at,
    waiting_timers,
)
from engine.instances.runtime import ExecutionFailed, current_data, find_task, run_step
from engine.outbox import RecipientError, effect_fields, recipients_for, recipients_inputs, render
from engine.replay.record import Action, CaseRun, Notice, RecordedCase, deadline_dict, element_path, outcome_dict
from engine.reporting.outcomes import (
    OutcomeError,
    alert_outcome_row,
    audit_outcome_rows,
    audit_outcome_tasks,
)
from engine.scripts.effects import Effect

# A timer nobody swept for fires this long after it fell due (SpiffWorkflow fires a timer strictly
# after its due time; the worker sweeps every few seconds).
AFTER_DUE = timedelta(seconds=1)
BEFORE_EVERYTHING, AFTER_EVERYTHING = -1, 2 ** 63  # orders before and after any history row's id
MAX_TIMER_FIRINGS = 1_000  # per case: a cycle timer replayed over a year would otherwise fire for ever


@dataclass
class ReplayVersion:
    """The edited version a replay runs every case on, with what its steps need."""
    process_id: str
    spec: object
    deps: dict
    forms: dict
    grades: GradeScale
    script_engine: object
    reserved: frozenset[str]
    roles: dict[str, str]
    free_text: frozenset[str]
    elements: set[str]  # every element id of the version and the processes it calls
    calendar: WorkingCalendar
    base_url: str
    max_state_bytes: int


class Diverged(Exception):
    def __init__(self, element_id: str | None, reason: str):
        super().__init__(f"diverged at {element_id} because {reason}")
        self.element_id, self.reason = element_id, reason


@dataclass
class TaskRecord:
    """A user task as the replay saw it: what outcomes.py reads of a user_task row."""
    id: str
    element_id: str
    role: str
    ready_at: datetime
    due_at: datetime | None
    state: str = "ready"
    ended_at: datetime | None = None


@dataclass
class CaseReplay:
    session: Session
    candidate: ReplayVersion
    recorded: RecordedCase
    clock: SettableClock = field(init=False)
    workflow: BpmnWorkflow = field(init=False)
    run: CaseRun = field(init=False)
    # the people each notification's recipients resolved to, by recipients_inputs: shared by the cases of one
    # replay's transaction (the directory does not change within it), read once each
    directory: dict[tuple, list[str]] = field(default_factory=dict)
    tasks: dict[str, TaskRecord] = field(default_factory=dict)
    ready: list[ReadyUserTask] = field(default_factory=list)  # the ready user tasks after the last step
    waiting: list[PendingTimer] = field(default_factory=list)  # and its waiting timers
    fired: set = field(default_factory=set)
    sweeps: dict[tuple[str, str], list[tuple[datetime, int]]] = field(default_factory=dict)

    def __post_init__(self):
        row = self.recorded.row
        self.clock = SettableClock(row.created_at)
        self.workflow = BpmnWorkflow(self.candidate.spec, self.candidate.deps,
                                     script_engine=self.candidate.script_engine)
        self.workflow.task_tree.data.update(self.recorded.start_data)
        self.run = CaseRun(row.id, row.case_ref, row.created_at)
        self.sweeps = {key: list(times) for key, times in self.recorded.sweeps.items()}

    def replay(self, horizon: datetime) -> CaseRun:
        """Run the case to `horizon` (the moment the replay stands for); answers what it did."""
        with replaying_on(self.clock):
            try:
                self._replay(horizon)
            except Diverged as diverged:
                self._stop("diverged", diverged.element_id, diverged.reason)
            except ExecutionFailed as failure:
                self._stop("failed", failure.element_id, failure.message)
        self.run.data, self.run.path = current_data(self.workflow), element_path(self.workflow)
        return self.run

    def _replay(self, horizon: datetime) -> None:
        self._step(self._engine_steps)  # the start, as InstanceRuntime.create and RUN
        for action in self.recorded.actions:
            self._fire_timers_before((action.at, action.order))
            self.clock.set(max(action.at, self.clock.now()))
            self._apply(action)
        self._fire_timers_before((horizon, AFTER_EVERYTHING))
        if self.recorded.run.status != "completed":
            return
        if not self.workflow.is_completed():
            raise self._unfinished()
        self.run.status = "completed"

    def _stop(self, status: str, element_id: str | None, reason: str) -> None:
        self.run.status, self.run.element_id, self.run.reason = status, element_id, reason

    # --- the recorded actions -------------------------------------------------------------------

    def _apply(self, action: Action) -> None:
        if action.kind == "task_completed":
            self._complete(action)
        else:
            self._deliver(action)

    def _complete(self, action: Action) -> None:
        ready = [t for t in self.ready if t.element_id == action.element_id]
        if not ready:
            raise self._not_waiting(action)
        task = find_task(self.workflow, min(ready, key=lambda t: self.tasks[t.id].ready_at).id)
        key = task.task_spec.form.key
        self._check(key, action, task.data)

        def step() -> None:
            task.data.update(action.data)
            task.run()
            self._engine_steps()
        self._step(step)

    def _deliver(self, action: Action) -> None:
        message = action.message or ""
        if message not in messages_taken(self.workflow):
            raise Diverged(action.element_id, f"the edited diagram takes no message '{message}'")
        case_data = current_data(self.workflow)
        self._check(message, action, case_data)
        taken = []

        def step() -> None:
            taken.append(deliver(self.workflow, message, action.data, case_data))
            self._engine_steps()
        self._step(step)
        if not taken[0]:
            raise Diverged(action.element_id, f"the edited diagram was not waiting for the message '{message}'")

    def _check(self, form_key: str, action: Action, case: dict) -> None:
        """The recorded answer, checked against the bundle's form as a completion would be."""
        schema = (self.candidate.forms.get(form_key) or {}).get("schema")
        satisfied = not self.recorded.migrated and schema == (self.recorded.forms.get(form_key) or {}).get("schema")
        try:
            check_completion(form_key, schema, action.data, set(self.candidate.reserved), self.session, case,
                             satisfied)
        except InvalidData as error:
            problems = "; ".join(f"{path}: {', '.join(messages)}" for path, messages in error.by_field().items())
            raise Diverged(action.element_id, f"the recorded answer no longer fits the form '{form_key}' "
                                              f"({problems})") from None

    def _not_waiting(self, action: Action) -> Diverged:
        """Why the recorded case's answer has no task to go to: the edited diagram asks for something
        the record never had to answer first (a new step), or no longer has the step, or is elsewhere."""
        ready = ready_user_tasks(self.workflow)
        new = [t for t in ready if t.element_id not in self.recorded.ready_elements]
        if new:
            return Diverged(new[0].element_id, f"the edited diagram asks for \"{new[0].name}\", "
                                               "which the recorded case never answered")
        if action.element_id not in self.candidate.elements:
            return Diverged(action.element_id, "the recorded case answered a step the edited diagram does not have")
        waiting = ", ".join(t.element_id for t in ready) or "nothing"
        return Diverged(action.element_id, "the recorded case answered it when the edited diagram was not "
                                           f"waiting for it (it waited for {waiting})")

    def _unfinished(self) -> Diverged:
        ready = ready_user_tasks(self.workflow)
        if ready:
            return Diverged(ready[0].element_id, f"the edited diagram asks for \"{ready[0].name}\", "
                                                 "which the recorded case never answered")
        waiting = [t.task_spec.bpmn_id for t in self.workflow.get_tasks(state=TaskState.WAITING)
                   if t.task_spec.bpmn_id]
        return Diverged(waiting[0] if waiting else None,
                        "the replayed case had not ended where the recorded case ended")

    # --- timers ---------------------------------------------------------------------------------

    def _fire_timers_before(self, until: tuple[datetime, int]) -> None:
        """Fire, one sweep at a time, every timer that falls due before `until` (a time, and the order
        of the recorded action at that time: a sweep recorded just before it at the same second fires
        first; a timer that fell due then and was not swept fires within the action's step, as it did)."""
        for _ in range(MAX_TIMER_FIRINGS):
            firing = self._next_firing()
            if firing is None or firing >= until:
                return
            self.clock.set(max(firing[0], self.clock.now()))
            self._step(self._sweep)
        raise ExecutionFailed(None, f"more than {MAX_TIMER_FIRINGS} timer firings in one replayed case", None,
                              "loop")

    def _next_firing(self) -> tuple[datetime, int] | None:
        """When the next sweep fires a timer: when the recorded sweep fired the same timer (same
        element, same due time), else just after it falls due (before anything recorded then)."""
        times = []
        for timer in self.waiting:
            recorded = self.sweeps.get((timer.element_id, timer.due_at.isoformat()))
            after_due = (timer.due_at + AFTER_DUE, BEFORE_EVERYTHING)
            times.append(max(recorded[0], after_due) if recorded else after_due)
        return min(times, default=None)

    def _sweep(self) -> None:
        self.workflow.refresh_timers()
        self._engine_steps()

    # --- one step and what its save would have written ------------------------------------------

    def _engine_steps(self) -> None:
        self.workflow.do_engine_steps(did_complete_task=check_task)

    def _step(self, step) -> None:
        effects, _caught_up = run_step(self.workflow, step, self.candidate.grades, self.candidate.max_state_bytes)
        self.run.steps += 1
        at = self.clock.now()
        self._sync_tasks(at)
        self._note_fired_timers()
        for effect in effects:
            self._take(effect, at)
        if self.workflow.is_completed() and self.run.completed_at is None:
            self.run.completed_at = at

    def _sync_tasks(self, at: datetime) -> None:
        """As InstanceRuntime._sync_user_tasks: end the tasks no longer ready, add the new ones."""
        walked = self.workflow.get_tasks(state=TaskState.READY | TaskState.WAITING)  # one walk for both
        ready = {t.id: t for t in ready_user_tasks(self.workflow, walked)}
        self.ready, self.waiting = list(ready.values()), waiting_timers(self.workflow, walked)
        for record in self.tasks.values():
            if record.state == "ready" and record.id not in ready:
                task = find_task(self.workflow, record.id)
                completed = task is not None and task.state == TaskState.COMPLETED
                record.state, record.ended_at = ("completed" if completed else "cancelled"), at
        for task_id, task in ready.items():
            if task_id not in self.tasks:
                role = role_for_lane(task.lane, self.candidate.roles) or task.lane or ""
                self.tasks[task_id] = TaskRecord(task_id, task.element_id, role, at, task.due_at)

    def _note_fired_timers(self) -> None:
        """A recorded sweep of a timer that fired here is used up."""
        if not any(self.sweeps.values()):
            return  # none left to use up (most cases: no timer of theirs was swept): spare the walk over every task
        for task in fired_timers(self.workflow, self.fired):
            self.fired.add(task.id)
            due = timer_due_at(task)
            times = self.sweeps.get((task.task_spec.bpmn_id, due.isoformat())) if due else None
            if times:
                times.pop(0)

    def _take(self, effect: Effect, at: datetime) -> None:
        """What the save writes for an effect, kept in memory."""
        try:
            if effect.kind == "notify":
                self.run.notifications.append(self._notice(effect, at))
            elif effect.kind == "start":
                self.run.started.append(effect.args["process_id"])
            elif effect.kind == "audit_outcome":
                self._audit_outcome(effect, at)
            elif effect.kind == "alert_outcome":
                self._alert_outcome(effect, at)
        except RecipientError as error:
            raise ExecutionFailed(effect.element_id, str(error), None, "recipients") from error
        except OutcomeError as error:
            raise ExecutionFailed(effect.element_id, str(error), None, "outcome") from error

    def _notice(self, effect: Effect, at: datetime) -> Notice:
        """As outbox.write_messages renders a notification."""
        row = self.recorded.row
        case_ref = effect.data.get("case_ref") or row.case_ref
        fields = effect_fields(effect, row.id, case_ref, self.candidate.base_url, self.candidate.free_text)
        inputs = recipients_inputs(effect.args["to"], effect.data)
        if inputs not in self.directory:
            self.directory[inputs] = recipients_for(self.session, effect.args["to"], effect.data)
        recipients = self.directory[inputs]
        return Notice(effect.element_id, list(effect.args["to"]), recipients, render(effect.args["subject"], fields),
                      render(effect.args["body"], fields), at)

    def _instance(self) -> SimpleNamespace:
        row = self.recorded.row
        return SimpleNamespace(id=row.id, process_id=row.process_id, case_ref=row.case_ref,
                               created_at=row.created_at)

    def _tasks_of(self, elements: set[str]) -> list[TaskRecord]:
        return sorted((t for t in self.tasks.values() if t.element_id in elements), key=lambda t: t.ready_at)

    def _audit_outcome(self, effect: Effect, at: datetime) -> None:
        tasks = self._tasks_of(audit_outcome_tasks(effect))
        outcome, _domains, deadlines = audit_outcome_rows(self.session, self._instance(), effect, at, tasks)
        self.run.outcome = outcome_dict(outcome)
        self.run.deadlines = {d.name: deadline_dict(d.met, d.due_at) for d in deadlines}

    def _alert_outcome(self, effect: Effect, at: datetime) -> None:
        tasks = self._tasks_of(set(effect.args["response_tasks"]))
        row = alert_outcome_row(self.session, self._instance(), effect, at, tasks, self.candidate.calendar)
        self.run.outcome = outcome_dict(row)
