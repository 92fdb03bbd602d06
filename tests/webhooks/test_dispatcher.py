"""Delivering events to a real HTTP receiver on 127.0.0.1: signed, retried with back-off until it
answers 2xx, in order per instance, dead-lettered after the last attempt and replayable, and never
lost when a worker dies mid-batch. Time moves by the clock, never by waiting."""
import json
import random
import socket
import time
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from engine.models import Delivery, DeliveryAttempt, OutboxMessage
from tests.fixtures.diagrams import chain_bundle
from tests.fixtures.servers import LOCAL
from tests.webhooks.conftest import SECRET, subscribe
from webhooks.delivery import Result, RetryPolicy, dao_replay
from webhooks.dispatcher import Dispatcher
from webhooks.signing import verify
from webhooks.subscriptions import dao_remove_subscription

TASK_EVENTS = ["task.ready", "task.completed"]
POLICY = RetryPolicy(max_attempts=5, backoff_seconds=60, backoff_max_seconds=600)
NOTE = {"note": "seen"}


def dispatcher(engine, policy: RetryPolicy = POLICY, **kwargs) -> Dispatcher:
    return Dispatcher(engine.db, policy=policy, timeout=2, rng=random.Random(7), destinations=LOCAL, **kwargs)


def start_chain(engine, case_ref: str = "C-1", steps_done: int = 0) -> int:
    """A chain instance (three steps) with `steps_done` steps completed: 1 + 2 x steps_done task events."""
    instance_id = engine.start_instance("chain", {"case_ref": case_ref, "auditor": "ann"}, "quinn")
    for _ in range(steps_done):
        [task] = engine.reads.ready_tasks(instance_id=instance_id)
        engine.complete_task(task["id"], NOTE, "ann")
    return instance_id


def event_ids(engine, instance_id: int) -> list[str]:
    """The instance's task events in the outbox, in the order they happened."""
    with engine.db.transaction() as session:
        return list(session.scalars(select(OutboxMessage.event_id).where(
            OutboxMessage.instance_id == instance_id, OutboxMessage.event_type.in_(TASK_EVENTS))
            .order_by(OutboxMessage.id)))


def deliveries(engine) -> list[Delivery]:
    with engine.db.transaction() as session:
        return list(session.scalars(select(Delivery).order_by(Delivery.id)))


def attempts_of(engine, delivery_id: int) -> list[DeliveryAttempt]:
    with engine.db.transaction() as session:
        return list(session.scalars(select(DeliveryAttempt).where(DeliveryAttempt.delivery_id == delivery_id)
                                    .order_by(DeliveryAttempt.id)))


def test_a_failing_receiver_gets_every_event_in_order_once_it_recovers(org, clock, receiver):
    org.deploy(chain_bundle(), "olive")
    subscribe(org, receiver.url + "/hook", TASK_EVENTS)
    instance_id = start_chain(org, steps_done=2)  # ready 1, completed 1, ready 2, completed 2, ready 3
    receiver.answers = [503, 503, 500]  # fails three times, then takes everything
    worker = dispatcher(org)
    assert worker.deliver_due() == 0
    assert len(receiver.requests) == 1  # the first event is held, the later ones wait behind it
    clock.advance(seconds=29)  # the first back-off is at least half of 60 s
    assert worker.deliver_due() == 0 and len(receiver.requests) == 1
    for _ in range(3):
        clock.advance(minutes=10)
        worker.deliver_due()
    taken = receiver.taken()
    assert [r.headers["X-Event-Id"] for r in taken] == event_ids(org, instance_id)  # all of them, in order
    assert [r.json["type"] for r in taken] == ["task.ready", "task.completed", "task.ready", "task.completed",
                                               "task.ready"]
    assert {r.headers["X-Event-Id"] for r in receiver.requests[:4]} == {taken[0].headers["X-Event-Id"]}  # retried
    first = deliveries(org)[0]
    assert (first.status, first.attempts) == ("delivered", 4)
    assert [(a.outcome, a.status_code) for a in attempts_of(org, first.id)] == [
        ("failed", 503), ("failed", 503), ("failed", 500), ("delivered", 204)]
    assert all(d.status == "delivered" for d in deliveries(org))


def test_deliveries_are_signed_as_api_md_says(org, clock, receiver):
    org.deploy(chain_bundle(), "olive")
    subscribe(org, receiver.url + "/hook", ["task.ready"])
    instance_id = start_chain(org)
    dispatcher(org).deliver_due()
    [request] = receiver.taken()
    event_id, _ = verify(SECRET, request.headers, request.body, [datetime.now(timezone.utc)])
    document = request.json
    assert event_id == document["id"] and set(document) == {"id", "type", "occurred_at", "data"}
    assert document["occurred_at"] == clock.now().isoformat()
    assert document["data"]["instance_id"] == instance_id and document["data"]["element_id"] == "step_1"
    assert request.headers["Content-Type"] == "application/json"
    assert abs(int(request.headers["X-Timestamp"]) - time.time()) < 60  # the real time: the receiver's clock judges it


