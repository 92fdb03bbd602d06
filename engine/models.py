"""Tables of the engine: definitions, instances and their projections, and the history.

The instance row holds SpiffWorkflow's state; ready tasks and waiting timers are projections
of it rewritten in the same transaction, so that inboxes and timer sweeps never deserialize.
"""
from datetime import date, datetime, timezone

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes in, aware UTC datetimes out, on every database."""
    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        return None if value is None else value.replace(tzinfo=timezone.utc)


class Base(DeclarativeBase):
    pass


class Role(Base):
    __tablename__ = "role"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    label: Mapped[str] = mapped_column(String(200))


class DefinitionFile(Base):
    """Every file ever deployed; the newest row per file name is the current set."""
    __tablename__ = "definition_file"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    file_name: Mapped[str] = mapped_column(String(255), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[str] = mapped_column(Text)
    deployed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deployed_by: Mapped[str] = mapped_column(String(100))


class ProcessVersion(Base):
    __tablename__ = "process_version"
    __table_args__ = (UniqueConstraint("process_id", "version", name="uq_process_version"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    process_id: Mapped[str] = mapped_column(String(255), index=True)
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(255))
    content_hash: Mapped[str] = mapped_column(String(64))
    specs: Mapped[str] = mapped_column(Text)
    forms: Mapped[dict] = mapped_column(JSON)
    starter_roles: Mapped[list | None] = mapped_column(JSON)  # camunda:candidateStarterGroups; None: default
    start_form: Mapped[str | None] = mapped_column(String(255))  # the start event's camunda:formKey
    bpmn_file_id: Mapped[int] = mapped_column(ForeignKey("definition_file.id"))
    deployed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deployed_by: Mapped[str] = mapped_column(String(100))
    change_note: Mapped[str | None] = mapped_column(Text)  # what the process owner said changed


class ProcessInstance(Base):
    __tablename__ = "process_instance"
    __table_args__ = (
        # A case reference in any letter case (CaseFilter.case): the case's other processes, its history.
        Index("ix_process_instance_case_ref_lower", text("lower(case_ref)")),
        # a case's audits in the order they started: the next audit after one (engine/reporting/actions.py)
        Index("ix_process_instance_case_process", "case_ref", "process_id", "created_at"),
        # the audits of a period's cycles and how many completed: the plan (engine/reporting)
        Index("ix_process_instance_cycle_plan", "cycle", "process_id", "status"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    process_version_id: Mapped[int] = mapped_column(ForeignKey("process_version.id"), index=True)
    process_id: Mapped[str] = mapped_column(String(255), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    case_ref: Mapped[str | None] = mapped_column(String(100), index=True)
    state: Mapped[str] = mapped_column(Text)
    serializer_version: Mapped[str] = mapped_column(String(16))
    revision: Mapped[int] = mapped_column(Integer, default=1)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"), index=True)
    team_id: Mapped[str | None] = mapped_column(String(64), index=True)  # the case's place
    service_area_id: Mapped[str | None] = mapped_column(String(64), index=True)
    cycle: Mapped[str | None] = mapped_column(String(7), index=True)  # "2026-11": the audit cycle it is part of
    started_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    error: Mapped[dict | None] = mapped_column(JSON)


class UserTask(Base):
    """A user task that became ready: who may act on it, by when, and how it ended."""
    __tablename__ = "user_task"
    __table_args__ = (Index("ix_user_task_state_role", "state", "role"),
                      # a person's ways in to their tasks (engine/people/access.py actionable_ids, issue 28):
                      # the ready tasks open to a role they hold, and those they hold
                      Index("ix_user_task_open_role", "state", "open_to_role", "role"),
                      Index("ix_user_task_assignee_state", "assignee", "state"),
                      # which of a person's candidate rows are ready tasks, read from a small index
                      Index("ix_user_task_ready", "id", postgresql_where=text("state = 'ready'"),
                            sqlite_where=text("state = 'ready'")))
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"), index=True)
    process_id: Mapped[str] = mapped_column(String(255))
    element_id: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(64))
    candidates: Mapped[list] = mapped_column(JSON)
    open_to_role: Mapped[bool] = mapped_column(default=False)  # no one named: anyone with the role
    assignee: Mapped[str | None] = mapped_column(String(100))
    case_ref: Mapped[str | None] = mapped_column(String(100), index=True)
    form_key: Mapped[str | None] = mapped_column(String(255))
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(String(16))
    ready_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_by: Mapped[str | None] = mapped_column(String(100))
    spec_id: Mapped[str | None] = mapped_column(String(255))  # its process: the instance's, or one it calls
    urgent: Mapped[str | None] = mapped_column(String(200))  # why it comes first in task lists (a child's safety)


class TaskDraft(Base):
    """A person's answers to a task saved to come back to: theirs alone, not history, dropped when
    the task is completed."""
    __tablename__ = "task_draft"
    task_id: Mapped[str] = mapped_column(ForeignKey("user_task.id"), primary_key=True)
    username: Mapped[str] = mapped_column(String(100), primary_key=True)
    data: Mapped[dict] = mapped_column(JSON)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime)


class TaskCandidate(Base):
    """Who may act on a user task, one row each, so inboxes are plain SQL on every database."""
    __tablename__ = "task_candidate"
    # the tasks naming a person, read from the index alone (engine/people/access.py actionable_ids)
    __table_args__ = (Index("ix_task_candidate_person", "username", "task_id"),)
    task_id: Mapped[str] = mapped_column(ForeignKey("user_task.id"), primary_key=True)
    username: Mapped[str] = mapped_column(String(100), primary_key=True, index=True)


class InstanceParticipant(Base):
    """People named on an instance (its case's practitioner and auditor, its tasks' candidates):
    they may see it whatever their place in the organisation (R-81)."""
    __tablename__ = "instance_participant"
    # the instances naming a person, read from the index alone (engine/people/access.py visible_instances)
    __table_args__ = (Index("ix_instance_participant_person", "username", "instance_id"),)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"), primary_key=True)
    username: Mapped[str] = mapped_column(String(100), primary_key=True, index=True)


class WaitingTimer(Base):
    __tablename__ = "waiting_timer"
    __table_args__ = (Index("ix_waiting_timer_due_at", "due_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"), index=True)
    task_id: Mapped[str] = mapped_column(String(36))
    element_id: Mapped[str] = mapped_column(String(255))
    name: Mapped[str | None] = mapped_column(String(255))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)


class HistoryEvent(Base):
    """Append-only: database triggers refuse UPDATE and DELETE (migration 0001)."""
    __tablename__ = "history_event"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(100))
    event: Mapped[str] = mapped_column(String(64))
    element_id: Mapped[str | None] = mapped_column(String(255))
    detail: Mapped[dict] = mapped_column(JSON, default=dict)


class CaseNote(Base):
    """A note on a case, left on its page or one of its tasks' (engine/instances/notes.py). Append-only like the
    history: a correction is a new note, and database triggers refuse UPDATE and DELETE (migration 0017)."""
    __tablename__ = "case_note"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"), index=True)
    task_id: Mapped[str | None] = mapped_column(String(36))
    author: Mapped[str] = mapped_column(String(100))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


# --- organisation (R-01, R-03, R-04) --------------------------------------------------------

class ServiceArea(Base):
    """A service area and the managers above its teams: SM, head of service, assistant director."""
    __tablename__ = "service_area"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    service_manager: Mapped[str | None] = mapped_column(String(100))
    head_of_service: Mapped[str | None] = mapped_column(String(100))
    assistant_director: Mapped[str | None] = mapped_column(String(100))


class Team(Base):
    __tablename__ = "team"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    service_area_id: Mapped[str] = mapped_column(ForeignKey("service_area.id"), index=True)
    manager: Mapped[str | None] = mapped_column(String(100))


class Person(Base):
    __tablename__ = "person"
    username: Mapped[str] = mapped_column(String(100), primary_key=True)
    display_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(255))
    team_id: Mapped[str | None] = mapped_column(ForeignKey("team.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)


class AwayPeriod(Base):
    """A person away from one day to another (both included), with a named cover who may act on
    their tasks in that window (issue 23). Kept after it ends: who covered whom is history."""
    __tablename__ = "away_period"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(ForeignKey("person.username"), index=True)
    cover: Mapped[str] = mapped_column(ForeignKey("person.username"), index=True)
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
    set_by: Mapped[str] = mapped_column(String(100))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RoleGroup(Base):
    """One role of a group a form field may stand for (`x-role: auditing`), from the organisation
    file's `role_groups`: a person holding any role of the group may be named in that field."""
    __tablename__ = "role_group"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    role_id: Mapped[str] = mapped_column(ForeignKey("role.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)  # the file's order, to name the roles in it


class PersonRole(Base):
    __tablename__ = "person_role"
    username: Mapped[str] = mapped_column(ForeignKey("person.username"), primary_key=True)
    role_id: Mapped[str] = mapped_column(ForeignKey("role.id"), primary_key=True, index=True)


# --- outgoing messages ----------------------------------------------------------------------

class OutboxMessage(Base):
    """An event (a notification, a case-record upload, a task or alert event), written in the
    transaction of the step that produced it, with a delivery row for each place it must reach;
    webhooks/ delivers them."""
    __tablename__ = "outbox_message"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[str] = mapped_column(String(36), unique=True)  # X-Event-Id: the same on every retry
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"), index=True)
    event_type: Mapped[str] = mapped_column(String(64), index=True)
    case_ref: Mapped[str | None] = mapped_column(String(100))
    recipients: Mapped[list] = mapped_column(JSON)
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    payload: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deliveries: Mapped[list["Delivery"]] = relationship(back_populates="message", order_by="Delivery.id")


class MessageRead(Base):
    """When a person read a notification addressed to them (engine/people/inbox.py): their own read state,
    not history. Their messages are found through their email delivery rows, hence the index below."""
    __tablename__ = "message_read"
    message_id: Mapped[int] = mapped_column(ForeignKey("outbox_message.id"), primary_key=True)
    username: Mapped[str] = mapped_column(String(100), primary_key=True)
    read_at: Mapped[datetime] = mapped_column(UTCDateTime)


class WebhookSubscription(Base):
    """Where events of some types are POSTed, signed with the subscription's own secret."""
    __tablename__ = "webhook_subscription"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    events: Mapped[list] = mapped_column(JSON)
    secret: Mapped[str] = mapped_column(String(200))  # kept to sign with; never shown again
    description: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(100))


class Delivery(Base):
    """One event on its way to one place: a webhook subscription, or a person by email.

    Deliveries of one stream (a subscription or person, and an instance) go out in id order: a
    pending one holds back the later ones. A worker leases a delivery before sending it, so two
    workers never send it at once; a lease that expires (the worker died) lets another take it."""
    __tablename__ = "delivery"
    # Partial indexes over pending rows only: they stay small as delivered rows pile up, and the
    # planner finds the head of a stream through ix_delivery_stream even before statistics exist.
    __table_args__ = (Index("ix_delivery_pending", "id", postgresql_where=text("status = 'pending'"),
                            sqlite_where=text("status = 'pending'")),
                      Index("ix_delivery_stream", "stream", "id", postgresql_where=text("status = 'pending'"),
                            sqlite_where=text("status = 'pending'")))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("outbox_message.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))  # webhook | email
    subscription_id: Mapped[int | None] = mapped_column(ForeignKey("webhook_subscription.id"), index=True)
    recipient: Mapped[str | None] = mapped_column(String(100))  # username, for email
    stream: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16))  # pending | delivered | dead | cancelled
    attempts: Mapped[int] = mapped_column(Integer, default=0)  # since created or last replayed
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    leased_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    leased_by: Mapped[str | None] = mapped_column(String(100))
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    message: Mapped[OutboxMessage] = relationship(back_populates="deliveries")


