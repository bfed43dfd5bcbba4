"""Read side of workflow definitions: the versions loaded, the one in force, one to show, and
a case with the definition it runs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from caseflow.adapters.orm import Case, WorkflowDefinitionRow
from caseflow.adapters.registry import REGISTRY
from caseflow.domain.definitions import WorkflowDefinition
from caseflow.domain.errors import NotFound, ValidationFailed
from caseflow.services.access import get_case, get_user, refuse_outsider, visible_as
from caseflow.services.cases import CaseView
from caseflow.services.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class WorkflowVersion:
    """One loaded version of a workflow: ``effective_from`` is an ISO date, or ``None`` when
    it has always applied; ``open_cases`` counts the cases still running on it."""

    key: str
    version: int
    effective_from: str | None
    title_zh: str
    title_en: str
    open_cases: int

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "version": self.version, "effective_from": self.effective_from,
                "title_zh": self.title_zh, "title_en": self.title_en,
                "open_cases": self.open_cases}


def workflow_versions(uow: UnitOfWork, actor: str | None = None) -> list[WorkflowVersion]:
    """Every loaded version, the date it applies from, and how many cases run open on it —
    with ``actor``, counting only the actor's agency's cases (nobody learns another agency's
    caseload; the CLI, run by an operator, counts all)."""
    with uow:
        agency_id = get_user(uow, actor).agency_id if actor is not None else None
        return _versions(uow.session, agency_id)


def _versions(session: Session, agency_id: int | None = None) -> list[WorkflowVersion]:
    counted = (select(Case.workflow_key, Case.workflow_version, func.count())
               .where(Case.closed_at.is_(None)))
    if agency_id is not None:
        counted = counted.where(Case.agency_id == agency_id)
    open_counts = {
        f"{key}:{version}": count
        for key, version, count in session.execute(
            counted.group_by(Case.workflow_key, Case.workflow_version))
    }
    rows = session.scalars(
        select(WorkflowDefinitionRow).order_by(WorkflowDefinitionRow.key,
                                               WorkflowDefinitionRow.version)
    )
    return [
        WorkflowVersion(
            key=r.key, version=r.version,
            effective_from=r.effective_from.isoformat() if r.effective_from else None,
            title_zh=r.title_zh, title_en=r.title_en,
            open_cases=open_counts.get(f"{r.key}:{r.version}", 0))
        for r in rows
    ]


def definition_in_force(uow: UnitOfWork, key: str, on: date) -> WorkflowDefinition:
    """The definition a case of type ``key`` received on ``on`` would run (NotFound if none)."""
    with uow:
        session = uow.session
        return REGISTRY.definition(session, key, REGISTRY.version_in_force(session, key, on))


def case_in_workflow(uow: UnitOfWork, case_id: int,
                     actor: str) -> tuple[CaseView, WorkflowDefinition]:
    """A case with the definition of the version it runs, to a user of its own agency: what
    a client needs to work on a case it did not open (e.g. one a handoff created). Anyone
    else is refused as a write would refuse them (unknown unless they may see it)."""
    with uow:
        session = uow.session
        user = get_user(uow, actor)
        case = get_case(uow, case_id)
        if user.agency_id != case.agency_id:
            refuse_outsider(session, actor, user.agency_id, case.id, case.number)
        definition = REGISTRY.definition(session, case.workflow_key, case.workflow_version)
        view = CaseView(
            id=case.id, number=case.number, case_type=case.case_type,
            workflow_key=case.workflow_key, workflow_version=case.workflow_version,
            status=case.status, version=case.version, agency=case.agency.code,
            title=case.title, closed=case.status in definition.final_states,
            industry=case.industry)
        return view, definition


def newest_version(session: Session, key: str) -> int:
    version = session.scalar(
        select(func.max(WorkflowDefinitionRow.version)).where(WorkflowDefinitionRow.key == key)
    )
    if version is None:
        raise NotFound(f"unknown workflow {key!r}")
    return version


def definition_to_show(uow: UnitOfWork, key: str, version: int | None = None,
                       case_id: int | None = None,
                       actor: str | None = None) -> tuple[WorkflowDefinition, str | None]:
    """The version to show (default: the case's, else the newest) and the case's state, if a
    case is named — only to an ``actor`` who may see that case."""
    with uow:
        session = uow.session
        current = None
        if case_id is not None:
            if actor is None:
                raise ValidationFailed("showing a case's state needs the user it is shown to "
                                       "(--as USER)", field="actor")
            user = get_user(uow, actor)
            case = get_case(uow, case_id)
            visible_as(session, case, user)  # NotFound for anyone who may not see it
            current = case.status
        return _to_show(session, key, version, case_id, current)


def _to_show(session: Session, key: str, version: int | None, case_id: int | None,
             current: str | None) -> tuple[WorkflowDefinition, str | None]:
    if case_id is not None:
        case = session.get(Case, case_id)
        if case.workflow_key != key:
            raise NotFound(f"case {case_id} runs workflow {case.workflow_key}, not {key}")
        version = version or case.workflow_version
    if version is None:
        version = newest_version(session, key)
    return REGISTRY.definition(session, key, version), current
