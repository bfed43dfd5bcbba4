"""Send queued alert deliveries (the outbox the sweep fills) by e-mail and signed webhook.

The sweep only writes ``deliveries`` rows, inside its own transaction, so raising an alert
never waits on a mail server. This module drains them: it claims due rows in one short
transaction, leasing them (``next_attempt_at`` moved a lease ahead; on PostgreSQL the claim
is ``FOR UPDATE SKIP LOCKED`` so concurrent senders split the work), sends with no
transaction open, and records each outcome in its own short transaction — guarded by the
lease, so a sender whose lease ran out never overwrites another's result. A crash between
sending and recording means the row is sent again after the lease: delivery is at least
once, and receivers de-duplicate on the delivery id (``Message-ID`` / ``delivery_id``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import smtplib
import time
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formataddr
from typing import Any, Protocol

from sqlalchemy import select, update

from caseflow.clocks import aware
from caseflow.config import Settings
from caseflow.models import Alert, Case, Delivery, Notification, User
from caseflow.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

#: How long a claimed row is reserved for the sender that claimed it.
LEASE = timedelta(minutes=15)
#: Stop sending a batch this long before its lease runs out; the rest is released.
LEASE_MARGIN = timedelta(minutes=1)
MAX_BACKOFF = timedelta(hours=6)

KIND_TITLES = {  # alert kind → (Chinese, English) wording for subjects
    "warning": ("即将到期", "approaching"),
    "overdue": ("已超期", "overdue"),
    "escalation": ("超期督办", "escalated"),
    "calendar_missing": ("节假日安排缺失", "holiday schedule missing"),
}


@dataclass(frozen=True)
class OutgoingAlert:
    """Everything a channel needs to send one delivery, read before any network call.

    ``email`` is the address the row was queued for (e-mail rows) or the user's current
    address (webhook rows); times are ISO 8601 in Asia/Shanghai.
    """

    delivery_id: int
    username: str
    name: str
    email: str | None
    kind: str
    case_number: str | None
    message: str
    raised_at: str
    due: str | None


class Channel(Protocol):
    """A way out of the building. ``send`` returns on success and raises on any failure."""

    name: str

    def send(self, message: OutgoingAlert) -> None: ...


# --- e-mail ----------------------------------------------------------------------------------


class EmailChannel:
    """Plain SMTP to a relay (the agency's mail gateway); no auth or TLS on that hop."""

    name = "email"

    def __init__(self, host: str, port: int, sender: str, timeout: float = 10) -> None:
        self.host, self.port, self.sender, self.timeout = host, port, sender, timeout

    def compose(self, message: OutgoingAlert) -> EmailMessage:
        """The bilingual UTF-8 mail; its Message-ID is stable per delivery for de-duplication."""
        if not message.email:
            raise ValueError(f"delivery {message.delivery_id} has no e-mail address")
        zh, en = KIND_TITLES.get(message.kind, (message.kind, message.kind))
        number = message.case_number or "caseflow"
        mail = EmailMessage()
        mail["From"] = self.sender
        mail["To"] = formataddr((message.name, message.email))
        mail["Subject"] = f"【期限预警】{number} {zh} / Deadline alert: {number} {en}"
        domain = self.sender.rpartition("@")[2] or "localhost"
        mail["Message-ID"] = f"<delivery-{message.delivery_id}@{domain}>"
        lines = [
            f"{message.name}（{message.username}）：",
            "",
            message.message,
            "",
            f"到期 / Due: {message.due or '—'}",
            f"预警时间 / Raised: {message.raised_at}",
            "",
            "此邮件由 caseflow 自动发送，请登录系统处理并确认。",
            "Sent automatically by caseflow; please sign in to act on and acknowledge it.",
        ]
        mail.set_content("\n".join(lines), charset="utf-8")
        return mail

    def send(self, message: OutgoingAlert) -> None:
        mail = self.compose(message)
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            smtp.send_message(mail)


# --- webhook ---------------------------------------------------------------------------------


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=`` + hex HMAC-SHA256 of ``"<timestamp>.<body>"``: binds the body to a time."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def verify_signature(secret: str, timestamp: str, body: bytes | str, header: str | None, *,
                     max_age: float | None = 300, now: float | None = None) -> bool:
    """For receivers: does ``X-Caseflow-Signature`` match, and is the timestamp fresh?

    ``max_age`` (seconds, None to skip) refuses replays of an old, validly signed request.
    """
    if not header or not timestamp:
        return False
    if max_age is not None:
        try:
            age = abs((time.time() if now is None else now) - int(timestamp))
        except ValueError:
            return False
        if age > max_age:
            return False
    raw = body.encode() if isinstance(body, str) else body
    return hmac.compare_digest(sign(secret, timestamp, raw), header.strip())


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is not an accepted delivery (and would turn the POST into a GET)."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class WebhookChannel:
    """POST the alert as JSON, signed with a shared secret; anything but 2xx is a failure."""

    name = "webhook"

    def __init__(self, url: str, secret: str, timeout: float = 5) -> None:
        self.url, self.secret, self.timeout = url, secret, timeout
        self._opener = urllib.request.build_opener(_NoRedirect)

    def body(self, message: OutgoingAlert) -> bytes:
        return json.dumps(asdict(message), ensure_ascii=False, sort_keys=True).encode()

    def send(self, message: OutgoingAlert) -> None:
        body = self.body(message)
        timestamp = str(int(time.time()))
        request = urllib.request.Request(self.url, data=body, method="POST", headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "caseflow-webhook/1",
            "X-Caseflow-Delivery": str(message.delivery_id),
            "X-Caseflow-Timestamp": timestamp,
            "X-Caseflow-Signature": sign(self.secret, timestamp, body),
        })
        with self._opener.open(request, timeout=self.timeout) as response:
            if not 200 <= response.status < 300:
                raise RuntimeError(f"webhook answered HTTP {response.status}")


