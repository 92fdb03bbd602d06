"""The Flask application: configuration, the engine it wraps, a health page and CLI commands."""
import json
import os
import secrets
import signal
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import click
from flask import Flask, jsonify, request
from sqlalchemy import func, select, text

import doors
from api import init_api
from api.oidc import init_oidc
from engine.calendar import WorkingCalendar, parse_closure_days
from engine.clock import SettableClock, get_clock, now, set_clock, sync_clock
from engine.db import Database
from engine.definitions.bundle import file_kind
from engine.errors import Unavailable
from engine.instances.worker import configure_logging, every, run_worker
from engine.models import ProcessVersion
from engine.people.accounts import dao_set_password, purge_ended_sign_ins
from engine.people.organisation import seed_organisation
from engine.people.passwords import password_problem
from engine.schema import upgrade
from engine.scripts.budget import MAX_STATE_BYTES
from engine.workflow_engine import WorkflowEngine
from faces.statements import count_statements
from web import init_web
from webhooks.delivery import RetryPolicy
from webhooks.destinations import Destinations
from webhooks.dispatcher import Dispatcher
from webhooks.senders import ConfigurationError, mailer_from_settings

ROOT = Path(__file__).resolve().parent
DEFINITION_DIRS = (ROOT / "processes", ROOT / "forms")


DEMO_PASSWORD = "change-me-demo"
SECRET_FILE = "secret_key"  # in the instance folder: the development secret when QA_SECRET_KEY is unset
OIDC_SETTINGS = ("OIDC_ISSUER", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET", "OIDC_ROLE_CLAIM", "OIDC_ROLE_MAP",
                 "OIDC_USERNAME_CLAIM")
# Email to people: GOV.UK Notify, or SMTP (webhooks/senders.py). Unset: notifications wait in the outbox.
MAIL_SETTINGS = ("NOTIFY_API_KEY", "NOTIFY_TEMPLATE_ID", "NOTIFY_TEMPLATE_IDS", "NOTIFY_BASE_URL", "SMTP_HOST",
                 "SMTP_PORT", "SMTP_FROM", "SMTP_USERNAME", "SMTP_PASSWORD", "SMTP_SECURITY")


def default_settings(instance_path: str) -> dict:
    return {
        "DATABASE_URL": os.environ.get("DATABASE_URL", f"sqlite:///{instance_path}/qa.db"),
        "CLOSURE_DAYS": os.environ.get("QA_CLOSURE_DAYS", ""),
        "PUBLIC_URL": os.environ.get("QA_PUBLIC_URL", "http://127.0.0.1:5000"),
        "ENVIRONMENT": os.environ.get("QA_ENV", "development"),  # "production" hardens the settings
        "CLOCK": os.environ.get("QA_CLOCK", "system"),  # "settable": PUT /api/clock (never in production)
        "TOKEN_HOURS": int(os.environ.get("QA_TOKEN_HOURS", "12")),
        "SIGN_IN_KEPT_DAYS": int(os.environ.get("QA_SIGN_IN_KEPT_DAYS", "30")),  # then ended ones are deleted
        "DEMO_PASSWORD": os.environ.get("DEMO_PASSWORD", DEMO_PASSWORD),
        "MAX_CONTENT_LENGTH": int(os.environ.get("QA_MAX_UPLOAD_BYTES", str(5 * 1024 * 1024))),
        "SECRET_KEY": os.environ.get("QA_SECRET_KEY"),  # signs OIDC sign-in state; required in production
        "WEBHOOK_SECRET": os.environ.get("WEBHOOK_SECRET"),  # signs case-record events; unset: the webhook answers 503
        # Hosts, addresses or networks webhooks may reach although not public, e.g. "mosaic.internal, 10.20.0.0/16"
        "WEBHOOK_ALLOWED_HOSTS": os.environ.get("QA_WEBHOOK_ALLOWED_HOSTS", ""),
        "COUNCIL_NAME": os.environ.get("QA_COUNCIL_NAME", "Northshire County Council"),  # in the pages' header
        "COUNT_STATEMENTS": bool(os.environ.get("QA_COUNT_STATEMENTS")),  # X-Statements on answers: the bench's
        "MAX_STATE_BYTES": int(os.environ.get("QA_MAX_STATE_BYTES", str(MAX_STATE_BYTES))),
        "DELIVERY_MAX_ATTEMPTS": int(os.environ.get("QA_DELIVERY_MAX_ATTEMPTS", "12")),  # then dead-lettered
        "DELIVERY_TIMEOUT_SECONDS": float(os.environ.get("QA_DELIVERY_TIMEOUT_SECONDS", "10")),
        "DELIVERY_BACKOFF_SECONDS": float(os.environ.get("QA_DELIVERY_BACKOFF_SECONDS", "5")),  # doubles each retry
        "DELIVERY_BACKOFF_MAX_SECONDS": float(os.environ.get("QA_DELIVERY_BACKOFF_MAX_SECONDS", "3600")),
        **{key: os.environ[key] for key in (*OIDC_SETTINGS, *MAIL_SETTINGS) if key in os.environ},
    }


