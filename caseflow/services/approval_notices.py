"""The inbox side of approval requests (extensions, overrides): the approvers of the case's
agency hear of a request, its author of the answer — an alert of kind ``approval`` in each
one's inbox, raised once per request and step (its key)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import select

from caseflow.adapters.orm import Alert, Notification, User, UserRole
from caseflow.services.unit_of_work import UnitOfWork


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
