"""The three measurements: the engine's verbs timed whole, next to raw SpiffWorkflow doing the same."""
import gc
import random
from dataclasses import dataclass

from sqlalchemy import distinct, func, select

from engine.clock import SettableClock
from engine.db import Database
from engine.models import ProcessInstance, UserTask, WaitingTimer
from engine.workflow_engine import WorkflowEngine

from .config import Sizes
from .diagram import ACTOR, NOTE, PROCESS_ID, start_data
from .raw import RawSpiff
from .statements import counting
from .timeline import BACKGROUND_START, DUE_SET_START, FIRE_AT
from .timing import timed

IDLE_SWEEPS_PER_ROUND = 5


class BenchFailed(Exception):
    pass


@dataclass
class Comparison:
    engine_ms: list[float]
    raw_ms: list[float]
    statements: int  # SQL statements of one more call, untimed (bench/statements.py)


@dataclass
class Sweep:
    waiting: int  # instances with a waiting timer when the sweep ran
    round_ms: list[float]
    idle_ms: list[float]  # sweeps with as many waiting and none due: a scheduler's idle ticks


def sweep(engine: WorkflowEngine, db: Database, clock: SettableClock, sizes: Sizes, first_number: int) -> Sweep:
    """Per round: start a fresh due set early, time idle sweeps while nothing is due yet, then move
    the clock past the due set's deadlines and time the sweep that fires it."""
    waiting, round_ms, idle_ms = 0, [], []
    for round_number in range(sizes.sweep_rounds + 1):
        _start_due_set(engine, clock, sizes.due_per_round, first_number + round_number * sizes.due_per_round)
        idle_ms += _idle_sweeps(engine, IDLE_SWEEPS_PER_ROUND)
        clock.set(FIRE_AT)
        waiting = _check_due(db, sizes.due_per_round)
        gc.collect()  # the due set's start-up garbage is not the sweep's
        ms, fired = timed(engine.fire_due_timers)
        if fired != sizes.due_per_round:
            raise BenchFailed(f"fire_due_timers fired {fired}, expected {sizes.due_per_round}")
        round_ms.append(ms)
    # The first round warms up.
    return Sweep(waiting, round_ms[1:], idle_ms[IDLE_SWEEPS_PER_ROUND:])


def _idle_sweeps(engine: WorkflowEngine, count: int) -> list[float]:
    times = []
    for _ in range(count):
        ms, fired = timed(engine.fire_due_timers)
        if fired:
            raise BenchFailed(f"an idle sweep fired {fired} timers")
        times.append(ms)
    return times


def _start_due_set(engine: WorkflowEngine, clock: SettableClock, count: int, first_number: int) -> None:
    clock.set(DUE_SET_START)
    for number in range(first_number, first_number + count):
        engine.start_instance(PROCESS_ID, start_data(number), "bench")


def _check_due(db: Database, expected_due: int) -> int:
    """How many instances wait on a timer; fails unless exactly `expected_due` of them are due."""
    with db.transaction() as session:
        waiting = session.scalar(select(func.count(distinct(WaitingTimer.instance_id))))
        due = session.scalar(select(func.count(distinct(WaitingTimer.instance_id)))
                             .where(WaitingTimer.due_at < FIRE_AT))
    if due != expected_due:
        raise BenchFailed(f"{due} instances are due, expected {expected_due}")
    return waiting


def starts(engine: WorkflowEngine, raw: RawSpiff, db: Database, clock: SettableClock, sizes: Sizes,
           first_number: int) -> Comparison:
    clock.set(BACKGROUND_START)
    engine_ms, raw_ms = [], []
    for number in range(first_number, first_number + sizes.warmup + sizes.samples):
        raw_ms.append(timed(raw.start, start_data(number))[0])
        engine_ms.append(timed(engine.start_instance, PROCESS_ID, start_data(number), "bench")[0])
    statements = counted(db, engine.start_instance, PROCESS_ID, start_data(first_number - 1), "bench")
    _check_no_errors(db)
    return Comparison(engine_ms[sizes.warmup:], raw_ms[sizes.warmup:], statements)


def completions(engine: WorkflowEngine, raw: RawSpiff, db: Database, clock: SettableClock, sizes: Sizes,
                rng: random.Random) -> Comparison:
    """Complete the ready task of random live instances; raw completes the same step of its own workflow."""
    clock.set(BACKGROUND_START)
    stored_by_step = raw.stored_by_step(start_data(0))
    engine_ms, raw_ms = [], []
    *sample, (last_task_id, _) = rng.sample(_ready_tasks(db), sizes.warmup + sizes.samples + 1)
    for task_id, step in sample:
        raw_ms.append(timed(raw.complete, stored_by_step[step], NOTE)[0])
        engine_ms.append(timed(engine.complete_task, task_id, NOTE, ACTOR)[0])
    statements = counted(db, engine.complete_task, last_task_id, NOTE, ACTOR)
    _check_no_errors(db)
    return Comparison(engine_ms[sizes.warmup:], raw_ms[sizes.warmup:], statements)


def counted(db: Database, action, *args) -> int:
    """The statements one call sends (BEGIN and COMMIT not counted)."""
    with counting(db.engine) as counter:
        action(*args)
    return counter.count


def _check_no_errors(db: Database) -> None:
    """The engine records a failed step on the instance instead of raising: look for it."""
    with db.transaction() as session:
        failed = session.scalar(select(func.count(ProcessInstance.id)).where(ProcessInstance.status == "error"))
    if failed:
        raise BenchFailed(f"{failed} instances went into error")


def _ready_tasks(db: Database) -> list[tuple[str, str]]:
    with db.transaction() as session:
        return [tuple(row) for row in session.execute(
            select(UserTask.id, UserTask.element_id).where(UserTask.state == "ready").order_by(UserTask.id))]


def live_instances(db: Database) -> int:
    with db.transaction() as session:
        return session.scalar(select(func.count(ProcessInstance.id)).where(ProcessInstance.status == "running"))