def create_app(test_config: dict | None = None, instance_path: str | None = None) -> Flask:
    app = Flask(__name__, instance_path=instance_path or str(ROOT / "instance"))
    app.config.from_mapping(default_settings(app.instance_path))
    if test_config:
        app.config.update(test_config)
    _choose_clock(app.config)
    _choose_secret(app.config, Path(app.instance_path))
    database = Database(app.config["DATABASE_URL"])
    if app.config["COUNT_STATEMENTS"] and not _in_production(app.config):
        count_statements(app, database.engine)
    calendar = WorkingCalendar(parse_closure_days(app.config["CLOSURE_DAYS"]))
    doors.install(app, WorkflowEngine(database, calendar, app.config["PUBLIC_URL"], app.config["MAX_STATE_BYTES"]),
                    _dispatcher(app.config, database))
    if app.config["CLOCK"] == "settable":  # /health reads no time: it says the database is down, not the clock
        app.before_request(lambda: None if request.path == "/health" else sync_clock(database, get_clock()))
    app.get("/health")(health)
    init_api(app)
    init_oidc(app)
    init_web(app)
    _register_cli(app)
    return app


def _choose_secret(config: dict, instance_folder: Path) -> None:
    if not config.get("SECRET_KEY"):
        if _in_production(config):
            raise RuntimeError("QA_SECRET_KEY must be set in production")
        config["SECRET_KEY"] = development_secret(instance_folder / SECRET_FILE)


def _in_production(config: dict) -> bool:
    return config["ENVIRONMENT"] == "production"


