"""Item 8: webhooks go to public addresses only, unless QA_WEBHOOK_ALLOWED_HOSTS names the host;
checked when subscribing, at every delivery and on the connection made. A receiver's answer is
kept only as a short, plain excerpt."""
import random
import socket

import pytest

import doors
from app import create_app
from engine.models import Delivery
from tests.api.conftest import bearer
from tests.fixtures.diagrams import chain_bundle
from tests.fixtures.servers import LOCAL, Server
from tests.webhooks.conftest import subscribe
from webhooks.destinations import Destinations, RefusedDestination
from webhooks.dispatcher import Dispatcher

CASE = {"case_ref": "C-1001", "auditor": "ann", "practitioner": "pat"}


@pytest.fixture
def strict(org):
    """The app as deployed: no allow-list."""
    app = create_app({"DATABASE_URL": org.db.url, "TESTING": True})
    yield app
    doors.engine(app).db.dispose()


@pytest.mark.parametrize("url, kind", [
    ("http://127.0.0.1:8080/hook", "loopback"), ("http://localhost/hook", "loopback"),
    ("http://169.254.169.254/latest/meta-data/", "link-local"), ("http://10.1.2.3/hook", "private"),
    ("http://192.168.0.10/hook", "private"), ("http://[::1]/hook", "loopback"),
    ("http://0.0.0.0/hook", "private"),
])
def test_subscribing_to_an_internal_address_is_refused(strict, url, kind):
    client = strict.test_client()
    body = {"url": url, "events": ["task.ready"], "secret": "s" * 32}
    response = client.post("/api/webhook-subscriptions", json=body, headers=bearer(strict, "root"))
    assert response.status_code == 422 and kind in response.json["errors"]["url"][0]


def test_the_allow_list_names_what_may_be_internal():
    allowed = Destinations.from_setting("mosaic.internal, 10.20.0.0/16")
    allowed.check_address("10.20.3.4")
    allowed.check_address("10.9.9.9", host="mosaic.internal")
    with pytest.raises(RefusedDestination, match="private"):
        allowed.check_address("10.21.0.1")
    with pytest.raises(RefusedDestination, match="loopback"):
        allowed.check_address("::ffff:127.0.0.1")  # IPv4 in IPv6 clothing


@pytest.fixture
def receiver_answering_badly():
    body = {"error": "boom\x1b[31m" + "x" * 5000 + "\r\nSet-Cookie: a=b"}
    server = Server(default=(500, body)).start()
    yield server
    server.stop()


def test_a_delivery_is_checked_again_and_refused_for_good(org, receiver_answering_badly):
    org.deploy(chain_bundle(), "olive")
    subscribe(org, receiver_answering_badly.url + "/hook", ["task.ready"])  # stored when it was allowed
    org.start_instance("chain", CASE, "quinn")
    strict = Dispatcher(org.db, timeout=2, rng=random.Random(1))  # the allow-list was then removed
    assert strict.deliver_due() == 0
    with org.db.transaction() as session:
        [delivery] = session.query(Delivery).all()
        assert delivery.status == "dead" and delivery.last_error.startswith("refused: ")
    assert receiver_answering_badly.requests == []


def test_a_name_resolving_elsewhere_at_connection_time_is_refused(org, receiver_answering_badly, monkeypatch):
    """DNS rebinding: the name looks public when checked, and the socket reaches loopback."""
    import webhooks.destinations as destinations
    public = [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", 0))]
    monkeypatch.setattr(destinations, "resolve", lambda host: public)
    sender = Dispatcher(org.db).senders["webhook"]
    sender.destinations.check_url(receiver_answering_badly.url)  # passes: the name "is" public
    with pytest.raises(RefusedDestination, match="loopback"):
        sender._session().post(receiver_answering_badly.url + "/hook", data=b"{}", timeout=2)
    assert receiver_answering_badly.requests == []


def test_a_receivers_answer_is_kept_short_and_plain(org, receiver_answering_badly):
    org.deploy(chain_bundle(), "olive")
    subscribe(org, receiver_answering_badly.url + "/hook", ["task.ready"])
    org.start_instance("chain", CASE, "quinn")
    Dispatcher(org.db, timeout=2, rng=random.Random(1), destinations=LOCAL).deliver_due()
    with org.db.transaction() as session:
        [delivery] = session.query(Delivery).all()
        error = delivery.last_error
    assert error.startswith("HTTP 500: ") and len(error) < 150
    assert all(c.isprintable() for c in error) and "\x1b" not in error
