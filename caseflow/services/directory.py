"""Agencies and users: who may act, in which agency, with which roles."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from caseflow.adapters.orm import Agency, User, UserRole
from caseflow.domain.errors import ValidationFailed
from caseflow.domain.vocabulary import AGENCY_KINDS, ROLES
from caseflow.services.unit_of_work import UnitOfWork


def ensure_agency(uow: UnitOfWork, code: str, kind: str, name_zh: str, name_en: str,
                  city: str = "宁波") -> int:
    """Create the agency if it does not exist; return its id."""
    if kind not in AGENCY_KINDS:
        raise ValidationFailed(f"kind: {kind!r} is not one of {', '.join(AGENCY_KINDS)}",
                               field="kind")
    with uow:
        agency = uow.session.scalar(select(Agency).where(Agency.code == code))
        if agency is None:
            agency = Agency(code=code, kind=kind, name_zh=name_zh, name_en=name_en, city=city)
            uow.session.add(agency)
            uow.flush()
        elif agency.kind != kind:
            raise ValidationFailed(f"agency {code} exists with kind {agency.kind}", field="kind")
        agency_id = agency.id
        uow.commit()
        return agency_id


def create_user(uow: UnitOfWork, username: str, name: str, agency_code: str,
                roles: Iterable[str], *, supervisor: str | None = None,
                email: str | None = None, organisation: str | None = None) -> int:
    roles = list(roles)
    for role in roles:
        if role not in ROLES:
            raise ValidationFailed(f"roles: {role!r} is not one of {', '.join(ROLES)}",
                                   field="roles")
    if not roles:
        raise ValidationFailed("roles: at least one role is required", field="roles")
    with uow:
        if uow.session.scalar(select(User.id).where(User.username == username)) is not None:
            raise ValidationFailed(f"username {username!r} is taken", field="username")
        agency = uow.session.scalar(select(Agency).where(Agency.code == agency_code))
        if agency is None:
            raise ValidationFailed(f"unknown agency {agency_code!r}", field="agency")
        boss_id = None
        if supervisor is not None:
            boss_id = uow.session.scalar(select(User.id).where(User.username == supervisor))
            if boss_id is None:
                raise ValidationFailed(f"unknown supervisor {supervisor!r}", field="supervisor")
        user = User(username=username, name=name, agency_id=agency.id, supervisor_id=boss_id,
                    email=email, organisation=organisation,
                    role_rows=[UserRole(role=r) for r in dict.fromkeys(roles)])
        uow.session.add(user)
        uow.flush()
        user_id = user.id
        uow.commit()
        return user_id
