"""The read side of case lists: the cases a user's agency works, filtered, searched, sorted
by what falls due first, a page at a time; and the evidence of one case as the user may see it.

The list holds exactly the cases ``case_for`` shows its reader in full: their own agency's.
A case another agency handed over is seen through that handoff (the inbound handoffs list,
then ``case_for``'s shared view), never in this list: its filters (state, assignee, party
names, clocks) would let the receiver probe what the handoff does not share.

``next_due`` is the earliest due time of the case's running statutory clocks (a party's own
period and a service target are not the agency's overdue work, as in the overdue report);
``overdue`` says that time has passed. One SELECT for the page and one COUNT, whatever the
page holds: clocks are aggregated in the query (once for all candidates when the list is
sorted or filtered by due time, else for the page's rows only), never a query per row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, and_, exists, func, or_, select
from sqlalchemy.orm import aliased

from caseflow.adapters.orm import (
    Agency,
    Case,
    CaseIPRight,
    Clock,
    Evidence,
    IPRight,
    Party,
    User,
    WorkflowDefinitionRow,
)
from caseflow.adapters.registry import REGISTRY
from caseflow.domain.errors import ValidationFailed
from caseflow.domain.limits import check_text
from caseflow.domain.moments import TZ, aware, naive_utc
from caseflow.domain.vocabulary import INDUSTRIES, check_choice
from caseflow.services.access import get_case, get_user, visible_as
from caseflow.services.evidence import _shared_evidence
from caseflow.services.unit_of_work import UnitOfWork

SORTS = ("due", "-due", "received", "-received", "number", "-number")
Q_MAX = 200
_YEARS = (1900, 2999)  # a date filter outside these is a typing error, not a question
_ESCAPE = "/"
# the clocks that make a case's work due: running statutory clocks, not a party's own period
# nor a service target
RUNNING = (Clock.status == "running", Clock.party.is_(False), Clock.target.is_(False))


@dataclass(frozen=True, slots=True)
class CaseFilters:
    """What a list asks for; ``None`` means "any". ``due_before`` is a day in Beijing: cases
    with a running clock due before that day begins."""

    type: str | None = None
    state: str | None = None
    agency: str | None = None
    assignee: str | None = None
    unassigned: bool | None = None
    overdue: bool | None = None
    due_before: date | None = None
    received_from: date | None = None
    received_to: date | None = None
    q: str | None = None
    industry: str | None = None  # one of vocabulary.INDUSTRIES
    closed: bool | None = None  # closed (``Case.closed_at`` set) or open; not an API filter


@dataclass(frozen=True, slots=True)
class CaseListItem:
    """One row of a case list."""

    id: int
    number: str
    type: str
    state: str
    title: str
    agency: str
    assignee: str | None
    received_on: date
    next_due: datetime | None  # aware, Asia/Shanghai
    overdue: bool

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "number": self.number, "type": self.type, "state": self.state,
                "title": self.title, "agency": self.agency, "assignee": self.assignee,
                "received_on": self.received_on.isoformat(),
                "next_due": self.next_due.isoformat() if self.next_due else None,
                "overdue": self.overdue}


@dataclass(frozen=True, slots=True)
class CasePage:
    """A page of a case list and how many cases the whole list holds."""

    items: tuple[CaseListItem, ...]
    total: int
    page: int
    per_page: int

    def to_dict(self) -> dict[str, Any]:
        return {"items": [i.to_dict() for i in self.items], "total": self.total,
                "page": self.page, "per_page": self.per_page}


def _like(text: str) -> str:
    """``text`` as a LIKE pattern matching it anywhere, its wildcards taken literally."""
    for char in (_ESCAPE, "%", "_"):
        text = text.replace(char, _ESCAPE + char)
    return f"%{text}%"


def _check_day(day: date | None, field: str) -> None:
    if day is not None and not _YEARS[0] <= day.year <= _YEARS[1]:
        raise ValidationFailed(f"{field}: {day.isoformat()} is not a plausible date (years "
                               f"{_YEARS[0]}–{_YEARS[1]})", field=field)


def _check_vocabulary(session: Any, filters: CaseFilters) -> None:
    """Case types and states are those of the workflows loaded (of ``type``, if given)."""
    if filters.type is None and filters.state is None:
        return
    rows = session.execute(select(WorkflowDefinitionRow.key, WorkflowDefinitionRow.version)
                           .order_by(WorkflowDefinitionRow.key,
                                     WorkflowDefinitionRow.version)).all()
    keys = sorted({key for key, _version in rows})
    if filters.type is not None and filters.type not in keys:
        raise ValidationFailed(f"type: {filters.type!r} is not one of {', '.join(keys)}",
                               field="type")
    if filters.state is not None:
        states = {state for key, version in rows if filters.type in (None, key)
                  for state in REGISTRY.definition(session, key, version).states}
        if filters.state not in states:
            of = f" of {filters.type}" if filters.type else ""
            raise ValidationFailed(f"state: {filters.state!r} is not a state{of}; states: "
                                   f"{', '.join(sorted(states))}", field="state")


def _conditions(session: Any, user: User, filters: CaseFilters, next_due: ColumnElement[Any],
                now: datetime) -> list[ColumnElement[Any]]:
    where: list[ColumnElement[Any]] = [Case.agency_id == user.agency_id]
    if filters.agency is not None:
        agency_id = session.scalar(select(Agency.id).where(Agency.code == filters.agency))
        if agency_id is None:
            raise ValidationFailed(f"agency: no agency {filters.agency!r}", field="agency")
        where.append(Case.agency_id == agency_id)
    if filters.type is not None:
        where.append(Case.case_type == filters.type)
    if filters.state is not None:
        where.append(Case.status == filters.state)
    if filters.assignee is not None:
        assignee_id = session.scalar(select(User.id).where(
            User.username == filters.assignee, User.agency_id == user.agency_id))
        if assignee_id is None:  # the same answer for unknown and another agency's user
            raise ValidationFailed(f"assignee: no user {filters.assignee!r} in "
                                   f"{user.agency.code}", field="assignee")
        where.append(Case.assignee_id == assignee_id)
    if filters.unassigned is not None:
        where.append(Case.assignee_id.is_(None) if filters.unassigned
                     else Case.assignee_id.is_not(None))
    if filters.overdue is not None:
        where.append(next_due < now if filters.overdue
                     else or_(next_due.is_(None), next_due >= now))
    if filters.due_before is not None:
        where.append(next_due < naive_utc(datetime.combine(filters.due_before, time(0), TZ)))
    if filters.received_from is not None:
        where.append(Case.received_on >= filters.received_from)
    if filters.received_to is not None:
        where.append(Case.received_on <= filters.received_to)
    if filters.industry is not None:
        where.append(Case.industry == filters.industry)
    if filters.closed is not None:
        where.append(Case.closed_at.is_not(None) if filters.closed else Case.closed_at.is_(None))
    q = (filters.q or "").strip()
    if q:
        pattern = _like(q)
        where.append(or_(
            Case.number.ilike(pattern, escape=_ESCAPE),
            Case.title.ilike(pattern, escape=_ESCAPE),
            exists(select(Party.id).where(Party.case_id == Case.id,
                                          Party.name.ilike(pattern, escape=_ESCAPE))),
            exists(select(CaseIPRight.case_id)
                   .join(IPRight, IPRight.id == CaseIPRight.ip_right_id)
                   .where(CaseIPRight.case_id == Case.id,
                          IPRight.number.ilike(pattern, escape=_ESCAPE))),
        ))
    return where


def _order(sort: str, next_due: ColumnElement[Any]) -> list[Any]:
    column = {"due": next_due, "received": Case.received_on, "number": Case.number}[
        sort.lstrip("-")]
    descending = sort.startswith("-")
    if sort.lstrip("-") == "due":  # cases without a running clock last, either way
        first = column.desc() if descending else column.asc()
        return [column.is_(None), first, Case.id]
    return [column.desc() if descending else column.asc(),
            Case.id.desc() if descending else Case.id.asc()]


@dataclass(frozen=True, slots=True)
class CaseRows:
    """A page of a case list as rows, how many cases the whole list holds and when it was
    read: for a read side (``list_cases``, the work lists) that shows more of each case than
    ``CaseListItem`` without repeating the list's conditions and order."""

    # by name: id, number, case_type, status, title, agency (its code), assignee (a username),
    # received_on, next_due (naive UTC), then the extra ``columns`` asked for
    rows: tuple[Row[Any], ...]
    total: int
    now: datetime  # naive UTC, the moment ``overdue`` is judged at


