"""Read-side reports on legal clocks for supervisors and the reporting pages.

Every report runs in its own unit of work as an acting user: a supervisor or an admin. A
supervisor reports on their own agency only (another agency is as unknown as one that does not
exist); an admin on any agency, and on all of them at once where a report allows it. A report
takes an explicit ``now`` in naive UTC (an aware datetime is converted; by default the unit of
work's clock), so it can be run "as of" a given moment and tested at fixed times, and returns
frozen read models whose ``to_dict()`` gives the JSON-ready form. Aggregates are computed in SQL
with GROUP BY; per-case views reuse ``services.clocks.clock_view``.

Queries read the clocks as stored: a report for a ``now`` in the past does not undo what
happened after it (a clock stopped later shows as stopped).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime, time, timedelta
from types import MappingProxyType
from typing import Any

from sqlalchemy import ColumnElement, Select, case, distinct, func, select
from sqlalchemy.orm import Session

from caseflow.adapters.calendar_store import current_calendar
from caseflow.adapters.orm import Agency, Case, Clock, User
from caseflow.adapters.registry import REGISTRY
from caseflow.domain.calendar import TZ
from caseflow.domain.errors import NotFound, ValidationFailed
from caseflow.domain.explanations import explain_titles
from caseflow.domain.moments import aware, naive_utc
from caseflow.services.access import get_case, get_user, visible_as
from caseflow.services.clocks import ClockView, clock_view, rule_for
from caseflow.services.unit_of_work import UnitOfWork
from caseflow.views.reporting import naive, report_agency, report_case, reporting_user

MAX_DAYS = 366
TARGET_SHARE = 0.95
UNASSIGNED = "unassigned"


# --- read models ------------------------------------------------------------------------------

@dataclass(frozen=True)
class DueClock:
    """A running clock falling due soon, with its case."""

    case_id: int
    case_number: str
    case_title: str
    case_type: str
    assignee: str | None
    clock_id: int
    clock: str
    period: str
    due: str
    last_day: str
    remaining_seconds: int
    provisional: bool
    target: bool

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class OverdueCount:
    """Cases with at least one running clock past due, and such clocks."""

    cases: int
    clocks: int

    def to_dict(self) -> dict[str, int]:
        return {"cases": self.cases, "clocks": self.clocks}


def _counts_dict(buckets: Mapping[str, OverdueCount]) -> dict[str, dict[str, int]]:
    return {key: count.to_dict() for key, count in buckets.items()}


@dataclass(frozen=True)
class TargetsMissed:
    """Service targets past due: totals and per agency."""

    cases: int
    clocks: int
    by_agency: Mapping[str, OverdueCount]

    def to_dict(self) -> dict[str, Any]:
        return {"cases": self.cases, "clocks": self.clocks,
                "by_agency": _counts_dict(self.by_agency)}


@dataclass(frozen=True)
class OverdueSummary:
    """Overdue statutory work per agency, officer and case type (buckets in key order)."""

    as_of: str
    agency: str | None
    total: OverdueCount
    by_agency: Mapping[str, OverdueCount]
    by_officer: Mapping[str, OverdueCount]
    by_case_type: Mapping[str, OverdueCount]
    targets_missed: TargetsMissed

    def to_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of, "agency": self.agency, "total": self.total.to_dict(),
            "by_agency": _counts_dict(self.by_agency),
            "by_officer": _counts_dict(self.by_officer),
            "by_case_type": _counts_dict(self.by_case_type),
            "targets_missed": self.targets_missed.to_dict(),
        }


@dataclass(frozen=True)
class Measured:
    """Raw elapsed, paused and statutory (elapsed minus paused) time, in seconds and days."""

    elapsed_seconds: int
    paused_seconds: int
    statutory_seconds: int
    elapsed_days: float
    paused_days: float
    statutory_days: float

    def measures(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in Measured.__dataclass_fields__}


@dataclass(frozen=True, kw_only=True)
class ClockHandling(Measured):
    """How long one clock of a case has run."""

    clock: str
    status: str
    period: str
    target: bool
    started_at: str
    stopped_at: str | None
    due: str
    on_time: bool | None

    def to_dict(self) -> dict[str, Any]:
        return {"clock": self.clock, "status": self.status, "period": self.period,
                "target": self.target, "started_at": self.started_at,
                "stopped_at": self.stopped_at, "due": self.due, "on_time": self.on_time,
                **self.measures()}


@dataclass(frozen=True, kw_only=True)
class CaseHandling(Measured):
    """How long the case as a whole has been handled: from ``start`` to ``end`` (None while
    open); ``to_dict`` names them ``from`` and ``to``."""

    start: str
    end: str | None
    closed: bool

    def to_dict(self) -> dict[str, Any]:
        return {"from": self.start, "to": self.end, "closed": self.closed, **self.measures()}


@dataclass(frozen=True)
class HandlingTime:
    """Handling time of a case and of each of its clocks (in clock order)."""

    case_id: int
    case_number: str
    as_of: str
    case: CaseHandling
    clocks: tuple[ClockHandling, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"case_id": self.case_id, "case_number": self.case_number, "as_of": self.as_of,
                "case": self.case.to_dict(), "clocks": [c.to_dict() for c in self.clocks]}


@dataclass(frozen=True)
class OnTimeRate:
    """Share of stopped statutory clocks that stopped on time, against the target share."""

    as_of: str
    agency: str | None
    since: str | None
    stopped: int
    on_time: int
    late: int
    share: float | None
    target_share: float
    meets_target: bool | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# --- helpers ----------------------------------------------------------------------------------

def _seconds(delta: timedelta) -> int:
    return int(delta.total_seconds())


def _days(seconds: int) -> float:
    return round(seconds / 86400, 1)


def _measure(elapsed: timedelta, paused: timedelta) -> dict[str, Any]:
    """Raw elapsed, paused and statutory (elapsed minus paused) time, in seconds and days."""
    raw, off = _seconds(elapsed), _seconds(paused)
    return {
        "elapsed_seconds": raw, "paused_seconds": off, "statutory_seconds": raw - off,
        "elapsed_days": _days(raw), "paused_days": _days(off), "statutory_days": _days(raw - off),
    }


def _clipped(intervals: list[tuple[datetime, datetime | None]], start: datetime,
             end: datetime) -> list[tuple[datetime, datetime]]:
    """Intervals cut to [start, end]; an open interval runs to ``end``; empty ones dropped."""
    out = []
    for a, b in intervals:
        a, b = max(a, start), min(b if b is not None else end, end)
        if b > a:
            out.append((a, b))
    return out


def _union_length(intervals: list[tuple[datetime, datetime]]) -> timedelta:
    """Total time covered by possibly overlapping intervals (overlaps counted once)."""
    total, reach = timedelta(0), None
    for a, b in sorted(intervals):
        if reach is None or a >= reach:
            total += b - a
            reach = b
        elif b > reach:
            total += b - reach
            reach = b
    return total


# --- a case's clocks --------------------------------------------------------------------------

def _case_clock_views(session: Session, case_id: int, now: datetime) -> list[ClockView]:
    """A case's clocks as people read them (remaining time, timeline of running / paused /
    extended segments), at ``now``: ``clock_services.clock_view`` for each clock. Session
    level, no visibility applied: for tests and callers that already checked access."""
    case_row = session.get(Case, case_id)
    if case_row is None:
        raise NotFound(f"unknown case id {case_id}")
    now = naive(now)
    clocks = session.scalars(select(Clock).where(Clock.case_id == case_id).order_by(Clock.id))
    calendar = current_calendar(session.connection())
    return [clock_view(c, rule_for(session, case_row, c), now, calendar) for c in clocks]


def case_clocks(uow: UnitOfWork, case_id: int, actor: str) -> list[ClockView]:
    """A case's clocks as ``actor`` may see them: the owning agency every clock; an agency
    the case was handed to the acceptance clocks of its own handoffs; anyone else the case
    does not exist (or only its outcome, which carries no clocks)."""
    with uow:
        user = get_user(uow, actor)
        case = get_case(uow, case_id)
        visibility, handoff_ids = visible_as(uow.session, case, user)
        now = uow.now()
        clocks = uow.session.scalars(select(Clock).where(Clock.case_id == case.id)
                                     .order_by(Clock.id))
        calendar = current_calendar(uow.connection)
        definition = REGISTRY.definition(uow.session, case.workflow_key, case.workflow_version)
        states = {n: st.title_zh for n, st in definition.states.items()}
        titles = explain_titles(definition)
        return [clock_view(c, rule_for(uow.session, case, c), now, calendar, states, titles)
                for c in clocks
                if visibility == "full" or (visibility == "shared" and c.handoff_id in handoff_ids)]


# --- clocks falling due -----------------------------------------------------------------------

def due_within_query(agency_id: int, start: datetime, until: datetime) -> Select[Any]:
    """Running clocks of an agency due in [start, until]; the status/due_at range predicate
    is served by ``ix_clocks_open_due``."""
    return (
        select(Clock.id, Clock.name, Clock.period, Clock.due_at, Clock.due_last_day,
               Clock.provisional, Clock.target, Case.id.label("case_id"), Case.number,
               Case.title, Case.case_type, User.username)
        .join(Case, Case.id == Clock.case_id)
        .outerjoin(User, User.id == Case.assignee_id)
        .where(Clock.status == "running", Clock.due_at >= start, Clock.due_at <= until,
               Case.agency_id == agency_id)
        .order_by(Clock.due_at, Clock.id)
    )


def _check_days(days: int) -> None:
    if isinstance(days, bool) or not isinstance(days, int):
        raise ValidationFailed("days: must be a whole number", field="days")
    if not 0 <= days <= MAX_DAYS:
        raise ValidationFailed(f"days: must be between 0 and {MAX_DAYS}", field="days")


def _due_within(session: Session, agency_id: int, days: int,
                now: datetime) -> tuple[DueClock, ...]:
    rows = session.execute(due_within_query(agency_id, now, now + timedelta(days=days)))
    return tuple(
        DueClock(
            case_id=r.case_id, case_number=r.number, case_title=r.title,
            case_type=r.case_type, assignee=r.username, clock_id=r.id,
            clock=r.name, period=r.period, due=aware(r.due_at).isoformat(),
            last_day=r.due_last_day.isoformat(),
            remaining_seconds=_seconds(r.due_at - now), provisional=r.provisional,
            target=r.target,
        )
        for r in rows
    )


def due_within(uow: UnitOfWork, actor: str, agency_code: str, days: int,
               now: datetime | None = None) -> tuple[DueClock, ...]:
    """Running clocks of the agency's cases falling due between ``now`` and ``now + days``
    (both ends included), soonest first. Paused and stopped clocks are left out; service
    targets are included and flagged ``target``."""
    with uow:
        user = reporting_user(uow, actor)
        _check_days(days)
        agency_id, _ = report_agency(uow.session, user, agency_code)
        assert agency_id is not None  # an agency was named
        return _due_within(uow.session, agency_id, days, naive(now or uow.now()))


# --- overdue ----------------------------------------------------------------------------------

def _overdue_counts(session: Session, key: ColumnElement[Any], *, now: datetime, target: bool,
                    agency_id: int | None) -> dict[Any, OverdueCount]:
    """Cases with at least one running clock past due, and such clocks, grouped by ``key``
    (a column of ``cases``, ``agencies`` or the assignee in ``users``)."""
    query = (
        select(key.label("key"), func.count(distinct(Case.id)).label("cases"),
               func.count(Clock.id).label("clocks"))
        .select_from(Clock)
        .join(Case, Case.id == Clock.case_id)
        .join(Agency, Agency.id == Case.agency_id)
        .outerjoin(User, User.id == Case.assignee_id)
        .where(Clock.status == "running", Clock.due_at < now, Clock.target.is_(target),
               Clock.party.is_(False))  # a party's own period running out is not overdue work
        .group_by(key)
        .order_by(key)
    )
    if agency_id is not None:
        query = query.where(Case.agency_id == agency_id)
    return {r.key: OverdueCount(r.cases, r.clocks) for r in session.execute(query)}


def _total(buckets: Mapping[Any, OverdueCount]) -> OverdueCount:
    # every case falls in exactly one bucket, so the buckets add up to the distinct totals
    return OverdueCount(sum(b.cases for b in buckets.values()),
                        sum(b.clocks for b in buckets.values()))


def _frozen(buckets: Mapping[str, OverdueCount]) -> Mapping[str, OverdueCount]:
    return MappingProxyType(dict(buckets))


def _overdue_summary(session: Session, now: datetime, agency_id: int | None,
                     agency_code: str | None) -> OverdueSummary:
    def counts(key: ColumnElement[Any], target: bool = False) -> dict[Any, OverdueCount]:
        return _overdue_counts(session, key, now=now, target=target, agency_id=agency_id)

    by_agency = counts(Agency.code)
    officers = {(k if k is not None else UNASSIGNED): v for k, v in counts(User.username).items()}
    targets = counts(Agency.code, target=True)
    missed = _total(targets)
    return OverdueSummary(
        as_of=aware(now).isoformat(), agency=agency_code,
        total=_total(by_agency),
        by_agency=_frozen(by_agency),
        by_officer=_frozen(dict(sorted(officers.items()))),
        by_case_type=_frozen(counts(Case.case_type)),
        targets_missed=TargetsMissed(missed.cases, missed.clocks, _frozen(targets)),
    )


def overdue_summary(uow: UnitOfWork, actor: str, now: datetime | None = None, *,
                    agency_code: str | None = None) -> OverdueSummary:
    """Overdue work per agency, per officer (assignee; ``unassigned`` for none) and per case
    type: how many cases have at least one running statutory clock past its due time, and how
    many such clocks. Service targets (``Clock.target``) are counted apart, as
    ``targets_missed``. Paused and stopped clocks are never overdue here. Without
    ``agency_code``: the actor's agency, or every agency for an admin (``agency`` None)."""
    with uow:
        user = reporting_user(uow, actor)
        agency_id, code = report_agency(uow.session, user, agency_code)
        return _overdue_summary(uow.session, naive(now or uow.now()), agency_id, code)


