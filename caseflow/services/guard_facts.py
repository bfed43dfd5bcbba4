"""Load what a transition's guards read, so the guards themselves stay pure domain rules.

The case's own facts (parties, rights, evidence count, recorded data) always; facts from
other records (the handoff that opened the case, the mediation's latest agreement) only when
one of the guards about to run declares it needs them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import func, select

from caseflow.adapters.calendar_store import current_calendar
from caseflow.adapters.orm import Case, Evidence, Handoff, User
from caseflow.domain.guards import (
    ActorFacts,
    AgreementFacts,
    CaseFacts,
    GuardContext,
    PartyFacts,
    RightFacts,
    facts_needed,
)
from caseflow.domain.vocabulary import MEDIATION_WORKFLOW
from caseflow.services.mediation.settlements import latest_agreement
from caseflow.services.unit_of_work import UnitOfWork


def case_facts(uow: UnitOfWork, case: Case) -> CaseFacts:
    evidence = uow.session.scalar(select(func.count()).select_from(Evidence)
                                  .where(Evidence.case_id == case.id)) if case.id else 0
    return CaseFacts(
        id=case.id, number=case.number, workflow_key=case.workflow_key, status=case.status,
        assignee_id=case.assignee_id, data=dict(case.data or {}),
        parties=tuple(PartyFacts(p.role, p.name, p.kind, p.origin) for p in case.parties),
        ip_rights=tuple(RightFacts(r.kind, r.number) for r in case.ip_rights),
        evidence_count=int(evidence or 0),
    )


def actor_facts(user: User) -> ActorFacts:
    return ActorFacts(id=user.id, username=user.username, roles=frozenset(user.roles))


def guard_context(uow: UnitOfWork, case_id: int, user_id: int, guards: Sequence[str],
                  payload: Mapping[str, Any]) -> GuardContext:
    """Everything ``guards`` read for this case, user and payload, at the unit of work's time
    and on the calendar as stored."""
    session = uow.session
    case = session.get(Case, case_id)
    user = session.get(User, user_id)
    needs = facts_needed(tuple(guards))
    received_by = None
    agreement = None
    if "received_by_handoff" in needs:
        received_by = session.scalar(select(Handoff.kind)
                                     .where(Handoff.linked_case_id == case.id))
    if "agreement" in needs:
        mediation_case_id = case.id
        if case.workflow_key != MEDIATION_WORKFLOW:  # the court's case: the mediation's record
            mediation_case_id = session.scalar(
                select(Handoff.case_id).where(Handoff.linked_case_id == case.id))
        row = latest_agreement(session, mediation_case_id) if mediation_case_id else None
        if row is not None:
            agreement = AgreementFacts(row.id, row.decides_ownership, row.decides_validity)
    return GuardContext(case=case_facts(uow, case), payload=payload, user=actor_facts(user),
                        now=uow.now(), calendar=current_calendar(uow.connection),
                        received_by_handoff=received_by, agreement=agreement)
