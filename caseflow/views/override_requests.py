"""What the override requests read: the agency's requests (the API's list), one request,
and the supervisor's queue — each pending request with its step's title and whether the
case is still in the state it was asked in (if not, only a refusal or withdrawal closes it)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from caseflow.adapters.orm import Case, OverrideRequest, User
from caseflow.adapters.registry import REGISTRY
from caseflow.domain.errors import NotFound, ValidationFailed
from caseflow.domain.limits import ID_MAX
from caseflow.domain.vocabulary import OVERRIDE_REQUEST_STATUSES
from caseflow.services.access import get_user
from caseflow.services.clocks import judge_each
from caseflow.services.override_requests import OverrideView, override_view
from caseflow.services.unit_of_work import UnitOfWork
from caseflow.views.reporting import reporting_user


@dataclass(frozen=True)
class OverrideRow:
    """A request with its step's titles and who asked, for a list people read."""

    request: OverrideView
    case_title: str
    title_zh: str
    title_en: str
    requester_name: str | None
    current: bool  # the case is still in the state the request was asked in


def override_requests(uow: UnitOfWork, actor: str, *, status: str | None = None,
                      case_id: int | None = None, limit: int = 100,
                      offset: int = 0) -> list[OverrideView]:
    """The actor's agency's override requests, newest first; of one status, of one case."""
    if status is not None and status not in OVERRIDE_REQUEST_STATUSES:
        raise ValidationFailed(f"status: one of {', '.join(OVERRIDE_REQUEST_STATUSES)}",
                               field="status")
    with uow:
        user = get_user(uow, actor)
        query = (select(OverrideRequest, Case).join(Case, Case.id == OverrideRequest.case_id)
                 .where(Case.agency_id == user.agency_id)
                 .order_by(OverrideRequest.requested_at.desc(), OverrideRequest.id.desc())
                 .limit(limit).offset(offset))
        if status is not None:
            query = query.where(OverrideRequest.status == status)
        if case_id is not None:
            query = query.where(OverrideRequest.case_id == case_id)
        return [override_view(req, case) for req, case in uow.session.execute(query)]


def override_request(uow: UnitOfWork, actor: str, request_id: int) -> OverrideView:
    """One request of the actor's agency (another agency's is answered as a missing one)."""
    with uow:
        user = get_user(uow, actor)
        row = uow.session.execute(
            select(OverrideRequest, Case).join(Case, Case.id == OverrideRequest.case_id)
            .where(OverrideRequest.id == request_id, Case.agency_id == user.agency_id)
        ).first() if 0 < request_id <= ID_MAX else None
        if row is None:
            raise NotFound(f"unknown override request {request_id}")
        return override_view(*row)


def _rows(uow: UnitOfWork, query: object) -> tuple[OverrideRow, ...]:
    rows = uow.session.execute(query).all()  # type: ignore[call-overload]
    people = {u.username: u.name for u in uow.session.scalars(select(User).where(
        User.username.in_({r.requested_by for r, _c in rows})))}
    found = []
    for req, case in rows:
        definition = REGISTRY.definition(uow.session, case.workflow_key, case.workflow_version)
        step = next((t for t in definition.transitions if t.trigger == req.trigger), None)
        found.append(OverrideRow(override_view(req, case), case.title,
                                 step.title_zh if step else req.trigger,
                                 step.title_en if step else req.trigger,
                                 people.get(req.requested_by), case.status == req.state))
    return tuple(found)


def override_queue(uow: UnitOfWork, actor: str) -> tuple[OverrideRow, ...]:
    """The pending override requests of the supervisor's agency, oldest first."""
    with uow:
        user = reporting_user(uow, actor)
        return _rows(uow, select(OverrideRequest, Case)
                     .join(Case, Case.id == OverrideRequest.case_id)
                     .where(OverrideRequest.status == "pending",
                            Case.agency_id == user.agency_id)
                     .order_by(OverrideRequest.requested_at, OverrideRequest.id))