# --- handling time ----------------------------------------------------------------------------

def _case_start(case_row: Case) -> datetime:
    """When the case's handling began: its receipt, if keyed in on a later day (clocks then
    start at 09:00 Beijing time on the receipt date, as ``open_case`` does), else opening."""
    if case_row.received_on < aware(case_row.created_at).date():
        return naive_utc(datetime.combine(case_row.received_on, time(9), TZ))
    return case_row.created_at


def _handling_time(session: Session, case_row: Case, now: datetime) -> HandlingTime:
    clocks = session.scalars(select(Clock).where(Clock.case_id == case_row.id)
                             .order_by(Clock.id)).all()
    per_clock = []
    pauses: list[tuple[datetime, datetime | None]] = []
    for clock in clocks:
        end = max(min(clock.stopped_at or now, now), clock.started_at)
        own = [(s.started_at, s.ended_at) for s in clock.segments]
        pauses.extend(own)
        paused = _union_length(_clipped(own, clock.started_at, end))
        per_clock.append(ClockHandling(
            clock=clock.name, status=clock.status, period=clock.period,
            target=clock.target, started_at=aware(clock.started_at).isoformat(),
            stopped_at=aware(clock.stopped_at).isoformat() if clock.stopped_at else None,
            due=aware(clock.due_at).isoformat(),
            on_time=(clock.stopped_at <= clock.due_at) if clock.stopped_at else None,
            **_measure(end - clock.started_at, paused),
        ))
    start = _case_start(case_row)
    end = max(min(case_row.closed_at or now, now), start)
    return HandlingTime(
        case_id=case_row.id, case_number=case_row.number, as_of=aware(now).isoformat(),
        case=CaseHandling(
            start=aware(start).isoformat(),
            end=aware(case_row.closed_at).isoformat() if case_row.closed_at else None,
            closed=case_row.closed_at is not None,
            **_measure(end - start, _union_length(_clipped(pauses, start, end))),
        ),
        clocks=tuple(per_clock),
    )


