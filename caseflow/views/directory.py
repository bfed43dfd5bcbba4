"""Read side of the directory: who works where, with which roles.

Entry points (the demo, scripts) need the staff list to pick people to act as; they get frozen
records, never ORM rows that go stale once the session closes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from caseflow.adapters.orm import Agency, User, UserRole
from caseflow.domain.errors import ValidationFailed
from caseflow.domain.limits import ID_MAX
from caseflow.domain.vocabulary import ROLES
from caseflow.services.access import get_agency, get_user, require_admin
from caseflow.services.directory import (
    AgencyRecord,
    UserRecord,
    agency_record,
    any_user,
    user_record,
)
from caseflow.services.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class StaffMember:
    username: str
    agency: str  # agency code
    roles: frozenset[str]
    active: bool
    name: str = ""


def staff_members(uow: UnitOfWork) -> list[StaffMember]:
    """Every user, active or not, in the order they were created (so picks are reproducible)."""
    with uow:
        return [
            StaffMember(username=u.username, agency=u.agency.code, roles=u.roles,
                        active=u.active, name=u.name)
            for u in uow.session.scalars(select(User).order_by(User.id))
        ]


@dataclass(frozen=True)
class UserPage:
    """One page of the directory's users, and how many match in all."""

    items: list[UserRecord]
    total: int
    page: int
    per_page: int

    def to_dict(self) -> dict[str, Any]:
        return {"items": [u.to_dict() for u in self.items], "total": self.total,
                "page": self.page, "per_page": self.per_page}


def list_users(uow: UnitOfWork, *, actor: str, agency: str | None = None,
               role: str | None = None, active: bool | None = None, page: int = 1,
               per_page: int = 50) -> UserPage:
    """The users (an admin's view), filtered by agency code, role and whether active, in the
    order they were created; ``page`` counts from 1."""
    if role is not None and role not in ROLES:
        raise ValidationFailed(f"role: {role!r} is not one of {', '.join(ROLES)}",
                               field="role")
    for value, field in ((page, "page"), (per_page, "per_page")):
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= ID_MAX:
            raise ValidationFailed(f"{field}: a whole number from 1, got {value!r}",
                                   field=field)
    with uow:
        require_admin(uow, actor, "lists users")
        query = select(User)
        if agency is not None:
            query = query.join(Agency, User.agency_id == Agency.id).where(Agency.code == agency)
        if role is not None:
            query = query.where(User.id.in_(select(UserRole.user_id).where(
                UserRole.role == role)))
        if active is not None:
            query = query.where(User.active.is_(active))
        total = uow.session.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = uow.session.scalars(query.order_by(User.id).offset((page - 1) * per_page)
                                   .limit(per_page)).all()
        return UserPage([user_record(uow, u) for u in rows], total, page, per_page)


def user_detail(uow: UnitOfWork, username: str, *, actor: str) -> UserRecord:
    """One user, active or not (an admin's view); NotFound for an unknown one."""
    with uow:
        require_admin(uow, actor, "looks users up")
        return user_record(uow, any_user(uow, username))


def list_agencies(uow: UnitOfWork, *, actor: str) -> list[AgencyRecord]:
    """Every agency, by code: what any active user may know (where cases can be handed)."""
    with uow:
        get_user(uow, actor)
        return [agency_record(a) for a in uow.session.scalars(select(Agency)
                                                              .order_by(Agency.code))]


def agency_detail(uow: UnitOfWork, code: str, *, actor: str) -> AgencyRecord:
    """One agency (any active user may look); NotFound for an unknown code."""
    with uow:
        get_user(uow, actor)
        return agency_record(get_agency(uow, code))