def development_secret(path: Path) -> str:
    """The secret kept in `path`, made the first time. Every gunicorn worker, the `flask worker` and a
    restarted server read the same one: a key of each process's own would refuse the others' session
    cookies and sign-in forms. It sits in the instance folder (not beside the SQLite file) because
    that folder exists with PostgreSQL too, is Flask's place for a deployment's own files and is
    not in git."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f"{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(secrets.token_hex(32))
        try:
            os.link(draft, path)  # atomic, and refused if another process made it first: theirs stands
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text().strip()


def _choose_clock(config: dict) -> None:
    if config["CLOCK"] == "settable":
        if _in_production(config):
            raise RuntimeError("QA_CLOCK=settable is for demos and acceptance checks, never in production")
        if not isinstance(get_clock(), SettableClock):
            set_clock(SettableClock())
    elif config["CLOCK"] != "system":
        raise RuntimeError(f"QA_CLOCK must be 'system' or 'settable', not {config['CLOCK']!r}")


def _dispatcher(config: dict, database: Database) -> Dispatcher:
    try:
        mailer = mailer_from_settings(config)
    except ConfigurationError as error:
        raise RuntimeError(str(error)) from None
    policy = RetryPolicy(config["DELIVERY_MAX_ATTEMPTS"], config["DELIVERY_BACKOFF_SECONDS"],
                         config["DELIVERY_BACKOFF_MAX_SECONDS"])
    # A settable clock stands still (or in the past) between moves: retries still come in real time.
    clock = _later_of_clock_and_wall if config["CLOCK"] == "settable" else now
    return Dispatcher(database, mailer, policy, config["DELIVERY_TIMEOUT_SECONDS"], now=clock,
                      destinations=Destinations.from_setting(config["WEBHOOK_ALLOWED_HOSTS"]))


def _later_of_clock_and_wall() -> datetime:
    return max(now(), datetime.now(timezone.utc))


def health():
    """Liveness and readiness: the database answers and definitions are deployed."""
    try:
        with doors.engine().db.reading() as session:
            session.execute(text("SELECT 1"))
            processes = session.scalar(select(func.count(func.distinct(ProcessVersion.process_id))))
    except Exception:
        return jsonify(status="unavailable", database="unreachable"), 503, {"Retry-After": str(Unavailable.retry_after)}
    return jsonify(status="ok", database="ok", deployed_processes=processes)


def definition_files(directories=DEFINITION_DIRS) -> dict[str, bytes]:
    """Every BPMN, DMN and form file under the given folders, keyed by file name."""
    files = {}
    for directory in directories:
        for path in sorted(Path(directory).rglob("*")):
            if path.is_file() and file_kind(path.name):
                files[path.name] = path.read_bytes()
    return files


def worker_jobs(app: Flask) -> list:
    """What a worker does at each tick: read the shared clock (when settable), fire due timers,
    deliver the outbox; and once an hour, delete sign-ins that ended long ago."""
    engine, dispatcher = doors.engine(app), doors.dispatcher(app)
    kept_for = timedelta(days=app.config["SIGN_IN_KEPT_DAYS"])
    jobs = [("timers", engine.fire_due_timers), ("deliveries", dispatcher.deliver_due),
            ("sign-ins purged", every(timedelta(hours=1), lambda: purge_ended_sign_ins(engine.db, kept_for)))]
    if app.config["CLOCK"] == "settable":
        jobs.insert(0, ("clock", lambda: sync_clock(engine.db, get_clock()) or 0))
    return jobs


def replay_jobs(app: Flask) -> list:
    """What the worker's second loop does: run the oldest queued replay (engine/replay/jobs.py). A
    replay takes up to a minute; in a loop of its own, no timer or delivery waits for it."""
    return [("replays run", doors.engine(app).run_queued_replays)]


def _register_cli(app: Flask) -> None:
    @app.cli.command("db-upgrade")
    def db_upgrade():
        """Apply the database migrations."""
        upgrade(app.config["DATABASE_URL"])
        click.echo("database at the newest schema")

    @app.cli.command("worker")
    @click.option("--interval", default=5.0, show_default=True, help="seconds between ticks")
    @click.option("--once", is_flag=True, help="one tick, then exit (for cron or a check)")
    def worker(interval, once):
        """Fire due timers and deliver the outbox every few seconds until stopped (SIGINT/SIGTERM)."""
        configure_logging()
        stop = threading.Event()
        previous = {s: signal.signal(s, lambda *_: stop.set()) for s in (signal.SIGINT, signal.SIGTERM)}
        ticks = 1 if once else None
        replays = threading.Thread(target=run_worker, args=(replay_jobs(app), interval, stop, ticks),
                                   name="replays", daemon=True)
        try:
            replays.start()
            totals = run_worker(worker_jobs(app), interval, stop, ticks)
            replays.join()  # a stopping worker lets the replay under way end (a killed one's is taken again)
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        click.echo(f"worker stopped; {totals['timers']} timer(s) fired, {totals['deliveries']} event(s) delivered")

    @app.cli.command("seed-demo")
    def seed_demo():
        """Seed the demo organisation (data/demo_organisation.json) into an empty directory; refused in
        production, where every person (root, an admin, too) would get the published demo password."""
        if _in_production(app.config):
            raise click.ClickException("seed-demo is refused in production (QA_ENV=production): it would give "
                                       "every demo person, the administrator root among them, the published "
                                       "demo password")
        problem = password_problem(app.config["DEMO_PASSWORD"])
        if problem:  # before anything is written: the organisation is seeded with its passwords or not at all
            raise click.ClickException(f"DEMO_PASSWORD is refused: {problem}")
        document = json.loads((ROOT / "data" / "demo_organisation.json").read_text())
        with doors.engine(app).db.transaction() as session:
            seeded = seed_organisation(session, document)
            for person in document["people"] if seeded else []:
                dao_set_password(session, person["username"], app.config["DEMO_PASSWORD"])
        click.echo("demo organisation seeded" if seeded else "people exist already: nothing seeded")

    @app.cli.command("deploy")
    @click.argument("directories", nargs=-1, type=click.Path(exists=True, file_okay=False))
    def deploy(directories):
        """Deploy the BPMN, DMN and form files of processes/ and forms/ (or the given folders)."""
        files = definition_files(directories or DEFINITION_DIRS)
        if not files:
            click.echo("no definition files to deploy")
            return
        for d in doors.engine(app).deploy(files, actor="system"):
            click.echo(f"{d.process_id} version {d.version}{'' if d.created else ' (unchanged)'}")
