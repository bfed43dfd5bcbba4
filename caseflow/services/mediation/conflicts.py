"""Conflicts of interest: a mediator linked to a party (same organisation, or a declared
link) is refused assignment to, and work on, that party's cases."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from caseflow.adapters.orm import Case, MediatorConflict, SystemEvent, User
from caseflow.domain.errors import N_, PermissionDenied, ValidationFailed
from caseflow.domain.limits import check_name, check_reason
from caseflow.domain.settlements import normalise_name
from caseflow.services.access import get_user
from caseflow.services.audit import append_event
from caseflow.services.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class ConflictDeclaration:
    """A declared conflict as ``declare_conflict`` returns it; ``assigned_cases`` are the
    numbers of the mediator's open cases naming the party (they need reassigning)."""

    id: int
    mediator: str
    party_name: str
    reason: str
    declared_by: str
    assigned_cases: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "mediator": self.mediator, "party_name": self.party_name,
                "reason": self.reason, "declared_by": self.declared_by,
                "assigned_cases": list(self.assigned_cases)}


def check_mediator_conflict(session: Session, mediator: User, case: Case) -> None:
    """Refuse (``ValidationFailed``, field ``assignee``) a mediator linked to a party of the
    case: the mediator's recorded organisation is a party's name (NFKC, case-insensitive,
    trimmed), or the mediator declared a conflict with a party. Users without the mediator
    role are not checked. Reads ``case.parties`` as loaded, so it works on an unflushed case.
    """
    if "mediator" not in mediator.roles:
        return
    parties = {normalise_name(p.name): p.name for p in case.parties}
    who = f"mediator {mediator.name} ({mediator.username})"
    if mediator.organisation and normalise_name(mediator.organisation) in parties:
        party = parties[normalise_name(mediator.organisation)]
        raise ValidationFailed(N_("conflict of interest: %(who)s is linked to party %(party)s "
                                  "(same organisation)"), field="assignee",
                               params={"who": who, "party": party})
    if mediator.id is None:
        return
    for row in session.scalars(select(MediatorConflict)
                               .where(MediatorConflict.user_id == mediator.id)
                               .order_by(MediatorConflict.id)):
        party = parties.get(normalise_name(row.party_name))
        if party is not None:
            raise ValidationFailed(N_("conflict of interest: %(who)s is linked to party "
                                      "%(party)s (declared: %(why)s)"), field="assignee",
                                   params={"who": who, "party": party, "why": row.reason})


def declare_conflict(uow: UnitOfWork, *, mediator: str, party_name: str, reason: str,
                     actor: str) -> ConflictDeclaration:
    """Record that ``mediator`` is linked to ``party_name`` (by the mediator, or by a
    supervisor of the mediator's body). Audited as a system event and on every open case
    assigned to the mediator that names the party (those need reassigning: listed in
    ``assigned_cases``)."""
    with uow:
        session = uow.session
        user = get_user(uow, actor)
        target = get_user(uow, mediator)
        if "mediator" not in target.roles:
            raise ValidationFailed(N_("%(user)s is not a mediator"), field="mediator",
                                   params={"user": mediator}, prefixed=True)
        if user.id != target.id and not (
                "supervisor" in user.roles and user.agency_id == target.agency_id):
            raise PermissionDenied(N_("a conflict is declared by the mediator or a supervisor "
                                      "of %(code)s; %(user)s is neither"),
                                   params={"code": target.agency.code, "user": actor})
        if not isinstance(party_name, str) or not party_name.strip():
            raise ValidationFailed(N_("is required"), field="party_name", prefixed=True)
        if not isinstance(reason, str) or not reason.strip():
            raise ValidationFailed(N_("a declaration states the link"), field="reason",
                                   prefixed=True)
        name, why = check_name(party_name.strip(), "party_name"), check_reason(reason.strip())
        key = normalise_name(name)
        for row in session.scalars(select(MediatorConflict)
                                   .where(MediatorConflict.user_id == target.id)):
            if normalise_name(row.party_name) == key:
                raise ValidationFailed(N_("%(user)s already declared a conflict with "
                                          "%(party)s"), field="party_name",
                                       params={"user": mediator, "party": row.party_name},
                                       prefixed=True)
        now = uow.now()
        row = MediatorConflict(user_id=target.id, party_name=name, reason=why, declared_at=now)
        session.add(row)
        affected = [c for c in session.scalars(
            select(Case).where(Case.assignee_id == target.id, Case.closed_at.is_(None))
            .order_by(Case.id)) if any(normalise_name(p.name) == key for p in c.parties)]
        for case in affected:
            append_event(session, case, "mediator_conflict_declared", actor=actor,
                         channel=uow.channel, at=now, reason=why,
                         payload={"mediator": mediator, "party": name})
        session.add(SystemEvent(kind="mediator_conflict_declared", actor=actor, at=now,
                                reason=why, payload={
                                    "mediator": mediator, "party": name,
                                    "assigned_cases": [c.number for c in affected]}))
        uow.flush()
        result = ConflictDeclaration(id=row.id, mediator=mediator, party_name=name, reason=why,
                                     declared_by=actor,
                                     assigned_cases=tuple(c.number for c in affected))
        uow.commit()
        return result
