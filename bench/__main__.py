"""`python -m bench [--quick] [--db sqlite|postgres|both]`: the engine's costs over raw SpiffWorkflow
on each database, then the reports over 100,000 audits (bench/reports.py, also runnable alone as
`python -m bench.reports`), then the replay of a year of audits (bench/replay.py, `python -m bench.replay`). Progress goes to stderr, the result tables to stdout."""
import argparse
import time

from . import replay as replay_bench
from . import reports as report_bench
from .config import FULL, QUICK
from .databases import postgres_database, sqlite_database
from .report import report
from .run import log, run_database

DATABASES = {"sqlite": sqlite_database, "postgres": postgres_database}


def main(argv: list[str] | None = None) -> None:
    args = _arguments(argv)
    sizes = QUICK if args.quick else FULL
    began = time.perf_counter()
    for name in (list(DATABASES) if args.db == "both" else [args.db]):
        with DATABASES[name]() as (label, url):
            log(f"{label}: {url}")
            results = run_database(url, sizes)
        print(report(label, sizes, results), end="\n\n", flush=True)
    report_bench.run(args.db, args.quick)
    replay_bench.run(args.db, args.quick)
    print(f"_{'quick' if args.quick else 'full'} run, {time.perf_counter() - began:.0f} s in all_")


def _arguments(argv):
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="1,000 instances and fewer samples: a smoke run")
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    return parser.parse_args(argv)


if __name__ == "__main__":
    main()
