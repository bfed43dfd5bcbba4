"""What a supervisor's pages read: their agency's clocks past due and falling due, the clocks
an extension may still be approved for, and the team's workload per officer.

Each query runs in its own unit of work as a supervisor (or an admin, on their own agency),
scoped to the actor's agency as the other reports are (``views.reporting``), and returns
frozen read models. Statutory clocks only for overdue work: a party's own period and a
service target are not the agency's overdue work (as in ``views.clocks.overdue_summary``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import distinct, func, select

from caseflow.adapters.orm import ApiToken, Case, Clock, User, UserRole, WebSession
from caseflow.domain.definitions import OPEN_ENDED_MAX
from caseflow.domain.errors import NotFound
from caseflow.domain.moments import TZ, aware, naive_utc
from caseflow.services.clocks import rule_for
from caseflow.services.unit_of_work import UnitOfWork
from caseflow.views.reporting import reporting_user

SOON_DAYS = 7


@dataclass(frozen=True)
class DeadlineRow:
    """A running clock of the agency's case, past due or falling due soon."""

    case_id: int
    case_number: str
    case_title: str
    assignee: str | None
    assignee_name: str | None
    clock: str
    title_zh: str
    title_en: str
    due: datetime
    remaining_seconds: int

    @property
    def overdue(self) -> bool:
        return self.remaining_seconds < 0


@dataclass(frozen=True)
class Deadlines:
    overdue: tuple[DeadlineRow, ...]
    soon: tuple[DeadlineRow, ...]


@dataclass(frozen=True)
class Extendable:
    """A running clock an extension may still be approved for, and that extension's rule."""

    case_id: int
    case_number: str
    case_title: str
    case_version: int
    assignee: str | None
    assignee_name: str | None
    clock: str
    title_zh: str
    title_en: str
    due: datetime
    remaining_seconds: int
    by_amount: int | None  # None: open-ended, the approver sets the length
    unit: str
    max_amount: int
    note: str
    collective: bool
    min_participants: int
    extended: int  # extensions already approved on this clock


@dataclass(frozen=True)
class OfficerLoad:
    username: str
    name: str
    open_cases: int
    overdue: int
    due_soon: int
    closed_this_year: int


def _clock_rows(uow: UnitOfWork, agency_id: int, *, until: datetime,
                since: datetime | None = None) -> list[tuple[Clock, Case, User | None]]:
    query = (select(Clock, Case, User)
             .join(Case, Case.id == Clock.case_id)
             .outerjoin(User, User.id == Case.assignee_id)
             .where(Clock.status == "running", Case.agency_id == agency_id,
                    Clock.due_at <= until, Clock.target.is_(False), Clock.party.is_(False))
             .order_by(Clock.due_at, Clock.id))
    if since is not None:
        query = query.where(Clock.due_at >= since)
    return list(uow.session.execute(query))


def deadlines(uow: UnitOfWork, actor: str, *, days: int = SOON_DAYS) -> Deadlines:
    """The actor's agency's running statutory clocks past due (most overdue first) and due
    within ``days`` (soonest first)."""
    with uow:
        user = reporting_user(uow, actor)
        now = uow.now()
        overdue, soon = [], []
        for clock, case, person in _clock_rows(uow, user.agency_id,
                                               until=now + timedelta(days=days)):
            rule = rule_for(uow.session, case, clock)
            row = DeadlineRow(case_id=case.id, case_number=case.number, case_title=case.title,
                              assignee=person.username if person else None,
                              assignee_name=person.name if person else None,
                              clock=clock.name, title_zh=rule.title_zh, title_en=rule.title_en,
                              due=aware(clock.due_at),
                              remaining_seconds=int((clock.due_at - now).total_seconds()))
            (overdue if row.overdue else soon).append(row)
        return Deadlines(tuple(overdue), tuple(soon))


def extendable_of(uow: UnitOfWork, clock: Clock, case: Case, person: User | None,
                  now: datetime) -> Extendable | None:
    """The clock with its next extension's rule, or None when none is left or it ran out."""
    rule = rule_for(uow.session, case, clock)
    used = [e.rule_index for e in clock.extensions]
    pending = [e for i, e in enumerate(rule.extensions) if used.count(i) < e.max_times]
    if not pending or clock.due_at <= now:
        return None
    ext = pending[0]
    unit = ext.by.unit if ext.by else clock.period.split()[-1]
    return Extendable(
        case_id=case.id, case_number=case.number, case_title=case.title,
        case_version=case.version, assignee=person.username if person else None,
        assignee_name=person.name if person else None, clock=clock.name,
        title_zh=rule.title_zh, title_en=rule.title_en, due=aware(clock.due_at),
        remaining_seconds=int((clock.due_at - now).total_seconds()),
        by_amount=ext.by.amount if ext.by else None, unit=unit,
        max_amount=ext.by.amount if ext.by else OPEN_ENDED_MAX.get(unit, 366),
        note=ext.note, collective=ext.collective, min_participants=ext.min_participants,
        extended=len(clock.extensions))


