"""Agencies and users: who may act, in which agency, with which roles; when an agency's
office closes."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from caseflow.adapters.orm import Agency, SystemEvent, User, UserRole
from caseflow.domain.errors import N_, ConflictError, NotFound, ValidationFailed
from caseflow.domain.limits import check_reason, check_text
from caseflow.domain.vocabulary import AGENCY_KINDS, ROLES
from caseflow.services.access import require_admin, require_reason
from caseflow.services.unit_of_work import UnitOfWork

_HH_MM = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])")  # ASCII digits only, 00:00–23:59
EARLIEST_CLOSE = "06:00"  # an office closing before this is a typo, not office hours


def _line(value: object, field: str, limit: int, *, optional: bool = False) -> str | None:
    """One line of clean text within ``limit`` (the column's size), required unless
    ``optional``; a field-level PayloadError / ValidationFailed otherwise."""
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ValidationFailed(N_("is required"), field=field, prefixed=True)
    return check_text(value, field, limit=limit, multiline=False)


@dataclass(frozen=True)
class AgencyRecord:
    """An agency as the directory shows it."""

    code: str
    kind: str
    name_zh: str
    name_en: str
    city: str
    office_closes_at: str

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class UserRecord:
    """A user as the directory shows it: never a password or token hash."""

    username: str
    name: str
    agency: str  # agency code
    roles: tuple[str, ...]  # in the vocabulary's order
    supervisor: str | None
    email: str | None
    organisation: str | None
    active: bool

    def to_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "roles": list(self.roles)}


def agency_record(agency: Agency) -> AgencyRecord:
    return AgencyRecord(agency.code, agency.kind, agency.name_zh, agency.name_en, agency.city,
                        agency.office_closes_at)


def user_record(uow: UnitOfWork, user: User) -> UserRecord:
    boss = None
    if user.supervisor_id is not None:
        boss = uow.session.scalar(select(User.username).where(User.id == user.supervisor_id))
    roles = tuple(r for r in ROLES if r in user.roles)
    return UserRecord(user.username, user.name, user.agency.code, roles, boss, user.email,
                      user.organisation, user.active)


def any_user(uow: UnitOfWork, username: str) -> User:
    """A user, active or not (an admin's view); NotFound for an unknown one."""
    user = None
    if isinstance(username, str) and len(username) <= 64:
        user = uow.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(N_("unknown user %(user)s"), params={"user": repr(username)})
    return user


def _audit(uow: UnitOfWork, kind: str, actor: str, reason: str | None,
           payload: dict[str, Any]) -> None:
    uow.session.add(SystemEvent(kind=kind, actor=actor, at=uow.now(), reason=reason,
                                payload=payload))


def _check_agency(code: str, kind: str, name_zh: str, name_en: str, city: str) -> None:
    _line(code, "code", 64)
    _line(name_zh, "name_zh", 200)
    _line(name_en, "name_en", 200)
    _line(city, "city", 64)
    if kind not in AGENCY_KINDS:
        raise ValidationFailed(N_("%(kind)s is not one of %(kinds)s"), field="kind",
                               params={"kind": repr(kind), "kinds": ", ".join(AGENCY_KINDS)},
                               prefixed=True)


def _ensure_agency(uow: UnitOfWork, code: str, kind: str, name_zh: str, name_en: str,
                   city: str) -> tuple[Agency, bool]:
    agency = uow.session.scalar(select(Agency).where(Agency.code == code))
    if agency is None:
        agency = Agency(code=code, kind=kind, name_zh=name_zh, name_en=name_en, city=city)
        uow.session.add(agency)
        uow.flush()
        return agency, True
    if agency.kind != kind:
        raise ValidationFailed(N_("agency %(code)s exists with kind %(kind)s"), field="kind",
                               params={"code": code, "kind": agency.kind})
    return agency, False


def ensure_agency(uow: UnitOfWork, code: str, kind: str, name_zh: str, name_en: str,
                  city: str = "宁波") -> int:
    """Create the agency if it does not exist; return its id."""
    _check_agency(code, kind, name_zh, name_en, city)
    with uow:
        agency, _created = _ensure_agency(uow, code, kind, name_zh, name_en, city)
        agency_id = agency.id
        uow.commit()
        return agency_id


def register_agency(uow: UnitOfWork, code: str, kind: str, name_zh: str, name_en: str,
                    city: str = "宁波", *, actor: str,
                    reason: str | None = None) -> tuple[AgencyRecord, bool]:
    """``ensure_agency`` by an admin: the agency, and whether it was made now (audited as a
    ``system_events`` row ``agency_created``). An existing agency of that code and kind is
    returned as it is; of another kind it is refused."""
    _check_agency(code, kind, name_zh, name_en, city)
    why = check_reason(reason)
    with uow:
        require_admin(uow, actor, "adds an agency")
        agency, created = _ensure_agency(uow, code, kind, name_zh, name_en, city)
        if created:
            _audit(uow, "agency_created", actor, why,
                   {"agency": code, "kind": kind, "name_zh": name_zh, "name_en": name_en,
                    "city": city})
        record = agency_record(agency)
        uow.commit()
        return record, created


def _check_roles(roles: Iterable[str]) -> list[str]:
    if isinstance(roles, str):
        raise ValidationFailed(N_("a list of roles, not one string"), field="roles",
                               prefixed=True)
    roles = list(roles)
    for role in roles:
        if role not in ROLES:
            raise ValidationFailed(N_("%(role)s is not one of %(roles)s"), field="roles",
                                   params={"role": repr(role), "roles": ", ".join(ROLES)},
                                   prefixed=True)
    if not roles:
        raise ValidationFailed(N_("at least one role is required"), field="roles",
                               prefixed=True)
    return list(dict.fromkeys(roles))


def _supervisor_id(uow: UnitOfWork, supervisor: str | None, agency_id: int) -> int | None:
    """The supervisor's id: a supervisor of the same agency (escalations go up this chain,
    and must never reach another agency)."""
    if supervisor is None:
        return None
    boss = uow.session.scalar(select(User).where(User.username == supervisor))
    if boss is None:
        raise ValidationFailed(N_("unknown supervisor %(user)s"), field="supervisor",
                               params={"user": repr(supervisor)})
    if boss.agency_id != agency_id or "supervisor" not in boss.roles:
        raise ValidationFailed(N_("%(user)s is not a supervisor of this user's agency"),
                               field="supervisor", params={"user": supervisor})
    return boss.id


def _insert_user(uow: UnitOfWork, username: str, name: str, agency_code: str,
                 roles: list[str], supervisor: str | None, email: str | None,
                 organisation: str | None) -> User:
    if uow.session.scalar(select(User.id).where(User.username == username)) is not None:
        raise ValidationFailed(N_("username %(user)s is taken"), field="username",
                               params={"user": repr(username)})
    agency = uow.session.scalar(select(Agency).where(Agency.code == agency_code))
    if agency is None:
        raise ValidationFailed(N_("unknown agency %(code)s"), field="agency",
                               params={"code": repr(agency_code)})
    boss_id = _supervisor_id(uow, supervisor, agency.id)
    user = User(username=username, name=name, agency_id=agency.id, supervisor_id=boss_id,
                email=email, organisation=organisation,
                role_rows=[UserRole(role=r) for r in roles])
    uow.session.add(user)
    uow.flush()
    return user


def _check_user(username: str, name: str, email: str | None,
                organisation: str | None) -> None:
    _line(username, "username", 64)
    _line(name, "name", 100)
    _line(email, "email", 200, optional=True)
    _line(organisation, "organisation", 200, optional=True)


def create_user(uow: UnitOfWork, username: str, name: str, agency_code: str,
                roles: Iterable[str], *, supervisor: str | None = None,
                email: str | None = None, organisation: str | None = None) -> int:
    _check_user(username, name, email, organisation)
    roles = _check_roles(roles)
    with uow:
        user = _insert_user(uow, username, name, agency_code, roles, supervisor, email,
                            organisation)
        user_id = user.id
        uow.commit()
        return user_id


def register_user(uow: UnitOfWork, username: str, name: str, agency_code: str,
                  roles: Iterable[str], *, actor: str, supervisor: str | None = None,
                  email: str | None = None, organisation: str | None = None,
                  reason: str | None = None) -> UserRecord:
    """``create_user`` by an admin, audited as a ``system_events`` row ``user_created``;
    returns the new user's record."""
    _check_user(username, name, email, organisation)
    roles = _check_roles(roles)
    why = check_reason(reason)
    with uow:
        require_admin(uow, actor, "adds a user")
        user = _insert_user(uow, username, name, agency_code, roles, supervisor, email,
                            organisation)
        record = user_record(uow, user)
        _audit(uow, "user_created", actor, why,
               {"user": username, "agency": agency_code, "roles": list(record.roles),
                "supervisor": supervisor})
        uow.commit()
        return record


class _Keep:
    def __repr__(self) -> str:
        return "KEEP"


KEEP: Any = _Keep()  # update_user: leave this attribute as it is


def update_user(uow: UnitOfWork, username: str, *, actor: str, reason: str,
                name: Any = KEEP, email: Any = KEEP, roles: Any = KEEP,
                supervisor: Any = KEEP, organisation: Any = KEEP) -> UserRecord:
    """Change a user's name, e-mail, organisation, roles or supervisor (``None`` clears the
    e-mail, organisation or supervisor); an admin does, with a reason. Audited as one
    ``system_events`` row ``user_updated`` with each changed attribute's value before and
    after; a change to what is already there writes nothing. An admin does not take away
    their own admin role (another admin does), and nobody supervises themselves, directly
    or through a chain."""
    why = check_reason(require_reason(reason, "changing a user")) or ""
    if name is not KEEP:
        _line(name, "name", 100)
    if email is not KEEP:
        _line(email, "email", 200, optional=True)
    if organisation is not KEEP:
        _line(organisation, "organisation", 200, optional=True)
    if roles is not KEEP:
        roles = _check_roles(roles)
    if supervisor is not KEEP and supervisor is not None:
        _line(supervisor, "supervisor", 64)
    with uow:
        admin = require_admin(uow, actor, "changes a user")
        user = any_user(uow, username)
        before = user_record(uow, user)
        changes: dict[str, dict[str, Any]] = {}
        for attribute, value in (("name", name), ("email", email),
                                 ("organisation", organisation)):
            if value is not KEEP and getattr(user, attribute) != value:
                changes[attribute] = {"from": getattr(user, attribute), "to": value}
                setattr(user, attribute, value)
        if roles is not KEEP and set(roles) != set(before.roles):
            if user.id == admin.id and "admin" not in roles:
                raise ConflictError(N_("an admin does not take away their own admin role: "
                                       "another admin does"), field="roles")
            keep = [row for row in user.role_rows if row.role in roles]
            held = {row.role for row in keep}
            user.role_rows = keep + [UserRole(role=r) for r in roles if r not in held]
            changes["roles"] = {"from": list(before.roles),
                                "to": [r for r in ROLES if r in roles]}
        if supervisor is not KEEP and supervisor != before.supervisor:
            boss_id = _supervisor_id(uow, supervisor, user.agency_id)
            _refuse_cycle(uow, user, boss_id)
            user.supervisor_id = boss_id
            changes["supervisor"] = {"from": before.supervisor, "to": supervisor}
        if not changes:
            return before
        uow.flush()
        _audit(uow, "user_updated", actor, why, {"user": user.username, "changes": changes})
        record = user_record(uow, user)
        uow.commit()
        return record


def _refuse_cycle(uow: UnitOfWork, user: User, boss_id: int | None) -> None:
    seen = {user.id}
    current = boss_id
    while current is not None:
        if current in seen:
            raise ValidationFailed(N_("%(user)s would supervise themselves through the chain "
                                      "of supervisors"), field="supervisor",
                                   params={"user": user.username}, prefixed=True)
        seen.add(current)
        current = uow.session.scalar(select(User.supervisor_id).where(User.id == current))


def _set_active(uow: UnitOfWork, username: str, active: bool, *, actor: str,
                reason: str) -> UserRecord:
    what = "reactivating a user" if active else "deactivating a user"
    why = check_reason(require_reason(reason, what)) or ""
    with uow:
        admin = require_admin(uow, actor, "reactivates a user" if active
                              else "deactivates a user")
        user = any_user(uow, username)
        if user.active == active:
            return user_record(uow, user)
        if user.id == admin.id:
            raise ConflictError(N_("an admin does not deactivate themselves: another admin "
                                   "does"))
        user.active = active
        _audit(uow, "user_reactivated" if active else "user_deactivated", actor, why,
               {"user": user.username})
        record = user_record(uow, user)
        uow.commit()
        return record


def deactivate_user(uow: UnitOfWork, username: str, *, actor: str, reason: str) -> UserRecord:
    """Stop a user acting (an admin, with a reason): every service refuses them, their API
    tokens and sign-in sessions stop working. Audited (``user_deactivated``); deactivating
    one who already is writes nothing. An admin does not deactivate themselves."""
    return _set_active(uow, username, False, actor=actor, reason=reason)


def reactivate_user(uow: UnitOfWork, username: str, *, actor: str, reason: str) -> UserRecord:
    """Let a deactivated user act again (an admin, with a reason); audited
    (``user_reactivated``). Their tokens work again unless expired or revoked."""
    return _set_active(uow, username, True, actor=actor, reason=reason)


def _closing_time(closes_at: str) -> str:
    """``closes_at`` checked as a 24-hour ``HH:MM`` between 06:00 and 23:59, or a refusal."""
    text = closes_at.strip() if isinstance(closes_at, str) else ""
    if not _HH_MM.fullmatch(text):
        raise ValidationFailed(N_("%(value)s is not a 24-hour time HH:MM (e.g. 17:00, 16:30)"),
                               field="closes_at", params={"value": repr(closes_at)},
                               prefixed=True)
    if text < EARLIEST_CLOSE:  # zero-padded HH:MM compares as text
        raise ValidationFailed(N_("%(value)s is implausible as the close of office hours: it "
                                  "must be between %(earliest)s and 23:59"), field="closes_at",
                               params={"value": text, "earliest": EARLIEST_CLOSE},
                               prefixed=True)
    return text


def _agency(uow: UnitOfWork, agency_code: str) -> Agency:
    agency = uow.session.scalar(select(Agency).where(Agency.code == agency_code))
    if agency is None:
        raise ValidationFailed(N_("unknown agency %(code)s"), field="agency",
                               params={"code": repr(agency_code)}, prefixed=True)
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
        require_admin(uow, actor, "changes an agency's office hours")
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
