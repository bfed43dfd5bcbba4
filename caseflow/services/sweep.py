"""The deadline sweep: raise warnings, overdue alerts and escalations exactly once.

Each pass claims the clocks whose ``next_check_at`` has come (an index range scan, so the
cost follows the clocks due, not the cases stored), raises every threshold that has passed —
including ones missed while no scheduler ran — and moves ``next_check_at`` to the first one
still ahead. Alerts are keyed per clock, threshold and due date and inserted with ON CONFLICT
DO NOTHING, so repeating a pass, or two instances running at once, never raises one twice.
On PostgreSQL the claim is ``FOR UPDATE SKIP LOCKED``: two sweepers split the work.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, bindparam, func, insert, select, update

from caseflow.adapters.calendar_store import current_calendar
from caseflow.adapters.database import insert_ignore
from caseflow.adapters.orm import (
    Alert,
    Case,
    Clock,
    Delivery,
    Event,
    Notification,
    User,
    UserRole,
)
from caseflow.domain.audit import AuditKey, next_link
from caseflow.domain.calendar import next_year_missing
from caseflow.domain.clocks import due_of, next_check, thresholds
from caseflow.domain.errors import ConflictError, ValidationFailed
from caseflow.domain.moments import aware, naive_utc
from caseflow.domain.periods import Period
from caseflow.services.audit import row_image
from caseflow.services.clocks import record_of, rule_for
from caseflow.services.unit_of_work import UnitOfWork


@dataclass
class SweepReport:
    clocks_checked: int = 0
    alerts_raised: int = 0
    notifications: int = 0
    expired: int = 0
    passes: int = 0
    alert_ids: list[int] = field(default_factory=list)

    def __str__(self) -> str:
        return (f"sweep: {self.clocks_checked} clock(s) checked, {self.alerts_raised} alert(s) "
                f"raised, {self.notifications} notification(s), {self.expired} expired")


@dataclass(frozen=True)
class _Person:
    id: int
    agency_id: int
    supervisor_id: int | None
    email: str | None
    roles: frozenset[str]


def _people(conn: Connection, agency_ids: Iterable[int]) -> dict[int, _Person]:
    rows = conn.execute(
        select(User.id, User.agency_id, User.supervisor_id, User.email, UserRole.role)
        .outerjoin(UserRole, UserRole.user_id == User.id)
        .where(User.agency_id.in_(set(agency_ids)), User.active.is_(True))
    ).all()
    roles: dict[int, set[str]] = {}
    first: dict[int, Any] = {}
    for r in rows:
        first.setdefault(r.id, r)
        roles.setdefault(r.id, set()).add(r.role)
    return {uid: _Person(uid, r.agency_id, r.supervisor_id, r.email,
                         frozenset(x for x in roles[uid] if x)) for uid, r in first.items()}


def recipients(who: str, assignee_id: int | None, agency_id: int,
               people: dict[int, _Person]) -> set[int]:
    """Resolve a rule's recipient word to users; fall back to the agency's supervisors."""
    supervisors = {p.id for p in people.values()
                   if p.agency_id == agency_id and "supervisor" in p.roles}
    assignee = people.get(assignee_id) if assignee_id else None
    if who == "assignee":
        return {assignee.id} if assignee else supervisors
    if who == "agency_supervisors":
        return supervisors
    boss = people.get(assignee.supervisor_id) if assignee and assignee.supervisor_id else None
    if who == "supervisor":
        return {boss.id} if boss else supervisors
    if who == "supervisor_of_supervisor":
        top = people.get(boss.supervisor_id) if boss and boss.supervisor_id else None
        if top:
            return {top.id}
        heads = {p.id for p in people.values() if p.agency_id == agency_id
                 and "supervisor" in p.roles and not p.supervisor_id}
        return heads or supervisors
    return set()


def _claim(uow: UnitOfWork, now: datetime, batch: int) -> list[Clock]:
    query = (select(Clock).where(Clock.next_check_at <= now)
             .order_by(Clock.next_check_at).limit(batch))
    if uow.connection.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=Clock, key_share=True)
    return list(uow.session.scalars(query))


def _as_of(uow: UnitOfWork, at: datetime | None) -> datetime:
    """The moment a sweep acts as of: now, or a time already past. A sweep ahead of time
    would raise warnings and overdue alerts early, write expiries dated in the future, and
    spend the alerts' idempotency keys, so the real alerts would never come: refused."""
    now = uow.now()
    if at is None:
        return now
    if at > now:
        raise ValidationFailed(
            f"at: {aware(at):%Y-%m-%d %H:%M} is in the future (it is now "
            f"{aware(now):%Y-%m-%d %H:%M}); a sweep runs as of now or an earlier time",
            field="at")
    return at


