"""Two workers on one database, at the same time: every timer fires once, every event reaches the
subscriber once and in its instance's order (PostgreSQL: SKIP LOCKED and leases; SQLite: one
writer at a time)."""
import random
import threading
from collections import Counter

from engine.db import Database
from engine.workflow_engine import WorkflowEngine
from tests.fixtures.diagrams import chain_bundle
from tests.fixtures.servers import LOCAL
from tests.webhooks.conftest import subscribe
from webhooks.dispatcher import Dispatcher

LATE = 'notify(["auditor"], "Step of {case_ref} overdue")'


def test_two_workers_fire_and_deliver_everything_exactly_once_in_order(org, clock, receiver):
    org.deploy(chain_bundle(steps=1, script=LATE), "olive")
    subscribe(org, receiver.url + "/hook", ["task.ready", "notification"])
    ids = [org.start_instance("chain", {"case_ref": f"C-{i}", "auditor": "ann"}, "quinn") for i in range(24)]
    clock.advance(days=10)
    engines = [WorkflowEngine(Database(org.db.url)) for _ in range(2)]  # each its own connections
    workers = [(engine, Dispatcher(engine.db, batch=3, threads=2, rng=random.Random(n), worker=f"w{n}",
                                           destinations=LOCAL))
               for n, engine in enumerate(engines)]
    start, fired = threading.Barrier(2), []

    def work(engine, dispatcher):
        """Fire, then deliver until nothing is left to claim (the other worker takes what it holds)."""
        start.wait()
        fired.append(engine.fire_due_timers(batch=4))
        while dispatcher.deliver_due():
            pass

    threads = [threading.Thread(target=work, args=pair) for pair in workers]
    [t.start() for t in threads]
    [t.join() for t in threads]
    [engine.db.dispose() for engine in engines]
    assert sum(fired) == 24
    assert Counter(i for i in ids for e in org.reads.history(i) if e["event"] == "timer_fired") == Counter(ids)
    taken = receiver.taken()
    assert len(taken) == 48 and len({r.headers["X-Event-Id"] for r in taken}) == 48  # no event twice
    for instance_id in ids:
        assert [r.json["type"] for r in taken if r.json["data"]["instance_id"] == instance_id] == [
            "task.ready", "notification"]