def test_one_instance_failing_does_not_hold_up_another(org, clock, receiver):
    org.deploy(chain_bundle(), "olive")
    subscribe(org, receiver.url + "/hook", TASK_EVENTS)
    stuck, flowing = start_chain(org, "C-1", 1), start_chain(org, "C-2", 1)
    receiver.check = lambda r: 503 if json.loads(r.body)["data"]["instance_id"] == stuck else None
    dispatcher(org).deliver_due()
    assert [r.headers["X-Event-Id"] for r in receiver.taken()] == event_ids(org, flowing)
    assert sum(r.json["data"]["instance_id"] == stuck for r in receiver.requests) == 1  # only its head was tried


def test_after_the_last_attempt_a_delivery_is_dead_the_stream_moves_on_and_an_admin_replays_it(org, clock, receiver):
    org.deploy(chain_bundle(), "olive")
    subscribe(org, receiver.url + "/hook", TASK_EVENTS)
    instance_id = start_chain(org, steps_done=1)
    first_event = event_ids(org, instance_id)[0]
    receiver.check = lambda r: 500 if r.headers["X-Event-Id"] == first_event else None
    worker = dispatcher(org, RetryPolicy(max_attempts=2, backoff_seconds=60))
    worker.deliver_due()
    clock.advance(minutes=5)
    worker.deliver_due()
    dead = deliveries(org)[0]
    assert (dead.status, dead.attempts, dead.last_error) == ("dead", 2, "HTTP 500: ")
    assert [r.headers["X-Event-Id"] for r in receiver.taken()] == event_ids(org, instance_id)[1:]
    receiver.check = None  # the receiver is mended; an admin replays the dead delivery
    with org.db.transaction() as session:
        dao_replay(session, dead.id, "root", clock.now())
    assert worker.deliver_due() == 1
    assert receiver.taken()[-1].headers["X-Event-Id"] == first_event
    assert [(a.outcome, a.status_code) for a in attempts_of(org, dead.id)] == [
        ("failed", 500), ("failed", 500), ("delivered", 204)]
    replayed = [e for e in org.reads.history(instance_id) if e["event"] == "delivery_replayed"]
    assert [(e["actor"], e["detail"]["previous_status"]) for e in replayed] == [("root", "dead")]


def test_a_worker_killed_mid_batch_loses_nothing(org, clock, receiver):
    org.deploy(chain_bundle(), "olive")
    subscribe(org, receiver.url + "/hook", TASK_EVENTS)
    instance_id = start_chain(org, steps_done=1)
    doomed, survivor = dispatcher(org, worker="doomed"), dispatcher(org, worker="survivor")
    jobs = doomed.claim()  # leased and committed, then the process dies before sending
    assert [j.event_id for j in jobs] == event_ids(org, instance_id)[:1]
    assert survivor.deliver_due() == 0 and receiver.requests == []  # the lease holds it, and it holds the rest
    clock.set(clock.now() + doomed.lease + timedelta(seconds=1))
    assert survivor.deliver_due() == 3
    assert [r.headers["X-Event-Id"] for r in receiver.taken()] == event_ids(org, instance_id)
    # The dead worker's late report of its own attempt is logged but decides nothing.
    assert doomed.record((jobs[0], Result(False, error="late"))) == ["delivered"]
    assert [a.worker for a in attempts_of(org, jobs[0].delivery_id)] == ["survivor", "doomed"]


def test_a_receiver_that_never_answers_times_out_and_is_retried(org, clock):
    org.deploy(chain_bundle(), "olive")
    with socket.socket() as silent:  # accepts connections (the backlog) and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        subscribe(org, f"http://127.0.0.1:{silent.getsockname()[1]}/hook", ["task.ready"])
        start_chain(org)
        worker = Dispatcher(org.db, policy=POLICY, timeout=0.2, rng=random.Random(1), destinations=LOCAL)
        assert worker.deliver_due() == 0
    [delivery] = deliveries(org)
    assert delivery.status == "pending" and delivery.attempts == 1 and "Timeout" in delivery.last_error
    assert delivery.next_attempt_at > clock.now()


def test_only_subscribed_types_go_and_only_from_the_time_of_subscribing(org, clock, receiver):
    org.deploy(chain_bundle(), "olive")
    early = start_chain(org, "C-1")
    subscribe(org, receiver.url + "/hook", ["task.completed"])
    later = start_chain(org, "C-2", steps_done=1)
    [completed] = org.reads.ready_tasks(instance_id=early)
    org.complete_task(completed["id"], NOTE, "ann")
    dispatcher(org).deliver_due()
    # Two instances: two streams, sent side by side (order holds within an instance, not across).
    assert sorted((r.json["type"], r.json["data"]["instance_id"]) for r in receiver.taken()) == [
        ("task.completed", early), ("task.completed", later)]


def test_removing_a_subscription_cancels_what_is_pending(org, clock, receiver):
    org.deploy(chain_bundle(), "olive")
    subscription = subscribe(org, receiver.url + "/hook", TASK_EVENTS)
    start_chain(org, steps_done=1)
    with org.db.transaction() as session:
        assert dao_remove_subscription(session, subscription, "root", clock.now()) == 3
    start_chain(org, "C-2")
    assert dispatcher(org).deliver_due() == 0 and receiver.requests == []
    assert [d.status for d in deliveries(org)] == ["cancelled"] * 3  # and no delivery for C-2's event
