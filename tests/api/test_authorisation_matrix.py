"""Least privilege (R-81), as one table: every endpoint x every demo role-holder -> the status they get.

One world is built per module (the demo organisation, the real QA flows, and a case audit of pat's
case C-1001 started by quinn whose draft task ann holds), so each cell is one request. Calls that
would change that world, where they are expected to succeed, get an instance of their own.
Whoever may not see the case gets 404 and never its data: no refused answer, nor any list the
case is not in for them, contains its case reference.
"""
import io
from dataclasses import dataclass, field

import pytest
from sqlalchemy import select

import doors
from app import ROOT
from engine.caller import Caller
from engine.clock import now
from engine.models import Delivery
from engine.outbox import dao_add_event
from engine.people.accounts import CurrentUser
from tests.api.conftest import bearer, seeded_app
from tests.flows.conftest import definition_files
from webhooks.subscriptions import dao_add_subscription

CASE_REF = "C-1001"
CASE = {"case_ref": CASE_REF, "auditor": "ann", "practitioner": "pat", "audit_kind": "audit"}
FLOWS = ("case_audit.bpmn", "audit_alerts.dmn", "findings_deadline.dmn", "reaudit.dmn", "case_audit_settings.dmn",
         "dispute_resolution.bpmn", "dispute_settings.dmn", "child_safety_alert.bpmn")

USERS = ("pat", "tom", "sue", "hal", "ada", "dee", "quinn", "paula", "ann", "pia", "ivan", "olive", "root")
SEES_ACROSS = {"quinn", "paula", "ada", "dee", "root"}  # qa_team, psw/head of QA, AD, director, admin
# Who may see pat's case (team SAS 1 in Safeguarding and Support): those who see across, tom (its
# TM), sue (its SM), hal (HoS), and the people it names: pat and ann (its auditor). Not pia, ivan, olive.
SEES_CASE = SEES_ACROSS | {"tom", "sue", "hal", "pat", "ann"}
OPERATORS = {"root", "quinn", "paula"}  # admin, qa_team, head_of_service_qa
PAT_AND_ABOVE = {"pat", "tom", "sue", "hal", "ada", "root"}  # pat, his TM, SM, HoS, AD; admin
STARTERS = {"quinn", "paula", "root"}  # case_audit names no starters: the default qa_team, head of QA, psw, admin
# Who may raise a child-safety concern on it (R-40): the audit team (quinn, paula) and the people it names
# (ann, its auditor acting on it, pat, its practitioner); its managers see it but act through the alert.
RAISERS = {"quinn", "paula", "ann", "pat"}


def everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(USERS, status)


def only(users: set[str], status: int, others: int = 403) -> dict[str, int]:
    return {u: status if u in users else others for u in USERS}


def on_the_case(users: set[str], status: int) -> dict[str, int]:
    """`users` get `status`; others who may see the case 403; everyone else 404 (R-81)."""
    return {u: status if u in users else 403 if u in SEES_CASE else 404 for u in USERS}


@dataclass
class Row:
    method: str
    path: str  # {instance}, {task}: the shared case audit, or a fresh one for `fresh` cells
    expect: dict[str, int]
    body: dict | None = None
    fresh: str | None = None  # "running", "suspended", "held": a new instance; "subscription": a new one
    upload: bool = False
    lists_case_for: set[str] = field(default_factory=lambda: set(USERS))  # who may find C-1001 in a 200

    def __str__(self):
        return f"{self.method} {self.path}"


