"""Who is acting and on what: users, cases and agencies looked up once, the same way, by every
service; outsiders learn no more than they may see."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, NoReturn

from sqlalchemy import select
from sqlalchemy.orm import Session

from caseflow.adapters.orm import Agency, Case, Event, Handoff, User
from caseflow.domain.approvals import ApprovalRule, separation_refusal
from caseflow.domain.errors import N_, NotFound, PermissionDenied, ValidationFailed
from caseflow.domain.limits import check_id
from caseflow.domain.vocabulary import MEDIATION_AGENCY_KIND, MEDIATION_WORKFLOW
from caseflow.services.unit_of_work import UnitOfWork


def get_user(uow: UnitOfWork, username: str) -> User:
    user = uow.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(N_("unknown user %(user)s"), params={"user": repr(username)})
    if not user.active:
        raise PermissionDenied(N_("user %(user)s is deactivated"),
                               params={"user": repr(username)})
    return user


def require_admin(uow: UnitOfWork, actor: str, what: str) -> User:
    """The acting user, if an admin; PermissionDenied ("only an admin <what>") otherwise."""
    user = get_user(uow, actor)
    if "admin" not in user.roles:
        raise PermissionDenied(N_("only an admin %(what)s"), params={"what": what})
    return user


def get_case(uow: UnitOfWork, case_id: int) -> Case:
    if not isinstance(case_id, int) or isinstance(case_id, bool):
        raise ValidationFailed(N_("case id must be an integer, got %(value)s"), field="case_id",
                               params={"value": repr(case_id)})
    check_id(case_id, "case id")  # beyond the column's range: unknown, like a missing one
    case = uow.session.get(Case, case_id)
    if case is None:
        # untemplated like every other "unknown case id" (services.cases, the views): a
        # Chinese page shows the headline alone for each, so a missing case and one of another
        # agency read the same; templating one of them alone would tell them apart
        raise NotFound(f"unknown case id {case_id}")
    return case


def user_and_case(uow: UnitOfWork, actor: str, case_id: int) -> tuple[User, Case]:
    """The acting user, then the case: who is asking is settled first, so an unknown user
    learns nothing about which cases exist (the same "unknown user" either way)."""
    user = get_user(uow, actor)
    return user, get_case(uow, case_id)


def get_agency(uow: UnitOfWork, code: str) -> Agency:
    agency = uow.session.scalar(select(Agency).where(Agency.code == code))
    if agency is None:
        raise NotFound(N_("unknown agency %(code)s"), params={"code": repr(code)})
    return agency


def require_same_agency(uow: UnitOfWork, user: User, case: Case) -> None:
    """Only the case's own agency acts on it."""
    if user.agency_id != case.agency_id:
        refuse_outsider(uow.session, user.username, user.agency_id, case.id, case.number)


def require_reason(reason: str | None, what: str) -> str:
    if reason is None or not str(reason).strip():
        raise ValidationFailed(N_("%(what)s requires a reason"), field="reason",
                               params={"what": what})
    return str(reason).strip()


def refuse_outsider(session: Any, username: str, agency_id: int, case_id: int,
                    number: str) -> NoReturn:
    """Refuse someone of another agency without revealing more than they may see: an agency
    that may see the case (it was handed to them, or opened from their handoff) learns it may
    not act on it; anyone else, that it does not exist (``visible_as`` gives the same
    answer)."""
    handed = session.scalar(select(Handoff.id).where(
        Handoff.case_id == case_id, Handoff.to_agency_id == agency_id).limit(1))
    if handed is None:
        handed = session.scalar(select(Handoff.id).where(
            Handoff.linked_case_id == case_id, Handoff.from_agency_id == agency_id).limit(1))
    if handed is not None:
        raise PermissionDenied(N_("%(user)s may see case %(number)s but acts only on its own "
                                  "agency's cases"), params={"user": username, "number": number})
    raise NotFound(f"unknown case id {case_id}")  # the very refusal of a missing id


def visible_as(session: Session, case: Case, user: Any) -> tuple[str, set[int]]:
    """Which view of the case ``user`` gets — ``full``, ``shared`` (and through which
    handoffs), ``mediation`` (a confidential record: outcome only) or ``outcome`` — or
    NotFound, so a case's existence does not leak."""
    if user.agency_id == case.agency_id:
        return "full", set()
    confidential = (case.workflow_key == MEDIATION_WORKFLOW
                    and user.agency.kind != MEDIATION_AGENCY_KIND)
    handed = set(session.scalars(select(Handoff.id).where(
        Handoff.case_id == case.id, Handoff.to_agency_id == user.agency_id)))
    if handed and not confidential:
        return "shared", handed
    opened_for_us = session.scalar(select(Handoff.id).where(
        Handoff.linked_case_id == case.id, Handoff.from_agency_id == user.agency_id))
    if handed or opened_for_us is not None:
        return ("mediation" if confidential else "outcome"), handed
    raise NotFound(f"unknown case id {case.id}")


# --- separation of duties ----------------------------------------------------------------------

def assignees_of(session: Session, case_id: int) -> set[str]:
    """Everyone the case is or ever was assigned to, from its audit trail (opened with an
    assignee, assigned since) and its current row: reassigning the case first does not make
    its former assignee someone else."""
    names: set[str] = set()
    current = session.scalar(select(User.username).join(Case, Case.assignee_id == User.id)
                             .where(Case.id == case_id))
    if current:
        names.add(current)
    for kind, payload in session.execute(
            select(Event.kind, Event.payload).where(Event.case_id == case_id,
                                                     Event.kind.in_(("case_opened", "assigned")))):
        who = (payload or {}).get("assignee" if kind == "case_opened" else "to")
        if isinstance(who, str) and who:
            names.add(who)
    return names


def requesters_of(session: Session, case_id: int, triggers: Collection[str]) -> set[str]:
    """Everyone who fired one of ``triggers`` on the case: they asked for what is approved."""
    if not triggers:
        return set()
    return set(session.scalars(select(Event.actor).where(
        Event.case_id == case_id, Event.kind == "transition", Event.trigger.in_(list(triggers)))))


def require_approver(session: Session, rule: ApprovalRule, *, case_id: int, case_number: str,
                     username: str, roles: Collection[str],
                     requesters: Collection[str] = ()) -> None:
    """Refuse an approval by someone without the role the workflow declares for it, by the
    case's assignee (now or earlier) or by whoever asked (PermissionDenied)."""
    problem = rule.role_refusal(username, roles)
    if problem is None:
        asked = set(requesters) | requesters_of(session, case_id, rule.requested_by)
        problem = separation_refusal(rule, username, case_number=case_number,
                                     assignees=assignees_of(session, case_id), requesters=asked)
    if problem is not None:
        raise PermissionDenied(problem)