def channels_from_settings(settings: Settings | None = None, *,
                           environ: Mapping[str, str] | None = None) -> dict[str, Channel]:
    """The channels the environment configures; an unconfigured one is simply absent.

    Reads CASEFLOW_SMTP_HOST, CASEFLOW_SMTP_PORT (25), CASEFLOW_MAIL_FROM
    (caseflow@localhost), CASEFLOW_WEBHOOK_URL and CASEFLOW_WEBHOOK_SECRET. A webhook URL
    without a secret is refused: receivers could not tell our posts from anyone's.
    """
    env = os.environ if environ is None else environ
    channels: dict[str, Channel] = {}
    if host := env.get("CASEFLOW_SMTP_HOST", "").strip():
        channels["email"] = EmailChannel(host, int(env.get("CASEFLOW_SMTP_PORT") or 25),
                                         env.get("CASEFLOW_MAIL_FROM") or "caseflow@localhost")
    if url := env.get("CASEFLOW_WEBHOOK_URL", "").strip():
        if secret := env.get("CASEFLOW_WEBHOOK_SECRET", ""):
            channels["webhook"] = WebhookChannel(url, secret)
        else:
            log.warning("CASEFLOW_WEBHOOK_URL is set without CASEFLOW_WEBHOOK_SECRET; "
                        "webhook deliveries stay pending")
    return channels


# --- the outbox ------------------------------------------------------------------------------


@dataclass
class DeliveryReport:
    """``failed_attempts`` counts every failed send, including the ones given up on."""

    sent: int = 0
    failed_attempts: int = 0
    given_up: int = 0

    def __str__(self) -> str:
        return (f"deliver: {self.sent} sent, {self.failed_attempts} failed attempt(s), "
                f"{self.given_up} given up")


def backoff(attempts: int) -> timedelta:
    """Wait after the ``attempts``-th failure: 1, 2, 4, 8 … minutes, at most six hours."""
    if attempts >= 10:  # 2**9 minutes already exceeds the cap; avoid huge powers
        return MAX_BACKOFF
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_BACKOFF)


@dataclass(frozen=True)
class _Claimed:
    id: int
    channel: str
    attempts: int
    lease_until: datetime
    message: OutgoingAlert


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or "(no message)"
    return f"{type(exc).__name__}: {text}"[:500]