# A person's messages, newest first, and their unread count read this index, not every delivery.
Index("ix_delivery_recipient", Delivery.recipient, Delivery.message_id)


class DeliveryAttempt(Base):
    """Append-only log of every try: when, by which worker, and what the other end answered."""
    __tablename__ = "delivery_attempt"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("delivery.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    worker: Mapped[str] = mapped_column(String(100))
    outcome: Mapped[str] = mapped_column(String(16))  # delivered | failed | refused (permanent)
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    duration_ms: Mapped[int] = mapped_column(Integer)


class SharedClock(Base):
    """The settable clock's time (QA_CLOCK=settable only), so the server and its workers, separate
    processes, read one time."""
    __tablename__ = "shared_clock"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    now: Mapped[datetime] = mapped_column(UTCDateTime)


# --- accounts -----------------------------------------------------------------------------

class Credential(Base):
    """A person's password, hashed (argon2); people who sign in through OIDC have none."""
    __tablename__ = "credential"
    username: Mapped[str] = mapped_column(ForeignKey("person.username"), primary_key=True)
    password_hash: Mapped[str] = mapped_column(String(255))


class SignInThrottle(Base):
    """Wrong passwords of one username ("user:<name>") or address ("address:<ip>") in the current
    window, and until when signing in with it is refused (engine/people/accounts.py)."""
    __tablename__ = "sign_in_throttle"
    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    window_started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ApiToken(Base):
    """A bearer token: only its SHA-256 is stored; it expires and can be revoked."""
    __tablename__ = "api_token"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    username: Mapped[str] = mapped_column(ForeignKey("person.username"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PageSession(Base):
    """A browser signed in to the pages: its cookie holds only a random id, of which the SHA-256 is
    stored here (not a bearer token: a copied cookie opens no API). Expires and is revoked like a token."""
    __tablename__ = "page_session"
    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    username: Mapped[str] = mapped_column(ForeignKey("person.username"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


# --- outcomes for reports (R-60) --------------------------------------------------------------

class AuditOutcome(Base):
    """A completed audit as reports count it, written when the audit completes (one per instance)."""
    __tablename__ = "audit_outcome"
    # Every column the report groups by, after completed_at: a report's GROUP BYs (the figures, the
    # cycles) read this index alone, never the rows (bench/README.md, "Reports").
    __table_args__ = (Index("ix_audit_outcome_report", "completed_at", "overall_grade", "service_area", "audit_kind",
                            "grade_change", "disputed", "dispute_stage", "dispute_outcome", "cycle_year",
                            "cycle_month"),
                      # The audits of one case reference, in any letter case: the next audit sees the last.
                      Index("ix_audit_outcome_case_ref_lower", text("lower(case_ref)")),
                      # the moderation figures' GROUP BY reads this one alone (R-28)
                      Index("ix_audit_outcome_moderation", "completed_at", "auditor", "pre_discussion_grade",
                            "discussed_grade", "accepted_grade", "overall_grade", "qa_returns", "service_area",
                            "audit_kind"),
                      # the previous audit of a case: the one a re-audit's domains are compared with
                      Index("ix_audit_outcome_case", "case_ref", "completed_at"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"), unique=True)
    case_ref: Mapped[str | None] = mapped_column(String(100))
    service_area: Mapped[str | None] = mapped_column(String(64))
    team: Mapped[str | None] = mapped_column(String(64))
    auditor: Mapped[str | None] = mapped_column(String(100))
    practitioner: Mapped[str | None] = mapped_column(String(100))
    audit_kind: Mapped[str] = mapped_column(String(32))
    pre_discussion_grade: Mapped[str | None] = mapped_column(String(32))
    overall_grade: Mapped[str] = mapped_column(String(32))  # the final grade: after discussion or dispute
    previous_grade: Mapped[str | None] = mapped_column(String(32))
    # Moderation: the overall grade after the discussion with the practitioner (as first sent to
    # QA) and as QA accepted it, and how many times QA returned the report; overall_grade is the final one.
    discussed_grade: Mapped[str | None] = mapped_column(String(32))
    accepted_grade: Mapped[str | None] = mapped_column(String(32))
    qa_returns: Mapped[int] = mapped_column(Integer, default=0)
    grade_change: Mapped[str | None] = mapped_column(String(16))  # improved | same | downgraded
    disputed: Mapped[bool] = mapped_column(default=False)  # a dispute was held
    dispute_stage: Mapped[str | None] = mapped_column(String(32))  # the stage it ended at
    dispute_outcome: Mapped[str | None] = mapped_column(String(32))  # grade_upheld | grade_changed
    cycle_year: Mapped[int | None] = mapped_column(Integer)
    cycle_month: Mapped[int | None] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # sent to QA
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime)  # ix_audit_outcome_report leads with it


class AuditDomainGrade(Base):
    """One domain of a completed audit: its grade in the draft (before the discussion with the
    practitioner), after that discussion, as QA accepted it, and final (after any dispute)."""
    __tablename__ = "audit_domain_grade"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    outcome_id: Mapped[int] = mapped_column(ForeignKey("audit_outcome.id"), index=True)
    domain: Mapped[str] = mapped_column(String(100))
    grade_before: Mapped[str | None] = mapped_column(String(32))
    grade_discussed: Mapped[str | None] = mapped_column(String(32))
    grade_accepted: Mapped[str | None] = mapped_column(String(32))
    grade_after: Mapped[str | None] = mapped_column(String(32))
    # A re-audit's domain against the same domain of the case's previous audit, written with the
    # row: improved | same | downgraded; None when either was not graded or there is no previous audit.
    movement: Mapped[str | None] = mapped_column(String(16))


class AuditDeadline(Base):
    """One deadline of a completed audit and whether it was met."""
    __tablename__ = "audit_deadline"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    outcome_id: Mapped[int] = mapped_column(ForeignKey("audit_outcome.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    met: Mapped[bool] = mapped_column()


class AuditDomainDay(Base):
    """How many audits completed on one London day gave a domain one final grade: the domain grade
    rows summed per day as they are written (engine/reporting/day_totals.py). A year's report adds up a few
    thousand of these instead of grouping ten domain rows per audit."""
    __tablename__ = "audit_domain_day"
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    domain: Mapped[str] = mapped_column(String(100), primary_key=True)
    grade: Mapped[str] = mapped_column(String(32), primary_key=True)
    audits: Mapped[int] = mapped_column(Integer)


class AuditDeadlineDay(Base):
    """How many audits completed on one London day met (or missed) one deadline, summed as the
    deadline rows are written."""
    __tablename__ = "audit_deadline_day"
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    met: Mapped[bool] = mapped_column(primary_key=True)
    audits: Mapped[int] = mapped_column(Integer)


class StageChanges:
    """For each stage of an audit (draft -> discussed -> accepted -> final): how many grades were
    compared (both known) and how many changed (R-28). The day totals below share these columns."""
    draft_discussed_compared: Mapped[int] = mapped_column(Integer, default=0)
    draft_discussed_changed: Mapped[int] = mapped_column(Integer, default=0)
    discussed_accepted_compared: Mapped[int] = mapped_column(Integer, default=0)
    discussed_accepted_changed: Mapped[int] = mapped_column(Integer, default=0)
    accepted_final_compared: Mapped[int] = mapped_column(Integer, default=0)
    accepted_final_changed: Mapped[int] = mapped_column(Integer, default=0)


class AuditLearningDay(StageChanges, Base):
    """For the audits completed on one London day, per domain: how many of its re-audit grades
    improved, stayed the same or went down against the case's previous audit, and for each stage of
    the audit how many of its grades were compared (both known) and changed (R-28); summed as the
    domain rows are written (engine/reporting/day_totals.py), as AuditDomainDay is for the final grades."""
    __tablename__ = "audit_learning_day"
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    domain: Mapped[str] = mapped_column(String(100), primary_key=True)
    improved: Mapped[int] = mapped_column(Integer, default=0)
    same: Mapped[int] = mapped_column(Integer, default=0)
    downgraded: Mapped[int] = mapped_column(Integer, default=0)


class AuditModerationDay(StageChanges, Base):
    """For the audits completed on one London day by one auditor ("" for none) whose moderation is
    known (R-28): how many, how many QA returned at least once, QA's returns in all, and for each
    stage how many overall grades were compared (both known) and changed; summed as the outcomes are
    written (engine/reporting/day_totals.py)."""
    __tablename__ = "audit_moderation_day"
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    auditor: Mapped[str] = mapped_column(String(100), primary_key=True)
    audits: Mapped[int] = mapped_column(Integer, default=0)
    qa_returned: Mapped[int] = mapped_column(Integer, default=0)
    qa_returns: Mapped[int] = mapped_column(Integer, default=0)


class AgreedAction(Base):
    """One SMART action agreed in an audit's findings discussion (R-27): written when it is agreed,
    updated when its owner completes it and when the loop is closed, so the reports count actions
    agreed, done on time and overdue without loading instances (R-28)."""
    __tablename__ = "agreed_action"
    # the action figures' GROUP BY reads this index alone (R-28)
    __table_args__ = (Index("ix_agreed_action_report", "agreed_at", "service_area", "team", "audit_kind",
                            "audit_grade", "outcome", "closed_as", "due_at", "completed_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    audit_instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"), index=True)
    actions_instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)  # its place in the list agreed, from 0
    case_ref: Mapped[str | None] = mapped_column(String(100), index=True)
    service_area: Mapped[str | None] = mapped_column(String(64))
    team: Mapped[str | None] = mapped_column(String(64))
    audit_kind: Mapped[str | None] = mapped_column(String(32))
    audit_grade: Mapped[str | None] = mapped_column(String(32))  # the audit's overall grade when agreed
    action: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(100), index=True)
    agreed_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str | None] = mapped_column(String(16))  # None: open | done | not_done
    closed_as: Mapped[str | None] = mapped_column(String(32))  # all_done | carried_into_reaudit
    carried_reason: Mapped[str | None] = mapped_column(Text)


class AlertOutcome(Base):
    """A child-safety alert that ended (R-40 to R-45): the stage it reached and how it ended."""
    __tablename__ = "alert_outcome"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"), unique=True)
    case_ref: Mapped[str | None] = mapped_column(String(100))
    service_area: Mapped[str | None] = mapped_column(String(64))
    raised_from: Mapped[str | None] = mapped_column(String(64))
    final_stage: Mapped[int] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(32))  # resolved | final_decision
    stages_timed_out: Mapped[int] = mapped_column(Integer)
    answered_in_time: Mapped[bool] = mapped_column()  # every stage answered within its deadline
    # The deadlines its response tasks had, in working days, as the deployed diagram gave them (sorted,
    # distinct): the reports name these, never a number of their own. None: recorded before they were kept.
    deadline_days: Mapped[list | None] = mapped_column(JSON)
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class ReplayRun(Base):
    """A replay of a process's past cases on a bundle before it was deployed (issue 29,
    engine/replay/): the job the worker runs (engine/replay/jobs.py), what it replays and what it
    found. The only row a replay writes."""
    __tablename__ = "replay_run"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    process_id: Mapped[str] = mapped_column(String(255), index=True)
    bundle_hash: Mapped[str] = mapped_column(String(64))  # the version's digest a deploy of the bundle gives
    bundle: Mapped[dict | None] = mapped_column(JSON)  # file name -> text: kept here only (null before 0024)
    started_from: Mapped[datetime] = mapped_column(UTCDateTime)  # the cases started in [from, to)
    started_to: Mapped[datetime] = mapped_column(UTCDateTime)
    service_area: Mapped[str | None] = mapped_column(String(64))
    months: Mapped[int | None] = mapped_column(Integer)  # 3, 6 or 12 when the period was chosen so
    status: Mapped[str] = mapped_column(String(16), index=True)  # queued, running, done, cancelled, failed
    done: Mapped[int] = mapped_column(Integer, default=0)  # cases replayed so far
    total: Mapped[int] = mapped_column(Integer, default=0)  # cases selected
    cancel_requested: Mapped[bool] = mapped_column(default=False)  # the worker stops at its next progress
    result: Mapped[dict | None] = mapped_column(JSON)  # ReplayResult.as_dict(), once done
    error: Mapped[str | None] = mapped_column(Text)  # why it failed
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # claimed by a worker
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # done, cancelled or failed
    progressed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # its worker's last sign of life
    claims: Mapped[int] = mapped_column(Integer, default=0)  # times a worker claimed it (1, or 2 when reclaimed)


class InboundEvent(Base):
    """A signed event taken from the case-record system's webhook (R-50): its id, so a replay does
    nothing, written in the same transaction as the instance it started."""
    __tablename__ = "inbound_event"
    event_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    event_type: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    signature: Mapped[str | None] = mapped_column(String(80), unique=True)  # the same request under a new id
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"))