def sweep_once(uow: UnitOfWork, *, now: datetime | None = None, batch: int = 1000,
               webhook: bool = False) -> SweepReport:
    """One pass over at most ``batch`` due clocks, in one transaction."""
    report = SweepReport(passes=1)
    with uow:
        now = _as_of(uow, now)
        conn = uow.connection
        clocks = _claim(uow, now, batch)
        if not clocks:
            return report
        report.clocks_checked = len(clocks)
        case_rows = {r.id: r for r in conn.execute(
            select(Case.id, Case.number, Case.title, Case.workflow_key, Case.assignee_id,
                   Case.agency_id).where(Case.id.in_({c.case_id for c in clocks})))}
        people = _people(conn, {r.agency_id for r in case_rows.values()})
        calendar = current_calendar(conn)
        alerts: list[dict[str, Any]] = []
        who_for: dict[str, set[int]] = {}
        expiring: list[Clock] = []
        expiring_ids: set[int] = set()
        clock_rows: list[dict[str, Any]] = []
        for clock in clocks:
            case = case_rows[clock.case_id]
            rule = rule_for(uow.session, case, clock)
            due = due_of(Period.parse(clock.period), record_of(clock), calendar, aware(now))
            found = thresholds(rule, due, aware(clock.started_at), calendar)
            moment = aware(now)
            for t in found:
                if t.at > moment:
                    continue
                key = f"clock:{clock.id}:{t.key}"
                alerts.append({  # a party's period ending is news, not overdue work
                    "key": key, "kind": "period_ended" if rule.party and t.kind == "overdue"
                    else t.kind, "clock_id": clock.id, "case_id": case.id,
                    "due_at": naive_utc(due.due), "raised_at": now,
                    "message": _message(case.number, rule, t, due),
                })
                who_for[key] = set().union(*(recipients(w, case.assignee_id, case.agency_id,
                                                        people) for w in t.recipients))
                if t.kind == "overdue" and clock.expired_at is None:
                    expiring.append(clock)
                    expiring_ids.add(clock.id)
            upcoming = next_check(found, moment)
            clock_rows.append({
                "b_id": clock.id, "b_version": clock.version,
                "next_check_at": naive_utc(upcoming) if upcoming else None,
                "expired_at": clock.expired_at or (now if clock.id in expiring_ids else None),
            })
        # the ORM objects are only read: rows are written in batches with Core below
        uow.session.expunge_all()
        heads = _lock_heads(conn, expiring)
        busy = {c.id for c in expiring if c.case_id not in heads}
        if busy:
            # an officer is changing that case right now: expire it on the next tick rather
            # than wait on their lock (waiting here is how two writers deadlock)
            expiring = [c for c in expiring if c.id not in busy]
            retry = now + timedelta(minutes=1)
            for row in clock_rows:
                if row["b_id"] in busy:
                    row["expired_at"], row["next_check_at"] = None, retry
        _write(conn, _CLOCK_ADVANCE, clock_rows, "clock")
        if alerts:
            raised = conn.execute(
                insert_ignore(conn, Alert).returning(Alert.id, Alert.key), alerts).all()
            report.alerts_raised = len(raised)
            report.alert_ids = [r.id for r in raised]
            notes = [{"alert_id": r.id, "user_id": uid, "created_at": now}
                     for r in raised for uid in sorted(who_for[r.key])]
            if notes:
                made = conn.execute(insert_ignore(conn, Notification)
                                    .returning(Notification.id, Notification.user_id), notes).all()
                report.notifications = len(made)
                _queue_deliveries(conn, made, people, now, webhook)
        if expiring:
            held = {cid: {"cases.audit_seq": {"v": h[1]}, "cases.audit_head": {"v": h[2]}}
                    for cid, h in heads.items()}  # before _expire moves the heads on
            _expire(conn, expiring, heads, now, uow.audit_key)
            for c in expiring:  # resealed at commit, if they held what the seal vouches for
                image = row_image("clocks", c)
                uow.touch(c.case_id, "cases.audit_seq", "cases.audit_head", "cases.version",
                          f"clocks#{c.id}", before={
                              **held[c.case_id],
                              **({f"clocks#{c.id}": image} if image is not None else {})})
            report.expired = len(expiring)
        uow.commit()
    return report


def _message(number: str, rule: Any, t: Any, due: Any) -> str:
    """The alert as people read it: Chinese first, then the English the API and mail carry."""
    hours = rule.period.unit == "hours"
    zh = (f"{number} {rule.title_zh}：{t.label_zh or t.label}，"
          + (f"{due.due:%Y-%m-%d %H:%M} 届满" if hours else f"{due.last_day.isoformat()} 24:00 届满")
          + f"（{rule.source}）")
    en = (f"{number} {rule.title_zh}（{rule.title_en}）: {t.label}; "
          + (f"due {due.due:%Y-%m-%d %H:%M}" if hours
             else f"due by the end of {due.last_day.isoformat()}") + f" ({rule.source})")
    return f"{zh} / {en}"


def _queue_deliveries(conn: Connection, made: list[Any], people: dict[int, _Person],
                      now: datetime, webhook: bool) -> None:
    rows = []
    for n in made:
        person = people.get(n.user_id)
        if person and person.email:
            rows.append({"notification_id": n.id, "channel": "email", "target": person.email,
                         "status": "pending", "attempts": 0, "next_attempt_at": now})
        if webhook:
            rows.append({"notification_id": n.id, "channel": "webhook", "target": "configured",
                         "status": "pending", "attempts": 0, "next_attempt_at": now})
    if rows:
        conn.execute(insert_ignore(conn, Delivery), rows)


