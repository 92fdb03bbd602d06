"""Notifications reach people by email: through a real SMTP server (aiosmtpd) on 127.0.0.1, or a
stand-in for GOV.UK Notify that checks the client's JWT as Notify does. Messages carry the case
reference and a link, never a child's name (R-81); without a mail service they wait in the outbox."""
import random
from email import message_from_bytes
from email.policy import default

from sqlalchemy import select, update

from engine.models import Delivery, Person
from tests.fixtures.diagrams import NOTE_FORM, scripted
from tests.webhooks.conftest import NOTIFY_API_KEY
from webhooks.delivery import RetryPolicy, dao_replay
from webhooks.dispatcher import Dispatcher
from webhooks.senders import NotifyMailer, SmtpMailer

CASE = {"case_ref": "C-1001", "practitioner": "pat", "auditor": "ann", "child_name": "Jo Bloggs"}
ALERT = ('notify(["practitioner", "team_manager", "service_manager"], '
         '"URGENT: child safety concern on case {case_ref}", '
         '"A concern about {child_name} on case {case_ref} needs discussing now. {link}")')
POLICY = RetryPolicy(max_attempts=3, backoff_seconds=60)


def start(engine, pid: str = "scripted", script: str = ALERT, data: dict = CASE) -> int:
    engine.deploy({f"{pid}.bpmn": scripted(pid=pid, script=script), "note.json": NOTE_FORM}, "olive")
    return engine.start_instance(pid, data, "quinn")


def email_deliveries(engine) -> list[Delivery]:
    with engine.db.transaction() as session:
        return list(session.scalars(select(Delivery).where(Delivery.channel == "email").order_by(Delivery.id)))


def smtp_dispatcher(engine, smtp_server) -> Dispatcher:
    controller, _ = smtp_server
    mailer = SmtpMailer(controller.hostname, controller.port, "qa-workflow@council.example", security="none")
    return Dispatcher(engine.db, mailer, POLICY, timeout=5, rng=random.Random(3))


def test_a_notification_is_emailed_to_each_person_with_the_case_and_a_link_and_no_name(org, smtp_server):
    # R-19 R-40 R-81
    instance_id = start(org)
    assert smtp_dispatcher(org, smtp_server).deliver_due() == 3
    _, handler = smtp_server
    by_address = {envelope.rcpt_tos[0]: envelope for envelope in handler.messages}  # sent side by side
    assert sorted(by_address) == ["pat@council.example", "sue@council.example", "tom@council.example"]
    email = message_from_bytes(by_address["pat@council.example"].content, policy=default)
    assert email["Subject"] == "URGENT: child safety concern on case C-1001"
    assert email["From"] == "qa-workflow@council.example" and email["To"] == "pat@council.example"
    text = email.get_content()
    assert "C-1001" in text and f"/instances/{instance_id}" in text
    assert not any(b"Jo Bloggs" in envelope.content for envelope in handler.messages) and "[withheld]" in text
    assert all(d.status == "delivered" for d in email_deliveries(org))


def test_a_recipient_the_mail_server_refuses_is_dead_at_once_and_the_others_still_get_it(org, smtp_server):
    _, handler = smtp_server
    handler.refuse = {"tom@council.example"}
    start(org)
    assert smtp_dispatcher(org, smtp_server).deliver_due() == 2
    statuses = {d.recipient: (d.status, d.attempts) for d in email_deliveries(org)}
    assert statuses == {"pat": ("delivered", 1), "tom": ("dead", 1), "sue": ("delivered", 1)}


def test_a_person_without_an_address_is_dead_until_an_admin_gives_one_and_replays(org, smtp_server, clock):
    with org.db.transaction() as session:
        session.execute(update(Person).where(Person.username == "tom").values(email=None))
    start(org)
    worker = smtp_dispatcher(org, smtp_server)
    assert worker.deliver_due() == 2
    [toms] = [d for d in email_deliveries(org) if d.recipient == "tom"]
    assert (toms.status, toms.last_error) == ("dead", "tom has no email address")
    with org.db.transaction() as session:
        session.execute(update(Person).where(Person.username == "tom").values(email="tom.m@council.example"))
        dao_replay(session, toms.id, "root", clock.now())
    assert worker.deliver_due() == 1
    assert smtp_server[1].messages[-1].rcpt_tos == ["tom.m@council.example"]


