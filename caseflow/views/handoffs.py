"""What supervisors watch about handoffs: what is open and how its clock stands, what was
refused and why, and how long each kind takes to be accepted.

The reports run in their own unit of work as a supervisor or an admin, scoped as the clock
reports are (``views.reporting.report_agency``): a supervisor sees their own agency's handoffs
only, an admin any agency's or, without ``agency_code``, all of them. They return frozen read
models whose ``to_dict()`` gives the JSON-ready form."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from types import MappingProxyType
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from caseflow.adapters.orm import Agency, Case, Clock, Handoff, User
from caseflow.adapters.registry import REGISTRY
from caseflow.domain.errors import NotFound, ValidationFailed
from caseflow.domain.limits import id_in_range
from caseflow.domain.moments import aware
from caseflow.domain.vocabulary import OPEN_HANDOFF_STATUSES
from caseflow.services.access import get_user
from caseflow.services.handoffs import HandoffView, view
from caseflow.services.unit_of_work import UnitOfWork
from caseflow.views.reporting import naive, report_agency, reporting_user


@dataclass(frozen=True)
class OpenHandoff:
    """A handoff not yet decided, with its acceptance clock (if any) at ``now``;
    ``to_dict`` names the agencies ``from`` and ``to``."""

    handoff: int
    kind: str
    status: str
    case: str
    from_agency: str
    to_agency: str
    sent_at: str
    due: str | None
    remaining_seconds: int | None
    overdue: bool
    # the agencies' names, for pages (the JSON form keeps the codes)
    from_name_zh: str = ""
    from_name_en: str = ""
    to_name_zh: str = ""
    to_name_en: str = ""
    kind_title_zh: str = ""
    kind_title_en: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"handoff": self.handoff, "kind": self.kind, "status": self.status,
                "case": self.case, "from": self.from_agency, "to": self.to_agency,
                "sent_at": self.sent_at, "due": self.due,
                "remaining_seconds": self.remaining_seconds, "overdue": self.overdue}


@dataclass(frozen=True)
class RefusedHandoff:
    """A rejected or returned handoff and the reason given; ``to_dict`` names the receiving
    agency ``to``."""

    handoff: int
    kind: str
    status: str
    case: str
    to_agency: str
    reason: str | None
    decided_by: str | None
    decided_at: str
    # names for pages (the JSON form keeps the codes and the username)
    to_name_zh: str = ""
    to_name_en: str = ""
    decided_by_name: str | None = None
    kind_title_zh: str = ""
    kind_title_en: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"handoff": self.handoff, "kind": self.kind, "status": self.status,
                "case": self.case, "to": self.to_agency, "reason": self.reason,
                "decided_by": self.decided_by, "decided_at": self.decided_at}


@dataclass(frozen=True)
class KindAcceptance:
    """How long handoffs of one kind took from sending to acceptance."""

    accepted: int
    average_hours: float
    fastest_hours: float
    slowest_hours: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class AcceptanceTimes:
    """Acceptance times per handoff kind, kinds in name order."""

    by_kind: Mapping[str, KindAcceptance]

    def to_dict(self) -> dict[str, dict[str, Any]]:
        return {kind: times.to_dict() for kind, times in self.by_kind.items()}


def _kind_titles(session: Session, case: Case, kind: str) -> tuple[str, str]:
    """The handoff kind's (zh, en) titles in the sending case's workflow version (the kind's
    name where that version does not define it)."""
    rule = REGISTRY.definition(session, case.workflow_key, case.workflow_version) \
        .handoffs.get(kind)
    return ((rule.title_zh or kind, rule.title_en or kind) if rule is not None
            else (kind, kind))


def _open_handoffs(session: Session, now: datetime, agency_id: int | None,
                   incoming: bool) -> tuple[OpenHandoff, ...]:
    sender, receiver = aliased(Agency), aliased(Agency)
    query = (select(Handoff, Case, sender.code, receiver.code, Clock,
                    sender.name_zh, sender.name_en, receiver.name_zh, receiver.name_en)
             .join(Case, Case.id == Handoff.case_id)
             .join(sender, sender.id == Handoff.from_agency_id)
             .join(receiver, receiver.id == Handoff.to_agency_id)
             .outerjoin(Clock, Clock.handoff_id == Handoff.id)
             .where(Handoff.status.in_(("sent", "received")))
             .order_by(Clock.due_at, Handoff.id))
    if agency_id is not None:
        column = Handoff.to_agency_id if incoming else Handoff.from_agency_id
        query = query.where(column == agency_id)
    return tuple(
        OpenHandoff(
            handoff=handoff.id, kind=handoff.kind, status=handoff.status,
            case=case.number, from_agency=from_code, to_agency=to_code,
            sent_at=aware(handoff.sent_at).isoformat(),
            due=aware(clock.due_at).isoformat() if clock else None,
            remaining_seconds=int((clock.due_at - now).total_seconds()) if clock else None,
            overdue=bool(clock and clock.due_at < now),
            from_name_zh=from_zh, from_name_en=from_en, to_name_zh=to_zh, to_name_en=to_en,
            kind_title_zh=(titles := _kind_titles(session, case, handoff.kind))[0],
            kind_title_en=titles[1],
        )
        for handoff, case, from_code, to_code, clock, from_zh, from_en, to_zh, to_en
        in session.execute(query))


def open_handoffs(uow: UnitOfWork, actor: str, now: datetime | None = None, *,
                  agency_code: str | None = None,
                  incoming: bool = True) -> tuple[OpenHandoff, ...]:
    """Handoffs not yet decided, addressed to (or sent by) an agency, with their clocks."""
    with uow:
        user = reporting_user(uow, actor)
        agency_id, _ = report_agency(uow.session, user, agency_code)
        return _open_handoffs(uow.session, naive(now or uow.now()), agency_id, incoming)


def _refused_handoffs(session: Session, agency_id: int | None,
                      since: datetime | None) -> tuple[RefusedHandoff, ...]:
    receiver = aliased(Agency)
    decider = aliased(User)
    query = (select(Handoff, Case, receiver.code, receiver.name_zh, receiver.name_en,
                    decider.name)
             .join(Case, Case.id == Handoff.case_id)
             .join(receiver, receiver.id == Handoff.to_agency_id)
             .outerjoin(decider, decider.username == Handoff.decided_by)
             .where(Handoff.status.in_(("rejected", "returned")))
             .order_by(Handoff.decided_at.desc()))
    if agency_id is not None:
        query = query.where((Handoff.to_agency_id == agency_id)
                            | (Handoff.from_agency_id == agency_id))
    if since is not None:
        query = query.where(Handoff.decided_at >= since)
    return tuple(RefusedHandoff(handoff=h.id, kind=h.kind, status=h.status, case=case.number,
                                to_agency=to_code, reason=h.status_reason,
                                decided_by=h.decided_by,
                                decided_at=aware(h.decided_at).isoformat(),
                                to_name_zh=to_zh, to_name_en=to_en,
                                decided_by_name=decider_name or h.decided_by,
                                kind_title_zh=(titles := _kind_titles(session, case, h.kind))[0],
                                kind_title_en=titles[1])
                 for h, case, to_code, to_zh, to_en, decider_name in session.execute(query))


def refused_handoffs(uow: UnitOfWork, actor: str, *, agency_code: str | None = None,
                     since: datetime | None = None) -> tuple[RefusedHandoff, ...]:
    """Rejected and returned handoffs sent or received by an agency, with the reasons given,
    newest first."""
    with uow:
        user = reporting_user(uow, actor)
        agency_id, _ = report_agency(uow.session, user, agency_code)
        return _refused_handoffs(uow.session, agency_id,
                                 naive(since) if since is not None else None)


def _acceptance_times(session: Session, agency_id: int | None) -> AcceptanceTimes:
    query = select(Handoff.kind, Handoff.sent_at, Handoff.decided_at).where(
        Handoff.status == "accepted")
    if agency_id is not None:
        query = query.where(Handoff.to_agency_id == agency_id)
    by_kind: dict[str, list[float]] = {}
    for kind, sent, decided in session.execute(query):
        by_kind.setdefault(kind, []).append((decided - sent).total_seconds())
    return AcceptanceTimes(MappingProxyType({
        kind: KindAcceptance(accepted=len(secs),
                             average_hours=round(sum(secs) / len(secs) / 3600, 2),
                             fastest_hours=round(min(secs) / 3600, 2),
                             slowest_hours=round(max(secs) / 3600, 2))
        for kind, secs in sorted(by_kind.items())}))


def acceptance_times(uow: UnitOfWork, actor: str, *,
                     agency_code: str | None = None) -> AcceptanceTimes:
    """Average, fastest and slowest time from sending to acceptance, per handoff kind, of the
    handoffs an agency accepted."""
    with uow:
        user = reporting_user(uow, actor)
        agency_id, _ = report_agency(uow.session, user, agency_code)
        return _acceptance_times(uow.session, agency_id)


def list_for_agency(uow: UnitOfWork, actor: str, *, status: Sequence[str] = OPEN_HANDOFF_STATUSES,
                    incoming: bool = True, offset: int = 0,
                    limit: int | None = None) -> list[HandoffView]:
    """Handoffs addressed to (or sent by) the actor's agency, oldest first; ``offset`` and
    ``limit`` page through them."""
    with uow:
        user = get_user(uow, actor)
        column = Handoff.to_agency_id if incoming else Handoff.from_agency_id
        rows = uow.session.scalars(select(Handoff).where(column == user.agency_id,
                                                         Handoff.status.in_(status))
                                   .order_by(Handoff.sent_at, Handoff.id)
                                   .offset(offset).limit(limit))
        return [view(h, uow.session) for h in rows]


def handoff_for(uow: UnitOfWork, handoff_id: int, actor: str) -> HandoffView:
    """One handoff, to the agency that sent it or the one it is addressed to; to anyone else
    it is as unknown as a handoff that does not exist."""
    with uow:
        user = get_user(uow, actor)
        if not isinstance(handoff_id, int) or isinstance(handoff_id, bool):
            raise ValidationFailed(f"handoff id must be an integer, got {handoff_id!r}",
                                   field="handoff_id")
        handoff = uow.session.get(Handoff, handoff_id) if id_in_range(handoff_id) else None
        if handoff is None or user.agency_id not in (handoff.from_agency_id,
                                                     handoff.to_agency_id):
            raise NotFound(f"unknown handoff {handoff_id}")
        return view(handoff, uow.session)
