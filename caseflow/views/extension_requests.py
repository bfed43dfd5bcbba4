"""What the extension requests read: the agency's requests (the API's list), one request,
and the supervisor's queue — each pending request beside the clock it asks for and that
clock's next extension rule (None once the clock stopped or ran out: the request lapsed,
and only a refusal or a withdrawal closes it)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from caseflow.adapters.orm import Case, Clock, ExtensionRequest, User
from caseflow.domain.errors import NotFound, ValidationFailed
from caseflow.domain.limits import ID_MAX
from caseflow.domain.vocabulary import EXTENSION_REQUEST_STATUSES
from caseflow.services.access import get_user
from caseflow.services.clocks import rule_for
from caseflow.services.extension_requests import RequestView, request_view
from caseflow.services.unit_of_work import UnitOfWork
from caseflow.views.reporting import reporting_user
from caseflow.views.supervision import Extendable, extendable_of


@dataclass(frozen=True)
class QueuedRequest:
    """A pending request in the approver's queue, with what deciding it needs to know."""

    request: RequestView
    case_title: str
    requester_name: str | None
    clock: Extendable | None  # None: the clock stopped or ran out — the request lapsed


def extension_requests(uow: UnitOfWork, actor: str, *, status: str | None = None,
                       case_id: int | None = None, limit: int = 100,
                       offset: int = 0) -> list[RequestView]:
    """The actor's agency's requests, newest first; of one status, of one case."""
    if status is not None and status not in EXTENSION_REQUEST_STATUSES:
        raise ValidationFailed(f"status: one of {', '.join(EXTENSION_REQUEST_STATUSES)}",
                               field="status")
    with uow:
        user = get_user(uow, actor)
        query = (select(ExtensionRequest, Case).join(Case, Case.id == ExtensionRequest.case_id)
                 .where(Case.agency_id == user.agency_id)
                 .order_by(ExtensionRequest.requested_at.desc(), ExtensionRequest.id.desc())
                 .limit(limit).offset(offset))
        if status is not None:
            query = query.where(ExtensionRequest.status == status)
        if case_id is not None:
            query = query.where(ExtensionRequest.case_id == case_id)
        return [request_view(req, case) for req, case in uow.session.execute(query)]


def extension_request(uow: UnitOfWork, actor: str, request_id: int) -> RequestView:
    """One request of the actor's agency (another agency's is answered as a missing one)."""
    with uow:
        user = get_user(uow, actor)
        row = uow.session.execute(
            select(ExtensionRequest, Case).join(Case, Case.id == ExtensionRequest.case_id)
            .where(ExtensionRequest.id == request_id, Case.agency_id == user.agency_id)
        ).first() if 0 < request_id <= ID_MAX else None
        if row is None:
            raise NotFound(f"unknown extension request {request_id}")
        return request_view(*row)


def request_queue(uow: UnitOfWork, actor: str) -> tuple[QueuedRequest, ...]:
    """The pending requests of the supervisor's agency, the soonest due clock first and the
    lapsed ones last."""
    with uow:
        user = reporting_user(uow, actor)
        now = uow.now()
        rows = uow.session.execute(
            select(ExtensionRequest, Case, Clock)
            .join(Case, Case.id == ExtensionRequest.case_id)
            .join(Clock, Clock.id == ExtensionRequest.clock_id)
            .where(ExtensionRequest.status == "pending", Case.agency_id == user.agency_id)
            .order_by(Clock.due_at, ExtensionRequest.id)).all()
        people = {u.username: u for u in uow.session.scalars(select(User).where(
            User.username.in_({r.requested_by for r, _c, _k in rows})))}
        assignees = {u.id: u for u in uow.session.scalars(select(User).where(
            User.id.in_({c.assignee_id for _r, c, _k in rows if c.assignee_id})))}
        queued = []
        for req, case, clock in rows:
            found = None
            if clock.status != "stopped":
                found = extendable_of(uow, clock, case, assignees.get(case.assignee_id), now)
            person = people.get(req.requested_by)
            queued.append(QueuedRequest(request_view(req, case), case.title,
                                        person.name if person else None, found))
        queued.sort(key=lambda q: q.clock is None)  # stable: lapsed ones after the rest
        return tuple(queued)


def queued_request(uow: UnitOfWork, actor: str, request_id: int) -> QueuedRequest:
    """One pending request from the supervisor's queue."""
    for item in request_queue(uow, actor):
        if item.request.id == request_id:
            return item
    raise NotFound(f"no pending extension request {request_id} for your agency")


@dataclass(frozen=True)
class DecidedRequest:
    """A request no longer waiting (approved, refused, withdrawn, used): what was decided,
    by whom and why, for the supervisor who opens it from an old link or a second tab."""

    request: RequestView
    case_title: str
    requester_name: str | None
    decider_name: str | None
    title_zh: str  # the clock's rule
    title_en: str


