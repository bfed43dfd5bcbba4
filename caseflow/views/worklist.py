"""The read side of an officer's work lists: 待办 (open cases assigned to them), the agency's
queue (open, unassigned) and 已办 (closed cases they were assigned), each row with the most
urgent running clock's name and due time; and the case types the officer's agency may open.

The lists take ``case_list.list_cases``'s filters, sorts, paging and refusals (the same
validation, the same conditions and order, the actor's agency only) and add one condition,
open or closed (``Case.closed_at``), which ``CaseFilters`` does not have. The clock details
of a page are read in one query for the page's cases, never a query per row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import aliased

from caseflow.adapters.orm import Agency, Case, Clock, User, WorkflowDefinitionRow
from caseflow.adapters.registry import REGISTRY
from caseflow.domain.errors import ValidationFailed
from caseflow.domain.moments import aware
from caseflow.services.access import get_user
from caseflow.services.unit_of_work import UnitOfWork
from caseflow.views.case_list import (
    SORTS,
    CaseFilters,
    _check_vocabulary,
    _conditions,
    _order,
    list_cases,
)

__all__ = ["SORTS", "CaseFilters", "WorkItem", "WorkPage", "CaseType", "list_work",
           "opening_types", "list_cases"]


@dataclass(frozen=True, slots=True)
class WorkItem:
    id: int
    number: str
    type: str
    type_zh: str
    type_en: str
    state: str
    state_zh: str
    state_en: str
    title: str
    assignee: str | None
    received_on: Any
    version: int
    next_due: datetime | None  # aware, Asia/Shanghai
    overdue: bool
    left: Any  # timedelta: due minus now (negative when overdue), or None
    clock: str | None
    clock_zh: str
    clock_en: str
    closed_at: datetime | None


@dataclass(frozen=True, slots=True)
class WorkPage:
    items: tuple[WorkItem, ...]
    total: int
    page: int
    per_page: int


@dataclass(frozen=True, slots=True)
class CaseType:
    key: str
    title_zh: str
    title_en: str


def _validate(uow: UnitOfWork, actor: str, filters: CaseFilters, sort: str) -> None:
    """``list_cases``'s own refusals (sort, dates, q, vocabulary) for these filters."""
    list_cases(uow, actor, filters, sort=sort, page=1, per_page=1)


def list_work(uow: UnitOfWork, actor: str, filters: CaseFilters | None = None, *,
              closed: bool = False, sort: str = "due", page: int = 1,
              per_page: int = 25) -> WorkPage:
    """``actor``'s agency's cases matching ``filters`` and open (``closed=False``) or closed,
    sorted like ``list_cases`` (default: the earliest running clock first), page ``page``."""
    filters = filters if filters is not None else CaseFilters()
    _validate(uow, actor, filters, sort)
    if isinstance(page, bool) or not isinstance(page, int) or page < 1:
        raise ValidationFailed("page: must be a positive integer", field="page")
    with uow:
        session = uow.session
        user = get_user(uow, actor)
        _check_vocabulary(session, filters)
        now = uow.now()
        running = (Clock.status == "running", Clock.party.is_(False), Clock.target.is_(False))
        due = (select(Clock.case_id.label("case_id"), func.min(Clock.due_at).label("next_due"))
               .join(Case, Case.id == Clock.case_id)
               .where(*running, Case.agency_id == user.agency_id)
               .group_by(Clock.case_id)
               .subquery("due"))
        next_due = due.c.next_due
        where = _conditions(session, user, filters, next_due, now)
        where.append(Case.closed_at.is_not(None) if closed else Case.closed_at.is_(None))
        owner = aliased(User)
        rows: Select[Any] = (
            select(Case.id, Case.number, Case.case_type, Case.status, Case.title,
                   owner.username, Case.received_on, next_due, Case.version,
                   Case.workflow_key, Case.workflow_version, Case.closed_at)
            .join(Agency, Agency.id == Case.agency_id)
            .outerjoin(owner, owner.id == Case.assignee_id)
            .outerjoin(due, due.c.case_id == Case.id)
            .where(and_(*where)).order_by(*_order(sort, next_due))
            .limit(per_page).offset((page - 1) * per_page))
        found = list(session.execute(rows))
        total = session.scalar(select(func.count()).select_from(Case)
                               .outerjoin(due, due.c.case_id == Case.id)
                               .where(and_(*where))) or 0
        clock_of: dict[int, str] = {}
        ids = [r[0] for r in found]
        if ids:
            for case_id, name, _due in session.execute(
                    select(Clock.case_id, Clock.name, Clock.due_at)
                    .where(Clock.case_id.in_(ids), *running)
                    .order_by(Clock.case_id, Clock.due_at.desc(), Clock.id.desc())):
                clock_of[case_id] = name  # the last one per case is the earliest due
        items = []
        for r in found:
            definition = REGISTRY.definition(session, r[9], r[10])
            state = definition.states.get(r[3])
            name = clock_of.get(r[0])
            rule = definition.clocks.get(name) if name else None
            items.append(WorkItem(
                id=r[0], number=r[1], type=r[2], type_zh=definition.title_zh,
                type_en=definition.title_en, state=r[3],
                state_zh=state.title_zh if state else r[3],
                state_en=state.title_en if state else r[3], title=r[4], assignee=r[5],
                received_on=r[6], version=r[8],
                next_due=aware(r[7]) if r[7] is not None else None,
                overdue=r[7] is not None and r[7] < now,
                left=(r[7] - now) if r[7] is not None else None,
                clock=name, clock_zh=rule.title_zh if rule else (name or ""),
                clock_en=rule.title_en if rule else (name or ""),
                closed_at=aware(r[11]) if r[11] is not None else None))
        return WorkPage(items=tuple(items), total=total, page=page, per_page=per_page)


def opening_types(uow: UnitOfWork, actor: str) -> list[CaseType]:
    """The case types ``actor``'s agency works (its kind among the newest version's agency
    kinds), with their titles."""
    with uow:
        session = uow.session
        user = get_user(uow, actor)
        newest = session.execute(
            select(WorkflowDefinitionRow.key, func.max(WorkflowDefinitionRow.version))
            .group_by(WorkflowDefinitionRow.key).order_by(WorkflowDefinitionRow.key)).all()
        types = []
        for key, version in newest:
            definition = REGISTRY.definition(session, key, version)
            if user.agency.kind in definition.agency_kinds:
                types.append(CaseType(key=key, title_zh=definition.title_zh,
                                      title_en=definition.title_en))
        return types


def state_choices(uow: UnitOfWork, case_type: str | None = None) -> list[tuple[str, str, str]]:
    """(name, title_zh, title_en) of the states of the loaded workflows (of ``case_type``)."""
    with uow:
        session = uow.session
        rows = session.execute(select(WorkflowDefinitionRow.key, WorkflowDefinitionRow.version)
                               .order_by(WorkflowDefinitionRow.key,
                                         WorkflowDefinitionRow.version)).all()
        seen: dict[str, tuple[str, str, str]] = {}
        for key, version in rows:
            if case_type not in (None, key):
                continue
            for state in REGISTRY.definition(session, key, version).states.values():
                seen[state.name] = (state.name, state.title_zh, state.title_en)
        return sorted(seen.values())
