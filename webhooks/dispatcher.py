"""Delivering the outbox: claim a batch under a lease, send it on a few threads, record each result.

One Dispatcher per worker process. Email deliveries are claimed only when a mailer is configured;
until then they wait in the outbox (GET /api/outbox shows them).
"""
import logging
import math
import os
import random
import socket
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime, timedelta
from uuid import uuid4

from engine.clock import now as service_now
from engine.db import Database

from . import delivery
from .delivery import Job, Result, RetryPolicy
from .destinations import Destinations
from .senders import WebhookSender

log = logging.getLogger(__name__)


class Dispatcher:
    def __init__(self, db: Database, mailer=None, policy: RetryPolicy = RetryPolicy(), timeout: float = 10.0,
                 now: Callable[[], datetime] = service_now, batch: int = 20, threads: int = 4,
                 max_batches: int = 50, rng: random.Random | None = None, worker: str | None = None,
                 destinations: Destinations = Destinations()):
        self.db, self.policy, self.now, self.destinations = db, policy, now, destinations
        self.senders = {"webhook": WebhookSender(timeout, destinations)} | ({"email": mailer} if mailer else {})
        self.batch, self.threads, self.max_batches = batch, threads, max_batches
        # Long enough for a whole batch of timeouts, with room: a live worker never loses its lease.
        self.lease = timedelta(seconds=timeout * math.ceil(batch / threads) * 2 + 60)
        self.rng = rng or random.Random()
        self.worker = worker or f"{socket.gethostname()}:{os.getpid()}:{uuid4().hex[:6]}"

    def deliver_due(self) -> int:
        """Send everything that may be sent now (at most max_batches batches, so that a tick also
        leaves time for timers); answers how many were delivered."""
        delivered = 0
        for _ in range(self.max_batches):
            jobs = self.claim()
            if not jobs:
                break
            delivered += self.send(jobs)
        return delivered

    def claim(self) -> list[Job]:
        with self.db.transaction() as session:
            return delivery.dao_claim(session, self.now(), self.worker, list(self.senders), self.batch, self.lease)

    def send(self, jobs: list[Job]) -> int:
        """Send claimed jobs concurrently, then record the batch's results in one transaction (one
        commit per batch, not per event; should the worker die before it, the batch is sent again
        once its lease runs out: at least once)."""
        with ThreadPoolExecutor(max_workers=min(self.threads, len(jobs))) as pool:
            results = list(pool.map(self._attempt, jobs))
        return sum(status == "delivered" for status in self.record(*zip(jobs, results)))

    def record(self, *outcomes: tuple[Job, Result]) -> list[str]:
        """Record each (job, result); answers the deliveries' new statuses."""
        with self.db.transaction() as session:
            rows = delivery.dao_lock_deliveries(session, [job.delivery_id for job, _ in outcomes])
            statuses = [delivery.dao_record(session, rows[job.delivery_id], result, self.now(), self.worker,
                                            self.policy, self.rng) for job, result in outcomes]
        for (job, result), status in zip(outcomes, statuses):
            if status == "dead":
                log.warning("delivery %s of event %s (%s) is dead: %s", job.delivery_id, job.event_id, job.channel,
                            result.error)
        return statuses

    def _attempt(self, job: Job) -> Result:
        if job.refusal:
            return Result(False, permanent=True, error=job.refusal)
        began = time.perf_counter()
        try:
            result = self.senders[job.channel].send(job)
        except Exception as error:  # a sender's bug must not lose the delivery: it is retried
            log.exception("sender failed on delivery %s", job.delivery_id)
            result = Result(False, error=f"{type(error).__name__}: {error}")
        return replace(result, duration_ms=round((time.perf_counter() - began) * 1000))
