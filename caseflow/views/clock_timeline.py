"""Read side for the case page: what the page needs besides the case itself — the workflow
the case runs (state, trigger and clock titles), the names of the people in its trail, the
state diagram with the case's state highlighted, and each clock's segments laid out along a
time axis for a small timeline drawing.

Visibility is the case's: anyone who may not see the case gets NotFound (as if unknown)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from caseflow.adapters.diagram import draw_svg
from caseflow.adapters.orm import Agency, Case, User, WorkflowDefinitionRow
from caseflow.adapters.registry import REGISTRY
from caseflow.domain.definitions import WorkflowDefinition
from caseflow.domain.moments import TZ, aware
from caseflow.services.access import get_case, get_user, visible_as
from caseflow.services.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class CaseWorkflow:
    """The definition the case runs and its current state, as the viewer may see it."""

    definition: WorkflowDefinition
    state: str
    visibility: str


def case_workflow(uow: UnitOfWork, case_id: int, actor: str) -> CaseWorkflow:
    """The workflow version the case runs, to anyone who may see the case."""
    with uow:
        user = get_user(uow, actor)
        case = get_case(uow, case_id)
        visibility, _handed = visible_as(uow.session, case, user)
        definition = REGISTRY.definition(uow.session, case.workflow_key, case.workflow_version)
        return CaseWorkflow(definition, case.status, visibility)


def case_diagram_svg(uow: UnitOfWork, case_id: int, actor: str,
                     language: str | None = None) -> bytes:
    """The case's workflow as SVG, its state highlighted; with ``language`` ("zh"/"en") the
    page's drawing, states and steps by their titles in that language, top to bottom."""
    shown = case_workflow(uow, case_id, actor)
    return draw_svg(shown.definition, shown.state, language)


def people_names(uow: UnitOfWork, usernames: Iterable[str]) -> dict[str, str]:
    """Username → the person's name, for the usernames that are people here."""
    wanted = sorted({u for u in usernames if u})
    if not wanted:
        return {}
    with uow:
        rows = uow.session.execute(select(User.username, User.name)
                                   .where(User.username.in_(wanted)))
        return {r.username: r.name for r in rows}


def agency_names(uow: UnitOfWork, codes: Iterable[str]) -> dict[str, tuple[str, str]]:
    """Agency code → (name_zh, name_en), for pages that show an agency, not its code."""
    wanted = sorted({c for c in codes if c})
    if not wanted:
        return {}
    with uow:
        rows = uow.session.execute(select(Agency.code, Agency.name_zh, Agency.name_en)
                                   .where(Agency.code.in_(wanted)))
        return {r.code: (r.name_zh, r.name_en) for r in rows}


def linked_case_numbers(uow: UnitOfWork, case_id: int, actor: str,
                        others: Iterable[int]) -> dict[int, str]:
    """Id → case number of the cases linked to ``case_id``, to one who may see that case:
    its page names a linked case by the number people use, not the internal id (the number
    is what the handoff panel already shows of a case a handoff opened)."""
    wanted = sorted(set(others))
    if not wanted:
        return {}
    case_workflow(uow, case_id, actor)  # NotFound unless the actor may see the case itself
    with uow:
        rows = uow.session.execute(select(Case.id, Case.number).where(Case.id.in_(wanted)))
        return {r.id: r.number for r in rows}


def handoff_titles(uow: UnitOfWork) -> list[tuple[str, str, str]]:
    """(kind, zh, en) of every handoff kind in the newest version of every loaded workflow:
    a case opened by a handoff names a kind its own workflow does not define (a kind name
    may recur across workflows, with its own titles in each)."""
    with uow:
        session = uow.session
        newest = session.execute(
            select(WorkflowDefinitionRow.key, func.max(WorkflowDefinitionRow.version))
            .group_by(WorkflowDefinitionRow.key).order_by(WorkflowDefinitionRow.key)).all()
        return [(kind, rule.title_zh or kind, rule.title_en or kind)
                for key, version in newest
                for kind, rule in REGISTRY.definition(session, key, version).handoffs.items()]


def state_titles(uow: UnitOfWork) -> dict[str, tuple[str, str]]:
    """(zh, en) of every state of the newest version of every loaded workflow: a handoff's
    outcome is the final state the other agency's case reached, in that case's workflow."""
    with uow:
        session = uow.session
        newest = session.execute(
            select(WorkflowDefinitionRow.key, func.max(WorkflowDefinitionRow.version))
            .group_by(WorkflowDefinitionRow.key).order_by(WorkflowDefinitionRow.key)).all()
        titles: dict[str, tuple[str, str]] = {}
        for key, version in newest:
            for name, state in REGISTRY.definition(session, key, version).states.items():
                titles.setdefault(name, (state.title_zh, state.title_en))
        return titles


# --- a clock's segments on a time axis --------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Segment:
    kind: str  # running | paused
    start: datetime
    end: datetime
    open: bool  # still going (drawn up to now)
    x: float  # 0..1 along the axis
    width: float


@dataclass(frozen=True, slots=True)
class Mark:
    kind: str  # now | due | extended
    at: datetime
    x: float
    label: str = ""


@dataclass(frozen=True, slots=True)
class ClockTimeline:
    """A clock's life from its start to the later of its due moment and now."""

    start: datetime
    end: datetime
    segments: tuple[Segment, ...]
    marks: tuple[Mark, ...]


def _local(moment: datetime) -> datetime:
    """Beijing time: an ISO string from ``ClockView.to_dict()`` carries its offset (kept);
    a naive one is stored UTC (``aware`` would read an offset as UTC and move it 8 h)."""
    return moment.astimezone(TZ) if moment.tzinfo else aware(moment)


def _moment(text: str | None) -> datetime | None:
    return _local(datetime.fromisoformat(text)) if text else None


def clock_timeline(clock: dict[str, Any], now: datetime) -> ClockTimeline:
    """Lay out a clock (``ClockView.to_dict()``) along an axis from its start to the later of
    its due moment and ``now``; an open segment runs up to ``now`` (or its stop)."""
    now = _local(now)
    start = _moment(clock["started_at"]) or now
    due = _moment(clock["due"]) or now
    spans = [t for t in clock["timeline"] if t["kind"] in ("running", "paused")]
    ends = [_moment(t.get("to")) for t in spans]
    end = max([due, now, start, *[e for e in ends if e is not None]])
    total = (end - start).total_seconds() or 1.0

    def pos(moment: datetime) -> float:
        return min(1.0, max(0.0, (moment - start).total_seconds() / total))

    segments = []
    for span in spans:
        a = _moment(span.get("from")) or start
        b = _moment(span.get("to"))
        still = b is None
        b = b or now
        x = pos(a)
        segments.append(Segment(span["kind"], a, b, still, x, max(0.0, pos(b) - x)))
    marks = [Mark("extended", m, pos(m), t.get("by", ""))
             for t in clock["timeline"] if t["kind"] == "extended"
             for m in [_moment(t.get("at")) or start]]
    marks.append(Mark("due", due, pos(due)))
    if clock["status"] != "stopped":
        marks.append(Mark("now", now, pos(now)))
    return ClockTimeline(start, end, tuple(segments), tuple(marks))
