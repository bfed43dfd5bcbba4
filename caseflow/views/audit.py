"""Read side of the audit trail: a case's events as a user may see them, a page at a time.

The trail (who, when, through which channel, which trigger, from and to which state, why,
and the payload) is the owning agency's: an agency a case was handed to, or one that sees
only its outcome, may see the case but not its trail (PermissionDenied); anyone else gets
NotFound, as if the case did not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from caseflow.adapters.orm import Event
from caseflow.domain.errors import PermissionDenied
from caseflow.domain.moments import aware
from caseflow.services.access import get_case, get_user, visible_as
from caseflow.services.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class TrailEvent:
    """One event of a case's chain; ``at`` is ISO 8601 in Beijing time."""

    seq: int
    kind: str
    actor: str
    channel: str
    at: str
    from_state: str | None
    to_state: str | None
    trigger: str | None
    reason: str | None
    payload: dict[str, Any]
    hash: str

    def to_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "kind": self.kind, "actor": self.actor,
                "channel": self.channel, "at": self.at, "from": self.from_state,
                "to": self.to_state, "trigger": self.trigger, "reason": self.reason,
                "payload": self.payload, "hash": self.hash}


@dataclass(frozen=True, slots=True)
class TrailPage:
    case_id: int
    case: str
    total: int
    page: int
    per_page: int
    items: tuple[TrailEvent, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"case_id": self.case_id, "case": self.case, "total": self.total,
                "page": self.page, "per_page": self.per_page,
                "items": [e.to_dict() for e in self.items]}


def case_events(uow: UnitOfWork, case_id: int, actor: str, *, page: int = 1,
                per_page: int = 50) -> TrailPage:
    """Page ``page`` (from 1) of the case's trail in chain order, to its own agency."""
    with uow:
        session = uow.session
        user = get_user(uow, actor)
        case = get_case(uow, case_id)
        if visible_as(session, case, user)[0] != "full":  # NotFound for outsiders
            raise PermissionDenied(f"the audit trail of case {case.number} is for "
                                   f"{case.agency.code} only")
        total = session.scalar(select(func.count()).select_from(Event)
                               .where(Event.case_id == case.id)) or 0
        rows = session.scalars(select(Event).where(Event.case_id == case.id)
                               .order_by(Event.seq).offset((page - 1) * per_page)
                               .limit(per_page))
        items = tuple(TrailEvent(seq=e.seq, kind=e.kind, actor=e.actor, channel=e.channel,
                                 at=aware(e.at).isoformat(), from_state=e.source_state,
                                 to_state=e.target_state, trigger=e.trigger, reason=e.reason,
                                 payload=dict(e.payload or {}), hash=e.hash)
                      for e in rows)
        return TrailPage(case_id=case.id, case=case.number, total=total, page=page,
                         per_page=per_page, items=items)
