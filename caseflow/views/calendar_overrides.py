"""Read side of the calendar's local overrides: the days an admin made a working day or a
rest day, with who did it, when and why (an admin's view)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from caseflow.adapters.orm import CalendarOverride
from caseflow.services.access import require_admin
from caseflow.services.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class OverrideRow:
    day: date
    kind: str  # rest | work
    reason: str
    created_by: str
    created_at: datetime


def list_overrides(uow: UnitOfWork, *, actor: str, limit: int = 200) -> list[OverrideRow]:
    """The overrides, the latest day first (an admin only)."""
    with uow:
        require_admin(uow, actor, "looks at the calendar's overrides")
        rows = uow.session.scalars(select(CalendarOverride)
                                   .order_by(CalendarOverride.day.desc()).limit(limit))
        return [OverrideRow(r.day, r.kind, r.reason, r.created_by, r.created_at) for r in rows]
