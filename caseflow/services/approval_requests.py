"""What extension and override requests share: the inbox side — the approvers of the case's
agency hear of a request, its author of the answer (an alert of kind ``approval``, raised
once per request and step: its key) — and closing a request, refused by one of its deciders
(never its author) or withdrawn by its author, with the reason, in the case's chain."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select

from caseflow.adapters.orm import Alert, Case, Notification, User, UserRole
from caseflow.domain.audit import AuditEntry
from caseflow.domain.errors import N_, PermissionDenied, ValidationFailed
from caseflow.domain.limits import check_reason
from caseflow.services.clocks import check_version, record_entry
from caseflow.services.unit_of_work import UnitOfWork

CLOSING = ("refused", "withdrawn")


def notify(uow: UnitOfWork, key: str, *, case_id: int, message: str, user_ids: set[int],
           clock_id: int | None = None, due_at: datetime | None = None) -> None:
    """An ``approval`` alert in the inboxes of ``user_ids`` (none: nothing is raised)."""
    if not user_ids:
        return
    now = uow.now()
    alert = Alert(key=key, kind="approval", clock_id=clock_id, case_id=case_id, due_at=due_at,
                  raised_at=now, message=message)
    uow.session.add(alert)
    uow.session.flush()
    uow.session.add_all(Notification(alert_id=alert.id, user_id=uid, created_at=now)
                        for uid in sorted(user_ids))


def approvers(uow: UnitOfWork, agency_id: int, roles: Collection[str], *, but: str) -> set[int]:
    """The active users of the agency holding one of ``roles``, except ``but`` (who asked)."""
    return set(uow.session.scalars(
        select(User.id).join(UserRole, UserRole.user_id == User.id)
        .where(User.agency_id == agency_id, User.active.is_(True),
               UserRole.role.in_(list(roles)), User.username != but)))


def user_ids(uow: UnitOfWork, *usernames: str) -> set[int]:
    """The ids of these users (a request's author, to hear the answer)."""
    return set(uow.session.scalars(select(User.id).where(User.username.in_(usernames))))


def checked_reason(reason: str, status: str) -> str:
    """A request is asked, decided or withdrawn with a reason (bounded, not blank)."""
    check_reason(reason)
    if not reason or not reason.strip():
        raise ValidationFailed(N_("a request is %(status)s with a reason"), field="reason",
                               params={"status": status})
    return reason.strip()


def close_request(uow: UnitOfWork, req: Any, case: Case, user: User, status: str, *,
                  reason: str, deciders: Collection[str], event: str,
                  payload: Mapping[str, Any], expected_version: int | None,
                  refusal_notice: str, notice_key: str, clock_id: int | None = None,
                  due_at: datetime | None = None) -> None:
    """Refuse (a role of ``deciders``, never the author) or withdraw (the author only) the
    pending request ``req`` inside the caller's unit of work: the ``<event>_<status>`` event
    in the chain, and a refusal in the author's inbox."""
    if status not in CLOSING:
        raise ValueError(status)
    if status == "withdrawn" and req.requested_by != user.username:
        raise PermissionDenied(N_("only who asked withdraws a request"))
    if status == "refused":
        if not set(deciders) & set(user.roles):
            raise PermissionDenied(N_("a request is decided by a %(roles)s"),
                                   params={"roles": " or a ".join(sorted(deciders))})
        if user.username == req.requested_by:
            raise PermissionDenied(N_("who asked does not decide: withdraw the request"))
    check_version(case, expected_version)
    req.status, req.decided_by, req.decided_at = status, user.username, uow.now()
    req.decision_reason = reason.strip()
    record_entry(uow, case, AuditEntry(f"{event}_{status}", reason=req.decision_reason,
                                       payload=dict(payload)), user.username)
    if status == "refused":
        notify(uow, notice_key, case_id=case.id, message=refusal_notice,
               user_ids=user_ids(uow, req.requested_by), clock_id=clock_id, due_at=due_at)