NOVEMBER = "from=2026-11-01&to=2026-11-30"
ROWS = [
    Row("DELETE", "/api/session", everyone(204)),
    Row("GET", "/api/openapi.json", everyone(200)),
    Row("GET", "/api/clock", everyone(200)),
    Row("PUT", "/api/clock", everyone(404), body={"now": "2026-12-01T09:00:00+00:00"}),  # not settable here
    Row("GET", "/api/timers", everyone(200), lists_case_for=SEES_CASE),
    Row("POST", "/api/timers/run", only({"root"}, 200)),
    Row("GET", "/api/process-definitions", everyone(200)),
    Row("GET", "/api/process-definitions/case_audit", everyone(200)),
    Row("GET", "/api/process-definitions/case_audit/versions/1/bpmn", everyone(200)),
    Row("POST", "/api/process-definitions", only({"olive"}, 201), upload=True),
    Row("POST", "/api/process-definitions/validate", only({"olive"}, 200), upload=True),
    Row("POST", "/api/process-definitions/diff", only({"olive"}, 200), upload=True),
    Row("GET", "/api/process-definitions/case_audit/versions/1/diff", everyone(200)),
    Row("POST", "/api/process-definitions/case_audit/migration-preview", only({"root", "olive"}, 200), body={}),
    Row("POST", "/api/process-definitions/case_audit/migrate", only({"root", "olive"}, 200),
        body={"version": 1, "instance_ids": [999999]}),
    # Replays are the process owners' (issue 29): the shared one was cancelled, so cancelling it again is 409;
    # asking for one with a bundle that does not parse is 422. Neither changes anything.
    Row("GET", "/api/process-definitions/case_audit/replays", only({"olive"}, 200)),
    Row("POST", "/api/process-definitions/case_audit/replays", only({"olive"}, 422),
        body={"files": {"case_audit.bpmn": "not a diagram"}, "months": 3}),
    Row("GET", "/api/process-definitions/case_audit/replays/{replay}", only({"olive"}, 200)),
    Row("POST", "/api/process-definitions/case_audit/replays/{replay}/cancel", only({"olive"}, 409)),
    Row("GET", "/api/people", only({"root"}, 200)),
    Row("POST", "/api/people", only({"root"}, 201),
        body={"username": "matrix", "name": "Matrix", "roles": ["practitioner"], "team": "sas_1"}),
    Row("GET", "/api/people/pat", only({"root"}, 200)),
    Row("PATCH", "/api/people/pat", only({"root"}, 200), body={"name": "Pat (practitioner)"}),
    Row("GET", "/api/people/pat/history", only({"root"}, 200)),
    # Away periods: the person, the managers of their team and service area, administrators.
    Row("GET", "/api/people/pat/away", only(PAT_AND_ABOVE, 200)),
    Row("POST", "/api/people/pat/away", only(PAT_AND_ABOVE, 422),  # pat cannot cover himself: no change
        body={"cover": "pat", "first_day": "2026-11-04", "last_day": "2026-11-06"}),
    Row("DELETE", "/api/people/pat/away/999999", everyone(404)),
    Row("GET", f"/api/reports/audits?{NOVEMBER}", only(SEES_ACROSS, 200)),
    Row("POST", "/api/process-instances", only(STARTERS, 201), body={"process_id": "case_audit", "data": CASE}),
    Row("GET", "/api/process-instances", everyone(200), lists_case_for=SEES_CASE),
    Row("GET", f"/api/process-instances?case_ref={CASE_REF}", everyone(200), lists_case_for=SEES_CASE),
    Row("GET", "/api/process-instances/{instance}", on_the_case(SEES_CASE, 200)),
    Row("GET", "/api/process-instances/{instance}/history", on_the_case(SEES_CASE, 200)),
    Row("GET", "/api/process-instances/{instance}/notes", on_the_case(SEES_CASE, 200)),
    Row("GET", "/api/process-instances/{instance}/audits", on_the_case(SEES_CASE, 200)),
    Row("POST", "/api/process-instances/{instance}/notes", on_the_case(SEES_CASE, 201), body={"text": "Matrix note"},
        fresh="running"),
    Row("POST", "/api/process-instances/{instance}/concerns", on_the_case(RAISERS, 422), body={"fields": {}}),  # no change
    Row("POST", "/api/process-instances/{instance}/suspend", on_the_case(OPERATORS, 200), body={"reason": "r"},
        fresh="running"),
    Row("POST", "/api/process-instances/{instance}/resume", on_the_case(OPERATORS, 200), body={"reason": "r"},
        fresh="suspended"),
    Row("POST", "/api/process-instances/{instance}/terminate", on_the_case(OPERATORS, 200), body={"reason": "r"},
        fresh="running"),
    # Migrating and retrying are about versions and errors, not cases: the shared instance is on
    # version 1 already (422) and not in error (409), so these cells change nothing.
    Row("POST", "/api/process-instances/{instance}/migrate", on_the_case({"root", "olive"}, 422), body={"version": 1}),
    Row("POST", "/api/process-instances/{instance}/retry", on_the_case({"root"}, 409)),
    Row("GET", "/api/tasks", everyone(200), lists_case_for={"ann"}),
    Row("GET", f"/api/tasks?case_ref={CASE_REF}", everyone(200), lists_case_for={"ann"}),
    Row("GET", "/api/tasks/{task}", on_the_case(SEES_CASE, 200)),
    Row("POST", "/api/tasks/{task}/claim", on_the_case({"ann"}, 200)),  # ann holds it already: no change
    Row("POST", "/api/tasks/{task}/release", on_the_case({"ann"} | OPERATORS, 200), fresh="held"),
    Row("POST", "/api/tasks/{task}/reassign", on_the_case(OPERATORS | {"tom", "sue", "hal", "ada"}, 422),
        body={"to": "nobody", "reason": "r"}),  # no such person: no change
    Row("POST", "/api/tasks/{task}/complete", on_the_case({"ann"}, 422), body={"data": {}}),  # invalid: no change
    Row("GET", "/api/tasks/{task}/draft", on_the_case(SEES_CASE, 200)),  # each sees their own (none yet)
    Row("PUT", "/api/tasks/{task}/draft", on_the_case({"ann"}, 200), body={"data": {"overall_grade": "good"}},
        fresh="running"),
    Row("GET", "/api/webhook-subscriptions", only({"root"}, 200)),
    Row("POST", "/api/webhook-subscriptions", only({"root"}, 201),
        body={"url": "http://127.0.0.1:9/matrix", "events": ["audit.completed"], "secret": "s" * 32}),
    Row("GET", "/api/webhook-subscriptions/{subscription}", only({"root"}, 200)),
    Row("DELETE", "/api/webhook-subscriptions/{subscription}", only({"root"}, 204), fresh="subscription"),
    Row("GET", "/api/webhook-deliveries", only({"root"}, 200)),
    Row("GET", "/api/webhook-deliveries/{delivery}", only({"root"}, 200)),
    Row("POST", "/api/webhook-deliveries/{delivery}/replay", only({"root"}, 409)),  # still pending: no change
    Row("POST", "/api/webhook-deliveries/run", only({"root"}, 200)),
    Row("GET", "/api/outbox", only(OPERATORS, 200)),
    # Messages are the caller's own: pat's (about C-1001) is in pat's list alone, another's is 404.
    # Messages are the caller's own: about C-1001 only for the people it names (pat is told of the
    # audit; the notes other rows add tell its starter, auditor and practitioner), never anyone else.
    Row("GET", "/api/messages", everyone(200), lists_case_for={"pat", "quinn", "ann"}),
    Row("POST", "/api/messages/{message}/read", only({"pat"}, 200, others=404)),
]