_CLOCK_ADVANCE = (
    update(Clock.__table__)
    .where(Clock.__table__.c.id == bindparam("b_id"),
           Clock.__table__.c.version == bindparam("b_version"))
    .values(next_check_at=bindparam("next_check_at"), expired_at=bindparam("expired_at"),
            version=Clock.__table__.c.version + 1)
)
_CASE_HEAD = (
    update(Case.__table__)
    .where(Case.__table__.c.id == bindparam("b_id"),
           Case.__table__.c.version == bindparam("b_version"))
    .values(audit_seq=bindparam("audit_seq"), audit_head=bindparam("audit_head"),
            version=Case.__table__.c.version + 1)
)


def _write(conn: Connection, statement: Any, rows: list[dict[str, Any]], what: str) -> None:
    """A batched, version-checked UPDATE; a row changed under us is a conflict (rolls back)."""
    if not rows:
        return
    result = conn.execute(statement, rows)
    if conn.dialect.supports_sane_multi_rowcount and result.rowcount != len(rows):
        raise ConflictError(f"a {what} changed during the sweep; it will be retried")


def _lock_heads(conn: Connection, clocks: list[Clock]) -> dict[int, list[Any]]:
    """Lock the cases of expiring clocks to extend their audit chains; on PostgreSQL skip a
    case another transaction holds (its clocks are retried next tick)."""
    if not clocks:
        return {}
    ids = sorted({c.case_id for c in clocks})
    query = (select(Case.id, Case.version, Case.audit_seq, Case.audit_head)
             .where(Case.id.in_(ids)).order_by(Case.id))
    if conn.dialect.name == "postgresql":
        # NO KEY UPDATE, like an officer's UPDATE: it does not block inserts referencing the case
        query = query.with_for_update(skip_locked=True, key_share=True)
    return {r.id: [r.version, r.audit_seq, r.audit_head] for r in conn.execute(query)}


def _expire(conn: Connection, clocks: list[Clock], heads: dict[int, list[Any]],
            now: datetime, key: AuditKey) -> None:
    """Audit each expired clock on its (locked) case, extending the chain from its head."""
    events = []
    for clock in sorted(clocks, key=lambda c: (c.case_id, c.id)):
        head = heads[clock.case_id]
        link = next_link(clock.case_id, head[1], head[2], "clock_expired", key=key,
                         actor="system:sweep",
                         channel="scheduler", at=now, payload={
                             "clock": clock.name, "due": aware(clock.due_at).isoformat(),
                             "period": clock.period})
        head[1], head[2] = link["seq"], link["hash"]
        events.append(link)
    touched = {c.case_id for c in clocks}
    _write(conn, _CASE_HEAD, [{"b_id": cid, "b_version": v, "audit_seq": seq, "audit_head": h}
                              for cid, (v, seq, h) in heads.items() if cid in touched], "case")
    conn.execute(insert(Event.__table__), events)


def sweep(uow_factory, *, now: datetime | None = None, batch: int = 1000,  # type: ignore[no-untyped-def]
          webhook: bool = False, max_passes: int = 10_000) -> SweepReport:
    """Sweep until no clock is due (catching up after downtime), pass by pass."""
    total = SweepReport(passes=0)
    for _ in range(max_passes):
        one = sweep_once(uow_factory(), now=now, batch=batch, webhook=webhook)
        if one.clocks_checked == 0:
            break
        total.passes += 1
        total.clocks_checked += one.clocks_checked
        total.alerts_raised += one.alerts_raised
        total.notifications += one.notifications
        total.expired += one.expired
        total.alert_ids += one.alert_ids
    return total


def check_calendar(uow: UnitOfWork, *, now: datetime | None = None) -> int | None:
    """From 1 November, alert every admin daily until next year's schedule is loaded.

    Returns the missing year (None when nothing is missing).
    """
    with uow:
        now = _as_of(uow, now)
        conn = uow.connection
        today = aware(now).date()
        year = next_year_missing(current_calendar(conn), today)
        if year is None:
            return None
        provisional = conn.scalar(select(func.count()).select_from(Clock).where(
            Clock.provisional.is_(True), Clock.status != "stopped"))
        raised = conn.execute(insert_ignore(conn, Alert).returning(Alert.id), [{
            "key": f"calendar:{year}:{today.isoformat()}", "kind": "calendar_missing",
            "clock_id": None, "case_id": None, "due_at": None, "raised_at": now,
            "message": f"{year}年法定节假日安排尚未导入：{provisional} 个期限按临时日历计算"
                       f" / the official {year} holiday schedule is not loaded; {provisional} "
                       "due date(s) are provisional",
        }]).all()
        if raised:
            admins = conn.execute(select(UserRole.user_id).where(UserRole.role == "admin")).all()
            if admins:
                conn.execute(insert_ignore(conn, Notification), [
                    {"alert_id": raised[0].id, "user_id": a.user_id, "created_at": now}
                    for a in admins])
        uow.commit()
        return year
