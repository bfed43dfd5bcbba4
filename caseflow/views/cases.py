"""The read side of cases: a case as a given user may see it.

- The owning agency sees the whole case.
- An agency a case was handed to sees what the handoff shares (its workflow's ``shares``:
  summary, parties, IP rights, materials, outcome) — never the events or internal data.
- The agency that sent a handoff sees the outcome of the case it opened elsewhere.
- Mediation records are confidential to the mediation body: anyone else sees the outcome only.
- Anyone else: the case does not exist for them (NotFound, so its existence does not leak).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from caseflow.adapters.orm import Case, CaseLink, Event, Handoff
from caseflow.adapters.registry import REGISTRY
from caseflow.domain.errors import NotFound
from caseflow.domain.limits import id_in_range
from caseflow.services.access import get_user, visible_as
from caseflow.services.handoffs import Material
from caseflow.services.unit_of_work import UnitOfWork
from caseflow.views.mediation import MediationRecord, mediation_view


@dataclass(frozen=True, slots=True)
class PartyItem:
    """A party of the case, as its owning agency sees it."""

    role: str
    name: str
    kind: str
    origin: str
    region: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"role": self.role, "name": self.name, "kind": self.kind, "origin": self.origin,
                "region": self.region}


@dataclass(frozen=True, slots=True)
class SharedPartyItem:
    """A party of the case, as a handoff shares it (no region)."""

    role: str
    name: str
    kind: str
    origin: str

    def to_dict(self) -> dict[str, Any]:
        return {"role": self.role, "name": self.name, "kind": self.kind, "origin": self.origin}


@dataclass(frozen=True, slots=True)
class RightItem:
    """An IP right the case concerns."""

    kind: str
    number: str
    title: str

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "number": self.number, "title": self.title}


@dataclass(frozen=True, slots=True)
class EvidenceItem:
    """A piece of evidence attached to the case."""

    id: int
    filename: str
    sha256: str
    size: int
    added_by: str
    added_at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "filename": self.filename, "sha256": self.sha256,
                "size": self.size, "added_by": self.added_by, "added_at": self.added_at}


@dataclass(frozen=True, slots=True)
class LinkItem:
    """A link between two cases; ``to_dict`` names the ends ``from`` and ``to``."""

    kind: str
    from_case: int
    to_case: int

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "from": self.from_case, "to": self.to_case}


@dataclass(frozen=True, slots=True)
class EventItem:
    """An event in the case's history; ``to_dict`` names the states ``from`` and ``to``.
    ``payload`` is the event's recorded payload, free-form by kind."""

    seq: int
    kind: str
    actor: str
    at: datetime
    from_state: str | None
    to_state: str | None
    trigger: str | None
    reason: str | None
    payload: Mapping[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "kind": self.kind, "actor": self.actor, "at": self.at,
                "from": self.from_state, "to": self.to_state, "trigger": self.trigger,
                "reason": self.reason, "payload": self.payload}


@dataclass(frozen=True, slots=True)
class HandoffRef:
    """A handoff a shared case was seen through."""

    id: int
    kind: str
    status: str

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "status": self.status}


@dataclass(frozen=True, slots=True)
class CaseDetail:
    """The whole case, as its owning agency sees it. Nested items are tuples of frozen items;
    dates and datetimes stay objects (the CLI serialises them with ``default=str``)."""

    visibility: ClassVar[str] = "full"
    id: int
    number: str
    title: str
    type: str
    workflow: str
    status: str
    version: int
    agency: str
    assignee: str | None
    received_on: date
    closed_at: datetime | None
    data: dict[str, Any]
    parties: tuple[PartyItem, ...]
    ip_rights: tuple[RightItem, ...]
    evidence: tuple[EvidenceItem, ...]
    links: tuple[LinkItem, ...]
    events: tuple[EventItem, ...]
    industry: str | None = None  # one of vocabulary.INDUSTRIES, or not recorded

    def to_dict(self) -> dict[str, Any]:
        return {
            "visibility": self.visibility, "id": self.id, "number": self.number,
            "title": self.title, "type": self.type, "workflow": self.workflow,
            "status": self.status, "version": self.version, "agency": self.agency,
            "assignee": self.assignee, "received_on": self.received_on,
            "closed_at": self.closed_at, "industry": self.industry, "data": self.data,
            "parties": [p.to_dict() for p in self.parties],
            "ip_rights": [r.to_dict() for r in self.ip_rights],
            "evidence": [e.to_dict() for e in self.evidence],
            "links": [link.to_dict() for link in self.links],
            "events": [e.to_dict() for e in self.events],
        }


@dataclass(frozen=True, slots=True)
class SharedCase:
    """What the handoffs to the viewer's agency share of a case. A part the handoffs do not
    share (``summary``, ``parties``, ``ip_rights``, ``materials``, ``outcome``) is ``None``
    here and absent from :meth:`to_dict`."""

    visibility: ClassVar[str] = "shared"
    id: int
    number: str
    handoffs: tuple[HandoffRef, ...]
    title: str | None = None
    type: str | None = None
    status: str | None = None
    agency: str | None = None
    received_on: str | None = None
    parties: tuple[SharedPartyItem, ...] | None = None
    ip_rights: tuple[RightItem, ...] | None = None
    materials: tuple[Material, ...] | None = None
    closed: bool | None = None
    outcomes: tuple[str, ...] | None = None

    def to_dict(self) -> dict[str, Any]:
        view: dict[str, Any] = {"visibility": self.visibility, "id": self.id,
                                "number": self.number,
                                "handoffs": [h.to_dict() for h in self.handoffs]}
        for name in ("title", "type", "status", "agency", "received_on"):
            value = getattr(self, name)
            if value is not None:
                view[name] = value
        for name in ("parties", "ip_rights", "materials"):
            items = getattr(self, name)
            if items is not None:
                view[name] = [item.to_dict() for item in items]
        if self.closed is not None:
            view["closed"] = self.closed
        if self.outcomes is not None:
            view["outcomes"] = list(self.outcomes)
        return view