@dataclass
class World:
    app: object
    instance: int
    task: str
    subscription: int = 0  # to the shared case audit's task events: its deliveries are pending
    delivery: int = 0
    message: int = 0  # a notification to pat about the shared case audit
    replay: int = 0  # a replay of case_audit olive asked for, then cancelled

    @property
    def engine(self):
        return doors.engine(self.app)

    def token(self, username: str) -> dict:
        return bearer(self.app, username)

    def case_audit(self, state: str = "running") -> tuple[int, str]:
        """A new case audit of pat's case: running, suspended, or with its draft task held by ann."""
        instance = self.engine.start_instance("case_audit", CASE, "quinn")
        [task] = self.engine.reads.ready_tasks(instance_id=instance, element_id="draft_audit")
        if state == "held":
            with self.engine.db.transaction() as session:
                self.engine.claim_in(session, task["id"], "ann")
        if state == "suspended":
            self.engine.suspend(instance, "quinn", "for the matrix")
        return instance, task["id"]

    def subscribe(self) -> int:
        """A subscription to task events at a port nobody listens on: its deliveries stay pending."""
        with self.engine.db.transaction() as session:
            return dao_add_subscription(session, "http://127.0.0.1:9/hook", ["task.ready"], "k" * 32, None,
                                        "root", now()).id

    def tell_pat(self) -> int:
        """A notification to pat about the shared case, written as a step writes one."""
        with self.engine.db.transaction() as session:
            message = dao_add_event(session, "notification", now(), self.instance, CASE_REF, {"link": "/"},
                                    recipients=["pat"], subject=f"About case {CASE_REF}", body="See the case.")
            session.flush()
            return message.id

    def cancelled_replay(self) -> int:
        olive = Caller(self.engine, CurrentUser("olive", frozenset({"process_owner"})))
        replay = olive.request_replay(definition_files(*FLOWS), "case_audit", months=3)
        return olive.cancel_replay(replay["id"])["id"]

    def engine_deliveries(self) -> list[int]:
        with self.engine.db.transaction() as session:
            return list(session.scalars(select(Delivery.id).order_by(Delivery.id)))


