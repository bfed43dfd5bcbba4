"""The read side of cases: a case as a given user may see it.

- The owning agency sees the whole case.
- An agency a case was handed to sees what the handoff shares (its workflow's ``shares``:
  summary, parties, IP rights, materials, outcome) — never the events or internal data.
- The agency that sent a handoff sees the outcome of the case it opened elsewhere.
- Mediation records are confidential to the mediation body: anyone else sees the outcome only.
- Anyone else: the case does not exist for them (NotFound, so its existence does not leak).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from caseflow.adapters.orm import Case, CaseLink, Event, Handoff
from caseflow.adapters.registry import REGISTRY
from caseflow.domain.errors import NotFound
from caseflow.services.access import get_user, visible_as
from caseflow.services.unit_of_work import UnitOfWork
from caseflow.views.mediation import MediationRecord, mediation_view


@dataclass(frozen=True, slots=True)
class CaseDetail:
    """The whole case, as its owning agency sees it. Nested items are tuples of plain dicts;
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
    parties: tuple[dict[str, Any], ...]
    ip_rights: tuple[dict[str, Any], ...]
    evidence: tuple[dict[str, Any], ...]
    links: tuple[dict[str, Any], ...]
    events: tuple[dict[str, Any], ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "visibility": self.visibility, "id": self.id, "number": self.number,
            "title": self.title, "type": self.type, "workflow": self.workflow,
            "status": self.status, "version": self.version, "agency": self.agency,
            "assignee": self.assignee, "received_on": self.received_on,
            "closed_at": self.closed_at, "data": self.data,
            "parties": [dict(p) for p in self.parties],
            "ip_rights": [dict(r) for r in self.ip_rights],
            "evidence": [dict(e) for e in self.evidence],
            "links": [dict(link) for link in self.links],
            "events": [dict(e) for e in self.events],
        }


@dataclass(frozen=True, slots=True)
class SharedCase:
    """What the handoffs to the viewer's agency share of a case. A part the handoffs do not
    share (``summary``, ``parties``, ``ip_rights``, ``materials``, ``outcome``) is ``None``
    here and absent from :meth:`to_dict`."""

    visibility: ClassVar[str] = "shared"
    id: int
    number: str
    handoffs: tuple[dict[str, Any], ...]
    title: str | None = None
    type: str | None = None
    status: str | None = None
    agency: str | None = None
    received_on: str | None = None
    parties: tuple[dict[str, Any], ...] | None = None
    ip_rights: tuple[dict[str, Any], ...] | None = None
    materials: tuple[dict[str, Any], ...] | None = None
    closed: bool | None = None
    outcomes: tuple[str, ...] | None = None

    def to_dict(self) -> dict[str, Any]:
        view: dict[str, Any] = {"visibility": self.visibility, "id": self.id,
                                "number": self.number,
                                "handoffs": [dict(h) for h in self.handoffs]}
        for name in ("title", "type", "status", "agency", "received_on"):
            value = getattr(self, name)
            if value is not None:
                view[name] = value
        for name in ("parties", "ip_rights", "materials"):
            items = getattr(self, name)
            if items is not None:
                view[name] = [dict(item) for item in items]
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
        parties=tuple({"role": p.role, "name": p.name, "kind": p.kind, "origin": p.origin,
                       "region": p.region} for p in case.parties),
        ip_rights=tuple({"kind": r.kind, "number": r.number, "title": r.title}
                        for r in case.ip_rights),
        evidence=tuple({"id": e.id, "filename": e.filename, "sha256": e.sha256, "size": e.size,
                        "added_by": e.added_by.username, "added_at": e.added_at}
                       for e in case.evidence),
        links=tuple({"kind": link.kind, "from": link.from_case_id, "to": link.to_case_id}
                    for link in links),
        events=tuple({"seq": e.seq, "kind": e.kind, "actor": e.actor, "at": e.at,
                      "from": e.source_state, "to": e.target_state, "trigger": e.trigger,
                      "reason": e.reason, "payload": e.payload} for e in events),
    )


def _outcome(case: Case, final: bool) -> CaseOutcome:
    return CaseOutcome(id=case.id, number=case.number, type=case.case_type, status=case.status,
                       closed=final, agency=case.agency.code)


def case_for(uow: UnitOfWork, case_id: int, actor: str) -> VisibleCase:
    """The case as ``actor`` may see it, with ``visibility`` saying which view it is."""
    with uow:
        session = uow.session
        user = get_user(uow, actor)
        case = session.get(Case, case_id) if isinstance(case_id, int) else None
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
        parts["parties"] = tuple({"role": p.role, "name": p.name, "kind": p.kind,
                                  "origin": p.origin} for p in case.parties)
    if "ip_rights" in shares:
        parts["ip_rights"] = tuple({"kind": r.kind, "number": r.number, "title": r.title}
                                   for r in case.ip_rights)
    if "materials" in shares:
        parts["materials"] = tuple(m for h in handoffs for m in h.materials)
    if "outcome" in shares:
        parts["closed"] = final
        parts["outcomes"] = tuple(h.outcome for h in handoffs if h.outcome)
    return SharedCase(id=case.id, number=case.number,
                      handoffs=tuple({"id": h.id, "kind": h.kind, "status": h.status}
                                     for h in handoffs), **parts)