def queued_override(uow: UnitOfWork, actor: str, request_id: int) -> OverrideRow:
    """One pending override request from the supervisor's queue."""
    for row in override_queue(uow, actor):
        if row.request.id == request_id:
            return row
    raise NotFound(f"no pending override request {request_id} for your agency")


def my_overrides(uow: UnitOfWork, actor: str, *, limit: int = 200) -> tuple[OverrideRow, ...]:
    """The override requests the actor asked, newest first."""
    with uow:
        user = get_user(uow, actor)
        return _rows(uow, select(OverrideRequest, Case)
                     .join(Case, Case.id == OverrideRequest.case_id)
                     .where(OverrideRequest.requested_by == user.username,
                            Case.agency_id == user.agency_id)
                     .order_by(OverrideRequest.requested_at.desc(), OverrideRequest.id.desc())
                     .limit(limit))


@dataclass(frozen=True)
class OverrideForm:
    """What an officer asking for an override sees: the step, the periods that now refuse
    it (by their titles) and the request already open for it, if any."""

    case_id: int
    case_number: str
    case_title: str
    case_version: int
    trigger: str
    title_zh: str
    title_en: str
    blocking: tuple[tuple[str, str, str], ...]  # (clock, title_zh, title_en)
    overridable: bool  # the workflow lets a period of this step be overridden
    open: OverrideView | None


def override_form(uow: UnitOfWork, actor: str, case_id: int, trigger: str) -> OverrideForm:
    """The step of the actor's agency's case an override may be asked for."""
    with uow:
        user = get_user(uow, actor)
        case = uow.session.get(Case, case_id) if 0 < case_id <= ID_MAX else None
        if case is None or case.agency_id != user.agency_id:
            raise NotFound(f"unknown case id {case_id}")
        definition = REGISTRY.definition(uow.session, case.workflow_key, case.workflow_version)
        step = next((t for t in definition.triggers_from(case.status) if t.trigger == trigger),
                    None)
        if step is None:
            raise NotFound(f"case {case.number} has no step {trigger!r} now")
        overridable = [r for r in step.requires if any(e.kind == "override" for e in r.unless)]
        refused = [r for verdict in judge_each(uow, case.id, overridable) for r in verdict]
        titles = {name: (rule.title_zh, rule.title_en) for name, rule in definition.clocks.items()}
        blocking = tuple((r.clock, *titles.get(r.clock, (r.clock, r.clock))) for r in refused)
        open_ = uow.session.scalar(select(OverrideRequest).where(
            OverrideRequest.case_id == case.id, OverrideRequest.trigger == trigger,
            OverrideRequest.status.in_(("pending", "approved"))))
        return OverrideForm(case.id, case.number, case.title, case.version, trigger,
                            step.title_zh, step.title_en, blocking, bool(overridable),
                            override_view(open_, case) if open_ else None)


def overridable_steps(uow: UnitOfWork, actor: str, case_id: int
                      ) -> dict[str, OverrideView | None]:
    """The steps of the case's present state whose periods a supervisor may override, each
    with its open request (None: none asked yet); empty for another agency's case."""
    with uow:
        user = get_user(uow, actor)
        case = uow.session.get(Case, case_id) if 0 < case_id <= ID_MAX else None
        if case is None or case.agency_id != user.agency_id:
            return {}
        definition = REGISTRY.definition(uow.session, case.workflow_key, case.workflow_version)
        steps = [t.trigger for t in definition.triggers_from(case.status)
                 if any(e.kind == "override" for r in t.requires for e in r.unless)]
        if not steps:
            return {}
        open_ = {r.trigger: override_view(r, case) for r in uow.session.scalars(
            select(OverrideRequest).where(OverrideRequest.case_id == case.id,
                                          OverrideRequest.trigger.in_(steps),
                                          OverrideRequest.status.in_(("pending", "approved"))))}
        return {s: open_.get(s) for s in steps}
