"""`python -m bench.allocation [--db sqlite|postgres|both] [--rounds N] [--rows N]`: a month's allocation
list of 500 rows (issue 22, item 3), read from an .xlsx and a .csv, previewed, and confirmed (the one
completion of `prepare_allocation_list` that starts 500 case audits), against the engine's own cost
of starting one case_audit, times 500.

Each round starts an audit year on the first working day of November 2026 (its allocation task
ready) and a list of its own case references. The baseline is the median of single
`start_instance("case_audit", ...)` calls with the same data and cycle, made alternately with the
rounds. Each database is fresh (SQLite a temporary file, PostgreSQL `qa_allocation_bench`, dropped
afterwards; never `test`). Progress goes to stderr, the table to stdout as Markdown.
"""
import argparse
import json
import time
from datetime import datetime, timezone
from pathlib import Path
from statistics import median

import openpyxl  # noqa: F401  (imported here: its import is not part of the first read's time)

from engine.allocation import preview as allocation_preview
from engine.allocation.sheet import read_sheet
from engine.clock import SettableClock, SystemClock, install_engine_clock, now, set_clock
from engine.db import Database
from engine.people.organisation import seed_organisation
from engine.workflow_engine import WorkflowEngine

from .databases import postgres_database, sqlite_database
from .report_data import _definition_files
from .run import log
from .timing import timed

ROOT = Path(__file__).resolve().parent.parent
FIRST_WORKING_DAY = datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc)
HEADER = ["Mosaic number", "Audit type", "Auditor", "Social worker", "Previous grade", "Team"]
BASELINE_STARTS = 60  # single case_audit starts per database


def rows(prefix: str, count: int) -> list[list]:
    """A list as councils keep it: audits and re-audits, two auditors' worth of practitioners."""
    out = [HEADER]
    for n in range(count):
        reaudit = n % 5 == 0
        out.append([f"{prefix}-{n:04d}", "Re-audit" if reaudit else "Case audit", "ann", "pat" if n % 2 else "pia",
                    "RI" if reaudit else None, "CIC 1" if n % 7 == 0 else None])
    return out


def xlsx(table: list[list]) -> bytes:
    import io

    from openpyxl import Workbook
    book = Workbook()
    for row in table:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def as_csv(table: list[list]) -> bytes:
    import csv
    import io
    out = io.StringIO()
    csv.writer(out).writerows([[cell or "" for cell in row] for row in table])
    return out.getvalue().encode()


def run_database(url: str, rounds: int, count: int) -> dict[str, list[float]]:
    clock = SettableClock(FIRST_WORKING_DAY)
    set_clock(clock)
    install_engine_clock()
    db = Database(url)
    engine = WorkflowEngine(db)
    try:
        engine.deploy(_definition_files(), "bench")
        with db.transaction() as session:
            seed_organisation(session, json.loads((ROOT / "data" / "demo_organisation.json").read_text()))
        samples: dict[str, list[float]] = {k: [] for k in ("xlsx", "csv", "preview", "confirm", "start")}
        for round_number in range(rounds):
            _round(engine, clock, round_number, count, samples)
            for n in range(BASELINE_STARTS // rounds):
                data = {"case_ref": f"S{round_number}-{n}", "auditor": "ann", "practitioner": "pat",
                        "audit_kind": "audit", "cycle_year": 2026, "cycle_month": 11}
                samples["start"].append(timed(engine.start_instance, "case_audit", data, "quinn")[0])
        return samples
    finally:
        db.dispose()
        set_clock(SystemClock())


def _round(engine, clock, round_number: int, count: int, samples: dict) -> None:
    clock.set(FIRST_WORKING_DAY)
    cycle = engine.start_instance("audit_cycle", {"year": 2026}, "quinn")
    while engine.fire_due_timers():
        pass
    [task] = [t for t in engine.reads.ready_tasks(instance_id=cycle) if t["element_id"] == "prepare_allocation_list"]
    form = engine.reads.task(task["id"])["form"]
    table = rows(f"R{round_number}", count)
    content_xlsx, content_csv = xlsx(table), as_csv(table)
    ms, sheet = timed(read_sheet, "list.xlsx", content_xlsx, form)
    samples["xlsx"].append(ms)
    samples["csv"].append(timed(read_sheet, "list.csv", content_csv, form)[0])

    def preview():
        with engine.db.reading() as session:
            return allocation_preview.preview(session, form, sheet.allocations, "2026-11", now())
    ms, shown = timed(preview)
    samples["preview"].append(ms)
    bad = [(r.number, r.errors) for r in shown if r.errors]
    assert not bad, bad[:3]
    allocations = [r.allocation for r in shown]
    ms, _ = timed(engine.complete_task, task["id"], {"allocations": allocations}, "quinn")
    samples["confirm"].append(ms)
    # Counted, not assumed: SpiffWorkflow 3.2 walks a task tree only 1,000 levels deep (TaskIterator's
    # max_depth) and the diagram's loop adds four levels per allocation, so a long list stops short
    # and the audit year ends as "completed" (bench/README.md, "Allocation lists").
    samples.setdefault("started", []).append(len(engine.reads.instance(cycle)["children"]))
    samples.setdefault("status", []).append(engine.reads.instance(cycle)["status"])
    log(f"  round {round_number + 1}: xlsx {samples['xlsx'][-1]:.0f} ms, preview {samples['preview'][-1]:.0f} ms, "
        f"confirm {samples['confirm'][-1]:.0f} ms")


def report(label: str, count: int, samples: dict[str, list[float]]) -> str:
    one_start = median(samples["start"])
    base = one_start * count
    lines = [f"#### {label}: a list of {count} rows, {len(samples['confirm'])} rounds",
             "", f"| operation | median ms | ratio to {count} × one case_audit start ({base:,.0f} ms) |",
             "|---|---:|---:|"]
    for key, words in (("xlsx", "read the .xlsx"), ("csv", "read the .csv"), ("preview", "preview every row"),
                       ("confirm", f"confirm: one completion of the {count} rows (the starts it makes)")):
        value = median(samples[key])
        lines.append(f"| {words} | {value:,.0f} | {value / base:.2f}x |")
    parse_preview = median(samples["xlsx"]) + median(samples["preview"])
    lines.append(f"| read the .xlsx + preview | {parse_preview:,.0f} | {parse_preview / base:.2f}x |")
    lines.append(f"| one case_audit start (n={len(samples['start'])}) | {one_start:.1f} | — |")
    lines.append("")
    lines.append(f"Case audits started per round: {samples['started']} of {count}; the audit cycle after it: "
                 f"{samples['status']}.")
    return "\n".join(lines)


DATABASES = {"sqlite": sqlite_database, "postgres": lambda: postgres_database("qa_allocation_bench")}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.allocation", description=__doc__)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="sqlite")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--rows", type=int, default=500)
    args = parser.parse_args(argv)
    began = time.perf_counter()
    for name in (list(DATABASES) if args.db == "both" else [args.db]):
        with DATABASES[name]() as (label, url):
            log(f"{label}: {url}")
            print(report(label, args.rows, run_database(url, args.rounds, args.rows)), end="\n\n", flush=True)
    print(f"_{time.perf_counter() - began:.0f} s in all_")


if __name__ == "__main__":
    main()
