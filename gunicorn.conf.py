"""gunicorn's settings for this service: gunicorn reads ./gunicorn.conf.py when started from this
folder (README, "Running in production"; bench/http_server.py; tests/faults).

A worker shares the master's listening socket. If the master is killed (`kill -9`, the OOM killer),
a sync worker only notices when it is next idle for gunicorn's `timeout / 2` (15 s), and keeps
answering (and holding the port, so a restart fails with "Address already in use") while requests
keep coming. So each worker asks Linux for SIGTERM when its parent dies: it finishes the request in
hand and exits (tests/faults/test_master_killed.py)."""
import ctypes
import os
import signal
import sys

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def post_fork(server, worker):
    if not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) != 0:
        server.log.warning("could not ask for SIGTERM when the master dies (errno %s)", ctypes.get_errno())
    if os.getppid() != server.pid:  # the master died before the request was made: nobody will send it
        os.kill(os.getpid(), signal.SIGTERM)