def extendable_clocks(uow: UnitOfWork, actor: str) -> tuple[Extendable, ...]:
    """The actor's agency's running clocks, not yet run out, whose rule still allows an
    extension (the next one not used up), soonest due first."""
    with uow:
        user = reporting_user(uow, actor)
        now = uow.now()
        rows = uow.session.execute(
            select(Clock, Case, User).join(Case, Case.id == Clock.case_id)
            .outerjoin(User, User.id == Case.assignee_id)
            .where(Clock.status == "running", Case.agency_id == user.agency_id,
                   Clock.due_at > now)
            .order_by(Clock.due_at, Clock.id))
        found = (extendable_of(uow, clock, case, person, now) for clock, case, person in rows)
        return tuple(e for e in found if e is not None)


def extendable_clock(uow: UnitOfWork, actor: str, case_id: int, name: str) -> Extendable:
    """One running clock of the actor's agency an extension may be approved for."""
    with uow:
        user = reporting_user(uow, actor)
        now = uow.now()
        row = uow.session.execute(
            select(Clock, Case, User).join(Case, Case.id == Clock.case_id)
            .outerjoin(User, User.id == Case.assignee_id)
            .where(Clock.status == "running", Case.agency_id == user.agency_id,
                   Case.id == case_id, Clock.name == name)).first()
        found = extendable_of(uow, *row, now) if row else None
        if found is None:
            raise NotFound(f"no clock {name!r} that may be extended on case {case_id}")
        return found


def workload(uow: UnitOfWork, actor: str, *, days: int = SOON_DAYS) -> tuple[OfficerLoad, ...]:
    """Per officer of the actor's agency: open cases assigned, cases with a statutory clock
    past due, cases with one due within ``days``, and cases closed this (Beijing) year.

    Accounts that only another system uses are no team member: users have no flag for
    it, so an officer account with a live API token, no sign-in ever (no web session) and
    no open case assigned (the demo's zjip.feed) is left out; once it signs in or holds a
    case it is listed, so no workload is hidden."""
    with uow:
        user = reporting_user(uow, actor)
        now = uow.now()
        year_start = naive_utc(datetime.combine(aware(now).astimezone(TZ).date()
                                                .replace(month=1, day=1), time(0), TZ))
        officers = list(uow.session.execute(
            select(User.id, User.username, User.name)
            .join(UserRole, UserRole.user_id == User.id)
            .where(User.agency_id == user.agency_id, UserRole.role == "officer",
                   User.active.is_(True))
            .order_by(User.username)))

        def counted(*where: Any, clocks: bool = False) -> dict[int, int]:
            query = select(Case.assignee_id, func.count(distinct(Case.id)))
            if clocks:
                query = query.join(Clock, Clock.case_id == Case.id).where(
                    Clock.status == "running", Clock.target.is_(False),
                    Clock.party.is_(False))
            query = query.where(Case.agency_id == user.agency_id, *where).group_by(
                Case.assignee_id)
            return {k: n for k, n in uow.session.execute(query) if k is not None}

        open_ = counted(Case.closed_at.is_(None))
        late = counted(Case.closed_at.is_(None), Clock.due_at < now, clocks=True)
        soon = counted(Case.closed_at.is_(None), Clock.due_at >= now,
                       Clock.due_at <= now + timedelta(days=days), clocks=True)
        closed = counted(Case.closed_at.is_not(None), Case.closed_at >= year_start)
        api_only = set(uow.session.scalars(
            select(ApiToken.user_id).where(
                ApiToken.user_id.in_([i for i, _u, _n in officers]),
                ApiToken.revoked_at.is_(None), ApiToken.expires_at > now,
                ~select(WebSession.id).where(WebSession.user_id == ApiToken.user_id)
                .exists()))) - set(open_)
        officers = [o for o in officers if o[0] not in api_only]
        return tuple(OfficerLoad(username=u, name=n, open_cases=open_.get(i, 0),
                                 overdue=late.get(i, 0), due_soon=soon.get(i, 0),
                                 closed_this_year=closed.get(i, 0))
                     for i, u, n in officers)
