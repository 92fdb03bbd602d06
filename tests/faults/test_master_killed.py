"""Issue 25: after `kill -9` of gunicorn's master, its workers (which inherited the listening
socket) must not keep the port: they stop within seconds (gunicorn.conf.py asks Linux to send them SIGTERM
when the master dies), and the service starts again on the same port."""
import signal
import sys

import psutil
import pytest
import requests

from .gunicorn import gunicorn, wait_until

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the parent-death signal is Linux's")


def gone(workers: list[psutil.Process]) -> bool:
    return not any(w.is_running() and w.status() != psutil.STATUS_ZOMBIE for w in workers)


@pytest.mark.timeout(60)
def test_the_workers_of_a_killed_master_leave_and_the_service_restarts_on_its_port(db):
    with gunicorn(db.url, workers=2) as first:
        workers = first.workers()
        first.master.send_signal(signal.SIGKILL)
        first.master.wait()
        wait_until(lambda: gone(workers), 5, "the orphaned workers still run (and hold the port)")
        with gunicorn(db.url, workers=1, port=first.port) as again:  # raises if the port is still taken
            assert requests.get(f"{again.base}/health", timeout=5).ok
