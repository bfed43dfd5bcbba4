"""What supervisors watch about handoffs: what is open and how its clock stands, what was
refused and why, and how long each kind takes to be accepted."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from caseflow.adapters.orm import Agency, Case, Clock, Handoff
from caseflow.domain.errors import NotFound
from caseflow.domain.moments import aware
from caseflow.domain.vocabulary import OPEN_HANDOFF_STATUSES
from caseflow.services.access import get_user
from caseflow.services.handoffs import HandoffView, view
from caseflow.services.unit_of_work import UnitOfWork


def _agency_id(session: Session, code: str | None) -> int | None:
    if code is None:
        return None
    agency_id = session.scalar(select(Agency.id).where(Agency.code == code))
    if agency_id is None:
        raise NotFound(f"unknown agency {code!r}")
    return agency_id


def open_handoffs(session: Session, now: datetime, *, agency_code: str | None = None,
                  incoming: bool = True) -> list[dict[str, Any]]:
    """Handoffs not yet decided, addressed to (or sent by) an agency, with their clocks."""
    agency_id = _agency_id(session, agency_code)
    sender, receiver = aliased(Agency), aliased(Agency)
    query = (select(Handoff, Case.number, sender.code, receiver.code, Clock)
             .join(Case, Case.id == Handoff.case_id)
             .join(sender, sender.id == Handoff.from_agency_id)
             .join(receiver, receiver.id == Handoff.to_agency_id)
             .outerjoin(Clock, Clock.handoff_id == Handoff.id)
             .where(Handoff.status.in_(("sent", "received")))
             .order_by(Clock.due_at, Handoff.id))
    if agency_id is not None:
        column = Handoff.to_agency_id if incoming else Handoff.from_agency_id
        query = query.where(column == agency_id)
    rows = []
    for handoff, number, from_code, to_code, clock in session.execute(query):
        rows.append({
            "handoff": handoff.id, "kind": handoff.kind, "status": handoff.status,
            "case": number, "from": from_code, "to": to_code,
            "sent_at": aware(handoff.sent_at).isoformat(),
            "due": aware(clock.due_at).isoformat() if clock else None,
            "remaining_seconds": int((clock.due_at - now).total_seconds()) if clock else None,
            "overdue": bool(clock and clock.due_at < now),
        })
    return rows


def refused_handoffs(session: Session, *, agency_code: str | None = None,
                     since: datetime | None = None) -> list[dict[str, Any]]:
    """Rejected and returned handoffs with the reasons given, newest first."""
    agency_id = _agency_id(session, agency_code)
    receiver = aliased(Agency)
    query = (select(Handoff, Case.number, receiver.code)
             .join(Case, Case.id == Handoff.case_id)
             .join(receiver, receiver.id == Handoff.to_agency_id)
             .where(Handoff.status.in_(("rejected", "returned")))
             .order_by(Handoff.decided_at.desc()))
    if agency_id is not None:
        query = query.where((Handoff.to_agency_id == agency_id)
                            | (Handoff.from_agency_id == agency_id))
    if since is not None:
        query = query.where(Handoff.decided_at >= since)
    return [{"handoff": h.id, "kind": h.kind, "status": h.status, "case": number,
             "to": to_code, "reason": h.status_reason, "decided_by": h.decided_by,
             "decided_at": aware(h.decided_at).isoformat()}
            for h, number, to_code in session.execute(query)]


def acceptance_times(session: Session, *, agency_code: str | None = None) -> dict[str, Any]:
    """Average, fastest and slowest time from sending to acceptance, per handoff kind."""
    agency_id = _agency_id(session, agency_code)
    query = select(Handoff.kind, Handoff.sent_at, Handoff.decided_at).where(
        Handoff.status == "accepted")
    if agency_id is not None:
        query = query.where(Handoff.to_agency_id == agency_id)
    by_kind: dict[str, list[float]] = {}
    for kind, sent, decided in session.execute(query):
        by_kind.setdefault(kind, []).append((decided - sent).total_seconds())
    return {kind: {"accepted": len(secs), "average_hours": round(sum(secs) / len(secs) / 3600, 2),
                   "fastest_hours": round(min(secs) / 3600, 2),
                   "slowest_hours": round(max(secs) / 3600, 2)}
            for kind, secs in sorted(by_kind.items())}


def list_for_agency(uow: UnitOfWork, actor: str, *, status: Sequence[str] = OPEN_HANDOFF_STATUSES,
                    incoming: bool = True) -> list[HandoffView]:
    """Handoffs addressed to (or sent by) the actor's agency."""
    with uow:
        user = get_user(uow, actor)
        column = Handoff.to_agency_id if incoming else Handoff.from_agency_id
        rows = uow.session.scalars(select(Handoff).where(column == user.agency_id,
                                                         Handoff.status.in_(status))
                                   .order_by(Handoff.sent_at))
        return [view(h, uow.session) for h in rows]