@pytest.fixture(scope="module")
def world(migrated_url, tmp_path_factory):
    with seeded_app(migrated_url, tmp_path_factory.mktemp("matrix")) as app:
        doors.engine(app).deploy(definition_files(*FLOWS), "olive")
        world = World(app, 0, "")
        world.subscription = world.subscribe()
        world.instance, world.task = world.case_audit("held")
        world.delivery = world.engine_deliveries()[0]
        world.message = world.tell_pat()
        world.replay = world.cancelled_replay()
        yield world


def _request(world: World, row: Row, username: str):
    instance, task, subscription = world.instance, world.task, world.subscription
    if row.fresh == "subscription" and row.expect[username] < 300:
        subscription = world.subscribe()
    elif row.fresh and row.expect[username] < 300:
        instance, task = world.case_audit(row.fresh)
    path = row.path.format(instance=instance, task=task, subscription=subscription, delivery=world.delivery,
                           message=world.message, replay=world.replay)
    kwargs = {"headers": world.token(username)}
    if row.upload:
        kwargs |= {"data": {"files": (io.BytesIO((ROOT / "forms" / "audit_tool.json").read_bytes()), "audit_tool.json")},
                   "content_type": "multipart/form-data"}
    elif row.body is not None:
        kwargs["json"] = row.body
    return world.app.test_client().open(path, method=row.method, **kwargs)


@pytest.mark.parametrize("username", USERS)
@pytest.mark.parametrize("row", ROWS, ids=str)
def test_who_gets_what(world, row, username):  # R-81
    response = _request(world, row, username)
    body = response.get_data(as_text=True)
    assert response.status_code == row.expect[username], body
    if response.status_code >= 400 or username not in row.lists_case_for:
        assert CASE_REF not in body  # refused, or a list the case is not in for them: never its data


def test_another_teams_practitioner_cannot_reach_pats_case(world):  # R-81
    """pia (CIC 1) asking for pat's case audit and task by id: 404, the same as for ids that do not exist."""
    headers = world.token("pia")
    client = world.app.test_client()
    for path in (f"/api/process-instances/{world.instance}", f"/api/process-instances/{world.instance}/history",
                 f"/api/tasks/{world.task}"):
        response = client.get(path, headers=headers)
        assert response.status_code == 404 and CASE_REF not in response.get_data(as_text=True)
    unknown = client.get("/api/process-instances/999999", headers=headers)
    assert unknown.status_code == 404
    listed = client.get(f"/api/process-instances?case_ref={CASE_REF}", headers=headers).json
    assert listed["items"] == [] and listed["total"] == 0
    assert client.get(f"/api/tasks?case_ref={CASE_REF}", headers=headers).json == []


def test_every_api_route_is_in_the_matrix(world):
    """A new endpoint must be added to the table above (and so decide who may call it)."""
    covered = {(row.method, row.path.split("?")[0].replace("{instance}", "<int:instance_id>")
                .replace("{task}", "<task_id>").replace("{subscription}", "<int:subscription_id>")
                .replace("{delivery}", "<int:delivery_id>").replace("{message}", "<int:message_id>")
                .replace("{replay}", "<int:replay_id>")
                .replace("/away/999999", "/away/<int:period_id>")) for row in ROWS}
    routes = set()
    for rule in world.app.url_map.iter_rules():
        if not rule.rule.startswith("/api/"):
            continue
        path = (rule.rule.replace("<process_id>", "case_audit").replace("<string:process_id>", "case_audit")
                .replace("<int:version>", "1").replace("<string:username>", "pat"))
        routes |= {(method, path) for method in rule.methods - {"HEAD", "OPTIONS"}}
    routes -= {("POST", "/api/session"), ("POST", "/api/webhooks/case-record")}  # public: no role to check
    missing = sorted(routes - covered)
    assert not missing, f"routes without a row in the authorisation matrix: {missing}"
