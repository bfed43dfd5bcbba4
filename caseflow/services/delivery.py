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

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from caseflow.adapters.channels import Channel, OutgoingAlert
from caseflow.adapters.orm import Alert, Case, Delivery, Notification, User
from caseflow.domain.moments import aware
from caseflow.services.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

#: How long a claimed row is reserved for the sender that claimed it.
LEASE = timedelta(minutes=15)
#: Stop sending a batch this long before its lease runs out; the rest is released.
LEASE_MARGIN = timedelta(minutes=1)
MAX_BACKOFF = timedelta(hours=6)

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
