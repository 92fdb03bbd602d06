"""The service under gunicorn, as in production (bench/http_server.py starts it the same way), for
fault tests: the master's process, so a test can find and kill its workers."""
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psutil
import requests

ROOT = Path(__file__).resolve().parent.parent.parent
GUNICORN = Path(sys.executable).parent / "gunicorn"


@dataclass
class Served:
    base: str
    master: subprocess.Popen
    port: int

    def workers(self) -> list[psutil.Process]:
        return psutil.Process(self.master.pid).children()


@contextmanager
def gunicorn(url: str, workers: int = 2, deadline: float = 30, port: int | None = None, **env: str):
    """Serve the database `url` with `workers` sync workers on `port` (or a free one) until the block ends."""
    port = port or free_port()
    settings = os.environ | {"DATABASE_URL": url, "QA_SECRET_KEY": secrets.token_hex(32), "FLASK_APP": "app",
                             "QA_PUBLIC_URL": f"http://127.0.0.1:{port}"} | env
    master = subprocess.Popen([str(GUNICORN), "--workers", str(workers), "--worker-class", "sync",
                               "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "app:create_app()"],
                              cwd=ROOT, env=settings, stderr=subprocess.DEVNULL)
    served = Served(f"http://127.0.0.1:{port}", master, port)
    try:
        wait_until(lambda: _answers(served), deadline, "gunicorn did not come up")
        wait_until(lambda: len(served.workers()) == workers, deadline, "gunicorn's workers did not start")
        yield served
    finally:
        if master.poll() is None:
            master.send_signal(signal.SIGQUIT)  # quick shutdown: SIGTERM waits up to 30 s for the workers
        master.wait(timeout=30)


def wait_until(ready, seconds: float, failure: str) -> None:
    """Poll `ready` every 50 ms until it is true (only for processes and ports: never the clock)."""
    deadline = time.monotonic() + seconds
    while not ready():
        if time.monotonic() > deadline:
            raise AssertionError(failure)
        time.sleep(0.05)


def _answers(served: Served) -> bool:
    if served.master.poll() is not None:
        raise AssertionError(f"gunicorn exited with {served.master.returncode}")
    try:
        return requests.get(f"{served.base}/health", timeout=2).ok
    except requests.RequestException:  # not listening yet, or still importing
        return False


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
