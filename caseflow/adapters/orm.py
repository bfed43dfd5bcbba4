"""ORM mapping of the domain's records: agencies, users, cases and what hangs off a case.

Typed SQLAlchemy 2 declarative models. Times are stored as naive UTC (the same on SQLite and
PostgreSQL, so audit hashes are computed over identical values); pages convert to
Asia/Shanghai. Constraint names follow one convention so Alembic can drop them later.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from caseflow.domain.moments import utcnow
from caseflow.domain.vocabulary import (
    AGENCY_KINDS,
    CLOCK_STATUSES,
    EXTENSION_REQUEST_STATUSES,
    HANDOFF_STATUSES,
    IP_RIGHT_KINDS,
    LINK_KINDS,
    OVERRIDE_REQUEST_STATUSES,
    PARTY_KINDS,
    PARTY_ORIGINS,
    PARTY_ROLES,
    ROLES,
)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class Agency(Base):
    """A body that works cases: a market-supervision bureau, a customs office, a court …"""

    __tablename__ = "agencies"
    __table_args__ = (CheckConstraint(_in("kind", AGENCY_KINDS), name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    city: Mapped[str] = mapped_column(String(64), default="宁波")
    # close of office hours: a submission handed in at the counter is due by then on the
    # period's last day (海关实施办法 art. 41(2)); HH:MM, Asia/Shanghai
    office_closes_at: Mapped[str] = mapped_column(String(5), default="17:00",
                                                  server_default="17:00")


class User(Base):
    """A person acting on cases; belongs to one agency and holds one or more roles."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    supervisor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    email: Mapped[str | None] = mapped_column(String(200))
    organisation: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)
    # sign-in for people: an argon2id hash (None: this user cannot sign in with a password);
    # ``password_demo`` marks the demo's shared password, which works in demo mode only
    password_hash: Mapped[str | None] = mapped_column(String(255))
    password_demo: Mapped[bool] = mapped_column(default=False, server_default=false())
    password_changed_at: Mapped[datetime | None] = mapped_column(DateTime)
    # the pages' language the user chose (zh_Hans_CN or en; None: the default, Chinese)
    locale: Mapped[str | None] = mapped_column(String(16))

    agency: Mapped[Agency] = relationship(lazy="joined")
    role_rows: Mapped[list[UserRole]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(r.role for r in self.role_rows)


class ApiToken(Base):
    """A bearer token another system calls the API with: it acts as its user (a service
    account of one agency, with that user's roles). Only the SHA-256 of the secret is kept —
    a random 256-bit secret needs no slow hash — so a stolen table lets nobody call the API."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    secret_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime)
    # the demo's token: it works only while the app runs in demo mode, like the demo password
    demo: Mapped[bool] = mapped_column(default=False, server_default=false())

    user: Mapped[User] = relationship(lazy="joined")


SIGN_IN_OUTCOMES = ("ok", "failed", "refused")
LOCK_SCOPES = ("account", "address")


class SignInAttempt(Base):
    """One try at signing in: the name typed (whether or not such a user exists), the
    address it came from and how it ended — what lock-out and rate limits count."""

    __tablename__ = "sign_in_attempts"
    __table_args__ = (
        CheckConstraint(_in("outcome", SIGN_IN_OUTCOMES), name="outcome"),
        Index("ix_sign_in_attempts_username_at", "username", "at"),
        Index("ix_sign_in_attempts_address_at", "address", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    username: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(16))


class SignInLock(Base):
    """An account name or an address locked out of signing in until ``locked_until``."""

    __tablename__ = "sign_in_locks"
    __table_args__ = (
        CheckConstraint(_in("scope", LOCK_SCOPES), name="scope"),
        Index("ix_sign_in_locks_scope_key", "scope", "key", "locked_until"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(16))
    key: Mapped[str] = mapped_column(String(64))
    locked_at: Mapped[datetime] = mapped_column(DateTime)
    locked_until: Mapped[datetime] = mapped_column(DateTime)


class WebSession(Base):
    """A person's signed-in session: the cookie holds a random secret, the table its
    SHA-256, when it began and when it was last seen (idle and absolute timeouts), and
    when and why it ended (signed out, expired, password changed, user deactivated)."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    secret_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    address: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime)
    end_reason: Mapped[str | None] = mapped_column(String(32))

    user: Mapped[User] = relationship(lazy="joined")


class UserRole(Base):
    __tablename__ = "user_roles"
    __table_args__ = (CheckConstraint(_in("role", ROLES), name="role"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(32), primary_key=True)


class WorkflowDefinitionRow(Base):
    """The exact text of every workflow version a case ever ran on.

    Running cases keep their version; storing the text means a case stays workable even when
    its file is edited or removed from ``workflows/``.
    """

    __tablename__ = "workflow_definitions"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    effective_from: Mapped[date | None] = mapped_column(Date)
    title_zh: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(Text)
    digest: Mapped[str] = mapped_column(String(64))
    loaded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Case(Base):
    """One case: a state machine instance with an optimistic-lock version counter.

    ``status`` holds the workflow state (named so it cannot shadow a trigger, see
    LIBRARY-NOTES). ``audit_seq``/``audit_head`` are the head of the case's audit chain, so
    verification also notices events removed from the end.
    """

    __tablename__ = "cases"
    __table_args__ = (
        ForeignKeyConstraint(
            ["workflow_key", "workflow_version"],
            ["workflow_definitions.key", "workflow_definitions.version"],
            name="fk_cases_workflow_definitions",
        ),
        Index("ix_cases_agency_status", "agency_id", "status"),
        Index("ix_cases_workflow", "workflow_key", "workflow_version", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(64), unique=True)
    case_type: Mapped[str] = mapped_column(String(64))
    workflow_key: Mapped[str] = mapped_column(String(64))
    workflow_version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    received_on: Mapped[date] = mapped_column(Date)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    # the industry the infringement is in (vocabulary.INDUSTRIES), for the supervisor's reports
    industry: Mapped[str | None] = mapped_column(String(32), nullable=True)
    audit_seq: Mapped[int] = mapped_column(Integer, default=0)
    audit_head: Mapped[str] = mapped_column(String(64), default="")
    # the keyed seal over every row the case shows (caseflow.domain.audit.seal_digests)
    seal: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)

    agency: Mapped[Agency] = relationship(lazy="joined")
    assignee: Mapped[User | None] = relationship(lazy="select")
    parties: Mapped[list[Party]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="Party.id"
    )
    ip_rights: Mapped[list[IPRight]] = relationship(
        secondary="case_ip_rights", order_by="IPRight.id"
    )
    evidence: Mapped[list[Evidence]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="Evidence.id"
    )

    __mapper_args__ = {"version_id_col": version}


class Party(Base):
    """A rights holder, alleged infringer, applicant … on one case."""

    __tablename__ = "parties"
    __table_args__ = (
        CheckConstraint(_in("role", PARTY_ROLES), name="role"),
        CheckConstraint(_in("kind", PARTY_KINDS), name="kind"),
        CheckConstraint(_in("origin", PARTY_ORIGINS), name="origin"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    role: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32), default="enterprise")
    origin: Mapped[str] = mapped_column(String(16), default="local")
    region: Mapped[str | None] = mapped_column(String(100))
    credit_code: Mapped[str | None] = mapped_column(String(64))
    contact: Mapped[str | None] = mapped_column(String(200))

    case: Mapped[Case] = relationship(back_populates="parties")


class IPRight(Base):
    """A patent, trademark, copyright … identified by kind and registration number."""

    __tablename__ = "ip_rights"
    __table_args__ = (
        UniqueConstraint("kind", "number"),
        CheckConstraint(_in("kind", IP_RIGHT_KINDS), name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    number: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(300))
    holder: Mapped[str | None] = mapped_column(String(200))


class CaseIPRight(Base):
    __tablename__ = "case_ip_rights"
    # a group-infringement drill-down finds every case asserting one right
    __table_args__ = (Index("ix_case_ip_rights_ip_right", "ip_right_id"),)

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    ip_right_id: Mapped[int] = mapped_column(ForeignKey("ip_rights.id"), primary_key=True)


class CaseLink(Base):
    """A parent/child or related link between two cases (a transfer spawns a linked case)."""

    __tablename__ = "case_links"
    __table_args__ = (
        UniqueConstraint("from_case_id", "to_case_id", "kind"),
        CheckConstraint(_in("kind", LINK_KINDS), name="kind"),
        CheckConstraint("from_case_id <> to_case_id", name="not_self"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    from_case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    to_case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Evidence(Base):
    """A piece of evidence; its bytes live in the content-addressed store under ``sha256``."""

    __tablename__ = "evidence"
    __table_args__ = (UniqueConstraint("case_id", "sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    filename: Mapped[str] = mapped_column(String(300))
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    description: Mapped[str] = mapped_column(Text, default="")
    added_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    added_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    case: Mapped[Case] = relationship(back_populates="evidence")
    added_by: Mapped[User] = relationship()


class Event(Base):
    """One link of a case's append-only, hash-chained audit trail."""

    __tablename__ = "events"
    __table_args__ = (UniqueConstraint("case_id", "seq"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(16), default="service")
    at: Mapped[datetime] = mapped_column(DateTime)
    source_state: Mapped[str | None] = mapped_column(String(64))
    target_state: Mapped[str | None] = mapped_column(String(64))
    trigger: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    key_id: Mapped[str | None] = mapped_column(String(16), nullable=True)  # the HMAC key


class CaseCounter(Base):
    """Next serial number per case-number prefix and year (XZCF-2026-000042)."""

    __tablename__ = "case_counters"

    prefix: Mapped[str] = mapped_column(String(16), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)


# --- legal clocks (issue: legal clocks) ------------------------------------------------------

class Clock(Base):
    """One running of a legal period on a case.

    The due date is derived from the start, the pause segments and the approved extensions on
    every change and stored with the calendar version it used; ``next_check_at`` is when the
    sweep must look at the clock next (NULL while paused or stopped), so the sweep's cost
    follows the clocks falling due, not the cases stored.
    """

    __tablename__ = "clocks"
    __table_args__ = (
        CheckConstraint(_in("status", CLOCK_STATUSES), name="status"),
        Index("ix_clocks_next_check_at", "next_check_at"),
        Index("ix_clocks_case_name", "case_id", "name"),
        Index("ix_clocks_open_due", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    name: Mapped[str] = mapped_column(String(64))
    rule_version: Mapped[int] = mapped_column(Integer)  # workflow version whose rule applies
    period: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="running")
    started_at: Mapped[datetime] = mapped_column(DateTime)
    stopped_at: Mapped[datetime | None] = mapped_column(DateTime)
    due_at: Mapped[datetime] = mapped_column(DateTime)
    due_last_day: Mapped[date] = mapped_column(Date)
    provisional: Mapped[bool] = mapped_column(default=False)
    calendar_version: Mapped[str] = mapped_column(String(200))
    next_check_at: Mapped[datetime | None] = mapped_column(DateTime)
    expired_at: Mapped[datetime | None] = mapped_column(DateTime)
    # what the start is: "field:<name>" (a recorded legal date), "after:<clock>", "received_on",
    # "handoff", or "keyed" (when the step was keyed in) — for the clock's explanation
    start_basis: Mapped[str | None] = mapped_column(String(120), nullable=True)
    # the party's own period (to answer, to seek review …), not the agency's: never overdue work
    party: Mapped[bool] = mapped_column(default=False, server_default=false())
    target: Mapped[bool] = mapped_column(default=False)
    handoff_id: Mapped[int | None] = mapped_column(ForeignKey("handoffs.id"))
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    segments: Mapped[list[ClockSegment]] = relationship(
        cascade="all, delete-orphan", order_by="ClockSegment.id", lazy="selectin"
    )
    extensions: Mapped[list[ClockExtension]] = relationship(
        cascade="all, delete-orphan", order_by="ClockExtension.id", lazy="selectin"
    )

    __mapper_args__ = {"version_id_col": version}


class ClockSegment(Base):
    """A stretch of time the clock did not run (不计入): from a pause to its resume."""

    __tablename__ = "clock_segments"

    id: Mapped[int] = mapped_column(primary_key=True)
    clock_id: Mapped[int] = mapped_column(ForeignKey("clocks.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="paused")
    started_at: Mapped[datetime] = mapped_column(DateTime)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime)
    reason: Mapped[str] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(64))


class ExtensionRequest(Base):
    """An officer's request that a clock be extended, waiting for its approver (the
    supervisor's queue), then approved (``extension_id`` is the extension granted), refused
    or withdrawn. The request and its decision are also events in the case's audit chain."""

    __tablename__ = "extension_requests"
    __table_args__ = (
        CheckConstraint(_in("status", EXTENSION_REQUEST_STATUSES), name="status"),
        Index("ix_extension_requests_status_case", "status", "case_id"),
        # one request pending per clock: a second asks for what the first already does
        Index("uq_extension_requests_pending_clock", "clock_id", unique=True,
              sqlite_where=text("status = 'pending'"),
              postgresql_where=text("status = 'pending'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    clock_id: Mapped[int] = mapped_column(ForeignKey("clocks.id"))
    clock_name: Mapped[str] = mapped_column(String(64))
    by: Mapped[str | None] = mapped_column(String(32))  # the length asked for; None: the rule's
    reason: Mapped[str] = mapped_column(Text)
    requested_by: Mapped[str] = mapped_column(String(64))
    requested_at: Mapped[datetime] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    decision_reason: Mapped[str | None] = mapped_column(Text)
    extension_id: Mapped[int | None] = mapped_column(ForeignKey("clock_extensions.id"))
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}


class OverrideRequest(Base):
    """An officer's request that a supervisor set aside a period binding a step (the
    workflow's ``unless: [{override: …}]``): pending, then approved — the officer's next
    firing of that step in that state uses it once (``used``) — refused or withdrawn."""

    __tablename__ = "override_requests"
    __table_args__ = (
        CheckConstraint(_in("status", OVERRIDE_REQUEST_STATUSES), name="status"),
        Index("ix_override_requests_status_case", "status", "case_id"),
        # one open request per step of a case: a second asks for what the first does
        Index("uq_override_requests_open_step", "case_id", "trigger", unique=True,
              sqlite_where=text("status IN ('pending', 'approved')"),
              postgresql_where=text("status IN ('pending', 'approved')")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    trigger: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(64))  # the case's state when asked: valid in it
    reason: Mapped[str] = mapped_column(Text)
    requested_by: Mapped[str] = mapped_column(String(64))
    requested_at: Mapped[datetime] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    decision_reason: Mapped[str | None] = mapped_column(Text)
    used_at: Mapped[datetime | None] = mapped_column(DateTime)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}


class ClockExtension(Base):
    """An approved extension: which rule allowed it, by how much, who approved and why."""

    __tablename__ = "clock_extensions"

    id: Mapped[int] = mapped_column(primary_key=True)
    clock_id: Mapped[int] = mapped_column(ForeignKey("clocks.id"), index=True)
    rule_index: Mapped[int] = mapped_column(Integer)
    period: Mapped[str] = mapped_column(String(32))
    approved_by: Mapped[str] = mapped_column(String(64))
    approved_at: Mapped[datetime] = mapped_column(DateTime)
    reason: Mapped[str] = mapped_column(Text)
    # a collective decision (集体讨论): its date and the participants; None for one approver
    decision: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


class Alert(Base):
    """A warning, overdue alert or escalation; ``key`` makes raising it idempotent."""

    __tablename__ = "alerts"
    __table_args__ = (Index("ix_alerts_case_kind", "case_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    clock_id: Mapped[int | None] = mapped_column(ForeignKey("clocks.id"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    due_at: Mapped[datetime | None] = mapped_column(DateTime)
    raised_at: Mapped[datetime] = mapped_column(DateTime)
    message: Mapped[str] = mapped_column(Text)


class Notification(Base):
    """An alert in one user's inbox."""

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("alert_id", "user_id"),
        Index("ix_notifications_user_unread", "user_id", "read_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    read_at: Mapped[datetime | None] = mapped_column(DateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime)

    alert: Mapped[Alert] = relationship(lazy="joined")


class Delivery(Base):
    """An outbox row: one notification to send over one channel, retried with back-off."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("notification_id", "channel"),
        Index("ix_deliveries_pending", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int] = mapped_column(ForeignKey("notifications.id"))
    channel: Mapped[str] = mapped_column(String(16))
    target: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)


class CalendarYear(Base):
    """An official schedule an admin loaded (years chinese-calendar does not cover yet)."""

    __tablename__ = "calendar_years"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    text: Mapped[str] = mapped_column(Text)
    digest: Mapped[str] = mapped_column(String(64))
    loaded_by: Mapped[str] = mapped_column(String(64))
    loaded_at: Mapped[datetime] = mapped_column(DateTime)


class CalendarOverride(Base):
    """A local extra rest day (or working day) an admin declared."""

    __tablename__ = "calendar_overrides"
    __table_args__ = (CheckConstraint("kind IN ('rest', 'work')", name="kind"),)

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    reason: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class SystemEvent(Base):
    """Audit trail for changes that belong to no case (calendar loads and overrides)."""

    __tablename__ = "system_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime)
    reason: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)


# --- cross-agency handoffs and mediation (issue: handoffs and settlements) ------------------

class Handoff(Base):
    """A case crossing from one agency to another: sent → received → accepted / rejected /
    returned. The row is written in the same transaction as the sending case's change (it is
    the outbox), and ``idempotency_key`` makes a retried send a no-op."""

    __tablename__ = "handoffs"
    __table_args__ = (
        CheckConstraint(_in("status", HANDOFF_STATUSES), name="status"),
        CheckConstraint("from_agency_id <> to_agency_id", name="not_self"),
        Index("ix_handoffs_to_status", "to_agency_id", "status"),
        Index("ix_handoffs_from_status", "from_agency_id", "status"),
        # a key is the sending agency's own: two agencies' systems may choose the same one
        UniqueConstraint("from_agency_id", "idempotency_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(40))
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    from_agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    to_agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    sent_by: Mapped[str] = mapped_column(String(64))
    to_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(Text)
    materials: Mapped[list[Any]] = mapped_column(default=list)
    status: Mapped[str] = mapped_column(String(16), default="sent")
    status_reason: Mapped[str | None] = mapped_column(Text)
    linked_case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), unique=True)
    target_case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    sent_at: Mapped[datetime] = mapped_column(DateTime)
    received_at: Mapped[datetime | None] = mapped_column(DateTime)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    decided_by: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[str | None] = mapped_column(String(64))
    outcome_at: Mapped[datetime | None] = mapped_column(DateTime)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}


class MediationSession(Base):
    """One mediation session; ``notes`` are confidential to the mediation body."""

    __tablename__ = "mediation_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    held_on: Mapped[date] = mapped_column(Date)
    attendees: Mapped[list[Any]] = mapped_column(default=list)
    outcome: Mapped[str] = mapped_column(String(200))
    notes: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(DateTime)


class SettlementAgreement(Base):
    """A settlement: parties, money (in fen, with currency), terms and the signing date."""

    __tablename__ = "settlement_agreements"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    parties: Mapped[list[Any]] = mapped_column(default=list)
    amount_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    terms: Mapped[list[Any]] = mapped_column(default=list)
    decides_ownership: Mapped[bool] = mapped_column(default=False)
    decides_validity: Mapped[bool] = mapped_column(default=False)
    signed_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(24), default="signed")
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(DateTime)

    instalments: Mapped[list[Instalment]] = relationship(
        cascade="all, delete-orphan", order_by="Instalment.seq", lazy="selectin")


class Instalment(Base):
    """One payment of a settlement's performance schedule, tracked by its own clock."""

    __tablename__ = "instalments"
    __table_args__ = (UniqueConstraint("agreement_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("settlement_agreements.id"))
    seq: Mapped[int] = mapped_column(Integer)
    due_on: Mapped[date] = mapped_column(Date)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    paid_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="due")
    clock_id: Mapped[int | None] = mapped_column(ForeignKey("clocks.id"))


class MediatorConflict(Base):
    """A mediator's declared link to a party (refuses assignment to that party's cases)."""

    __tablename__ = "mediator_conflicts"
    __table_args__ = (UniqueConstraint("user_id", "party_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    party_name: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
    declared_at: Mapped[datetime] = mapped_column(DateTime)


class CaseFactsRow(Base):
    """What the supervisor's measures know of one case, derived from the case, its clocks,
    parties and rights (``domain.measures.CaseFacts``) and kept in the transaction that changes
    them. ``facts`` is the whole derivation; the columns beside it are what drill-downs filter
    on. Never a source of truth: ``services.report_data`` rebuilds and verifies it."""

    __tablename__ = "case_facts"
    __table_args__ = (
        Index("ix_case_facts_closed", "closed_year", "agency_id", "case_type"),
        Index("ix_case_facts_opened", "opened_year", "agency_id", "case_type"),
        Index("ix_case_facts_officer", "officer_id", "closed_year"),
    )

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    agency_id: Mapped[int] = mapped_column(Integer)
    case_type: Mapped[str] = mapped_column(String(64))
    officer_id: Mapped[int | None] = mapped_column(Integer)
    industry: Mapped[str] = mapped_column(String(32))
    origin: Mapped[str] = mapped_column(String(16))
    opened_year: Mapped[int] = mapped_column(Integer)
    closed_year: Mapped[int | None] = mapped_column(Integer)
    on_time: Mapped[bool | None] = mapped_column()
    handling_days: Mapped[int | None] = mapped_column(Integer)
    overdue_year: Mapped[int | None] = mapped_column(Integer)
    court_referral: Mapped[bool] = mapped_column(default=False)
    firm: Mapped[str | None] = mapped_column(String(300))  # an assisted firm, once helped
    facts: Mapped[dict[str, Any]] = mapped_column(JSON)


class ReportTally(Base):
    """One cell of the supervisor's measures: how many cases (``n``) and a sum over them
    (``total``: cases on time, seconds handled …) for a measure in a year, agency, case type,
    officer (0: none), industry, rights-holder origin and bucket (a clock, a day count, a firm,
    an IP right). Additive, so a figure is a sum over few rows whatever the number of cases;
    kept by ``services.report_data`` from the changes of ``case_facts``, in the same
    transaction."""

    __tablename__ = "report_tallies"
    __table_args__ = (Index("ix_report_tallies_measure_n", "measure", "n"),)

    measure: Mapped[str] = mapped_column(String(16), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_type: Mapped[str] = mapped_column(String(64), primary_key=True)
    officer_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    industry: Mapped[str] = mapped_column(String(32), primary_key=True)
    origin: Mapped[str] = mapped_column(String(16), primary_key=True)
    bucket: Mapped[str] = mapped_column(String(300), primary_key=True)
    n: Mapped[int] = mapped_column(BigInteger, default=0)
    total: Mapped[int] = mapped_column(BigInteger, default=0)


class ReportSetting(Base):
    """A figure an admin sets for the reports (the group-infringement threshold), with who
    set it, when and why."""

    __tablename__ = "report_settings"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int] = mapped_column(Integer)
    updated_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    reason: Mapped[str] = mapped_column(Text)
