"""Each user's in-app inbox of alerts: list, mark read, acknowledge."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from caseflow.adapters.orm import Alert, Case, Notification
from caseflow.domain.errors import NotFound
from caseflow.domain.limits import id_in_range
from caseflow.domain.moments import aware
from caseflow.services.access import get_user
from caseflow.services.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class InboxItem:
    """One notification in a user's inbox, with the alert it carries."""

    id: int
    kind: str
    case: str | None
    message: str
    raised_at: str
    due: str | None
    read: bool
    acknowledged: bool
    case_id: int | None = None  # for a link to the case (the number is what people read)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "case": self.case, "message": self.message,
                "raised_at": self.raised_at, "due": self.due, "read": self.read,
                "acknowledged": self.acknowledged, "case_id": self.case_id}


def inbox(uow: UnitOfWork, username: str, *, unread_only: bool = False,
          limit: int = 100, offset: int = 0) -> list[InboxItem]:
    with uow:
        user = get_user(uow, username)
        query = (select(Notification, Alert, Case.number, Case.id)
                 .join(Alert, Alert.id == Notification.alert_id)
                 .outerjoin(Case, Case.id == Alert.case_id)
                 .where(Notification.user_id == user.id)
                 .order_by(Notification.created_at.desc(), Notification.id.desc())
                 .offset(offset).limit(limit))
        if unread_only:
            query = query.where(Notification.read_at.is_(None))
        return [InboxItem(
            id=n.id, kind=a.kind, case=number, message=a.message,
            raised_at=aware(a.raised_at).isoformat(),
            due=aware(a.due_at).isoformat() if a.due_at else None,
            read=n.read_at is not None, acknowledged=n.acknowledged_at is not None,
            case_id=case_id,
        ) for n, a, number, case_id in uow.session.execute(query)]


def _own(uow: UnitOfWork, username: str, notification_id: int) -> Notification:
    """The user's own notification. Another user's is answered like a missing one (and an
    id beyond the column's): nobody learns which notifications exist in other inboxes."""
    user = get_user(uow, username)
    note = (uow.session.get(Notification, notification_id)
            if id_in_range(notification_id) else None)
    if note is None or note.user_id != user.id:
        raise NotFound(f"unknown notification {notification_id}")
    return note


def mark_read(uow: UnitOfWork, username: str, notification_id: int) -> None:
    with uow:
        note = _own(uow, username, notification_id)
        note.read_at = note.read_at or uow.now()
        uow.commit()


def acknowledge(uow: UnitOfWork, username: str, notification_id: int) -> None:
    """Acknowledging says "I am on it": it also marks the alert read."""
    with uow:
        note = _own(uow, username, notification_id)
        now = uow.now()
        note.read_at = note.read_at or now
        note.acknowledged_at = note.acknowledged_at or now
        uow.commit()