def decided_request(uow: UnitOfWork, actor: str, request_id: int) -> DecidedRequest:
    """One decided request of the supervisor's agency (a pending one, another agency's or a
    missing one: NotFound, as for the queue)."""
    with uow:
        user = reporting_user(uow, actor)
        row = uow.session.execute(
            select(ExtensionRequest, Case, Clock)
            .join(Case, Case.id == ExtensionRequest.case_id)
            .join(Clock, Clock.id == ExtensionRequest.clock_id)
            .where(ExtensionRequest.id == request_id, ExtensionRequest.status != "pending",
                   Case.agency_id == user.agency_id)
        ).first() if 0 < request_id <= ID_MAX else None
        if row is None:
            raise NotFound(f"no decided extension request {request_id} for your agency")
        req, case, clock = row
        names = {u.username: u.name for u in uow.session.scalars(select(User).where(
            User.username.in_({req.requested_by, req.decided_by} - {None})))}
        rule = rule_for(uow.session, case, clock)
        return DecidedRequest(request_view(req, case), case.title, names.get(req.requested_by),
                              names.get(req.decided_by) if req.decided_by else None,
                              rule.title_zh, rule.title_en)


@dataclass(frozen=True)
class RequestForm:
    """What an officer asking for an extension sees: the clock and its next extension rule
    (None when none is left or it ran out), and the request already waiting, if any."""

    case_id: int
    case_number: str
    case_title: str
    clock_name: str
    clock: Extendable | None
    pending: RequestView | None


def request_form(uow: UnitOfWork, actor: str, case_id: int, clock: str) -> RequestForm:
    """The clock of the actor's agency's case an extension may be asked for."""
    with uow:
        user = get_user(uow, actor)
        row = uow.session.execute(
            select(Clock, Case).join(Case, Case.id == Clock.case_id)
            .where(Case.id == case_id, Clock.name == clock, Case.agency_id == user.agency_id)
            .order_by(Clock.id.desc()).limit(1)).first() if 0 < case_id <= ID_MAX else None
        if row is None:
            raise NotFound(f"case {case_id} has no clock {clock!r}")
        found, case = row
        assignee = uow.session.get(User, case.assignee_id) if case.assignee_id else None
        rule = extendable_of(uow, found, case, assignee, uow.now()) \
            if found.status != "stopped" else None
        waiting = uow.session.scalar(select(ExtensionRequest).where(
            ExtensionRequest.clock_id == found.id, ExtensionRequest.status == "pending"))
        return RequestForm(case.id, case.number, case.title, found.name, rule,
                           request_view(waiting, case) if waiting else None)


@dataclass(frozen=True)
class RequestRow:
    """A request with its clock's titles, for a list people read."""

    request: RequestView
    title_zh: str
    title_en: str


def my_requests(uow: UnitOfWork, actor: str, *, limit: int = 200) -> tuple[RequestRow, ...]:
    """The requests the actor asked, newest first, each with its clock's title."""
    with uow:
        user = get_user(uow, actor)
        rows = uow.session.execute(
            select(ExtensionRequest, Case, Clock)
            .join(Case, Case.id == ExtensionRequest.case_id)
            .join(Clock, Clock.id == ExtensionRequest.clock_id)
            .where(ExtensionRequest.requested_by == user.username,
                   Case.agency_id == user.agency_id)
            .order_by(ExtensionRequest.requested_at.desc(), ExtensionRequest.id.desc())
            .limit(limit)).all()
        found = []
        for req, case, clock in rows:
            rule = rule_for(uow.session, case, clock)
            found.append(RequestRow(request_view(req, case), rule.title_zh, rule.title_en))
        return tuple(found)


@dataclass(frozen=True)
class ClockAsk:
    """For the case page: whether an extension of the clock may be asked for now, and the
    request already waiting."""

    extendable: bool
    pending: RequestView | None


def case_asks(uow: UnitOfWork, actor: str, case_id: int) -> dict[str, ClockAsk]:
    """Each open clock of the actor's agency's case by name (empty for another agency's)."""
    with uow:
        user = get_user(uow, actor)
        case = uow.session.get(Case, case_id) if 0 < case_id <= ID_MAX else None
        if case is None or case.agency_id != user.agency_id:
            return {}
        now = uow.now()
        waiting = {r.clock_id: r for r in uow.session.scalars(select(ExtensionRequest).where(
            ExtensionRequest.case_id == case.id, ExtensionRequest.status == "pending"))}
        found = {}
        for clock in uow.session.scalars(select(Clock).where(
                Clock.case_id == case.id, Clock.status != "stopped")):
            req = waiting.get(clock.id)
            found[clock.name] = ClockAsk(
                extendable=extendable_of(uow, clock, case, None, now) is not None,
                pending=request_view(req, case) if req else None)
        return found


def assigned_extendable(uow: UnitOfWork, *, limit: int = 50) -> list[tuple[int, str, str]]:
    """(case id, clock, assignee) of running statutory clocks an extension may still be asked
    for, soonest due first, without a request waiting (the demo asks for a few)."""
    with uow:
        now = uow.now()
        rows = uow.session.execute(
            select(Clock, Case, User).join(Case, Case.id == Clock.case_id)
            .join(User, User.id == Case.assignee_id)
            .where(Clock.status == "running", Clock.due_at > now, Clock.target.is_(False),
                   Clock.party.is_(False), Case.closed_at.is_(None))
            .order_by(Clock.due_at, Clock.id).limit(limit * 4)).all()
        waiting = set(uow.session.scalars(select(ExtensionRequest.clock_id).where(
            ExtensionRequest.status == "pending")))
        found = [(case.id, clock.name, person.username) for clock, case, person in rows
                 if clock.id not in waiting
                 and extendable_of(uow, clock, case, person, now) is not None]
        return found[:limit]
