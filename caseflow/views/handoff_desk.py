"""The read side of the handoff pages: the handoffs a case sent or received and those an
agency's inbox holds, with agency names, the source case as shared and the acceptance
clock; and the handoff kinds a user may send from a case now, with the agencies each may go
to and the fields of the step sending it fires.

Everything is scoped to the actor's agency: a handoff is shown only to the agency that sent
it and the one it is addressed to (as ``views.handoffs.handoff_for``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import aliased

from caseflow.adapters.orm import Agency, Case, Clock, Handoff
from caseflow.adapters.registry import REGISTRY
from caseflow.domain.definitions import FieldSpec
from caseflow.domain.moments import aware
from caseflow.domain.vocabulary import ACTING_ROLES
from caseflow.services.access import get_case, get_user
from caseflow.services.unit_of_work import UnitOfWork

SOON = timedelta(hours=24)


@dataclass(frozen=True)
class HandoffRow:
    """One handoff as the pages list it (agency names in both languages)."""

    id: int
    kind: str
    kind_title_zh: str
    kind_title_en: str
    status: str
    case_id: int
    case_number: str
    case_title: str
    from_code: str
    from_name_zh: str
    from_name_en: str
    to_code: str
    to_name_zh: str
    to_name_en: str
    sent_by: str
    reason: str
    status_reason: str | None
    materials: int
    sent_at: str
    decided_at: str | None
    due_at: str | None
    urgency: str  # overdue, soon, fine, paused or none (no running acceptance clock)
    linked_case_id: int | None
    linked_case: str | None
    incoming: bool  # addressed to the actor's agency


@dataclass(frozen=True)
class Target:
    code: str
    name_zh: str
    name_en: str


@dataclass(frozen=True)
class SendableKind:
    """A handoff kind the user may send from the case now, where it may go, the fields of
    the step it fires on the case (none if it fires none)."""

    kind: str
    title_zh: str
    title_en: str
    targets: tuple[Target, ...]
    fields: tuple[FieldSpec, ...]


def _urgency(clock: Clock | None, now: datetime) -> str:
    if clock is None or clock.status == "stopped":
        return "none"
    if clock.status == "paused":
        return "paused"
    if clock.due_at < now:
        return "overdue"
    return "soon" if clock.due_at - now < SOON else "fine"


def _rows(uow: UnitOfWork, actor: str, *, case_id: int | None = None,
          incoming: bool | None = None,
          statuses: Sequence[str] | None = None) -> list[HandoffRow]:
    session = uow.session
    user = get_user(uow, actor)
    sender, receiver = aliased(Agency), aliased(Agency)
    linked = aliased(Case)
    query = (select(Handoff, Case, sender, receiver, Clock, linked.number)
             .join(Case, Case.id == Handoff.case_id)
             .join(sender, sender.id == Handoff.from_agency_id)
             .join(receiver, receiver.id == Handoff.to_agency_id)
             .outerjoin(Clock, Clock.handoff_id == Handoff.id)
             .outerjoin(linked, linked.id == Handoff.linked_case_id)
             .order_by(Handoff.sent_at, Handoff.id))
    if incoming is True:
        query = query.where(Handoff.to_agency_id == user.agency_id)
    elif incoming is False:
        query = query.where(Handoff.from_agency_id == user.agency_id)
    else:
        query = query.where(or_(Handoff.to_agency_id == user.agency_id,
                                Handoff.from_agency_id == user.agency_id))
    if case_id is not None:
        query = query.where(or_(Handoff.case_id == case_id, Handoff.linked_case_id == case_id))
    if statuses is not None:
        query = query.where(Handoff.status.in_(list(statuses)))
    now = uow.now().replace(tzinfo=None)
    rows = []
    for handoff, case, from_agency, to_agency, clock, linked_number in session.execute(query):
        definition = REGISTRY.definition(session, case.workflow_key, case.workflow_version)
        rule = definition.handoffs.get(handoff.kind)
        rows.append(HandoffRow(
            id=handoff.id, kind=handoff.kind,
            kind_title_zh=rule.title_zh if rule else handoff.kind,
            kind_title_en=rule.title_en if rule else handoff.kind,
            status=handoff.status, case_id=case.id, case_number=case.number,
            case_title=case.title, from_code=from_agency.code,
            from_name_zh=from_agency.name_zh, from_name_en=from_agency.name_en,
            to_code=to_agency.code, to_name_zh=to_agency.name_zh, to_name_en=to_agency.name_en,
            sent_by=handoff.sent_by, reason=handoff.reason, status_reason=handoff.status_reason,
            materials=len(handoff.materials or ()),
            sent_at=aware(handoff.sent_at).isoformat(),
            decided_at=aware(handoff.decided_at).isoformat() if handoff.decided_at else None,
            due_at=aware(clock.due_at).isoformat() if clock else None,
            urgency=_urgency(clock, now), linked_case_id=handoff.linked_case_id,
            linked_case=linked_number,
            incoming=handoff.to_agency_id == user.agency_id))
    return rows


def handoffs_of_case(uow: UnitOfWork, case_id: int, actor: str) -> list[HandoffRow]:
    """The handoffs a case sent, or that opened it, as the actor's agency may know them."""
    with uow:
        return _rows(uow, actor, case_id=case_id)


def handoff_desk(uow: UnitOfWork, actor: str, *, incoming: bool,
                 statuses: Sequence[str] | None = None) -> list[HandoffRow]:
    """The handoffs addressed to (``incoming``) or sent by the actor's agency."""
    with uow:
        return _rows(uow, actor, incoming=incoming, statuses=statuses)


def sendable_kinds(uow: UnitOfWork, case_id: int, actor: str) -> list[SendableKind]:
    """The handoff kinds the actor may send from the case in its current state (empty for a
    case of another agency, a final one, or a user with no acting role)."""
    with uow:
        session = uow.session
        user = get_user(uow, actor)
        case = get_case(uow, case_id)
        if user.agency_id != case.agency_id or not (user.roles & ACTING_ROLES):
            return []
        definition = REGISTRY.definition(session, case.workflow_key, case.workflow_version)
        kinds = []
        for kind, rule in sorted(definition.handoffs.items()):
            if case.status not in rule.from_states:
                continue
            agencies = session.scalars(select(Agency).where(
                Agency.kind == rule.to, Agency.id != case.agency_id).order_by(Agency.code))
            targets = tuple(Target(a.code, a.name_zh, a.name_en) for a in agencies)
            step = definition.transition(rule.fire, case.status) if rule.fire else None
            kinds.append(SendableKind(kind=kind, title_zh=rule.title_zh,
                                      title_en=rule.title_en, targets=targets,
                                      fields=step.fields if step else ()))
        return kinds


def field_kinds(spec: FieldSpec) -> dict[str, Any]:
    """How a page shows one field spec (the HTML input it needs)."""
    return {"string": "text", "text": "textarea", "number": "number", "integer": "number",
            "date": "date", "datetime": "datetime-local", "boolean": "checkbox",
            "enum": "select", "list": "lines"}.get(spec.type, "text")
