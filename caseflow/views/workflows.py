"""Read side of workflow definitions: the versions loaded, and one version to show."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from caseflow.adapters.orm import Case, WorkflowDefinitionRow
from caseflow.adapters.registry import REGISTRY
from caseflow.domain.definitions import WorkflowDefinition
from caseflow.domain.errors import NotFound, ValidationFailed
from caseflow.services.access import get_case, get_user
from caseflow.services.unit_of_work import UnitOfWork
from caseflow.views.cases import visible_as


def workflow_versions(uow: UnitOfWork) -> list[dict[str, Any]]:
    """Every loaded version, the date it applies from, and how many cases run open on it."""
    with uow:
        return _versions(uow.session)


def _versions(session: Session) -> list[dict[str, Any]]:
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
