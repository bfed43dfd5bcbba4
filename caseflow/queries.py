"""Read-side queries for the CLI, pages and reports (no writes, no transactions kept)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from caseflow.errors import NotFound
from caseflow.models import Case, CaseLink, Event, WorkflowDefinitionRow


def workflow_versions(session: Session) -> list[dict[str, Any]]:
    open_counts = {
        f"{key}:{version}": count
        for key, version, count in session.execute(
            select(Case.workflow_key, Case.workflow_version, func.count())
            .where(Case.closed_at.is_(None))
            .group_by(Case.workflow_key, Case.workflow_version)
        )
    }
    rows = session.scalars(
        select(WorkflowDefinitionRow).order_by(WorkflowDefinitionRow.key,
                                               WorkflowDefinitionRow.version)
    )
    return [
        {"key": r.key, "version": r.version,
         "effective_from": r.effective_from.isoformat() if r.effective_from else None,
         "title_zh": r.title_zh, "title_en": r.title_en,
         "open_cases": open_counts.get(f"{r.key}:{r.version}", 0)}
        for r in rows
    ]


def newest_version(session: Session, key: str) -> int:
    version = session.scalar(
        select(func.max(WorkflowDefinitionRow.version)).where(WorkflowDefinitionRow.key == key)
    )
    if version is None:
        raise NotFound(f"unknown workflow {key!r}")
    return version


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
