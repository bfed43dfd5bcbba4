"""Links between cases: parent/child (a transfer spawns a linked case) or related; cycle-free."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from caseflow.adapters.orm import CaseLink
from caseflow.domain.errors import ConflictError, PermissionDenied, ValidationFailed
from caseflow.domain.limits import check_reason
from caseflow.domain.vocabulary import ACTING_ROLES, LINK_KINDS, check_choice
from caseflow.services.access import get_case, require_same_agency, user_and_case
from caseflow.services.audit import append_event
from caseflow.services.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class CaseLinkRecord:
    """A link made: its id, the two case numbers (from, to) and its kind."""

    id: int
    from_case: str
    to_case: str
    kind: str
    from_version: int = 0  # the from case's version after the link (the API's ETag)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "from": self.from_case, "to": self.to_case, "kind": self.kind}


def _ancestors(uow: UnitOfWork, case_id: int) -> set[int]:
    seen: set[int] = set()
    frontier = {case_id}
    while frontier:
        parents = set(uow.session.scalars(
            select(CaseLink.from_case_id).where(
                CaseLink.to_case_id.in_(frontier), CaseLink.kind == "parent_child")
        ))
        frontier = parents - seen
        seen |= parents
    return seen


def link_cases(
    uow: UnitOfWork, from_case_id: int, to_case_id: int, *, actor: str,
    kind: str = "related", reason: str | None = None, expected_version: int | None = None,
) -> CaseLinkRecord:
    """Link two cases of the actor's agency (``parent_child``: from is the parent); audited
    on both."""
    check_reason(reason)
    with uow:
        kind = check_choice(kind, LINK_KINDS, "kind")
        user, parent = user_and_case(uow, actor, from_case_id)
        require_same_agency(uow, user, parent)
        if not (user.roles & ACTING_ROLES):
            raise PermissionDenied(f"user {actor} has no role that works cases")
        # a link is audited on both cases, so both must be the agency's own: another
        # agency's case is unknown (or, if handed over, not ours to write to); cases of two
        # agencies are linked by a handoff, which opens the linked case itself
        child = get_case(uow, to_case_id)
        require_same_agency(uow, user, child)
        if parent.id == child.id:
            raise ValidationFailed("a case cannot be linked to itself", field="to_case_id")
        if expected_version is not None and expected_version != parent.version:
            raise ConflictError(f"case {parent.number} is at version {parent.version}, "
                                f"not {expected_version}")
        existing = uow.session.scalar(select(CaseLink).where(
            CaseLink.from_case_id.in_([parent.id, child.id]),
            CaseLink.to_case_id.in_([parent.id, child.id]), CaseLink.kind == kind))
        if existing is not None:
            raise ValidationFailed(f"{parent.number} and {child.number} are already linked "
                                   f"({kind})", field="to_case_id")
        if kind == "parent_child" and child.id in _ancestors(uow, parent.id):
            raise ValidationFailed(f"{child.number} is an ancestor of {parent.number}: a link "
                                   "would make a cycle", field="to_case_id")
        link = CaseLink(from_case_id=parent.id, to_case_id=child.id, kind=kind,
                        created_by_id=user.id)
        uow.session.add(link)
        for case, other, role in ((parent, child, "to"), (child, parent, "from")):
            append_event(uow.session, case, "case_linked", actor=actor, channel=uow.channel,
                         at=uow.now(),
                         reason=reason, payload={"kind": kind, role: other.number,
                                                 "other_case_id": other.id})
        uow.flush()
        link_id = link.id
        uow.commit()
        return CaseLinkRecord(id=link_id, from_case=parent.number, to_case=child.number, kind=kind,
                              from_version=parent.version)
