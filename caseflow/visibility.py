"""Who may see what of a case.

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

from caseflow.errors import NotFound
from caseflow.models import Case, Handoff
from caseflow.queries import case_detail
from caseflow.registry import REGISTRY
from caseflow.services import get_user
from caseflow.unit_of_work import UnitOfWork


def _outcome(case: Case, final: bool) -> dict[str, Any]:
    return {"id": case.id, "number": case.number, "type": case.case_type, "status": case.status,
            "closed": final, "agency": case.agency.code}


def case_for(uow: UnitOfWork, case_id: int, actor: str) -> dict[str, Any]:
    """The case as ``actor`` may see it, with ``visibility`` saying which view it is."""
    with uow:
        session = uow.session
        user = get_user(uow, actor)
        case = session.get(Case, case_id) if isinstance(case_id, int) else None
        if case is None:
            raise NotFound(f"unknown case id {case_id}")
        definition = REGISTRY.definition(session, case.workflow_key, case.workflow_version)
        final = case.status in definition.final_states
        confidential = case.workflow_key == "mediation" and user.agency.kind != "mediation"
        if user.agency_id == case.agency_id:
            return {"visibility": "full", **case_detail(session, case.id)}
        handed = list(session.scalars(select(Handoff).where(
            Handoff.case_id == case.id, Handoff.to_agency_id == user.agency_id)))
        if handed and not confidential:
            return {"visibility": "shared", **_shared(session, case, handed, final)}
        opened_for_us = session.scalar(select(Handoff).where(
            Handoff.linked_case_id == case.id, Handoff.from_agency_id == user.agency_id))
        if confidential and (handed or opened_for_us is not None):
            from caseflow.mediation import mediation_view

            return {"id": case.id, **mediation_view(session, case, user.agency.kind)}
        if handed or opened_for_us is not None:
            return {"visibility": "outcome", **_outcome(case, final)}
        raise NotFound(f"unknown case id {case_id}")


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
