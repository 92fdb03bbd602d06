"""The ways out: a signed HTTP POST to a webhook subscriber, and email to a person through SMTP or
GOV.UK Notify. A sender never raises: it answers a Result saying whether the other end took the
message, and when it did not, whether trying again could help."""
import json
import smtplib
import ssl
import threading
import time
from email.message import EmailMessage
from email.utils import make_msgid

import requests
from notifications_python_client.errors import HTTPError as NotifyHTTPError
from notifications_python_client.notifications import NotificationsAPIClient

from .delivery import Job, Result
from .destinations import Destinations, RefusedDestination
from .signing import signed_headers

USER_AGENT = "qa-workflow-webhooks/1"
EXCERPT_CHARACTERS = 120  # of a receiver's error answer, kept in last_error
NOTIFY_URL = "https://api.notifications.service.gov.uk"
SMTP_SECURITY = ("starttls", "ssl", "none")


class ConfigurationError(ValueError):
    """A mail setting that cannot work: the service refuses to start rather than lose mail."""


class WebhookSender:
    def __init__(self, timeout: float = 10.0, destinations: Destinations = Destinations()):
        self.timeout, self.destinations = timeout, destinations
        self._local = threading.local()  # one connection pool per sending thread

    def send(self, job: Job) -> Result:
        # X-Timestamp is the real time, not the service's (possibly settable) clock: the receiver
        # judges it against its own clock.
        headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT,
                   **signed_headers(job.secret, job.event_id, job.document, int(time.time()))}
        try:
            self.destinations.check_url(job.url)
            response = self._session().post(job.url, data=job.document, headers=headers, timeout=self.timeout,
                                            allow_redirects=False)
        except RefusedDestination as refused:  # an administrator must change the subscription
            return Result(False, permanent=True, error=f"refused: {refused}")
        except requests.RequestException as error:
            return Result(False, error=_short(f"{type(error).__name__}: {error}"))
        if 200 <= response.status_code < 300:
            return Result(True, status_code=response.status_code)
        # The receiver's own words are kept short and plain: they are shown to administrators.
        return Result(False, status_code=response.status_code,
                      error=f"HTTP {response.status_code}: {excerpt(response.text)}")

    def _session(self) -> requests.Session:
        if not hasattr(self._local, "session"):
            session = requests.Session()
            session.trust_env = False  # no proxy from the environment: deliveries go where they are checked
            for scheme in ("http://", "https://"):
                session.mount(scheme, self.destinations.adapter())
            self._local.session = session
        return self._local.session


class SmtpMailer:
    via = "smtp"

    def __init__(self, host: str, port: int, sender: str, username: str | None = None,
                 password: str | None = None, security: str = "starttls", timeout: float = 10.0):
        if security not in SMTP_SECURITY:
            raise ConfigurationError(f"SMTP_SECURITY must be one of {', '.join(SMTP_SECURITY)}, not {security!r}")
        if not sender:
            raise ConfigurationError("SMTP_FROM (the sender's address) must be set with SMTP_HOST")
        self.host, self.port, self.sender, self.timeout = host, port, sender, timeout
        self.username, self.password, self.security = username, password, security

    def send(self, job: Job) -> Result:
        try:
            with self._connect() as smtp:
                if self.security == "starttls":
                    smtp.starttls(context=ssl.create_default_context())
                if self.username:
                    smtp.login(self.username, self.password or "")
                smtp.send_message(self._message(job))
        except smtplib.SMTPRecipientsRefused as refused:
            return Result(False, permanent=True, error=_short(f"recipient refused: {refused.recipients}"))
        except smtplib.SMTPAuthenticationError as error:  # the service's settings, not the message
            return Result(False, status_code=error.smtp_code, error=_short(f"SMTP login refused: {error}"))
        except smtplib.SMTPResponseException as error:
            return Result(False, permanent=500 <= error.smtp_code < 600, status_code=error.smtp_code,
                          error=_short(f"SMTP {error.smtp_code}: {error.smtp_error!r}"))
        except (smtplib.SMTPException, OSError) as error:
            return Result(False, error=_short(f"{type(error).__name__}: {error}"))
        return Result(True, status_code=250)

    def _connect(self) -> smtplib.SMTP:
        if self.security == "ssl":
            return smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=ssl.create_default_context())
        return smtplib.SMTP(self.host, self.port, timeout=self.timeout)

    def _message(self, job: Job) -> EmailMessage:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self.sender, job.email, job.subject
        message["Message-ID"] = make_msgid(domain=self.sender.rpartition("@")[2] or None)
        message["X-QA-Event-Id"] = job.event_id  # to trace a message back to its event
        message.set_content(job.text)
        return message


