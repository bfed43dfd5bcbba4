"""The read side of an officer's work lists: 待办 (open cases assigned to them), the agency's
queue (open, unassigned) and 已办 (closed cases they were assigned), each row with the most
urgent running clock's name and due time; and the case types the officer's agency may open.

The lists are ``case_list.case_rows``: ``list_cases``'s filters, sorts, paging and refusals
(the same validation, the same conditions and order, the actor's agency only), with
``CaseFilters.closed`` saying open or closed, and a few more columns of each case. The clock
details of a page are read in one query for the page's cases, never a query per row.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from caseflow.adapters.orm import Case, Clock, User, WorkflowDefinitionRow
from caseflow.adapters.registry import REGISTRY
from caseflow.domain.moments import aware
from caseflow.services.access import get_user
from caseflow.services.unit_of_work import UnitOfWork
from caseflow.views.case_list import RUNNING, SORTS, CaseFilters, case_rows, list_cases

__all__ = ["SORTS", "CaseFilters", "WorkItem", "WorkPage", "CaseType", "list_work",
           "opening_types", "list_cases"]


@dataclass(frozen=True, slots=True)
class WorkItem:
    """One row of a work list: the case, its titles in both languages and its most urgent
    running clock (``left`` until it falls due)."""

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
    assignee_name: str | None  # the person's name, as the pages show who works a case
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
    """A page of a work list and how many cases the whole list holds."""

    items: tuple[WorkItem, ...]
    total: int
    page: int
    per_page: int


@dataclass(frozen=True, slots=True)
class CaseType:
    """A case type the officer's agency may open, with its titles."""

    key: str
    title_zh: str
    title_en: str


def list_work(uow: UnitOfWork, actor: str, filters: CaseFilters | None = None, *,
              closed: bool = False, sort: str = "due", page: int = 1,
              per_page: int = 25) -> WorkPage:
    """``actor``'s agency's cases matching ``filters`` and open (``closed=False``) or closed,
    sorted like ``list_cases`` (default: the earliest running clock first), page ``page``."""
    filters = replace(filters if filters is not None else CaseFilters(), closed=closed)
    with uow:
        session = uow.session
        read = case_rows(uow, actor, filters, sort=sort, page=page, per_page=per_page,
                         columns=(Case.version, Case.workflow_key, Case.workflow_version,
                                  Case.closed_at))
        now = read.now
        clock_of: dict[int, str] = {}
        ids = [r.id for r in read.rows]
        if ids:
            for case_id, name, _due in session.execute(
                    select(Clock.case_id, Clock.name, Clock.due_at)
                    .where(Clock.case_id.in_(ids), *RUNNING)
                    .order_by(Clock.case_id, Clock.due_at.desc(), Clock.id.desc())):
                clock_of[case_id] = name  # the last one per case is the earliest due
        names = dict(session.execute(select(User.username, User.name).where(
            User.username.in_({r.assignee for r in read.rows if r.assignee}))).all()) \
            if read.rows else {}
        items = []
        for r in read.rows:
            definition = REGISTRY.definition(session, r.workflow_key, r.workflow_version)
            state = definition.states.get(r.status)
            name = clock_of.get(r.id)
            rule = definition.clocks.get(name) if name else None
            items.append(WorkItem(
                id=r.id, number=r.number, type=r.case_type, type_zh=definition.title_zh,
                type_en=definition.title_en, state=r.status,
                state_zh=state.title_zh if state else r.status,
                state_en=state.title_en if state else r.status, title=r.title,
                assignee=r.assignee, assignee_name=names.get(r.assignee),
                received_on=r.received_on, version=r.version,
                next_due=aware(r.next_due) if r.next_due is not None else None,
                overdue=r.next_due is not None and r.next_due < now,
                left=(r.next_due - now) if r.next_due is not None else None,
                clock=name, clock_zh=rule.title_zh if rule else (name or ""),
                clock_en=rule.title_en if rule else (name or ""),
                closed_at=aware(r.closed_at) if r.closed_at is not None else None))
        return WorkPage(items=tuple(items), total=read.total, page=page, per_page=per_page)


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
