"""Locust: auditors at work (bench/http_phases.locust runs it headless). Each simulated user is a
bench auditor of their own, signed in already (the tokens are in the JSON file QA_BENCH_TOKENS
names: 50 argon2 sign-ins at once would only measure argon2), who over and over opens their
inbox, opens the oldest task and completes it, thinking 1-3 s before each step."""
import json
import os
from itertools import count
from pathlib import Path

from locust import HttpUser, between, task

from bench.diagram import NOTE

_next_user = count()
TOKENS = json.loads(Path(os.environ["QA_BENCH_TOKENS"]).read_text())


class Auditor(HttpUser):
    wait_time = between(1, 3)

    def on_start(self):
        self.client.headers["Authorization"] = f"Bearer {TOKENS[next(_next_user) % len(TOKENS)]}"

    @task
    def work_through_inbox(self):
        tasks = self.client.get("/api/tasks", name="inbox").json()
        if not tasks:
            return
        self.wait()
        task_id = tasks[0]["id"]
        self.client.get(f"/api/tasks/{task_id}", name="task detail")
        self.wait()
        self.client.post(f"/api/tasks/{task_id}/complete", json={"data": NOTE}, name="complete")
