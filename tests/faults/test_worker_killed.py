"""Issue 25: `kill -9` of a gunicorn worker while staff complete tasks. A completion the service
acknowledged (200) is in its instance's history exactly once, and sending it again answers 409; one
cut off is either done or not, and completing it again (as a person would, seeing an error) does it
once or answers 409. R-80."""
import secrets
import signal
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import psutil
import pytest
import requests
from sqlalchemy import select

from engine.clock import now, share_clock
from engine.models import ApiToken, ProcessInstance
from engine.people.accounts import token_digest
from tests.fixtures.diagrams import chain_bundle

from .gunicorn import gunicorn, wait_until

CASES = 24
CLIENTS = 6


def bearer(engine, username: str) -> dict:
    token = secrets.token_urlsafe(16)
    with engine.db.transaction() as session:
        session.add(ApiToken(token_hash=token_digest(token), username=username, created_at=now(),
                             expires_at=now() + timedelta(hours=1)))
    return {"Authorization": f"Bearer {token}"}


def ready_tasks(engine) -> dict[int, str]:
    """Instance id -> the id of its first step, for CASES cases of pat's."""
    engine.deploy(chain_bundle(lane="Practitioner"), "olive")
    ids = [engine.start_instance("chain", {"case_ref": f"C-{5000 + n}", "auditor": "ann", "practitioner": "pat"},
                                 "quinn") for n in range(CASES)]
    return {i: engine.reads.ready_tasks(instance_id=i)[0]["id"] for i in ids}


def complete(base: str, headers: dict, task_id: str) -> int | None:
    """The status of one completion, or None when the connection broke (the worker died under it)."""
    try:
        return requests.post(f"{base}/api/tasks/{task_id}/complete", json={"data": {"note": task_id}},
                             headers=headers, timeout=20).status_code
    except requests.ConnectionError:
        return None


def completions_in_history(engine, instance_id: int) -> list[dict]:
    return [e for e in engine.reads.history(instance_id)
            if e["event"] == "task_completed" and e["element_id"] == "step_1"]


def handling_a_request(worker, port: int) -> bool:
    """True when `worker` holds an accepted connection to the service (a sync worker holds one at a time)."""
    return any(c.status == psutil.CONN_ESTABLISHED and c.laddr.port == port
               for c in worker.net_connections(kind="tcp"))


@pytest.mark.timeout(60)  # gunicorn up in ~4 s on 2 busy cores, the load and the kill in ~2 s
def test_a_worker_killed_under_load_loses_and_repeats_no_acknowledged_completion(org, clock):
    tasks = ready_tasks(org)
    headers = bearer(org, "pat")
    share_clock(org.db, clock.now())  # the server reads the test's time
    with gunicorn(org.db.url, workers=2, QA_CLOCK="settable") as served:
        with ThreadPoolExecutor(CLIENTS) as pool:
            # The instances are held locked (SQLite: the write lock), so the worker is certainly in the
            # middle of a completion when it is killed, not between two.
            with org.db.transaction() as session:
                session.execute(select(ProcessInstance.id).with_for_update()).all()
                answers = {i: pool.submit(complete, served.base, headers, t) for i, t in tasks.items()}
                victim = served.workers()[0]
                wait_until(lambda: handling_a_request(victim, served.port), 20, "no request reached the worker")
                victim.send_signal(signal.SIGKILL)
            first = {i: a.result() for i, a in answers.items()}
        wait_until(lambda: victim.pid not in [w.pid for w in served.workers()] and len(served.workers()) == 2,
                   20, "gunicorn did not replace the killed worker")
        again = {i: complete(served.base, headers, t) for i, t in tasks.items()}  # as if each were sent twice
    assert None in first.values(), "the kill cut off no completion: it proved nothing"
    assert set(first.values()) <= {200, None}, first
    assert all(again[i] == 409 for i, status in first.items() if status == 200), again
    assert set(again.values()) <= {200, 409}, again  # a cut-off one: done by its first try (409) or now
    for instance_id, task_id in tasks.items():
        [completed] = completions_in_history(org, instance_id)  # exactly once, acknowledged or retried
        assert completed["detail"]["data"] == {"note": task_id}
