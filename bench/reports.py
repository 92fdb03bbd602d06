"""`python -m bench.reports [--quick] [--db sqlite|postgres|both]`: how long audit_report takes
over 100,000 completed audits (issue 14, P4: the annual pack's queries in at most 200 ms, median),
and how long the reports page takes to answer with that annual pack (at most 400 ms, median),
through the app's own request handling (Flask's test client: no server, no network), signed in.

Each database gets fresh: SQLite a file in a temporary folder, PostgreSQL its own database
`qa_report_bench` (dropped afterwards; never `test`). Progress goes to stderr, the tables to stdout.
"""
import argparse
import random
import re
import time
from dataclasses import dataclass
from datetime import date, datetime, timezone
from statistics import median, quantiles

from sqlalchemy import func, select

import doors
from engine.clock import SettableClock, SystemClock, install_engine_clock, set_clock
from engine.db import Database
from engine.models import AgreedAction, AuditDeadline, AuditDomainGrade, AuditOutcome
from engine.people.accounts import dao_set_password
from engine.reporting.audit_report import audit_report, london_window
from engine.reporting.moderation import GRADE_CHANGES
from engine.workflow_engine import WorkflowEngine

from .databases import postgres_database, sqlite_database
from .report_data import Seeded, deploy_and_describe, seed
from .run import log
from .timing import timed

REPORT_DATABASE = "qa_report_bench"
TARGET_MS = 200  # the annual pack, median
PAGE_TARGET_MS = 400  # the reports page with the annual pack, median
PAGE_PERIOD = "2024"  # the audit year 2024/25, as the annual period below
PAGE_USER, PAGE_PASSWORD = "quinn", "a-bench-password-of-some-length"
SEED = 20261214


@dataclass(frozen=True)
class Period:
    name: str
    first: date
    last: date
    target_ms: float | None


PERIODS = (
    Period("annual, audit year 2024/25 (1 Apr 2024 – 31 Mar 2025)", date(2024, 4, 1), date(2025, 3, 31), TARGET_MS),
    Period("quarter, Oct–Dec 2024", date(2024, 10, 1), date(2024, 12, 31), None),
    Period("month, November 2024", date(2024, 11, 1), date(2024, 11, 30), None),
)


@dataclass(frozen=True)
class Sizes:
    audits: int
    samples: int  # timed reports per period
    warmup: int


FULL = Sizes(audits=100_000, samples=30, warmup=3)
PDF_SAMPLES = 3  # WeasyPrint lays out the whole pack: seconds, not milliseconds
QUICK = Sizes(audits=10_000, samples=10, warmup=2)


@dataclass
class Timing:
    period: Period
    audits: int  # completed in the period
    samples_ms: list[float]


@dataclass
class PageTiming:
    name: str
    samples_ms: list[float]
    target_ms: float | None


def run_database(url: str, sizes: Sizes) -> tuple[Seeded, list[Timing], list[PageTiming]]:
    set_clock(SettableClock(datetime(2026, 3, 2, 9, tzinfo=timezone.utc)))
    install_engine_clock()
    db = Database(url)
    try:
        seeded = _seed(db, sizes)
        timings = [_time_period(db, period, sizes) for period in PERIODS]
    finally:
        db.dispose()
        set_clock(SystemClock())
    return seeded, timings, _time_pages(url, sizes)


def _time_pages(url: str, sizes: Sizes) -> list[PageTiming]:
    """The reports page (HTML) and the pack's PDF of the annual period, as quinn gets them."""
    from app import create_app  # the app, only for this part of the bench
    app = create_app({"DATABASE_URL": url, "TESTING": True})
    engine = doors.engine(app)
    with engine.db.transaction() as session:
        dao_set_password(session, PAGE_USER, PAGE_PASSWORD)
    client = app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/sign-in").text).group(1)
    signed_in = client.post("/sign-in", data={"username": PAGE_USER, "password": PAGE_PASSWORD, "csrf_token": token})
    assert signed_in.status_code == 302, signed_in.text
    try:
        return [_time_page(client, f"/reports?period={PAGE_PERIOD}", "reports page (HTML), annual",
                           sizes.warmup, sizes.samples, PAGE_TARGET_MS),
                _time_page(client, f"/reports/pack.pdf?period={PAGE_PERIOD}", "the pack as PDF, annual",
                           1, PDF_SAMPLES, None)]
    finally:
        engine.db.dispose()


