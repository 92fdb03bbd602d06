"""`python -m bench.over_http [--quick] [--db sqlite|postgres|both]` (`make bench-http`): the
service over HTTP under gunicorn, as staff feel it, next to the raw SpiffWorkflow cycle measured
in the same run (bench/README.md, "Over HTTP"). Progress to stderr, tables to stdout."""
import argparse
import time

from . import http_phases, http_report
from .databases import postgres_database, sqlite_database
from .diagram import start_data
from .http_server import serving
from .http_world import build
from .raw import RawSpiff
from .run import log

DATABASES = {"sqlite": sqlite_database, "postgres": postgres_database}
PG_DATABASE = "qa_http_bench"
LOCUST_USERS = 50


def main(argv: list[str] | None = None) -> None:
    args = _arguments(argv)
    sizes = http_phases.QUICK if args.quick else http_phases.FULL
    began = time.perf_counter()
    raw = RawSpiff()
    stored_by_step = raw.stored_by_step(start_data(0))
    for name in (list(DATABASES) if args.db == "both" else [args.db]):
        with (DATABASES[name](args.pg_database) if name == "postgres" else DATABASES[name]()) as (label, url):
            print(_run(name, label, url, sizes, raw, stored_by_step), end="\n\n", flush=True)
    print(f"_{'quick' if args.quick else 'full'} run, {time.perf_counter() - began:.0f} s in all_")


def _run(name: str, label: str, url: str, sizes, raw: RawSpiff, stored_by_step: dict) -> str:
    log(f"{label}: building {sizes.instances:,} live instances")
    world = build(url, sizes.instances)
    log("latency over HTTP, one sync worker")
    statements: dict[str, list[int]] = {}
    with serving(url, workers=1) as base:
        http = http_phases.latencies(base, raw, stored_by_step, sizes, statements)
    log("engine-level completions in process")
    engine = http_phases.engine_completions(url, raw, stored_by_step, sizes)
    parts = [http_report.latency_table(label, world.instances, 1, http, engine, statements)]
    log("case_audit starts per second, two sync workers and the timer worker")
    with serving(url, workers=2, timer_worker=True) as base:
        parts.append(http_report.throughput_line(label, 2, http_phases.start_throughput(base, sizes)))
        if name == "postgres":
            log(f"Locust: {LOCUST_USERS} auditors for {sizes.locust_seconds} s")
            rows = http_phases.locust(base, sizes, LOCUST_USERS)
            parts.append(http_report.locust_table(label, LOCUST_USERS, sizes.locust_seconds, rows))
    return "\n\n".join(parts)


def _arguments(argv):
    parser = argparse.ArgumentParser(prog="python -m bench.over_http", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="1,000 instances and fewer samples: a smoke run")
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--pg-database", default=PG_DATABASE,
                        help="the PostgreSQL database made (and dropped) for the run: another name beside a run "
                             "already going")
    return parser.parse_args(argv)


if __name__ == "__main__":
    main()
