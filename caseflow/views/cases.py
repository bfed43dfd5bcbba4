"""The read side of cases: a case as a given user may see it.

- The owning agency sees the whole case.
- An agency a case was handed to sees what the handoff shares (its workflow's ``shares``:
  summary, parties, IP rights, materials, outcome) — never the events or internal data.
- The agency that sent a handoff sees the outcome of the case it opened elsewhere.
- Mediation records are confidential to the mediation body: anyone else sees the outcome only.
- Anyone else: the case does not exist for them (NotFound, so its existence does not leak).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from caseflow.adapters.orm import Case, CaseLink, Event, Handoff
from caseflow.adapters.registry import REGISTRY
from caseflow.domain.errors import NotFound
from caseflow.services.access import get_user
from caseflow.services.unit_of_work import UnitOfWork
from caseflow.views.mediation import mediation_view


def case_detail(session: Session, case_id: int) -> dict[str, Any]:
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound(f"unknown case id {case_id}")
    links = session.scalars(
        select(CaseLink).where((CaseLink.from_case_id == case_id) | (CaseLink.to_case_id == case_id))
    ).all()
    events = session.scalars(
        select(Event).where(Event.case_id == case_id).order_by(Event.seq)
    ).all()
    return {
        "id": case.id, "number": case.number, "title": case.title, "type": case.case_type,
        "workflow": f"{case.workflow_key} v{case.workflow_version}", "status": case.status,
        "version": case.version, "agency": case.agency.code,
        "assignee": case.assignee.username if case.assignee else None,
        "received_on": case.received_on, "closed_at": case.closed_at, "data": case.data,
        "parties": [{"role": p.role, "name": p.name, "kind": p.kind, "origin": p.origin,
                     "region": p.region} for p in case.parties],
        "ip_rights": [{"kind": r.kind, "number": r.number, "title": r.title}
                      for r in case.ip_rights],
        "evidence": [{"id": e.id, "filename": e.filename, "sha256": e.sha256, "size": e.size,
                      "added_by": e.added_by.username, "added_at": e.added_at}
                     for e in case.evidence],
        "links": [{"kind": link.kind, "from": link.from_case_id, "to": link.to_case_id}
                  for link in links],
        "events": [{"seq": e.seq, "kind": e.kind, "actor": e.actor, "at": e.at,
                    "from": e.source_state, "to": e.target_state, "trigger": e.trigger,
                    "reason": e.reason, "payload": e.payload} for e in events],
    }


def _outcome(case: Case, final: bool) -> dict[str, Any]:
    return {"id": case.id, "number": case.number, "type": case.case_type, "status": case.status,
            "closed": final, "agency": case.agency.code}


def visible_as(session: Session, case: Case, user: Any) -> tuple[str, set[int]]:
    """Which view of the case ``user`` gets — ``full``, ``shared`` (and through which
    handoffs), ``mediation`` (a confidential record: outcome only) or ``outcome`` — or
    NotFound, so a case's existence does not leak."""
    if user.agency_id == case.agency_id:
        return "full", set()
    confidential = case.workflow_key == "mediation" and user.agency.kind != "mediation"
    handed = set(session.scalars(select(Handoff.id).where(
        Handoff.case_id == case.id, Handoff.to_agency_id == user.agency_id)))
    if handed and not confidential:
        return "shared", handed
    opened_for_us = session.scalar(select(Handoff.id).where(
        Handoff.linked_case_id == case.id, Handoff.from_agency_id == user.agency_id))
    if handed or opened_for_us is not None:
        return ("mediation" if confidential else "outcome"), handed
    raise NotFound(f"unknown case id {case.id}")


def case_for(uow: UnitOfWork, case_id: int, actor: str) -> dict[str, Any]:
    """The case as ``actor`` may see it, with ``visibility`` saying which view it is."""
    with uow:
        session = uow.session
        user = get_user(uow, actor)
        case = session.get(Case, case_id) if isinstance(case_id, int) else None
        if case is None:
            raise NotFound(f"unknown case id {case_id}")
        visibility, handed = visible_as(session, case, user)
        if visibility == "full":
            return {"visibility": "full", **case_detail(session, case.id)}
        definition = REGISTRY.definition(session, case.workflow_key, case.workflow_version)
        final = case.status in definition.final_states
        if visibility == "shared":
            handoffs = list(session.scalars(select(Handoff).where(Handoff.id.in_(handed))
                                            .order_by(Handoff.id)))
            return {"visibility": "shared", **_shared(session, case, handoffs, final)}
        if visibility == "mediation":
            return {"id": case.id, **mediation_view(session, case, user.agency.kind)}
        return {"visibility": "outcome", **_outcome(case, final)}


def _shared(session: Any, case: Case, handoffs: list[Handoff], final: bool) -> dict[str, Any]:
    shares: set[str] = set()
    for h in handoffs:
        source = REGISTRY.definition(session, case.workflow_key, case.workflow_version)
        rule = source.handoffs.get(h.kind)
        shares |= set(rule.shares if rule else ("summary",))
    view: dict[str, Any] = {"id": case.id, "number": case.number,
                            "handoffs": [{"id": h.id, "kind": h.kind, "status": h.status}
                                         for h in handoffs]}
    if "summary" in shares:
        view.update({"title": case.title, "type": case.case_type, "status": case.status,
                     "agency": case.agency.code, "received_on": case.received_on.isoformat()})
    if "parties" in shares:
        view["parties"] = [{"role": p.role, "name": p.name, "kind": p.kind, "origin": p.origin}
                           for p in case.parties]
    if "ip_rights" in shares:
        view["ip_rights"] = [{"kind": r.kind, "number": r.number, "title": r.title}
                             for r in case.ip_rights]
    if "materials" in shares:
        view["materials"] = [m for h in handoffs for m in h.materials]
    if "outcome" in shares:
        view["closed"] = final
        view["outcomes"] = [h.outcome for h in handoffs if h.outcome]
    return view