def _time_page(client, path: str, name: str, warmup: int, samples: int, target: float | None) -> PageTiming:
    log(f"timing GET {path}")
    times = []
    for number in range(warmup + samples):
        ms, answer = timed(client.get, path)
        assert answer.status_code == 200, f"{path}: {answer.status_code}"
        if number >= warmup:
            times.append(ms)
    return PageTiming(name, times, target)


def _seed(db: Database, sizes: Sizes) -> Seeded:
    organisation = deploy_and_describe(WorkflowEngine(db))
    log(f"seeding {sizes.audits:,} completed audits")
    began = time.perf_counter()
    seeded = seed(db, organisation, sizes.audits, random.Random(SEED))
    seeded.seconds = time.perf_counter() - began
    log(f"seeded in {seeded.seconds:.1f} s: {seeded.rows}")
    return seeded


def _time_period(db: Database, period: Period, sizes: Sizes) -> Timing:
    log(f"timing audit_report, {period.name}")
    samples = []
    for number in range(sizes.warmup + sizes.samples):
        with db.reading() as session:
            ms, figures = timed(audit_report, session, period.first, period.last)
        if number >= sizes.warmup:
            samples.append(ms)
    _check_against_rows(db, period, figures)
    return Timing(period, figures["total"], samples)


def _check_against_rows(db: Database, period: Period, figures: dict) -> None:
    """The figures the day totals give, against a GROUP BY over the rows themselves: a bench that
    got faster by counting wrong fails here."""
    start, end = london_window(period.first, period.last)
    completed = (AuditOutcome.completed_at >= start, AuditOutcome.completed_at < end)
    with db.reading() as session:
        total = session.scalar(select(func.count()).where(*completed))
        domains = session.execute(
            select(AuditDomainGrade.domain, AuditDomainGrade.grade_after, func.count())
            .join(AuditOutcome, AuditOutcome.id == AuditDomainGrade.outcome_id)
            .where(*completed, AuditDomainGrade.grade_after.is_not(None))
            .group_by(AuditDomainGrade.domain, AuditDomainGrade.grade_after))
        deadlines = session.execute(
            select(AuditDeadline.name, AuditDeadline.met, func.count())
            .join(AuditOutcome, AuditOutcome.id == AuditDeadline.outcome_id)
            .where(*completed).group_by(AuditDeadline.name, AuditDeadline.met))
        by_domain = _nested(domains)
        timeliness = {name: {"met": n.get(True, 0), "missed": n.get(False, 0)}
                      for name, n in _nested(deadlines).items()}
    if (figures["total"], figures["by_domain"], figures["timeliness"]) != (total, by_domain, timeliness):
        raise AssertionError(f"{period.name}: the report's figures differ from a count over the rows")
    _check_learning_against_rows(db, period, figures)


def _check_learning_against_rows(db: Database, period: Period, figures: dict) -> None:
    """Issue 27's figures (actions agreed, re-audit movement from the day totals, audits QA returned)
    against plain counts over the rows."""
    start, end = london_window(period.first, period.last)
    completed = (AuditOutcome.completed_at >= start, AuditOutcome.completed_at < end)
    with db.reading() as session:
        agreed = session.scalar(select(func.count()).select_from(AgreedAction)
                                .where(AgreedAction.agreed_at >= start, AgreedAction.agreed_at < end))
        moved = session.execute(
            select(AuditDomainGrade.domain, AuditDomainGrade.movement, func.count())
            .join(AuditOutcome, AuditOutcome.id == AuditDomainGrade.outcome_id)
            .where(*completed, AuditDomainGrade.movement.is_not(None))
            .group_by(AuditDomainGrade.domain, AuditDomainGrade.movement))
        movement = {domain: dict.fromkeys(GRADE_CHANGES, 0) | counts for domain, counts in _nested(moved).items()}
        returned = session.scalar(select(func.count()).where(*completed, AuditOutcome.discussed_grade.is_not(None),
                                                             AuditOutcome.qa_returns > 0))
    found = (figures["actions"]["agreed"], figures["reaudit_domains"], figures["moderation"]["qa_returned"])
    if found != (agreed, movement, returned) or not agreed or not movement or not returned:
        raise AssertionError(f"{period.name}: issue 27's figures differ from a count over the rows")


