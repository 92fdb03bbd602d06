"""`python -m bench.soak`: 10,000 due timers, two `flask worker` processes on PostgreSQL.

Each timer that fires sends a notification that a webhook subscriber (a receiver in this process,
on 127.0.0.1) takes. The soak counts timers fired (from the history) and events received (by
X-Event-Id), and fails unless each happened exactly once. `--kill` SIGKILLs one worker halfway
through the timers and starts another: timers still fire exactly once (a batch is one
transaction); deliveries are at least once, so the receiver may see a repeat, which is reported.

The engine's own cost is measured first in this process: one sweep firing --reference timers.
"""
import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from sqlalchemy import func, select

from engine.clock import SettableClock, SystemClock, install_engine_clock, set_clock
from engine.db import Database
from engine.models import Delivery, HistoryEvent, ProcessInstance
from engine.people.organisation import seed_organisation
from engine.workflow_engine import WorkflowEngine
from tests.fixtures.diagrams import chain_bundle
from webhooks.subscriptions import dao_add_subscription

from .databases import postgres_database
from .run import log

ROOT = Path(__file__).resolve().parent.parent
PROCESS_ID = "soak"
LATE = 'notify(["auditor"], "Soak case {case_ref}: step overdue")'
STARTED = datetime(2026, 1, 5, 9, tzinfo=timezone.utc)  # a Monday: every timer is due a day later, long past
SECRET = "soak-receiver-secret-0123456789"


class Receiver:
    """Takes every POST, answers 204, and counts each X-Event-Id."""

    def __init__(self):
        self.seen, self.lock = Counter(), threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver.lock:
                    receiver.seen[self.headers["X-Event-Id"]] += 1
                self.send_response(204)
                self.end_headers()

            def log_message(self, *_):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.httpd.server_port}/soak"

    def counts(self) -> tuple[int, int]:
        """(distinct events received, repeats)"""
        with self.lock:
            return len(self.seen), sum(n - 1 for n in self.seen.values())


def main(argv=None) -> None:
    args = _arguments(argv)
    with postgres_database("qa_soak") as (_, url):
        table = soak(url, args)
    print(table, flush=True)
    if "✗" in table:
        raise SystemExit("the soak lost or repeated work: see ✗ above")


def soak(url: str, args) -> str:
    install_engine_clock()
    set_clock(SettableClock(STARTED))
    db = Database(url)
    engine = WorkflowEngine(db)
    try:
        _seed(engine)
        reference_ms = _reference(engine, db, args.reference)
        with db.transaction() as session:  # the soak's instances come after this id
            args.boundary = session.scalar(select(func.max(ProcessInstance.id)))
        receiver = Receiver()
        with db.transaction() as session:
            dao_add_subscription(session, receiver.url, ["notification"], SECRET, "soak", "bench", STARTED)
        log(f"starting {args.timers:,} instances, each with a timer due on 6 January 2026")
        _start(engine, args.timers, first=1_000_000)
        set_clock(SystemClock())
        return _run_workers(db, receiver, args, reference_ms)
    finally:
        set_clock(SystemClock())
        db.dispose()


def _seed(engine: WorkflowEngine) -> None:
    with engine.db.transaction() as session:
        seed_organisation(session, json.loads((ROOT / "data" / "demo_organisation.json").read_text()))
    engine.deploy(chain_bundle(pid=PROCESS_ID, steps=1, days=1, script=LATE), "bench")


def _start(engine: WorkflowEngine, count: int, first: int) -> None:
    began = time.perf_counter()
    for number in range(first, first + count):
        engine.start_instance(PROCESS_ID, {"case_ref": f"SOAK-{number}", "auditor": "ann"}, "bench")
    log(f"  {count:,} started in {time.perf_counter() - began:.0f} s")


def _reference(engine: WorkflowEngine, db: Database, count: int) -> float:
    """The engine's own cost: ms per timer of one in-process sweep firing `count` due timers."""
    log(f"reference: one in-process sweep of {count} due timers")
    _start(engine, count, first=1)
    set_clock(SystemClock())
    began = time.perf_counter()
    fired = engine.fire_due_timers()
    elapsed = (time.perf_counter() - began) * 1000
    set_clock(SettableClock(STARTED))
    if fired != count:
        raise SystemExit(f"the reference sweep fired {fired}, expected {count}")
    with db.transaction() as session:  # its notifications were written before anyone subscribed
        assert session.scalar(select(func.count()).select_from(Delivery).where(Delivery.channel == "webhook")) == 0
    return elapsed / count


def _worker(url: str, folder: str, name: str) -> subprocess.Popen:
    # The receiver listens on 127.0.0.1, where webhooks may go only when named (webhooks/destinations.py).
    env = os.environ | {"DATABASE_URL": url, "QA_CLOCK": "system", "FLASK_APP": "app",
                        "QA_WEBHOOK_ALLOWED_HOSTS": "127.0.0.1"}
    output = open(Path(folder) / f"{name}.log", "w")
    return subprocess.Popen([sys.executable, "-m", "flask", "worker", "--interval", "0.5"], cwd=ROOT, env=env,
                            stdout=output, stderr=subprocess.STDOUT)


