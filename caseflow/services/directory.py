"""Agencies and users: who may act, in which agency, with which roles; when an agency's
office closes."""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy import select

from caseflow.adapters.orm import Agency, SystemEvent, User, UserRole
from caseflow.domain.errors import PermissionDenied, ValidationFailed
from caseflow.domain.limits import check_reason, check_text
from caseflow.domain.vocabulary import AGENCY_KINDS, ROLES
from caseflow.services.access import get_user, require_reason
from caseflow.services.unit_of_work import UnitOfWork

_HH_MM = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])")  # ASCII digits only, 00:00–23:59
EARLIEST_CLOSE = "06:00"  # an office closing before this is a typo, not office hours


def _line(value: object, field: str, limit: int, *, optional: bool = False) -> str | None:
    """One line of clean text within ``limit`` (the column's size), required unless
    ``optional``; a field-level PayloadError / ValidationFailed otherwise."""
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ValidationFailed(f"{field}: is required", field=field)
    return check_text(value, field, limit=limit, multiline=False)


def ensure_agency(uow: UnitOfWork, code: str, kind: str, name_zh: str, name_en: str,
                  city: str = "宁波") -> int:
    """Create the agency if it does not exist; return its id."""
    _line(code, "code", 64)
    _line(name_zh, "name_zh", 200)
    _line(name_en, "name_en", 200)
    _line(city, "city", 64)
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
    _line(username, "username", 64)
    _line(name, "name", 100)
    _line(email, "email", 200, optional=True)
    _line(organisation, "organisation", 200, optional=True)
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


def _closing_time(closes_at: str) -> str:
    """``closes_at`` checked as a 24-hour ``HH:MM`` between 06:00 and 23:59, or a refusal."""
    text = closes_at.strip() if isinstance(closes_at, str) else ""
    if not _HH_MM.fullmatch(text):
        raise ValidationFailed(f"closes_at: {closes_at!r} is not a 24-hour time HH:MM "
                               "(e.g. 17:00, 16:30)", field="closes_at")
    if text < EARLIEST_CLOSE:  # zero-padded HH:MM compares as text
        raise ValidationFailed(f"closes_at: {text} is implausible as the close of office "
                               f"hours: it must be between {EARLIEST_CLOSE} and 23:59",
                               field="closes_at")
    return text


def _agency(uow: UnitOfWork, agency_code: str) -> Agency:
    agency = uow.session.scalar(select(Agency).where(Agency.code == agency_code))
    if agency is None:
        raise ValidationFailed(f"agency: unknown agency {agency_code!r}", field="agency")
    return agency


def office_hours(uow: UnitOfWork, agency_code: str) -> str:
    """The agency's close of office hours (``HH:MM``, Asia/Shanghai)."""
    with uow:
        return _agency(uow, agency_code).office_closes_at


def set_office_hours(uow: UnitOfWork, agency_code: str, closes_at: str, *, actor: str,
                     reason: str) -> str:
    """Set when the agency's office closes; return the new ``HH:MM``.

    A submission handed in at its counter (a ``within`` requirement whose ``in_person`` field
    says ``in_person``) is due by then on the period's last day (实施办法 art. 41(2)); the
    value only decides such verdicts, no clock's due date moves. Only an admin sets it (of
    any agency, as for the calendar), with a reason. The change is audited append-only as a
    ``system_events`` row of kind ``office_hours_set`` (actor, time, reason, and the agency
    with the value before and after), in the same transaction. Setting the value it already
    has writes nothing. A bad time, a missing reason, an unknown agency or a non-admin is
    refused (ValidationFailed / PermissionDenied / NotFound) and nothing is written.
    """
    new = _closing_time(closes_at)
    why = check_reason(require_reason(reason, "changing office hours")) or ""
    with uow:
        if "admin" not in get_user(uow, actor).roles:
            raise PermissionDenied("only an admin changes an agency's office hours")
        agency = _agency(uow, agency_code)
        previous = agency.office_closes_at
        if previous == new:
            return new
        agency.office_closes_at = new
        uow.session.add(SystemEvent(kind="office_hours_set", actor=actor, at=uow.now(),
                                    reason=why, payload={"agency": agency.code,
                                                         "from": previous, "to": new}))
        uow.commit()
        return new