@dataclass(frozen=True, slots=True)
class CaseOutcome:
    """Only how a case stands: for the agency that sent the handoff it was opened on."""

    visibility: ClassVar[str] = "outcome"
    id: int
    number: str
    type: str
    status: str
    closed: bool
    agency: str

    def to_dict(self) -> dict[str, Any]:
        return {"visibility": self.visibility, "id": self.id, "number": self.number,
                "type": self.type, "status": self.status, "closed": self.closed,
                "agency": self.agency}


VisibleCase = CaseDetail | SharedCase | CaseOutcome | MediationRecord
"""A case as one user may see it; each has ``id``, ``visibility`` and ``to_dict()``."""


def case_detail(session: Session, case_id: int) -> CaseDetail:
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound(f"unknown case id {case_id}")
    links = session.scalars(
        select(CaseLink).where((CaseLink.from_case_id == case_id) | (CaseLink.to_case_id == case_id))
    ).all()
    events = session.scalars(
        select(Event).where(Event.case_id == case_id).order_by(Event.seq)
    ).all()
    return CaseDetail(
        id=case.id, number=case.number, title=case.title, type=case.case_type,
        workflow=f"{case.workflow_key} v{case.workflow_version}", status=case.status,
        version=case.version, agency=case.agency.code,
        assignee=case.assignee.username if case.assignee else None,
        received_on=case.received_on, closed_at=case.closed_at, data=case.data,
        industry=case.industry,
        parties=tuple(PartyItem(role=p.role, name=p.name, kind=p.kind, origin=p.origin,
                                region=p.region) for p in case.parties),
        ip_rights=tuple(RightItem(kind=r.kind, number=r.number, title=r.title)
                        for r in case.ip_rights),
        evidence=tuple(EvidenceItem(id=e.id, filename=e.filename, sha256=e.sha256, size=e.size,
                                    added_by=e.added_by.username, added_at=e.added_at)
                       for e in case.evidence),
        links=tuple(LinkItem(kind=link.kind, from_case=link.from_case_id,
                             to_case=link.to_case_id) for link in links),
        events=tuple(EventItem(seq=e.seq, kind=e.kind, actor=e.actor, at=e.at,
                               from_state=e.source_state, to_state=e.target_state,
                               trigger=e.trigger, reason=e.reason, payload=e.payload)
                     for e in events),
    )


def _outcome(case: Case, final: bool) -> CaseOutcome:
    return CaseOutcome(id=case.id, number=case.number, type=case.case_type, status=case.status,
                       closed=final, agency=case.agency.code)


def case_for(uow: UnitOfWork, case_id: int, actor: str) -> VisibleCase:
    """The case as ``actor`` may see it, with ``visibility`` saying which view it is."""
    with uow:
        session = uow.session
        user = get_user(uow, actor)
        case = session.get(Case, case_id) if id_in_range(case_id) else None
        if case is None:
            raise NotFound(f"unknown case id {case_id}")
        visibility, handed = visible_as(session, case, user)
        if visibility == "full":
            return case_detail(session, case.id)
        definition = REGISTRY.definition(session, case.workflow_key, case.workflow_version)
        final = case.status in definition.final_states
        if visibility == "shared":
            handoffs = list(session.scalars(select(Handoff).where(Handoff.id.in_(handed))
                                            .order_by(Handoff.id)))
            return _shared(session, case, handoffs, final)
        if visibility == "mediation":
            return mediation_view(session, case, user.agency.kind)
        return _outcome(case, final)


def _shared(session: Any, case: Case, handoffs: list[Handoff], final: bool) -> SharedCase:
    shares: set[str] = set()
    for h in handoffs:
        source = REGISTRY.definition(session, case.workflow_key, case.workflow_version)
        rule = source.handoffs.get(h.kind)
        shares |= set(rule.shares if rule else ("summary",))
    parts: dict[str, Any] = {}
    if "summary" in shares:
        parts.update(title=case.title, type=case.case_type, status=case.status,
                     agency=case.agency.code, received_on=case.received_on.isoformat())
    if "parties" in shares:
        parts["parties"] = tuple(SharedPartyItem(role=p.role, name=p.name, kind=p.kind,
                                                 origin=p.origin) for p in case.parties)
    if "ip_rights" in shares:
        parts["ip_rights"] = tuple(RightItem(kind=r.kind, number=r.number, title=r.title)
                                   for r in case.ip_rights)
    if "materials" in shares:
        parts["materials"] = tuple(Material.from_json(m) for h in handoffs for m in h.materials)
    if "outcome" in shares:
        parts["closed"] = final
        parts["outcomes"] = tuple(h.outcome for h in handoffs if h.outcome)
    return SharedCase(id=case.id, number=case.number,
                      handoffs=tuple(HandoffRef(id=h.id, kind=h.kind, status=h.status)
                                     for h in handoffs), **parts)