class NotifyMailer:
    """GOV.UK Notify: one email template whose personalisation is ((subject)), ((body)),
    ((case_ref)) and ((link)); a process may have its own template (e.g. child-safety alerts)."""
    via = "notify"

    def __init__(self, api_key: str, template_id: str, templates: dict[str, str] | None = None,
                 base_url: str = NOTIFY_URL, timeout: float = 10.0):
        if len(api_key) < 74 or api_key[-37] != "-" or api_key[-74] != "-":
            raise ConfigurationError("NOTIFY_API_KEY is not a Notify API key (<name>-<service id>-<secret>)")
        if not template_id:
            raise ConfigurationError("NOTIFY_TEMPLATE_ID must be set with NOTIFY_API_KEY")
        self.api_key, self.template_id, self.templates = api_key, template_id, dict(templates or {})
        self.base_url, self.timeout = base_url, timeout

    def send(self, job: Job) -> Result:
        client = NotificationsAPIClient(self.api_key, base_url=self.base_url, timeout=self.timeout)  # not thread-safe
        try:
            client.send_email_notification(
                email_address=job.email, template_id=self.templates.get(job.process_id, self.template_id),
                personalisation={"subject": job.subject, "body": job.text, "case_ref": job.case_ref or "",
                                 "link": job.link or ""},
                reference=f"{job.event_id}/{job.recipient}")
        except NotifyHTTPError as error:
            # 400: Notify will never send it (a bad address, a missing template field).
            return Result(False, permanent=error.status_code == 400, status_code=error.status_code,
                          error=_short(f"Notify {error.status_code}: {error.message}"))
        except Exception as error:  # an answer that is not JSON, and the like
            return Result(False, error=_short(f"{type(error).__name__}: {error}"))
        return Result(True, status_code=201)


def mailer_from_settings(settings: dict) -> SmtpMailer | NotifyMailer | None:
    """GOV.UK Notify when NOTIFY_API_KEY is set, else SMTP when SMTP_HOST is set, else None:
    notifications then wait in the outbox."""
    timeout = float(settings.get("DELIVERY_TIMEOUT_SECONDS", 10))
    if settings.get("NOTIFY_API_KEY"):
        try:
            templates = json.loads(settings.get("NOTIFY_TEMPLATE_IDS") or "{}")
        except ValueError:
            raise ConfigurationError("NOTIFY_TEMPLATE_IDS must be a JSON object of process id -> template id") from None
        if not isinstance(templates, dict):
            raise ConfigurationError("NOTIFY_TEMPLATE_IDS must be a JSON object of process id -> template id")
        return NotifyMailer(settings["NOTIFY_API_KEY"], settings.get("NOTIFY_TEMPLATE_ID") or "", templates,
                            settings.get("NOTIFY_BASE_URL") or NOTIFY_URL, timeout)
    if settings.get("SMTP_HOST"):
        return SmtpMailer(settings["SMTP_HOST"], int(settings.get("SMTP_PORT") or 587), settings.get("SMTP_FROM") or "",
                          settings.get("SMTP_USERNAME"), settings.get("SMTP_PASSWORD"),
                          settings.get("SMTP_SECURITY") or "starttls", timeout)
    return None


def _short(text: str, limit: int = 500) -> str:
    return text if len(text) <= limit else text[:limit] + "..."


def excerpt(text: str, limit: int = EXCERPT_CHARACTERS) -> str:
    """A receiver's answer as one short line of printable text."""
    plain = " ".join("".join(c if c.isprintable() else " " for c in text[: limit * 4]).split())
    return plain if len(plain) <= limit else plain[:limit] + "..."
