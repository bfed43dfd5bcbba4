"""Read side of the directory: who works where, with which roles.

Entry points (the demo, scripts) need the staff list to pick people to act as; they get frozen
records, never ORM rows that go stale once the session closes.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from caseflow.adapters.orm import User
from caseflow.services.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class StaffMember:
    username: str
    agency: str  # agency code
    roles: frozenset[str]
    active: bool


def staff_members(uow: UnitOfWork) -> list[StaffMember]:
    """Every user, active or not, in the order they were created (so picks are reproducible)."""
    with uow:
        return [
            StaffMember(username=u.username, agency=u.agency.code, roles=u.roles, active=u.active)
            for u in uow.session.scalars(select(User).order_by(User.id))
        ]
