"""One member of staff at the service over HTTP, on one keep-alive connection (a requests
Session; gunicorn's sync workers close it after each answer, so each call pays a local connect),
signed in to the API with a bearer token and to the pages with their session cookie. Every
call checks its status: a bench that measured error pages would measure nothing."""
import re
import time
from itertools import count

import requests

from .diagram import NOTE
from .http_world import PASSWORD

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_case_numbers = count(1)


class CallFailed(Exception):
    pass


class Staff:
    def __init__(self, base: str, username: str):
        self.base, self.username = base, username
        self.http = requests.Session()
        self.timings: dict[str, list[float]] = {}
        self.statements: dict[str, list[int]] = {}  # as each answer counted them (faces/statements.py)

    def timed(self, name: str, method: str, path: str, expect: int = 200, **kwargs) -> requests.Response:
        """One call, its milliseconds kept under `name`."""
        start = time.perf_counter()
        response = self.http.request(method, self.base + path, allow_redirects=False, **kwargs)
        self.timings.setdefault(name, []).append((time.perf_counter() - start) * 1000)
        if "X-Statements" in response.headers:
            self.statements.setdefault(name, []).append(int(response.headers["X-Statements"]))
        if response.status_code != expect:
            raise CallFailed(f"{self.username}: {method} {path} answered {response.status_code}, expected "
                             f"{expect}: {response.text[:300]}")
        return response

    # --- the API ----------------------------------------------------------------------------

    def sign_in(self) -> None:
        token = self.timed("sign in (API)", "POST", "/api/session",
                           json={"username": self.username, "password": PASSWORD}).json()["token"]
        self.http.headers["Authorization"] = f"Bearer {token}"

    def inbox(self) -> list[dict]:
        return self.timed("inbox (API)", "GET", "/api/tasks").json()

    def task(self, task_id: str) -> dict:
        return self.timed("task detail (API)", "GET", f"/api/tasks/{task_id}").json()

    def complete(self, task_id: str) -> dict:
        return self.timed("complete a task (API)", "POST", f"/api/tasks/{task_id}/complete", json={"data": NOTE}).json()

    def instance(self, instance_id: int) -> dict:
        return self.timed("instance JSON (API)", "GET", f"/api/process-instances/{instance_id}").json()

    def start_case_audit(self, name: str = "start a case_audit (API)") -> int:
        data = {"case_ref": f"HTTP-{next(_case_numbers):06d}", "auditor": "ann", "practitioner": "pat",
                "audit_kind": "audit"}
        return self.timed(name, "POST", "/api/process-instances", expect=201,
                          json={"process_id": "case_audit", "data": data}).json()["id"]

    # --- the pages --------------------------------------------------------------------------

    def sign_in_pages(self) -> None:
        form = self.timed("sign-in page", "GET", "/sign-in").text
        self.timed("sign in (pages)", "POST", "/sign-in", expect=302,
                   data={"username": self.username, "password": PASSWORD, "csrf_token": CSRF.search(form)[1]})

    def page(self, name: str, path: str) -> str:
        return self.timed(name, "GET", path).text
