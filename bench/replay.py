"""`python -m bench.replay [--db sqlite|postgres|both] [--quick] [--profile]`: how long a replay of a year
of a large council's case audits takes (issue 29, part 5: 2,000 case_audit instances in at most 60 s on
this 2-core machine, both databases), and what one replayed step costs against the raw SpiffWorkflow cycle.

Each database gets fresh: SQLite a file in a temporary folder, PostgreSQL its own database
`qa_replay_bench` (dropped, created, migrated, dropped afterwards; never `test`). The cases are
bench/replay_data.py's: a few walked through the engine, the rest cloned over the year. Measured:

1. the replay of all of them as a process owner's replay runs it (`WorkflowEngine.replay`, the deployed
   bundle unchanged: on both cores), wall time;
2. a sample spread over the year replayed case by case on one core in this process (the same
   `replay_batch` the pool's processes run), each case's time divided by its replayed steps (a
   completion, a message or a timer sweep, each with its engine steps, scripts and effects);
3. the raw SpiffWorkflow cycle of bench/raw.py (deserialize, complete a task, engine steps, serialize).

`--profile`: the one-core sample replayed once more under cProfile, its top functions printed after the table.
Progress goes to stderr, the table to stdout.
"""
import argparse
import cProfile
import io
import os
import pstats
import resource
import time
from dataclasses import dataclass
from datetime import datetime
from statistics import median

from engine.clock import SettableClock, SystemClock, install_engine_clock, set_clock
from engine.db import Database
from engine.definitions.deploy import candidate_versions
from engine.replay import ReplayResult, Selection
from engine.replay.batch import dao_selected_ids, replay_batch, replay_version
from engine.replay.run import PROCESSES
from engine.workflow_engine import WorkflowEngine
from tests.engine.replay.cases import START
from tests.flows.conftest import definition_files
from tests.flows.test_case_audit import FILES

from .databases import postgres_database, sqlite_database
from .diagram import NOTE, start_data
from .raw import RawSpiff
from .replay_data import clone_year, record_templates
from .run import log
from .timing import timed

REPLAY_DATABASE = "qa_replay_bench"
TARGET_SECONDS = 60
YEAR = Selection("case_audit", datetime.fromisoformat("2025-11-01T00:00:00+00:00"),
                 datetime.fromisoformat("2026-12-01T00:00:00+00:00"))
AS_OF = datetime.fromisoformat("2026-12-31T12:00:00+00:00")
RAW_SAMPLES, RAW_WARMUP = 200, 10


@dataclass(frozen=True)
class Sizes:
    cases: int  # selected and replayed
    sample: int  # replayed one by one on one core


FULL = Sizes(cases=2_000, sample=200)
QUICK = Sizes(cases=300, sample=50)


@dataclass
class Measured:
    label: str
    seconds: float  # the whole replay, wall
    load: float  # the machine's 1-minute load average as it began (2 cores: above 2, others were running too)
    cpu: float  # CPU seconds the replay took, this process and the pool's together
    result: ReplayResult
    case_ms: list[float]  # one core, each sampled case
    step_ms: list[float]  # and its time per replayed step
    raw_ms: list[float]
    profile: str | None = None


def run_database(label: str, url: str, sizes: Sizes, profile: bool) -> Measured:
    clock = SettableClock(START)
    set_clock(clock)
    install_engine_clock()
    db = Database(url)
    try:
        engine = WorkflowEngine(db)
        log(f"{label}: recording the template audits through the engine")
        templates = record_templates(engine, clock)
        log(f"{label}: cloning them into {sizes.cases:,} audits over the year")
        clone_year(db, templates, sizes.cases)
        log(f"{label}: replaying {sizes.cases:,} audits on {PROCESSES} processes")
        load, cpu_before = os.getloadavg()[0], _cpu_seconds()
        seconds, result = timed(engine.replay, definition_files(*FILES), YEAR, AS_OF)
        cpu = _cpu_seconds() - cpu_before
        if result.selected != sizes.cases or result.failed:
            raise AssertionError(f"selected {result.selected} of {sizes.cases}, failed: {result.failed[:3]}")
        log(f"{label}: {seconds / 1000:.1f} s; one core, {sizes.sample} cases one by one")
        case_ms, step_ms, profiled = _one_core(engine, sizes.sample, profile)
        log(f"{label}: the raw SpiffWorkflow cycle")
        return Measured(label, seconds / 1000, load, cpu, result, case_ms, step_ms, _raw_cycle(), profiled)
    finally:
        db.dispose()
        set_clock(SystemClock())