def _nested(rows) -> dict[str, dict]:
    nested: dict[str, dict] = {}
    for outer, inner, n in rows:
        nested.setdefault(outer, {})[inner] = n
    return nested


# --- the table ----------------------------------------------------------------------------------

def report(label: str, seeded: Seeded, timings: list[Timing], pages: list[PageTiming]) -> str:
    rows = ", ".join(f"{n:,} {table}" for table, n in seeded.rows.items())
    return "\n".join([
        f"### Reports, {label}: {seeded.rows.get('audit_outcome', 0):,} completed audits over 3 audit years",
        "",
        f"_seeded in {seeded.seconds:.1f} s: {rows}_",
        "",
        "| `audit_report(session, first, last)` | audits in period | n | median ms | p90 ms | target | met? |",
        "|---|---:|---:|---:|---:|---|---|",
        *(_row(t) for t in timings),
        "",
        f"| `GET` as {PAGE_USER}, signed in | n | median ms | p90 ms | target | met? |",
        "|---|---:|---:|---:|---|---|",
        *(_page_row(p) for p in pages),
    ])


def _page_row(page: PageTiming) -> str:
    middle = median(page.samples_ms)
    p90 = quantiles(page.samples_ms, n=10)[-1] if len(page.samples_ms) > 1 else middle
    target = page.target_ms
    verdict = ("—", "—") if target is None else (f"≤ {target:g} ms", "met" if middle <= target else "MISSED")
    return f"| {page.name} | {len(page.samples_ms)} | {middle:.1f} | {p90:.1f} | {verdict[0]} | {verdict[1]} |"


def _row(timing: Timing) -> str:
    middle, p90 = median(timing.samples_ms), quantiles(timing.samples_ms, n=10)[-1]
    target = timing.period.target_ms
    verdict = ("—", "—") if target is None else (f"≤ {target:g} ms", "met" if middle <= target else "MISSED")
    return (f"| {timing.period.name} | {timing.audits:,} | {len(timing.samples_ms)} | {middle:.1f} | {p90:.1f} "
            f"| {verdict[0]} | {verdict[1]} |")


# --- command line ---------------------------------------------------------------------------------

def run(db_choice: str, quick: bool, pg_name: str = REPORT_DATABASE) -> None:
    """Each chosen database in turn, its table printed as soon as it is measured."""
    sizes = QUICK if quick else FULL
    databases = {"sqlite": sqlite_database, "postgres": lambda: postgres_database(pg_name)}
    for name in (list(databases) if db_choice == "both" else [db_choice]):
        with databases[name]() as (label, url):
            log(f"reports bench, {label}: {url}")
            seeded, timings, pages = run_database(url, sizes)
        print(report(label, seeded, timings, pages), end="\n\n", flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.reports", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="10,000 audits and fewer samples: a smoke run")
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--pg-database", default=REPORT_DATABASE,
                        help=f"the PostgreSQL database to drop, create and drop again (default {REPORT_DATABASE})")
    args = parser.parse_args(argv)
    began = time.perf_counter()
    run(args.db, args.quick, args.pg_database)
    print(f"_reports bench, {'quick' if args.quick else 'full'} run, {time.perf_counter() - began:.0f} s in all_")


if __name__ == "__main__":
    main()