def _check_request(filters: CaseFilters, sort: str, page: int, per_page: int) -> None:
    """The refusals that need no database: sort, paging, dates, q, contradictory filters."""
    if sort not in SORTS:
        raise ValidationFailed(f"sort: {sort!r} is not one of {', '.join(SORTS)}", field="sort")
    for value, name in ((page, "page"), (per_page, "per_page")):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValidationFailed(f"{name}: must be a positive integer", field=name)
    for day, name in ((filters.due_before, "due_before"),
                      (filters.received_from, "received_from"),
                      (filters.received_to, "received_to")):
        _check_day(day, name)
    if (filters.received_from and filters.received_to
            and filters.received_from > filters.received_to):
        raise ValidationFailed(f"received_from: {filters.received_from.isoformat()} is after "
                               f"received_to {filters.received_to.isoformat()}",
                               field="received_from")
    if filters.q is not None:
        check_text(filters.q, "q", limit=Q_MAX, multiline=False)
    if filters.industry is not None:
        check_choice(filters.industry, INDUSTRIES, "industry")
    if filters.assignee is not None and filters.unassigned:
        raise ValidationFailed("unassigned: cannot ask for unassigned cases of an assignee",
                               field="unassigned")


def case_rows(uow: UnitOfWork, actor: str, filters: CaseFilters = CaseFilters(), *,
              sort: str = "due", page: int = 1, per_page: int = 50,
              columns: Sequence[ColumnElement[Any]] = ()) -> CaseRows:
    """Page ``page`` of the cases of ``actor``'s agency matching ``filters``, sorted by
    ``sort``, each row with ``columns`` of ``Case`` after the list's own; called inside
    ``uow``'s block. One SELECT and one COUNT: the refusals and the query ``list_cases``
    documents, in one place for every list of cases."""
    _check_request(filters, sort, page, per_page)
    session = uow.session
    user = get_user(uow, actor)
    _check_vocabulary(session, filters)
    now = uow.now()
    by_due = sort.lstrip("-") == "due" or filters.overdue is not None \
        or filters.due_before is not None
    due = (select(Clock.case_id.label("case_id"), func.min(Clock.due_at).label("next_due"))
           .join(Case, Case.id == Clock.case_id)
           .where(*RUNNING, Case.agency_id == user.agency_id)
           .group_by(Clock.case_id)
           .subquery("due"))
    # sorted or filtered by due time: every candidate's earliest clock, aggregated once;
    # otherwise only the page's rows need theirs (PostgreSQL evaluates the correlated
    # subquery after the sort and LIMIT)
    next_due: ColumnElement[Any] = due.c.next_due if by_due else (
        select(func.min(Clock.due_at)).where(Clock.case_id == Case.id, *RUNNING)
        .correlate(Case).scalar_subquery())
    where = _conditions(session, user, filters, next_due, now)
    owner = aliased(User)
    rows: Select[Any] = (
        select(Case.id, Case.number, Case.case_type, Case.status, Case.title,
               Agency.code.label("agency"), owner.username.label("assignee"),
               Case.received_on, next_due.label("next_due"), *columns)
        .join(Agency, Agency.id == Case.agency_id)
        .outerjoin(owner, owner.id == Case.assignee_id)
    )
    if by_due:
        rows = rows.outerjoin(due, due.c.case_id == Case.id)
    rows = (rows.where(and_(*where)).order_by(*_order(sort, next_due))
            .limit(per_page).offset((page - 1) * per_page))
    found = tuple(session.execute(rows))
    counted = select(func.count()).select_from(Case)
    if filters.overdue is not None or filters.due_before is not None:
        counted = counted.outerjoin(due, due.c.case_id == Case.id)
    total = session.scalar(counted.where(and_(*where))) or 0
    return CaseRows(rows=found, total=total, now=now)