def _claim(uow: UnitOfWork, channels: list[str], now: datetime | None,
           batch: int) -> list[_Claimed]:
    """Lease up to ``batch`` due rows of configured channels and read what to send."""
    with uow:
        moment = now or uow.now()
        conn = uow.connection
        query = (select(Delivery.id).where(Delivery.status == "pending",
                                           Delivery.next_attempt_at <= moment,
                                           Delivery.channel.in_(channels))
                 .order_by(Delivery.next_attempt_at, Delivery.id).limit(batch))
        if conn.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        ids = list(conn.scalars(query))
        if not ids:
            return []
        lease_until = moment + LEASE
        # conditional, so on SQLite (no row locks) a row claimed meanwhile is not taken twice
        taken = set(conn.scalars(
            update(Delivery).where(Delivery.id.in_(ids), Delivery.status == "pending",
                                   Delivery.next_attempt_at <= moment)
            .values(next_attempt_at=lease_until).returning(Delivery.id)))
        if not taken:
            return []
        rows = conn.execute(
            select(Delivery.id, Delivery.channel, Delivery.target, Delivery.attempts,
                   User.username, User.name, User.email, Alert.kind, Alert.message,
                   Alert.raised_at, Alert.due_at, Case.number)
            .join(Notification, Notification.id == Delivery.notification_id)
            .join(Alert, Alert.id == Notification.alert_id)
            .join(User, User.id == Notification.user_id)
            .outerjoin(Case, Case.id == Alert.case_id)
            .where(Delivery.id.in_(taken)).order_by(Delivery.next_attempt_at, Delivery.id)
        ).all()
        uow.commit()
    return [_Claimed(r.id, r.channel, r.attempts, lease_until, OutgoingAlert(
        delivery_id=r.id, username=r.username, name=r.name,
        email=r.target if r.channel == "email" else r.email, kind=r.kind,
        case_number=r.number, message=r.message, raised_at=aware(r.raised_at).isoformat(),
        due=aware(r.due_at).isoformat() if r.due_at else None)) for r in rows]


def _record(uow: UnitOfWork, item: _Claimed, now: datetime | None, error: str | None,
            max_attempts: int) -> str:
    """Store one outcome if the lease is still ours; returns 'sent', 'retry', 'failed' or 'lost'."""
    with uow:
        moment = now or uow.now()
        if error is None:
            outcome, values = "sent", {"status": "sent", "sent_at": moment, "last_error": None}
        else:
            attempts = item.attempts + 1
            outcome = "failed" if attempts >= max_attempts else "retry"
            values = {"attempts": attempts, "last_error": error,
                      "status": "failed" if outcome == "failed" else "pending",
                      "next_attempt_at": moment + backoff(attempts)}
        done = uow.connection.execute(
            update(Delivery).where(Delivery.id == item.id, Delivery.status == "pending",
                                   Delivery.next_attempt_at == item.lease_until)
            .values(**values))
        uow.commit()
    return outcome if done.rowcount == 1 else "lost"


def _release(uow: UnitOfWork, items: list[_Claimed], now: datetime | None) -> None:
    """Hand back rows not attempted before the lease ran short, due again at once."""
    with uow:
        moment = now or uow.now()
        for item in items:
            uow.connection.execute(
                update(Delivery).where(Delivery.id == item.id, Delivery.status == "pending",
                                       Delivery.next_attempt_at == item.lease_until)
                .values(next_attempt_at=moment))
        uow.commit()


def deliver_pending(uow_factory: Callable[[], UnitOfWork], channels: Mapping[str, Channel], *,
                    now: datetime | None = None, batch: int = 100,
                    max_attempts: int = 8) -> DeliveryReport:
    """Send up to ``batch`` due deliveries; never raises — failures are recorded and logged.

    Rows for a channel missing from ``channels`` are left pending, untouched, until it is
    configured. A failed send is retried after :func:`backoff`; after ``max_attempts``
    failures the row is marked 'failed' (given up).
    """
    report = DeliveryReport()
    if not channels:
        return report
    try:
        claimed = _claim(uow_factory(), sorted(channels), now, batch)
    except Exception:
        log.exception("could not claim deliveries")
        return report
    started = time.monotonic()
    budget = (LEASE - LEASE_MARGIN).total_seconds()
    for index, item in enumerate(claimed):
        if time.monotonic() - started > budget:
            try:
                _release(uow_factory(), claimed[index:], now)
            except Exception:
                log.exception("could not release %d unsent deliveries", len(claimed) - index)
            break
        error = None
        try:
            channels[item.channel].send(item.message)
        except Exception as exc:
            error = _one_line(exc)
        try:
            outcome = _record(uow_factory(), item, now, error, max_attempts)
        except Exception:
            log.exception("could not record delivery %d (%s)", item.id, error or "sent")
            continue
        if outcome == "sent":
            report.sent += 1
        elif outcome == "lost":
            log.warning("delivery %d: lease expired before its outcome was stored", item.id)
        else:
            report.failed_attempts += 1
            if outcome == "failed":
                report.given_up += 1
                log.error("delivery %d over %s given up after %d attempts: %s",
                          item.id, item.channel, item.attempts + 1, error)
            else:
                log.warning("delivery %d over %s failed (attempt %d): %s",
                            item.id, item.channel, item.attempts + 1, error)
    return report
