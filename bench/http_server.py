"""The service as it runs in production: gunicorn with sync workers, and optionally the timer
worker (`flask worker`) beside it, as child processes on a free local port."""
import os
import secrets
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


@contextmanager
def serving(url: str, workers: int, timer_worker: bool = False):
    """Yield the base URL of the service on the database `url` until the block ends."""
    port = _free_port()
    # One key for every worker: a page session signed by one must be read by the other.
    env = os.environ | {"DATABASE_URL": url, "QA_SECRET_KEY": secrets.token_hex(32), "FLASK_APP": "app",
                        "QA_PUBLIC_URL": f"http://127.0.0.1:{port}",
                        "QA_COUNT_STATEMENTS": "1"}  # each answer says how many statements it ran (X-Statements)
    children = [subprocess.Popen([str(BIN / "gunicorn"), "--workers", str(workers), "--worker-class", "sync",
                                  "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "app:create_app()"],
                                 cwd=ROOT, env=env)]
    if timer_worker:
        children.append(subprocess.Popen([str(BIN / "python"), "-m", "flask", "worker", "--interval", "1"],
                                         cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base, children[0])
        yield base
    finally:
        for child in children:
            child.terminate()
        for child in children:
            child.wait(timeout=30)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_until_up(base: str, server: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode}")
        try:
            if requests.get(f"{base}/health", timeout=2).ok:
                return
        except requests.RequestException:  # not listening yet, or still importing
            pass
        time.sleep(0.2)
    raise RuntimeError("the service did not come up")