def handling_time(uow: UnitOfWork, actor: str, case_id: int,
                  now: datetime | None = None) -> HandlingTime:
    """Handling time of a case and of each of its clocks: raw elapsed time, time paused (not
    counted by law) and the statutory measure, elapsed minus paused.

    A clock runs from its start to its stop (or ``now``); an open pause counts until then.
    The case runs from receipt/opening to closing (or ``now``); its paused time is the time
    at least one of its clocks was paused (overlapping pauses counted once).
    """
    with uow:
        user = reporting_user(uow, actor)
        case_row = report_case(uow, user, case_id)
        return _handling_time(uow.session, case_row, naive(now or uow.now()))


# --- on-time rate -----------------------------------------------------------------------------

def _on_time_rate(session: Session, now: datetime, agency_id: int | None,
                  agency_code: str | None, since: datetime | None) -> OnTimeRate:
    query = (
        select(func.count(Clock.id),
               func.coalesce(func.sum(case((Clock.stopped_at <= Clock.due_at, 1), else_=0)), 0))
        .where(Clock.status == "stopped", Clock.target.is_(False), Clock.party.is_(False),
               Clock.stopped_at <= now)
    )
    if agency_id is not None:
        query = query.join(Case, Case.id == Clock.case_id).where(Case.agency_id == agency_id)
    if since is not None:
        query = query.where(Clock.stopped_at >= since)
    total, on_time = session.execute(query).one()
    total, on_time = int(total), int(on_time)
    share = on_time / total if total else None
    return OnTimeRate(
        as_of=aware(now).isoformat(), agency=agency_code,
        since=aware(since).isoformat() if since is not None else None,
        stopped=total, on_time=on_time, late=total - on_time, share=share,
        target_share=TARGET_SHARE,
        meets_target=(share >= TARGET_SHARE) if share is not None else None,
    )


def on_time_rate(uow: UnitOfWork, actor: str, now: datetime | None = None, *,
                 agency_code: str | None = None, since: datetime | None = None) -> OnTimeRate:
    """Share of stopped statutory clocks (service targets left out) that stopped on or before
    their due time, among those stopped by ``now`` (and from ``since``, naive UTC, if given).
    Supervisors are judged on a 95% target; with nothing stopped the share is None. Without
    ``agency_code``: the actor's agency, or every agency for an admin (``agency`` None)."""
    with uow:
        user = reporting_user(uow, actor)
        agency_id, code = report_agency(uow.session, user, agency_code)
        return _on_time_rate(uow.session, naive(now or uow.now()), agency_id, code,
                             naive(since) if since is not None else None)