def test_while_the_mail_server_is_down_emails_wait_and_are_retried(org, smtp_server, clock):
    controller, handler = smtp_server
    start(org)
    down = SmtpMailer("127.0.0.1", 9, "qa-workflow@council.example", security="none")  # nobody listens on 9
    assert Dispatcher(org.db, down, POLICY, timeout=2).deliver_due() == 0
    assert {(d.status, d.attempts) for d in email_deliveries(org)} == {("pending", 1)}
    clock.advance(minutes=5)
    assert smtp_dispatcher(org, smtp_server).deliver_due() == 3


def test_without_a_mail_service_notifications_wait_in_the_outbox_and_go_once_one_is_configured(org, smtp_server):
    start(org)
    assert Dispatcher(org.db, None, POLICY).deliver_due() == 0
    assert [(d.status, d.attempts) for d in email_deliveries(org)] == [("pending", 0)] * 3  # never tried
    assert smtp_dispatcher(org, smtp_server).deliver_due() == 3


def notify_dispatcher(engine, server, templates=None) -> Dispatcher:
    """One sending thread, so the stand-in's answers meet the recipients in their order (pat, tom, sue)."""
    mailer = NotifyMailer(NOTIFY_API_KEY, "default-template", templates, base_url=server.url, timeout=5)
    return Dispatcher(engine.db, mailer, POLICY, timeout=5, threads=1, rng=random.Random(5))


def test_gov_uk_notify_gets_each_email_signed_with_the_services_key(org, notify_server):  # R-19 R-81
    instance_id = start(org)
    assert notify_dispatcher(org, notify_server).deliver_due() == 3
    first = notify_server.taken()[0].json
    assert first["email_address"] == "pat@council.example" and first["template_id"] == "default-template"
    assert first["personalisation"]["subject"] == "URGENT: child safety concern on case C-1001"
    assert first["personalisation"]["case_ref"] == "C-1001"
    assert first["personalisation"]["link"].endswith(f"/instances/{instance_id}")
    assert "Jo Bloggs" not in str(first) and first["reference"].endswith("/pat")


def test_a_process_can_have_its_own_notify_template(org, notify_server):
    start(org, pid="alerting")
    notify_dispatcher(org, notify_server, {"alerting": "alert-template"}).deliver_due()
    assert {r.json["template_id"] for r in notify_server.taken()} == {"alert-template"}


def test_notify_refusing_an_address_is_dead_and_a_server_error_is_retried(org, notify_server, clock):
    bad_address = (400, {"status_code": 400, "errors": [
        {"error": "ValidationError", "message": "email_address Not a valid email address"}]})
    notify_server.answers = [bad_address, 500]
    start(org)
    worker = notify_dispatcher(org, notify_server)
    assert worker.deliver_due() == 1
    statuses = [(d.status, d.attempts) for d in email_deliveries(org)]
    assert statuses == [("dead", 1), ("pending", 1), ("delivered", 1)]
    assert "Not a valid email address" in email_deliveries(org)[0].last_error
    clock.advance(minutes=5)
    assert worker.deliver_due() == 1


def test_a_wrong_notify_key_is_refused_by_notify_and_retried_not_lost(org, notify_server):
    start(org)
    wrong = NotifyMailer(NOTIFY_API_KEY[:-4] + "0000", "t", base_url=notify_server.url)
    assert Dispatcher(org.db, wrong, POLICY).deliver_due() == 0
    assert {(d.status, d.last_error.split(":")[0]) for d in email_deliveries(org)} == {("pending", "Notify 403")}