def _cpu_seconds() -> float:
    """CPU time of this process and of its ended children (the pool's processes, once it has shut down)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def _one_core(engine: WorkflowEngine, sample: int, profile: bool) -> tuple[list[float], list[float], str | None]:
    """The sample timed case by case; with `profile`, replayed again under cProfile (not timed: it doubles
    the cost of every call)."""
    with engine.db.reading() as session:
        version = replay_version(session, engine.ctx, candidate_versions(session, definition_files(*FILES))["case_audit"])
        ids = dao_selected_ids(session, YEAR.process_id, YEAR.started_from, YEAR.started_to, None)
        ids = ids[::max(1, len(ids) // sample)][:sample]  # spread over the year
        ends = [time.perf_counter()]
        batch = replay_batch(session, engine.ctx, version, ids, AS_OF, lambda: ends.append(time.perf_counter()))
        profiled = None
        if profile:
            profiler = cProfile.Profile()
            profiler.runcall(replay_batch, session, engine.ctx, version, ids, AS_OF)
            profiled = _top(profiler)
    case_ms = [(end - begin) * 1000 for begin, end in zip(ends, ends[1:], strict=False)]
    steps = [outcome.replayed.steps if outcome.replayed else 0 for outcome in batch.outcomes]
    step_ms = [ms / n for ms, n in zip(case_ms, steps, strict=True) if n]
    return case_ms, step_ms, profiled


def _top(profiler: cProfile.Profile, lines: int = 30) -> str:
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(lines)
    return out.getvalue()


def _raw_cycle() -> list[float]:
    raw = RawSpiff()
    stored = raw.stored_by_step(start_data(1))["step_5"]
    times = [timed(raw.complete, stored, NOTE)[0] for _ in range(RAW_WARMUP + RAW_SAMPLES)]
    return times[RAW_WARMUP:]


# --- the table ------------------------------------------------------------------------------------

def report(measured: list[Measured], sizes: Sizes) -> str:
    lines = [f"### Replay: {sizes.cases:,} case audits over a year, the deployed bundle unchanged, "
             f"{PROCESSES} processes",
             "",
             "| database | cases | wall s | cases/s | one core: median ms per case | median ms per replayed step "
             "| raw SpiffWorkflow cycle, median ms | step / raw | target | met? |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---|---|"]
    for m in measured:
        step, raw = median(m.step_ms), median(m.raw_ms)
        lines.append(f"| {m.label} | {m.result.selected:,} | {m.seconds:.1f} | {m.result.selected / m.seconds:.1f} "
                     f"| {median(m.case_ms):.1f} | {step:.2f} | {raw:.2f} | {step / raw:.2f}x "
                     f"| ≤ {TARGET_SECONDS} s | {'met' if m.seconds <= TARGET_SECONDS else 'MISSED'} |")
    lines += ["", "| database | load average as it began | CPU s, all processes | CPU s / processes: the wall time on "
              "free cores | compared | open | diverged | failed | path changed | one-core sample |",
              "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for m in measured:
        r = m.result
        lines.append(f"| {m.label} | {m.load:.1f} | {m.cpu:.1f} | {m.cpu / PROCESSES:.1f} | {r.compared:,} | {r.open} "
                     f"| {len(r.diverged)} | {len(r.failed)} | {len(r.path_changes)} | {len(m.case_ms)} cases |")
    return "\n".join(lines)


def run(db_choice: str, quick: bool, profile: bool = False, pg_name: str = REPLAY_DATABASE) -> None:
    sizes = QUICK if quick else FULL
    databases = {"sqlite": sqlite_database, "postgres": lambda: postgres_database(pg_name)}
    measured = []
    for name in (list(databases) if db_choice == "both" else [db_choice]):
        with databases[name]() as (label, url):
            measured.append(run_database(label, url, sizes, profile))
    print(report(measured, sizes), end="\n\n", flush=True)
    for m in (m for m in measured if m.profile):
        print(f"#### cProfile, one core, {len(m.case_ms)} cases, {m.label}\n\n```\n{m.profile}```\n", flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.replay", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help=f"{QUICK.cases} audits, {QUICK.sample} one by one")
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--profile", action="store_true", help="profile the one-core sample (cProfile)")
    parser.add_argument("--pg-database", default=REPLAY_DATABASE,
                        help=f"the PostgreSQL database to drop, create and drop again (default {REPLAY_DATABASE})")
    args = parser.parse_args(argv)
    began = time.perf_counter()
    run(args.db, args.quick, args.profile, args.pg_database)
    print(f"_replay bench, {'quick' if args.quick else 'full'} run, {time.perf_counter() - began:.0f} s in all_")


if __name__ == "__main__":
    main()
