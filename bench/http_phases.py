"""What the HTTP bench measures, phase by phase: each call's latency as one user feels it (next to
the raw SpiffWorkflow cycle, alternating), the engine's own completion in this process, case_audit
starts per second from several clients at once, and a Locust load test."""
import csv
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from engine.clock import SystemClock, install_engine_clock, set_clock
from engine.db import Database
from engine.models import TaskCandidate, UserTask
from engine.workflow_engine import WorkflowEngine

from .diagram import NOTE
from .http_client import Staff
from .http_world import AUDITORS, QA_TEAM
from .raw import RawSpiff
from .timing import timed

RAW = "raw SpiffWorkflow cycle"
ENGINE = "engine.complete_task (in process)"


@dataclass(frozen=True)
class HttpSizes:
    instances: int
    samples: int
    warmup: int
    starts: int  # case_audit starts in the throughput phase
    locust_seconds: int


FULL = HttpSizes(instances=10_000, samples=200, warmup=10, starts=600, locust_seconds=60)
QUICK = HttpSizes(instances=1_000, samples=30, warmup=5, starts=150, locust_seconds=20)


def latencies(base: str, raw: RawSpiff, stored_by_step: dict[str, str], sizes: HttpSizes,
              statements: dict[str, list[int]] | None = None) -> dict[str, list[float]]:
    """One auditor works through their inbox as the pages and the API serve it; a QA officer starts
    a case audit and looks at the overview each round. The raw cycle of the same step runs before
    each completion. `statements`, when given, gets each call's statement counts."""
    auditor, qa = Staff(base, AUDITORS[-1]), Staff(base, QA_TEAM)
    for person in (auditor, qa):
        person.sign_in()
        person.sign_in_pages()
    raw_ms = []
    for _ in range(sizes.warmup + sizes.samples):
        task = auditor.inbox()[0]  # the oldest, as the inbox lists it
        raw_ms.append(timed(raw.complete, stored_by_step[task["element_id"]], NOTE)[0])
        auditor.page("task page", f"/tasks/{task['id']}")
        auditor.task(task["id"])
        auditor.complete(task["id"])
        auditor.instance(task["instance_id"])
        auditor.page("case page", f"/instances/{task['instance_id']}")
        auditor.page("my tasks page (/)", "/")
        auditor.page("case list page", "/cases")
        qa.start_case_audit()
        qa.page("overview page", "/overview")
    for _ in range(10):  # sign-in has its own cost (argon2), measured apart from the rounds
        auditor.sign_in()
    rounds = sizes.warmup + sizes.samples  # calls made once a round lose their warm-up calls
    timings: dict[str, list[float]] = {}
    for person in (auditor, qa):
        for name, ms in person.timings.items():
            timings.setdefault(name, []).extend(ms[sizes.warmup:] if len(ms) >= rounds else ms)
        for name, counts in person.statements.items():
            if statements is not None:
                statements.setdefault(name, []).extend(counts[sizes.warmup:] if len(counts) >= rounds else counts)
    return timings | {RAW: raw_ms[sizes.warmup:]}


def engine_completions(url: str, raw: RawSpiff, stored_by_step: dict[str, str], sizes: HttpSizes,
                       ) -> dict[str, list[float]]:
    """engine.complete_task on random ready tasks of other auditors, alternating with the raw cycle."""
    set_clock(SystemClock())
    install_engine_clock()
    db = Database(url)
    try:
        engine = WorkflowEngine(db)
        with db.reading() as session:
            ready = session.execute(select(UserTask.id, UserTask.element_id, TaskCandidate.username)
                                    .join(TaskCandidate, TaskCandidate.task_id == UserTask.id)
                                    .where(UserTask.state == "ready", TaskCandidate.username.in_(AUDITORS[:50]))
                                    .order_by(UserTask.id)).all()
        engine_ms, raw_ms = [], []
        for task_id, step, actor in random.Random(20261203).sample(ready, sizes.warmup + sizes.samples):
            raw_ms.append(timed(raw.complete, stored_by_step[step], NOTE)[0])
            engine_ms.append(timed(engine.complete_task, task_id, NOTE, actor)[0])
    finally:
        db.dispose()
    return {ENGINE: engine_ms[sizes.warmup:], RAW: raw_ms[sizes.warmup:]}


@dataclass
class Throughput:
    starts: int
    seconds: float
    clients: int
    latency_ms: list[float]


def start_throughput(base: str, sizes: HttpSizes, clients: int = 4) -> Throughput:
    """`clients` QA officers start case audits back to back until `sizes.starts` have started."""
    staff = [Staff(base, QA_TEAM) for _ in range(clients)]
    for person in staff:
        person.sign_in()
        person.start_case_audit("warm-up start")
    left, lock = [sizes.starts], threading.Lock()

    def work(person: Staff) -> None:
        while True:
            with lock:
                if left[0] == 0:
                    return
                left[0] -= 1
            person.start_case_audit("start under load")

    began = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(work, staff))
    seconds = time.perf_counter() - began
    return Throughput(sizes.starts, seconds, clients, [ms for p in staff for ms in p.timings["start under load"]])


def locust(base: str, sizes: HttpSizes, users: int = 50) -> list[dict]:
    """50 auditors (headless Locust, bounded in users and time): inbox, task, complete, with think
    time. Answers the stats rows Locust wrote (per request and "Aggregated")."""
    tokens = []
    for username in AUDITORS[:users]:
        person = Staff(base, username)
        person.sign_in()
        tokens.append(person.http.headers["Authorization"].removeprefix("Bearer "))
    with tempfile.TemporaryDirectory(prefix="qa-locust-") as folder:
        prefix = Path(folder) / "run"
        (Path(folder) / "tokens.json").write_text(json.dumps(tokens))
        subprocess.run([str(Path(sys.executable).parent / "locust"), "-f", str(Path(__file__).parent / "locustfile.py"),
                        "--headless", "--users", str(users), "--spawn-rate", "10", "--reset-stats", "--run-time",
                        f"{sizes.locust_seconds}s", "--host", base, "--csv", str(prefix), "--only-summary",
                        "--loglevel", "WARNING", "--stop-timeout", "10"], check=False, stdout=sys.stderr,
                       env=os.environ | {"QA_BENCH_TOKENS": str(Path(folder) / "tokens.json")})
        with open(f"{prefix}_stats.csv", newline="") as stats:
            return list(csv.DictReader(stats))
