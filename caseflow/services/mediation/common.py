"""What every mediation service checks first: the open mediation case and an acting
mediator of its body without a conflict of interest; and the dates recorded on it."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from sqlalchemy.orm import Session

from caseflow.adapters.orm import Case, User
from caseflow.adapters.registry import REGISTRY
from caseflow.domain.errors import N_, ConflictError, PermissionDenied, ValidationFailed
from caseflow.domain.moments import TZ, aware, naive_utc
from caseflow.domain.settlements import parse_date
from caseflow.domain.vocabulary import MEDIATION_WORKFLOW
from caseflow.services.access import get_case, get_user, refuse_outsider
from caseflow.services.mediation.conflicts import check_mediator_conflict
from caseflow.services.unit_of_work import UnitOfWork


def today(uow: UnitOfWork) -> date:
    return aware(uow.now()).date()


def start_of(day: date) -> datetime:
    """00:00 Asia/Shanghai of ``day`` as stored naive UTC."""
    return naive_utc(datetime.combine(day, time(0), TZ))


def is_closed(session: Session, case: Case) -> bool:
    definition = REGISTRY.definition(session, case.workflow_key, case.workflow_version)
    return case.status in definition.final_states


def case_date(uow: UnitOfWork, case: Case, value: Any, field: str) -> date:
    """A date something happened on this case: parsed, not in the future, not before the
    case was received."""
    day = parse_date(value, field)
    if day > today(uow):
        raise ValidationFailed(N_("%(day)s is in the future"), field=field,
                               params={"day": day}, prefixed=True)
    if day < case.received_on:
        raise ValidationFailed(N_("%(day)s is before the case was received (%(received)s)"),
                               field=field, params={"day": day, "received": case.received_on},
                               prefixed=True)
    return day


def mediation_case(uow: UnitOfWork, case_id: int, actor: str) -> tuple[Case, User]:
    """The open mediation case and the acting mediator of its agency, or a refusal."""
    session = uow.session
    user = get_user(uow, actor)  # who asks first: an unknown user learns nothing of cases
    case = get_case(uow, case_id)
    if user.agency_id != case.agency_id:
        refuse_outsider(session, actor, user.agency_id, case.id, case.number)
    if case.workflow_key != MEDIATION_WORKFLOW:
        raise ValidationFailed(N_("case %(number)s is a %(workflow)s case, not a mediation case"),
                               field="case_id",
                               params={"number": case.number, "workflow": case.workflow_key})
    if "mediator" not in user.roles:
        raise PermissionDenied(N_("only a mediator records mediation work; %(user)s has "
                                  "%(roles)s"),
                               params={"user": actor,
                                       "roles": ", ".join(sorted(user.roles)) or "no role"})
    if is_closed(session, case):
        raise ValidationFailed(N_("case %(number)s is closed (%(state)s)"), field="case_id",
                               params={"number": case.number, "state": case.status})
    check_mediator_conflict(session, user, case)
    return case, user


def clean_reason(reason: str | None) -> str | None:
    if reason is None:
        return None
    return str(reason).strip() or None


def check_version(case: Case, expected_version: int | None) -> None:
    """Refuse (ConflictError) a write made against another version of the case."""
    if expected_version is not None and expected_version != case.version:
        raise ConflictError(N_("case %(number)s is at version %(version)s, not "
                               "%(expected)s; reload and retry"),
                            params={"number": case.number, "version": case.version,
                                    "expected": expected_version})