def list_cases(uow: UnitOfWork, actor: str, filters: CaseFilters = CaseFilters(), *,
               sort: str = "due", page: int = 1, per_page: int = 50) -> CasePage:
    """The cases of ``actor``'s agency matching ``filters``, sorted by ``sort`` (default: the
    earliest running clock's due time first, cases without one last), page ``page``.

    A filter naming an unknown agency, type, state, assignee or industry, a ``received_from`` after
    ``received_to`` or an unknown ``sort`` is refused (ValidationFailed naming the filter).
    ``q`` matches the number, title, a party's name or an IP right's number, its ``%`` and
    ``_`` taken literally."""
    with uow:
        read = case_rows(uow, actor, filters, sort=sort, page=page, per_page=per_page)
        items = tuple(
            CaseListItem(id=r[0], number=r[1], type=r[2], state=r[3], title=r[4], agency=r[5],
                         assignee=r[6], received_on=r[7],
                         next_due=aware(r[8]) if r[8] is not None else None,
                         overdue=r[8] is not None and r[8] < read.now)
            for r in read.rows)
        return CasePage(items=items, total=read.total, page=page, per_page=per_page)


# --- evidence ---------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class EvidenceListItem:
    """A piece of evidence as listed: what it is, its digest and who attached it when."""

    id: int
    filename: str
    media_type: str
    sha256: str
    size: int
    description: str
    added_by: str
    added_at: datetime  # aware, Asia/Shanghai
    added_by_name: str = ""  # the person's name, for pages (the JSON form keeps the username)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "filename": self.filename, "media_type": self.media_type,
                "sha256": self.sha256, "size": self.size, "description": self.description,
                "added_by": self.added_by, "added_at": self.added_at.isoformat()}


