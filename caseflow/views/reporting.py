"""Who may run a supervisor report, and what it covers: supervisors their own agency (another
agency is as unknown as one that does not exist), admins any agency or all at once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from caseflow.adapters.orm import Agency, Case, User
from caseflow.domain.errors import NotFound, PermissionDenied
from caseflow.domain.moments import naive_utc
from caseflow.services.access import get_case, get_user, visible_as
from caseflow.services.unit_of_work import UnitOfWork

REPORT_ROLES = ("supervisor", "admin")


def reporting_user(uow: UnitOfWork, actor: str) -> User:
    """The acting user, if they may run supervisor reports (role supervisor or admin)."""
    user = get_user(uow, actor)
    if not user.roles & set(REPORT_ROLES):
        raise PermissionDenied(f"reports need role {' or '.join(REPORT_ROLES)}; {actor} has "
                               f"{', '.join(sorted(user.roles)) or 'no role'}")
    return user


def report_agency(session: Session, user: User,
                  agency_code: str | None) -> tuple[int | None, str | None]:
    """The agency a report covers, as (id, code). Without ``agency_code``: the user's own
    agency, or for an admin every agency, (None, None). A supervisor naming another agency
    is told it does not exist, as for an unknown one."""
    admin = "admin" in user.roles
    if agency_code is None:
        return (None, None) if admin else (user.agency_id, user.agency.code)
    agency_id = session.scalar(select(Agency.id).where(Agency.code == agency_code))
    if agency_id is None or not (admin or agency_id == user.agency_id):
        raise NotFound(f"unknown agency {agency_code!r}")
    return agency_id, agency_code


def report_case(uow: UnitOfWork, user: User, case_id: int) -> Case:
    """A case a report may cover: any for an admin; for a supervisor, their agency's own. A
    case they may not see at all does not exist for them (the read side's visibility)."""
    case_row = get_case(uow, case_id)
    if "admin" not in user.roles:
        visibility, _ = visible_as(uow.session, case_row, user)
        if visibility != "full":
            raise PermissionDenied(f"{user.username} may see case {case_row.number} but reports "
                                   "cover only their own agency's cases")
    return case_row


def naive(moment: datetime) -> datetime:
    """Naive UTC as stored; an aware datetime is converted first."""
    return naive_utc(moment) if moment.tzinfo is not None else moment
