"""The mediator's desk: the mediation cases of the mediator's own body, each with its state,
parties, latest session and the instalments due or overdue; and the facts the mediation page
shows around the mediation record (the case's header, its parties, the courts an application
for judicial confirmation may go to).

Only the actor's own agency's mediation cases (as ``case_list``); a mediation record's
contents are decided by ``views.mediation.mediation_view`` alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from caseflow.adapters.orm import Agency, Case, MediationSession
from caseflow.adapters.registry import REGISTRY
from caseflow.domain.errors import NotFound
from caseflow.domain.vocabulary import MEDIATION_WORKFLOW
from caseflow.services.access import get_case, get_user
from caseflow.services.unit_of_work import UnitOfWork
from caseflow.views.mediation import InstalmentStatus, confirmation_status, instalment_statuses

DESK_MAX = 200


@dataclass(frozen=True, slots=True)
class PartyItem:
    role: str
    name: str


@dataclass(frozen=True, slots=True)
class DeskItem:
    """One mediation case on the desk."""

    id: int
    number: str
    title: str
    status: str
    state_zh: str
    state_en: str
    final: bool
    assignee: str | None
    parties: tuple[PartyItem, ...]
    last_session: str | None  # ISO date of the latest session held
    sessions: int
    confirmation: str
    open_instalments: tuple[InstalmentStatus, ...]  # unpaid: due or late


@dataclass(frozen=True, slots=True)
class CaseFacts:
    """The header of a mediation case for its own body."""

    id: int
    number: str
    title: str
    status: str
    state_zh: str
    state_en: str
    final: bool
    version: int
    parties: tuple[PartyItem, ...]
    courts: tuple[dict[str, str], ...]  # code, name_zh, name_en


def _state(session: Any, case: Case) -> tuple[str, str, bool]:
    definition = REGISTRY.definition(session, case.workflow_key, case.workflow_version)
    state = definition.states.get(case.status)
    if state is None:
        return case.status, case.status, False
    return state.title_zh, state.title_en, case.status in definition.final_states


def mediation_desk(uow: UnitOfWork, actor: str) -> tuple[DeskItem, ...]:
    """The actor's agency's mediation cases, open ones first, newest first."""
    with uow:
        session = uow.session
        user = get_user(uow, actor)
        cases = list(session.scalars(
            select(Case).where(Case.agency_id == user.agency_id,
                               Case.workflow_key == MEDIATION_WORKFLOW)
            .order_by(Case.closed_at.is_not(None), Case.id.desc()).limit(DESK_MAX)))
        now = uow.now()
        items = []
        for case in cases:
            zh, en, final = _state(session, case)
            held = list(session.scalars(select(MediationSession.held_on)
                                        .where(MediationSession.case_id == case.id)
                                        .order_by(MediationSession.held_on.desc())))
            schedule = instalment_statuses(session, case.id, now)
            items.append(DeskItem(
                id=case.id, number=case.number, title=case.title, status=case.status,
                state_zh=zh, state_en=en, final=final,
                assignee=case.assignee.username if getattr(case, "assignee", None) else None,
                parties=tuple(PartyItem(role=p.role, name=p.name) for p in case.parties),
                last_session=held[0].isoformat() if held else None, sessions=len(held),
                confirmation=confirmation_status(session, case),
                open_instalments=tuple(s for s in schedule if s.paid_on is None)))
        return tuple(items)


def mediation_case_facts(uow: UnitOfWork, case_id: int, actor: str) -> CaseFacts:
    """The header of a mediation case of the actor's own agency (NotFound otherwise, as if
    missing)."""
    with uow:
        session = uow.session
        user = get_user(uow, actor)
        case = get_case(uow, case_id)
        if case.agency_id != user.agency_id or case.workflow_key != MEDIATION_WORKFLOW:
            raise NotFound(f"case id {case_id}: no mediation case of {user.agency.code}")
        zh, en, final = _state(session, case)
        courts = tuple({"code": a.code, "name_zh": a.name_zh, "name_en": a.name_en}
                       for a in session.scalars(select(Agency).where(Agency.kind == "court")
                                                .order_by(Agency.code)))
        return CaseFacts(id=case.id, number=case.number, title=case.title, status=case.status,
                         state_zh=zh, state_en=en, final=final, version=case.version,
                         parties=tuple(PartyItem(role=p.role, name=p.name)
                                       for p in case.parties),
                         courts=courts)