def evidence_of(uow: UnitOfWork, case_id: int, actor: str) -> tuple[EvidenceListItem, ...]:
    """The case's evidence ``actor`` may download: all of it for the case's own agency; for
    an agency the case was handed to, what those handoffs carried as shared materials; none
    for an agency that sees only the outcome. Anyone else: NotFound, as for a missing case."""
    with uow:
        session = uow.session
        user = get_user(uow, actor)
        case = get_case(uow, case_id)
        visibility, handed = visible_as(session, case, user)
        query = (select(Evidence.id, Evidence.filename, Evidence.media_type, Evidence.sha256,
                        Evidence.size, Evidence.description, User.username, Evidence.added_at,
                        User.name)
                 .join(User, User.id == Evidence.added_by_id)
                 .where(Evidence.case_id == case.id).order_by(Evidence.id))
        if visibility != "full":
            shared = _shared_evidence(uow, case, handed)
            if not shared:
                return ()
            query = query.where(Evidence.id.in_(sorted(shared)))
        return tuple(EvidenceListItem(id=r[0], filename=r[1], media_type=r[2], sha256=r[3],
                                      size=r[4], description=r[5] or "", added_by=r[6],
                                      added_at=aware(r[7]), added_by_name=r[8] or r[6])
                     for r in session.execute(query))


@dataclass(frozen=True, slots=True)
class StateChoice:
    """A state a work-list filter offers: its name and a label unique among the choices."""

    name: str
    title_zh: str
    title_en: str


def agency_state_choices(uow: UnitOfWork, actor: str,
                         case_type: str | None = None) -> list[StateChoice]:
    """The states of the case types ``actor``'s agency works (of ``case_type`` alone, if
    given), every version of each: a filter offering other agencies' states (police, court,
    customs to a market regulator) offers choices that can never match. Where two different
    states share a title, the label adds the case type's title, so no two choices read alike;
    a state name recurring across types with one title is one choice (it matches in each)."""
    with uow:
        session = uow.session
        user = get_user(uow, actor)
        rows = session.execute(select(WorkflowDefinitionRow.key, WorkflowDefinitionRow.version)
                               .order_by(WorkflowDefinitionRow.key,
                                         WorkflowDefinitionRow.version)).all()
        newest: dict[str, int] = {}
        for key, version in rows:
            newest[key] = version
        worked = {key for key, version in newest.items()
                  if user.agency.kind in REGISTRY.definition(session, key, version).agency_kinds}
        found: dict[str, tuple[str, str, str, str]] = {}  # name -> zh, en, type zh, type en
        for key, version in rows:
            if key not in worked or case_type not in (None, key):
                continue
            definition = REGISTRY.definition(session, key, version)
            for state in definition.states.values():
                found[state.name] = (state.title_zh, state.title_en,
                                     definition.title_zh, definition.title_en)
    by_zh: dict[str, set[str]] = {}
    by_en: dict[str, set[str]] = {}
    for name, (zh, en, _tzh, _ten) in found.items():
        by_zh.setdefault(zh, set()).add(name)
        by_en.setdefault(en, set()).add(name)
    choices = []
    for name, (zh, en, type_zh, type_en) in found.items():
        choices.append(StateChoice(
            name=name,
            title_zh=f"{zh}（{type_zh}）" if len(by_zh[zh]) > 1 else zh,
            title_en=f"{en} ({type_en})" if len(by_en[en]) > 1 else en))
    return sorted(choices, key=lambda c: (c.title_zh, c.name))