def _run_workers(db: Database, receiver: Receiver, args, reference_ms: float) -> str:
    expected = args.timers
    with tempfile.TemporaryDirectory(prefix="qa-soak-") as folder:
        log("two workers start")
        began = time.perf_counter()
        workers = [_worker(db.url, folder, "worker-1"), _worker(db.url, folder, "worker-2")]
        killed, fired_at, delivered_at = False, None, None
        while time.perf_counter() - began < args.timeout:
            fired, _ = _fired(db, args.boundary)
            received, _ = receiver.counts()
            if args.kill and not killed and fired >= expected // 2:
                log(f"SIGKILL worker-1 at {fired:,} fired; worker-3 takes its place")
                workers[0].send_signal(signal.SIGKILL)
                workers[0].wait()
                workers.append(_worker(db.url, folder, "worker-3"))
                killed = True
            if fired_at is None and fired >= expected:
                fired_at = time.perf_counter() - began
            if received >= expected and _undelivered(db) == 0:
                delivered_at = time.perf_counter() - began
                break
            time.sleep(0.5)
        for worker in workers:
            if worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
                worker.wait(timeout=30)
        shares = [_share(Path(folder) / f"worker-{n}.log") for n in range(1, len(workers) + 1)]
    fired, repeats = _fired(db, args.boundary)
    received, delivered_twice = receiver.counts()
    return _table(args, expected, fired, repeats, received, delivered_twice, fired_at, delivered_at, shares,
                  reference_ms)


def _fired(db: Database, after_id: int) -> tuple[int, int]:
    """(instances whose timer fired, timer_fired events beyond one per instance), soak instances only."""
    with db.transaction() as session:
        events = select(HistoryEvent.instance_id, func.count().label("n")).where(
            HistoryEvent.event == "timer_fired", HistoryEvent.instance_id > after_id).group_by(HistoryEvent.instance_id)
        rows = session.execute(events).all()
    return len(rows), sum(n - 1 for _, n in rows)


def _undelivered(db: Database) -> int:
    with db.transaction() as session:
        return session.scalar(select(func.count()).select_from(Delivery).where(
            Delivery.channel == "webhook", Delivery.status != "delivered"))


def _share(path: Path) -> str:
    """What a worker said it did, from its last line (a SIGKILLed worker says nothing)."""
    lines = path.read_text().strip().splitlines()
    last = lines[-1] if lines else ""
    return last.removeprefix("worker stopped; ") if last.startswith("worker stopped") else "killed"


def _table(args, expected, fired, repeats, received, delivered_twice, fired_at, delivered_at, shares,
           reference_ms) -> str:
    per_timer = fired_at * 1000 / expected if fired_at else float("nan")
    rows = [
        ("timers due", f"{expected:,}"),
        ("timers fired (instances)", f"{fired:,}{_mark(fired == expected)}"),
        ("timers fired twice", f"{repeats}{_mark(repeats == 0)}"),
        ("events received by the webhook", f"{received:,}{_mark(received == expected)}"),
        # At least once: after a SIGKILL a repeat is allowed (the receiver drops it by X-Event-Id).
        ("events received twice", f"{delivered_twice}" + ("" if args.kill else _mark(delivered_twice == 0))),
        ("time until every timer had fired", f"{fired_at:.1f} s" if fired_at else "not reached"),
        ("time until every event was delivered", f"{delivered_at:.1f} s" if delivered_at else "not reached"),
        ("wall ms per timer, two workers", f"{per_timer:.2f}"),
        (f"engine's own cost: ms per timer, one in-process sweep of {args.reference}", f"{reference_ms:.2f}"),
        ("ratio (two workers / one sweep)", f"{per_timer / reference_ms:.2f}x"),
        *((f"worker {n}", share) for n, share in enumerate(shares, 1)),
    ]
    title = f"### Soak: {expected:,} due timers, two workers, PostgreSQL" + (", one SIGKILLed" if args.kill else "")
    return "\n".join([title, "", "| | |", "|---|---:|", *(f"| {a} | {b} |" for a, b in rows)])


def _mark(ok: bool) -> str:
    return " ✓" if ok else " ✗"


def _arguments(argv):
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--timers", type=int, default=10_000)
    parser.add_argument("--reference", type=int, default=500, help="timers of the in-process reference sweep")
    parser.add_argument("--kill", action="store_true", help="SIGKILL a worker halfway, start another")
    parser.add_argument("--timeout", type=float, default=1200, help="seconds before giving up")
    return parser.parse_args(argv)


if __name__ == "__main__":
    main()
