"""Appending to and verifying the per-case audit chains stored in the database.

The hashing and the checking rules are the domain's (``caseflow.domain.audit``); this module
moves a case's head as it appends, and streams stored chains through the check.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from caseflow.adapters.orm import Case, Event
from caseflow.domain.audit import AuditEntry, AuditProblem, next_link, verify_case
from caseflow.services.access import get_case
from caseflow.services.unit_of_work import UnitOfWork


def append_event(session: Session, case: Case, kind: str, **fields: Any) -> Event:
    """Append one event to the case's chain and move the case's head. Caller commits."""
    if case.id is None:
        session.flush()
    values = next_link(case.id, case.audit_seq, case.audit_head, kind, **fields)
    event = Event(**values)
    session.add(event)
    case.audit_seq = values["seq"]
    case.audit_head = values["hash"]
    return event


def append_entry(session: Session, case: Case, entry: AuditEntry, *, actor: str, channel: str,
                 at: Any) -> Event:
    """Append an entry a service prepared (see ``AuditEntry``) to the case's chain."""
    return append_event(session, case, entry.kind, actor=actor, channel=channel, at=at,
                        reason=entry.reason, payload=dict(entry.payload))


def verify_all(session: Session, case_ids: list[int] | None = None,
               batch: int = 500) -> Iterator[AuditProblem]:
    """Verify every case's chain (or the given ones), streaming cases in batches."""
    query = select(Case.id).order_by(Case.id)
    if case_ids:
        query = query.where(Case.id.in_(case_ids))
    ids = list(session.scalars(query))
    for start in range(0, len(ids), batch):
        chunk = ids[start:start + batch]
        cases = {c.id: c for c in session.scalars(select(Case).where(Case.id.in_(chunk)))}
        events: dict[int, list[Event]] = {cid: [] for cid in chunk}
        rows = session.scalars(
            select(Event).where(Event.case_id.in_(chunk)).order_by(Event.case_id, Event.seq, Event.id)
        )
        for ev in rows:
            events[ev.case_id].append(ev)
        for cid in chunk:
            found = verify_case(cases[cid], events[cid])
            if found:
                yield found
        session.expunge_all()


@dataclass(frozen=True)
class VerifyReport:
    first_problem: AuditProblem | None
    cases: int
    events: int


def verify_chains(uow: UnitOfWork, case_ids: list[int] | None = None) -> VerifyReport:
    """Check the chains (all, or the given cases'); the first problem found, and how many
    cases and events were checked. An unknown case id is refused, not reported intact."""
    with uow:
        session = uow.session
        cases = select(func.count()).select_from(Case)
        events = select(func.count()).select_from(Event)
        if case_ids:
            for case_id in sorted(set(case_ids)):
                get_case(uow, case_id)
            cases = cases.where(Case.id.in_(case_ids))
            events = events.where(Event.case_id.in_(case_ids))
        first = next(verify_all(session, case_ids), None)
        return VerifyReport(first, session.scalar(cases), session.scalar(events))
