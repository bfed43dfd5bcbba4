"""The supervisor's dashboard: the statutory measures from live data, each with its definition.

Every figure is a sum over the additive tallies ``services.report_data`` keeps in the
transaction that changes a case (``domain.measures``), so it costs a few index lookups however
many cases there are; the handoff figures read the handoffs table through its indexes. A
figure is a ``Figure``: a table (Chinese and English column titles), a goal where the seeds
set one, a chart hint, and for each row the drill-down (``drill_cases``) listing the cases
behind it.

Scope: a supervisor sees their own agency (naming another is as naming none that exists); an
admin sees any agency or the whole city. Filters: a span of years (at most ``MAX_YEARS``), an
agency, a case type, an officer of the agency.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from statistics import median
from typing import Any

from sqlalchemy import Integer, and_, case, func, or_, select, union
from sqlalchemy.orm import Session

from caseflow.adapters.orm import (
    Agency,
    Case,
    CaseFactsRow,
    CaseIPRight,
    Handoff,
    IPRight,
    ReportTally,
    User,
    WorkflowDefinitionRow,
)
from caseflow.adapters.registry import REGISTRY
from caseflow.domain import measures
from caseflow.domain.errors import N_, NotFound, ReportDataOutdated, ValidationFailed
from caseflow.domain.measures import ALL_AGENCIES
from caseflow.domain.moments import TZ, aware, naive_utc
from caseflow.domain.vocabulary import CLUSTER_INDUSTRIES, INDUSTRY_TITLES
from caseflow.services.report_data import PATENT_KINDS, layout_of
from caseflow.services.report_settings import group_threshold_of
from caseflow.services.unit_of_work import UnitOfWork
from caseflow.views.reporting import report_agency, reporting_user

MAX_YEARS = 10
HANDLING_ROLES = ("officer", "mediator", "supervisor")  # who may be a case's officer
ID_MAX = 2_147_483_647  # an id a drill-down names: beyond it no row can exist
FIRST_YEAR = 2000
# the case types a closure-rate goal applies to: administrative and customs enforcement
ENFORCEMENT_TYPES = ("admin_enforcement", "admin_summary", "patent_dispute", "customs_detention",
                     "complaint")
CLOSURE_GOAL = 0.95
HANDLING_GOAL = -0.20  # handling time 20% shorter than the year before
VOLUME_GOAL = 0.20  # cases handled up 20% a year
REFERRAL_GOAL = 2000  # court–mediation referrals, in total
FIRMS_GOAL = 100  # firms given rights-protection assistance, each year
NORMAL_GRANT_MONTHS = (9, 22)  # an invention's grant on the normal path
ORIGIN_TITLES = {"local": ("宁波本地", "Ningbo"), "other_city": ("外地", "Other cities"),
                 "overseas": ("境外", "Overseas"), "": ("未记录", "Not recorded")}
T = ReportTally.__table__
F = CaseFactsRow.__table__


@dataclass(frozen=True)
class ReportFilters:
    from_year: int
    to_year: int
    agency: str | None = None  # agency code
    case_type: str | None = None
    officer: str | None = None  # username


@dataclass(frozen=True)
class Scope:
    """The filters checked and resolved to ids."""

    from_year: int
    to_year: int
    agency_id: int | None
    case_type: str | None
    officer_id: int | None
    admin_city: bool  # an admin looking at every agency at once


@dataclass(frozen=True)
class Column:
    key: str
    zh: str
    en: str
    kind: str = "text"  # text, count, rate (0–1), days, hours, months, change (a fraction)


@dataclass(frozen=True)
class Goal:
    value: float
    zh: str
    en: str


@dataclass(frozen=True)
class Figure:
    key: str
    title_zh: str
    title_en: str
    definition_zh: str
    definition_en: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[Any, ...], ...]
    drill: tuple[dict[str, Any] | None, ...] = ()  # per row: drill_cases' parameters
    goal: Goal | None = None
    chart: str | None = None  # "bar" or "line"
    chart_label: str | None = None  # the column that names a bar
    chart_value: str | None = None  # the column charted
    parts: tuple[str, ...] = ()  # count columns whose cells list their own cases (part=)

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "title_zh": self.title_zh, "title_en": self.title_en,
                "definition_zh": self.definition_zh, "definition_en": self.definition_en,
                "columns": [c.__dict__ for c in self.columns],
                "rows": [dict(zip((c.key for c in self.columns), r, strict=True))
                         for r in self.rows],
                "drill": list(self.drill),
                "goal": self.goal.__dict__ if self.goal else None,
                "chart": self.chart, "chart_label": self.chart_label,
                "chart_value": self.chart_value, "parts": list(self.parts)}


# --- filters ------------------------------------------------------------------------------

def resolve(session: Session, user: User, filters: ReportFilters, today_year: int) -> Scope:
    """The filters checked (a clear refusal naming the field) and resolved to ids."""
    for name in ("from_year", "to_year"):
        value = getattr(filters, name)
        if not isinstance(value, int) or isinstance(value, bool) or not (
                FIRST_YEAR <= value <= today_year + 1):
            raise ValidationFailed(N_("must be a year from %(low)s to %(high)s"), field=name,
                                   params={"low": FIRST_YEAR, "high": today_year + 1},
                                   prefixed=True)
    if filters.from_year > filters.to_year:
        raise ValidationFailed(N_("must not be before the first year"), field="to_year",
                               prefixed=True)
    if filters.to_year - filters.from_year + 1 > MAX_YEARS:
        raise ValidationFailed(N_("a report spans at most %(n)s years"), field="to_year",
                               params={"n": MAX_YEARS}, prefixed=True)
    try:
        agency_id, _code = report_agency(session, user, filters.agency)
    except NotFound:
        raise ValidationFailed(N_("unknown agency %(value)s"), field="agency",
                               params={"value": repr(filters.agency)}, prefixed=True) from None
    if filters.case_type is not None and not session.scalar(
            select(WorkflowDefinitionRow.key).where(
                WorkflowDefinitionRow.key == filters.case_type).limit(1)):
        raise ValidationFailed(N_("unknown case type %(value)s"), field="case_type",
                               params={"value": repr(filters.case_type)}, prefixed=True)
    officer_id = None
    if filters.officer is not None:
        officer = session.scalar(select(User).where(User.username == filters.officer))
        if officer is None or (agency_id is not None and officer.agency_id != agency_id) \
                or not officer.roles & set(HANDLING_ROLES):
            raise ValidationFailed(N_("unknown officer %(value)s"), field="officer",
                                   params={"value": repr(filters.officer)}, prefixed=True)
        officer_id = officer.id
    return Scope(filters.from_year, filters.to_year, agency_id, filters.case_type, officer_id,
                 admin_city=agency_id is None)


def _scoped(uow: UnitOfWork, actor: str, filters: ReportFilters) -> tuple[Session, Scope]:
    session = uow.session
    user = reporting_user(uow, actor)
    if layout_of(uow.connection) != measures.LAYOUT:
        raise ReportDataOutdated(N_("the report data were kept by an older version and are "
                                    "being rebuilt; ask an admin to run caseflow reports "
                                    "rebuild"))
    return session, resolve(session, user, filters, aware(uow.now()).year)


@dataclass(frozen=True)
class CaseTypeChoice:
    key: str
    title_zh: str
    title_en: str


def case_types(uow: UnitOfWork) -> tuple[CaseTypeChoice, ...]:
    """Every case type a report may filter by, titled by its newest version (the workflow
    definitions only: no case is counted)."""
    with uow:
        titles = _type_titles(uow.session)
    return tuple(CaseTypeChoice(k, zh, en) for k, (zh, en) in sorted(titles.items()))


# --- summing the tallies --------------------------------------------------------------------

def _where(scope: Scope, measure: str, years: tuple[int, int] | None = None,
           case_types: Sequence[str] | None = None, by: Sequence[str] = ()) -> list[Any]:
    """The cells of ``measure`` a figure sums: an officer's own where the figure is filtered
    or broken down by officer, else the roll-up over all officers — and over all industries
    and origins but the one it is broken down by (``measures._levels``)."""
    low, high = years or (scope.from_year, scope.to_year)
    where = [T.c.measure == measure, T.c.year >= low, T.c.year <= high]
    if scope.agency_id is not None:
        where.append(T.c.agency_id == scope.agency_id)
    if scope.case_type is not None:
        where.append(T.c.case_type == scope.case_type)
    elif case_types is not None:
        where.append(T.c.case_type.in_(case_types))
    if scope.officer_id is not None:
        where.append(T.c.officer_id == scope.officer_id)
    elif "officer_id" in by:
        where.append(T.c.officer_id >= 0)
    else:
        where.append(T.c.officer_id == measures.ANY_OFFICER)
    split = [d for d in ("industry", "origin") if d in by]
    if scope.officer_id is not None or "officer_id" in by:
        # an officer's cells: their roll-up over every industry and origin, or for a
        # figure split by one, their own cells (summed over the other)
        where.append(T.c.industry != measures.ANY if split else T.c.industry == measures.ANY)
        where.append(T.c.origin != measures.ANY if split else T.c.origin == measures.ANY)
    else:
        for dim in ("industry", "origin"):
            where.append(T.c[dim] != measures.ANY if dim in by else T.c[dim] == measures.ANY)
    return where


def _sums(session: Session, scope: Scope, measure: str, by: Sequence[str], **kw: Any
          ) -> dict[tuple, tuple[int, int]]:
    cols = [T.c[b] for b in by]
    rows = session.execute(select(*cols, func.sum(T.c.n), func.sum(T.c.total))
                           .where(*_where(scope, measure, by=by, **kw)).group_by(*cols))
    return {tuple(r[:len(by)]): (int(r[-2] or 0), int(r[-1] or 0)) for r in rows}


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _names(session: Session, model: Any, ids: set[int]) -> dict[int, tuple[str, str]]:
    if not ids:
        return {}
    if model is Agency:
        rows = session.execute(select(Agency.id, Agency.name_zh, Agency.name_en)
                               .where(Agency.id.in_(ids)))
        return {r[0]: (r[1], r[2]) for r in rows}
    rows = session.execute(select(User.id, User.name).where(User.id.in_(ids)))
    return {r[0]: (r[1], r[1]) for r in rows}


def _type_titles(session: Session) -> dict[str, tuple[str, str]]:
    rows = session.execute(select(WorkflowDefinitionRow.key, WorkflowDefinitionRow.title_zh,
                                  WorkflowDefinitionRow.title_en)
                           .order_by(WorkflowDefinitionRow.version))
    return {r[0]: (r[1], r[2]) for r in rows}


def _clock_titles(session: Session) -> dict[str, tuple[str, str, bool]]:
    titles: dict[str, tuple[str, str, bool]] = {}
    for key, version in session.execute(select(WorkflowDefinitionRow.key,
                                               WorkflowDefinitionRow.version)):
        for rule in REGISTRY.definition(session, key, version).clocks.values():
            titles[rule.name] = (rule.title_zh, rule.title_en, rule.target)
    return titles


def _handoff_titles(session: Session) -> dict[str, tuple[str, str]]:
    titles: dict[str, tuple[str, str]] = {}
    for key, version in session.execute(select(WorkflowDefinitionRow.key,
                                               WorkflowDefinitionRow.version)):
        for kind, rule in REGISTRY.definition(session, key, version).handoffs.items():
            titles[kind] = (rule.title_zh or kind, rule.title_en or kind)
    return titles


def _drill(scope: Scope, **params: Any) -> dict[str, Any]:
    return {k: v for k, v in params.items() if v is not None}


# --- the figures ----------------------------------------------------------------------------

def _closure_rows(session: Session, scope: Scope, dim: str
                  ) -> list[tuple[Any, int, int, int]]:
    types = None if scope.case_type else ENFORCEMENT_TYPES
    closed = _sums(session, scope, measures.CLOSED, (dim,), case_types=types)
    overdue = _sums(session, scope, measures.OVERDUE, (dim,), case_types=types)
    keys = sorted(set(closed) | set(overdue))
    return [(k[0], closed.get(k, (0, 0))[0], closed.get(k, (0, 0))[1], overdue.get(k, (0, 0))[0])
            for k in keys]


_CLOSURE_DEF_ZH = ("按期结案率 =（期间内结案且各项法定期限均未超期的案件数）÷（期间内结案数 + 期间内有法定期限"
                   "届满（或超期后才结束）而仍未结案的案件数）。按结案年度统计；未选案件类型时统计执法类案件（行政处罚一般程序、"
                   "简易程序、专利纠纷行政裁决、海关扣留、投诉举报）。目标不低于95%。")
_CLOSURE_DEF_EN = ("Closed within the legal period ÷ (closed in the period + still open having "
                   "missed a statutory period in the period — run out, or ended after it was "
                   "due), by the year closed; without a case "
                   "type, enforcement cases only. Goal: at least 95%.")
_CLOSURE_COLUMNS = (Column("closed", "结案数", "Closed", "count"),
                    Column("on_time", "按期结案", "Closed on time", "count"),
                    Column("overdue_open", "超期未结", "Open past the period", "count"),
                    Column("rate", "按期结案率", "On-time closure rate", "rate"))


def closure_by(dim: str) -> Callable[[UnitOfWork, str, ReportFilters], Figure]:
    label = {"year": Column("year", "年度", "Year"),
             "agency_id": Column("agency", "机关", "Agency"),
             "case_type": Column("case_type", "案件类型", "Case type"),
             "officer_id": Column("officer", "承办人", "Officer")}[dim]
    suffix = {"year": ("（按年度）", " by year"), "agency_id": ("（按机关）", " by agency"),
              "case_type": ("（按案件类型）", " by case type"),
              "officer_id": ("（按承办人）", " by officer")}[dim]

    def figure(uow: UnitOfWork, actor: str, filters: ReportFilters) -> Figure:
        with uow:
            session, scope = _scoped(uow, actor, filters)
            rows = _closure_rows(session, scope, dim)
            names = _labels(session, dim, {r[0] for r in rows})
            out, drill = [], []
            for key, closed, on_time, overdue in rows:
                if dim == "officer_id" and key == 0:
                    name = ("未分配", "Unassigned")
                else:
                    name = names.get(key, (str(key), str(key)))
                out.append((name[0] if dim != "year" else key, closed, on_time, overdue,
                            _rate(on_time, closed + overdue)))
                drill.append(_drill(scope, figure="closure", **{dim: key}))
            return Figure(
                f"closure_{dim.removesuffix('_id')}", "按期结案率" + suffix[0],
                "Closure within the legal period" + suffix[1], _CLOSURE_DEF_ZH, _CLOSURE_DEF_EN,
                (label, *_CLOSURE_COLUMNS), tuple(out), tuple(drill),
                Goal(CLOSURE_GOAL, "目标 ≥ 95%", "Goal ≥ 95%"), "bar", label.key, "rate",
                CLOSURE_PARTS)
    return figure


def _labels(session: Session, dim: str, keys: set[Any]) -> dict[Any, tuple[str, str]]:
    if dim == "agency_id":
        return _names(session, Agency, keys)
    if dim == "officer_id":
        return _names(session, User, keys - {0})
    if dim == "case_type":
        return _type_titles(session)
    return {}


def clocks_on_time(uow: UnitOfWork, actor: str, filters: ReportFilters) -> Figure:
    with uow:
        session, scope = _scoped(uow, actor, filters)
        sums = _sums(session, scope, measures.CLOCK, ("bucket",))
        titles = _clock_titles(session)
        rows, drill = [], []
        for (name,), (ended, met) in sorted(sums.items()):
            if not ended:
                continue
            zh, en, target = titles.get(name, (name, name, False))
            rows.append((zh, "服务目标" if target else "法定期限", ended, met, ended - met,
                         _rate(met, ended)))
            drill.append(_drill(scope, figure="clock", clock=name))
        return Figure(
            "clocks", "各期限按期率", "On-time rate per clock",
            "某期限在期间内结束（停止计时）或届满的次数中，于届满前停止且从未超期的比例；按结束或届满年度统计。"
            "当事人自己的期限不计入。",
            "Of the clocks that ended or ran out in the period, the share stopped before they "
            "were due and never overdue, by the year they ended; a party's own periods are not "
            "counted.",
            (Column("clock", "期限", "Clock"), Column("kind", "性质", "Kind"),
             Column("ended", "已结束", "Ended", "count"), Column("met", "按期", "Met", "count"),
             Column("late", "超期", "Late", "count"), Column("rate", "按期率", "On time", "rate")),
            tuple(rows), tuple(drill), None, "bar", "clock", "rate")


def _histogram_median(buckets: dict[int, int]) -> float | None:
    total = sum(buckets.values())
    if not total:
        return None
    days = sorted(buckets)
    middle = [(total - 1) // 2, total // 2]  # the middle one or two, 0-based
    found, seen = [], 0
    for d in days:
        for m in middle:
            if seen <= m < seen + buckets[d]:
                found.append(d)
        seen += buckets[d]
    return sum(found) / len(found) if found else float(median(days))


def handling_time(uow: UnitOfWork, actor: str, filters: ReportFilters) -> Figure:
    with uow:
        session, scope = _scoped(uow, actor, filters)
        sums = _sums(session, scope, measures.HANDLING, ("year", "bucket"),
                     years=(scope.from_year - 1, scope.to_year))
        years: dict[int, dict[int, int]] = {}
        seconds: dict[int, int] = {}
        for (year, bucket), (n, total) in sums.items():
            years.setdefault(year, {})[int(bucket)] = n
            seconds[year] = seconds.get(year, 0) + total
        rows, drill = [], []
        for year in range(scope.from_year, scope.to_year + 1):
            count = sum(years.get(year, {}).values())
            mean = seconds.get(year, 0) / count / 86400 if count else None
            before = sum(years.get(year - 1, {}).values())
            mean_before = seconds.get(year - 1, 0) / before / 86400 if before else None
            # the change from the exact means, not from the shown (rounded) ones
            change = (round(mean / mean_before - 1, 4) if mean is not None and mean_before
                      else None)
            rows.append((year, count, round(mean, 1) if mean is not None else None,
                         _histogram_median(years.get(year, {})), change))
            drill.append(_drill(scope, figure="closed", year=year))
        return Figure(
            "handling", "平均及中位办案时长", "Average and median handling time",
            "办案时长 = 受理（收到）之日零时至结案时刻，扣除依法不计入的中止、暂停时间（同一案件多个期限重叠的"
            "暂停只扣一次），按结案年度统计；中位数精确到天。与上一年度比较，目标缩短20%。",
            "From the day received to closure, less the time the law does not count (pauses of "
            "several clocks at once counted once), by the year closed; the median to the day. "
            "Change against the year before; goal: 20% shorter.",
            (Column("year", "年度", "Year"), Column("closed", "结案数", "Closed", "count"),
             Column("mean_days", "平均天数", "Mean (days)", "days"),
             Column("median_days", "中位天数", "Median (days)", "days"),
             Column("change", "较上年", "Against the year before", "change")),
            tuple(rows), tuple(drill), Goal(HANDLING_GOAL, "目标：较上年缩短20%",
                                            "Goal: 20% shorter than the year before"),
            "line", "year", "mean_days")


def volume(uow: UnitOfWork, actor: str, filters: ReportFilters) -> Figure:
    with uow:
        session, scope = _scoped(uow, actor, filters)
        sums = _sums(session, scope, measures.OPENED, ("agency_id", "year"),
                     years=(scope.from_year - 1, scope.to_year))
        names = _names(session, Agency, {k[0] for k in sums})
        rows, drill = [], []
        for agency_id in sorted({k[0] for k in sums}, key=lambda a: names.get(a, ("", ""))[0]):
            for year in range(scope.from_year, scope.to_year + 1):
                n = sums.get((agency_id, year), (0, 0))[0]
                before = sums.get((agency_id, year - 1), (0, 0))[0]
                rows.append((names.get(agency_id, ("?", "?"))[0], year, n,
                             round(n / before - 1, 4) if before else None))
                drill.append(_drill(scope, figure="opened", agency_id=agency_id, year=year))
        return Figure(
            "volume", "各机关办案量及同比增长", "Cases handled per agency and growth",
            "期间内各机关受理（收到）的案件数，按收到年度统计；同比 = 本年 ÷ 上年 − 1，目标增长20%。",
            "Cases received per agency, by the year received; growth = this year ÷ the year "
            "before − 1; goal: +20%.",
            (Column("agency", "机关", "Agency"), Column("year", "年度", "Year"),
             Column("cases", "案件数", "Cases", "count"),
             Column("growth", "同比增长", "Growth", "change")),
            tuple(rows), tuple(drill), Goal(VOLUME_GOAL, "目标：同比增长20%", "Goal: +20% a year"),
            "bar", "year", "cases")


def referrals(uow: UnitOfWork, actor: str, filters: ReportFilters) -> Figure:
    with uow:
        session, scope = _scoped(uow, actor, filters)
        sums = _sums(session, scope, measures.REFERRAL, ("year",),
                     years=(FIRST_YEAR, scope.to_year))
        rows, drill, running = [], [], 0
        for year in range(FIRST_YEAR, scope.to_year + 1):
            n = sums.get((year,), (0, 0))[0]
            running += n
            if year >= scope.from_year:
                rows.append((year, n, running))
                drill.append(_drill(scope, figure="referral", year=year))
        return Figure(
            "referrals", "诉调对接（法院委派、委托调解）", "Court–mediation referrals",
            "法院委派、委托给调解组织的纠纷（调解类型为法院委派/委托或载有法院编号），按收到年度统计；"
            "累计自有记录起。目标累计2000件。",
            "Disputes a court referred or entrusted to mediation, by the year received; the "
            "running total from the first record. Goal: 2,000 in total.",
            (Column("year", "年度", "Year"), Column("referrals", "当年件数", "In the year", "count"),
             Column("cumulative", "累计", "Cumulative", "count")),
            tuple(rows), tuple(drill), Goal(REFERRAL_GOAL, "目标：累计2000件",
                                            "Goal: 2,000 in total"), "line", "year",
            "cumulative")


def firms_assisted(uow: UnitOfWork, actor: str, filters: ReportFilters) -> Figure:
    with uow:
        session, scope = _scoped(uow, actor, filters)
        if scope.officer_id is not None:  # one officer's firms: a few cells to count
            per_firm = (select(T.c.year, T.c.bucket).where(*_where(scope, measures.FIRM))
                        .group_by(T.c.year, T.c.bucket).having(func.sum(T.c.n) > 0).subquery())
            counts = dict(session.execute(select(per_firm.c.year, func.count())
                                          .group_by(per_firm.c.year)).all())
        else:  # the agency's (or the city's) distinct firms, kept as the cases change
            where = _where(Scope(scope.from_year, scope.to_year,
                                 ALL_AGENCIES if scope.agency_id is None else scope.agency_id,
                                 scope.case_type, None, scope.admin_city), measures.FIRMS)
            counts = {year: n for year, n in session.execute(
                select(T.c.year, func.sum(T.c.n)).where(*where).group_by(T.c.year))}
        rows = tuple((y, int(counts.get(y, 0))) for y in range(scope.from_year, scope.to_year + 1))
        return Figure(
            "firms", "获得维权援助的企业数", "Firms given rights-protection assistance",
            "当年办结（非不予援助）的维权援助案件所援助的企业，同一企业一年内只计一次（以统一社会信用代码，"
            "无则以名称识别）。目标每年不少于100家。",
            "Firms whose assistance case closed (not declined) in the year, each counted once "
            "a year (by credit code, else name). Goal: at least 100 a year.",
            (Column("year", "年度", "Year"), Column("firms", "企业数", "Firms", "count")),
            rows, tuple(_drill(scope, figure="firm", year=y) for y, _ in rows),
            Goal(FIRMS_GOAL, "目标：每年≥100家", "Goal: ≥ 100 a year"), "bar", "year", "firms")


def _share_figure(key: str, dim: str, titles: dict[str, tuple[str, str]], zh: str, en: str,
                  dzh: str, den: str) -> Callable[[UnitOfWork, str, ReportFilters], Figure]:
    def figure(uow: UnitOfWork, actor: str, filters: ReportFilters) -> Figure:
        with uow:
            session, scope = _scoped(uow, actor, filters)
            sums = _sums(session, scope, measures.OPENED, (dim,))
            # the share among the cases that record it: "not recorded" is shown, not shared
            whole = sum(n for k, (n, _t) in sums.items() if k[0] != "")
            order = list(titles) + sorted(k[0] for k in sums if k[0] not in titles)
            rows, drill = [], []
            for value in order:
                n = sums.get((value,), (0, 0))[0]
                if not n and value not in titles:
                    continue
                rows.append((titles.get(value, (value or "未记录", value))[0], n,
                             _rate(n, whole) if value != "" else None))
                drill.append(_drill(scope, figure="opened", **{dim: value}))
            return Figure(key, zh, en, dzh, den,
                          (Column("label", "类别", "Group"),
                           Column("cases", "案件数", "Cases", "count"),
                           Column("share", "占比", "Share", "rate")),
                          tuple(rows), tuple(drill), None, "bar", "label", "cases")
    return figure


_INDUSTRY_ROWS = {**INDUSTRY_TITLES, "": ("未记录", "Not recorded")}
by_industry = _share_figure(
    "industry", "industry", _INDUSTRY_ROWS, "按行业分布", "Cases by industry",
    "期间内收到的案件按所属行业分布（服装、食品、家电、汽配、文具为侵权多发行业）；占比以记录了行业的案件为分母。",
    "Cases received in the period by industry (clothing, food, home appliances, auto parts "
    "and stationery are where infringement clusters); shares of the cases that record one.")
by_origin = _share_figure(
    "origin", "origin", ORIGIN_TITLES, "按权利人来源分布", "Cases by rights holder's origin",
    "期间内收到的案件按权利人来源（宁波本地、外地、境外）分布；无权利人当事人的案件计为未记录，占比以有权利人"
    "的案件为分母。",
    "Cases received in the period by where the rights holder is from (Ningbo, other cities, "
    "overseas); cases naming no rights holder are not recorded and not in the shares.")


def cluster_share(uow: UnitOfWork, actor: str, filters: ReportFilters) -> float | None:
    """The share of the period's cases in the five industries where infringement clusters."""
    with uow:
        session, scope = _scoped(uow, actor, filters)
        sums = _sums(session, scope, measures.OPENED, ("industry",))
    whole = sum(n for k, (n, _t) in sums.items() if k[0] != "")  # of cases that record one
    return _rate(sum(sums.get((i,), (0, 0))[0] for i in CLUSTER_INDUSTRIES), whole)


def _year_span(low: int, high: int) -> tuple[datetime, datetime]:
    """Years ``low``..``high`` as stored (naive UTC) moments: from 1 January of ``low`` to 1
    January after ``high``, Beijing time — the years every tally counts by."""
    return (naive_utc(datetime(low, 1, 1, tzinfo=TZ)),
            naive_utc(datetime(high + 1, 1, 1, tzinfo=TZ)))


def _handoff_where(scope: Scope, low: int | None = None, high: int | None = None) -> list[Any]:
    """Handoffs sent in the years (Beijing time), by or to the scope's agency; a case type or
    officer chosen is the sending case's."""
    h, c = Handoff.__table__, Case.__table__
    start, end = _year_span(scope.from_year if low is None else low,
                            scope.to_year if high is None else high)
    where = [h.c.sent_at >= start, h.c.sent_at < end]
    if scope.agency_id is not None:
        where.append(or_(h.c.from_agency_id == scope.agency_id,
                         h.c.to_agency_id == scope.agency_id))
    sender = []
    if scope.case_type is not None:
        sender.append(c.c.case_type == scope.case_type)
    if scope.officer_id is not None:
        sender.append(c.c.assignee_id == scope.officer_id)
    if sender:
        where.append(h.c.case_id.in_(select(c.c.id).where(*sender)))
    return where


def handoffs(uow: UnitOfWork, actor: str, filters: ReportFilters) -> Figure:
    with uow:
        session, scope = _scoped(uow, actor, filters)
        h = Handoff.__table__
        accepted = h.c.status == "accepted"
        wait = (func.extract("epoch", h.c.decided_at - h.c.sent_at)
                if session.get_bind().dialect.name == "postgresql"
                else (func.julianday(h.c.decided_at) - func.julianday(h.c.sent_at)) * 86400)
        rows = session.execute(
            select(h.c.kind, func.count(),
                   func.sum(func.cast(h.c.status.in_(("sent", "received")), Integer)),
                   func.sum(func.cast(accepted, Integer)),
                   func.sum(func.cast(h.c.status.in_(("rejected", "returned")), Integer)),
                   func.avg(case((accepted, wait))))  # the accepted ones' waits only
            .where(*_handoff_where(scope)).group_by(h.c.kind).order_by(h.c.kind)).all()
        kinds = _handoff_titles(session)
        out = tuple((kinds.get(kind, (kind, kind))[0], int(n), int(o or 0), int(a or 0),
                     int(r or 0), round(float(w) / 3600, 1) if w is not None else None)
                    for kind, n, o, a, r, w in rows)
        return Figure(
            "handoffs", "跨部门移交", "Handoffs between agencies",
            "期间内发出的移交（本机关发出或接收），按移交类型：未办结（已发出、已接收）、已接受、被拒收或退回，"
            "以及已接受的移交从发出到接受的平均小时数；选择案件类型或承办人时，按移送方的案件统计。",
            "Handoffs sent in the period (by or to the agency), per kind: open (sent, received), "
            "accepted, refused or returned, and the mean hours from sending to acceptance of "
            "those accepted; a case type or officer chosen is the sending case's.",
            (Column("kind", "移交类型", "Kind"), Column("sent", "发出", "Sent", "count"),
             Column("open", "未办结", "Open", "count"),
             Column("accepted", "已接受", "Accepted", "count"),
             Column("refused", "拒收或退回", "Refused or returned", "count"),
             Column("hours", "平均接受用时（小时）", "Mean hours to accept", "hours")),
            out, tuple(_drill(scope, figure="handoff", kind=r[0]) for r in rows), None,
            "bar", "kind", "sent", tuple(HANDOFF_PARTS))


def handoff_refusals(uow: UnitOfWork, actor: str, filters: ReportFilters,
                     limit: int = 50) -> Figure:
    with uow:
        session, scope = _scoped(uow, actor, filters)
        h = Handoff.__table__
        where = [h.c.status.in_(("rejected", "returned")), *_handoff_where(scope)]
        c = Case.__table__
        rows = session.execute(
            select(c.c.number, h.c.kind, h.c.from_agency_id, h.c.to_agency_id, h.c.status,
                   h.c.status_reason, h.c.decided_at, c.c.id)
            .join(c, c.c.id == h.c.case_id).where(*where)
            .order_by(h.c.decided_at.desc(), h.c.id.desc()).limit(limit)).all()
        names = _names(session, Agency, {r[2] for r in rows} | {r[3] for r in rows})
        kinds = _handoff_titles(session)
        out = tuple((r[0], kinds.get(r[1], (r[1], r[1]))[0], names.get(r[2], ("?", "?"))[0],
                     names.get(r[3], ("?", "?"))[0],
                     "拒收" if r[4] == "rejected" else "退回", r[5] or "",
                     aware(r[6]).strftime("%Y-%m-%d") if r[6] else "") for r in rows)
        return Figure(
            "handoff_refusals", "被拒收或退回的移交及理由", "Handoffs refused or returned, with reasons",
            f"期间内被拒收或退回的移交，最近的{limit}件，附接收机关写明的理由。",
            f"The latest {limit} handoffs refused or returned in the period, with the receiving "
            "agency's reason.",
            (Column("case", "案号", "Case"), Column("kind", "移交类型", "Kind"),
             Column("from", "移交机关", "From"), Column("to", "接收机关", "To"),
             Column("outcome", "结果", "Outcome"), Column("reason", "理由", "Reason"),
             Column("on", "日期", "On")),
            out, tuple({"case_id": r[7]} for r in rows))


def fast_track(uow: UnitOfWork, actor: str, filters: ReportFilters) -> Figure:
    with uow:
        session, scope = _scoped(uow, actor, filters)
        fast = Scope(scope.from_year, scope.to_year, scope.agency_id, "fast_track_preexam",
                     scope.officer_id, scope.admin_city)
        stages = _sums(session, fast, measures.CLOCK, ("bucket",))
        grants = _sums(session, fast, measures.GRANT, ("bucket",))
        titles = _clock_titles(session)
        rows: list[tuple] = []
        drill: list[dict | None] = []
        for (name,), (ended, met) in sorted(stages.items()):
            zh = titles.get(name, (name, name, True))[0]
            rows.append((zh, ended, met, _rate(met, ended), None, None))
            drill.append(_drill(fast, figure="clock", clock=name))
        buckets = {int(b[0]): n for b, (n, _t) in grants.items()}
        count = sum(buckets.values())
        days = sum(t for _b, (_n, t) in grants.items())
        mean = round(days / count / 30.4375, 1) if count else None
        med = _histogram_median(buckets)
        rows.append(("快速通道授权用时（月）", count, None, None, mean,
                     round(med / 30.4375, 1) if med is not None else None))
        drill.append(_drill(fast, figure="grant"))
        return Figure(
            "fast_track", "专利快速预审：各环节服务目标达成及授权用时",
            "Fast-track pre-examination: stages meeting their targets, and grant time",
            "各服务目标期限在期间内结束时按期的比例；授权用时 = 申请日至授权通知日（按登记授权的年度），与普通"
            f"程序{NORMAL_GRANT_MONTHS[0]}–{NORMAL_GRANT_MONTHS[1]}个月对比。",
            "The share of each service target met when it ended in the period; grant time = "
            "filing date to the notice of grant (by the year the grant was recorded), against the normal path's "
            f"{NORMAL_GRANT_MONTHS[0]}–{NORMAL_GRANT_MONTHS[1]} months.",
            (Column("stage", "环节", "Stage"), Column("cases", "件数", "Cases", "count"),
             Column("met", "达标", "Met", "count"), Column("rate", "达标率", "Rate", "rate"),
             Column("mean_months", "平均月数", "Mean months", "months"),
             Column("median_months", "中位月数", "Median months", "months")),
            tuple(rows), tuple(drill),
            Goal(NORMAL_GRANT_MONTHS[0], f"普通程序{NORMAL_GRANT_MONTHS[0]}–"
                 f"{NORMAL_GRANT_MONTHS[1]}个月", f"Normal path {NORMAL_GRANT_MONTHS[0]}–"
                 f"{NORMAL_GRANT_MONTHS[1]} months"), "bar", "stage", "rate")


# --- group infringement ---------------------------------------------------------------------

def groups(uow: UnitOfWork, actor: str, filters: ReportFilters, limit: int = 100) -> Figure:
    """IP rights (and rights holders) asserted against at least the threshold's respondents,
    most first: within the agency for a supervisor, city-wide for an admin."""
    with uow:
        session, scope = _scoped(uow, actor, filters)
        threshold = group_threshold_of(uow)
        agency = ALL_AGENCIES if scope.agency_id is None else scope.agency_id
        rows = session.execute(
            select(T.c.bucket, T.c.n, T.c.total)
            .where(T.c.measure == measures.GROUP, T.c.n >= threshold, T.c.agency_id == agency)
            .order_by(T.c.n.desc(), T.c.bucket).limit(limit)).all()
        right_ids = {int(b.split(":", 1)[1]) for b, _n, _t in rows if b.startswith("right:")}
        rights = {r.id: r for r in session.scalars(
            select(IPRight).where(IPRight.id.in_(right_ids)))} if right_ids else {}
        out, drill = [], []
        for bucket, n, total in rows:
            kind, value = bucket.split(":", 1)
            if kind == "right" and int(value) in rights:
                r = rights[int(value)]
                label, by = f"{r.number} {r.title}", "知识产权"
                holder = r.holder or ""
            else:
                label, by, holder = value, "权利人", value
            out.append((by, label, holder, int(n), int(total)))
            drill.append({"figure": "group", "subject": bucket})
        return Figure(
            "groups", "群体性侵权预警", "Group infringement early warning",
            f"同一项知识产权（或同一权利人）针对的不同被投诉、被请求方达到{threshold}家及以上时列出（阈值由"
            "管理员设置），按被请求方数量排列；统计全部年度、全部案件类型和承办人的案件；点击查看涉及的案件、机关和状态。",
            f"IP rights (or rights holders) asserted against {threshold} or more different "
            "respondents (the threshold an admin sets), most first, over every year, case type "
            "and officer; each lists its cases, their agencies and states.",
            (Column("by", "依据", "By"), Column("subject", "知识产权或权利人", "Right or holder"),
             Column("holder", "权利人", "Rights holder"),
             Column("respondents", "被请求方数", "Respondents", "count"),
             Column("cases", "案件数", "Cases", "count")),
            tuple(out), tuple(drill), Goal(threshold, f"预警阈值：{threshold}家",
                                           f"Threshold: {threshold} respondents"),
            "bar", "subject", "respondents")


def group_share(uow: UnitOfWork, actor: str, filters: ReportFilters) -> Figure:
    """The share of patent cases that are group infringement (the seeds: about 40%)."""
    with uow:
        session, scope = _scoped(uow, actor, filters)
        threshold = group_threshold_of(uow)
        agency = ALL_AGENCIES if scope.agency_id is None else scope.agency_id
        flagged = {int(b.split(":", 1)[1]): int(t) for b, t in session.execute(
            select(T.c.bucket, T.c.total).where(
                T.c.measure == measures.GROUP, T.c.n >= threshold, T.c.agency_id == agency,
                T.c.bucket.like("right:%")))}
        ids = sorted(flagged)
        patents: set[int] = set()
        for at in range(0, len(ids), 5000):
            patents |= set(session.scalars(select(IPRight.id).where(
                IPRight.id.in_(ids[at:at + 5000]), IPRight.kind.in_(PATENT_KINDS))))
        in_groups = sum(flagged[i] for i in patents)
        every = int(session.scalar(select(func.sum(T.c.n)).where(
            T.c.measure == measures.PATENT, T.c.agency_id == agency)) or 0)
        return Figure(
            "group_share", "专利群体性侵权占专利案件的比例", "Group patent infringement among patent cases",
            f"涉及已达预警阈值（{threshold}家被请求方）的专利的案件数 ÷ 涉及专利的案件总数；不分年度、案件类型和"
            "承办人（同群体性侵权预警），一件案件涉及两项预警专利时按两件计。",
            f"Cases asserting a patent flagged as group infringement (at least {threshold} "
            "respondents) ÷ all cases asserting a patent; over every year, type and officer "
            "(as the early warning); a case asserting two flagged patents counts twice.",
            (Column("groups", "预警专利数", "Flagged patents", "count"),
             Column("in_groups", "其涉及的案件", "Their cases", "count"),
             Column("patent_cases", "专利案件总数", "Patent cases", "count"),
             Column("share", "占比", "Share", "rate")),
            ((len(patents), in_groups, every, _rate(in_groups, every)),), (None,))


FIGURES: dict[str, Callable[[UnitOfWork, str, ReportFilters], Figure]] = {
    "closure_year": closure_by("year"),
    "closure_agency": closure_by("agency_id"),
    "closure_case_type": closure_by("case_type"),
    "closure_officer": closure_by("officer_id"),
    "clocks": clocks_on_time,
    "handling": handling_time,
    "volume": volume,
    "referrals": referrals,
    "firms": firms_assisted,
    "handoffs": handoffs,
    "handoff_refusals": handoff_refusals,
    "industry": by_industry,
    "origin": by_origin,
    "fast_track": fast_track,
    "groups": groups,
    "group_share": group_share,
}


# --- drill-downs ----------------------------------------------------------------------------

@dataclass(frozen=True)
class DrillRow:
    case_id: int
    number: str
    title: str
    case_type: str
    status: str
    agency_zh: str
    agency_en: str
    officer: str | None
    received_on: str
    closed_on: str | None
    on_time: bool | None

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class DrillPage:
    rows: tuple[DrillRow, ...]
    total: int
    page: int
    per_page: int
    params: dict[str, Any] = field(default_factory=dict)


DRILL_FIGURES = ("closure", "closed", "opened", "referral", "firm", "clock", "grant", "group",
                 "handoff")
DRILL_PARAMS = ("figure", "year", "agency_id", "case_type", "officer_id", "industry", "origin",
                "clock", "subject", "kind", "part")
MAX_PER_PAGE = 200


def drill_cases(uow: UnitOfWork, actor: str, filters: ReportFilters, params: dict[str, Any],
                *, page: int = 1, per_page: int = 50, limit: int | None = None) -> DrillPage:
    """The cases behind one row of a figure (``Figure.drill``), in the filters' scope, a page
    at a time (``limit``: everything up to that many, for an export)."""
    unknown = set(params) - set(DRILL_PARAMS)
    if unknown:
        raise ValidationFailed(N_("not a drill-down parameter"), field=sorted(unknown)[0],
                               prefixed=True)
    fig = params.get("figure")
    if fig not in DRILL_FIGURES:
        raise ValidationFailed(N_("must be one of %(choices)s"), field="figure",
                               params={"choices": ", ".join(DRILL_FIGURES)}, prefixed=True)
    if not (isinstance(page, int) and page >= 1):
        raise ValidationFailed(N_("must be 1 or more"), field="page", prefixed=True)
    if not (isinstance(per_page, int) and 1 <= per_page <= MAX_PER_PAGE):
        raise ValidationFailed(N_("must be from 1 to %(high)s"), field="per_page",
                               params={"high": MAX_PER_PAGE}, prefixed=True)
    with uow:
        session, scope = _scoped(uow, actor, filters)
        cond = _drill_where(session, scope, params)
        c = Case.__table__
        base = select(F.c.case_id).select_from(F.join(c, c.c.id == F.c.case_id)).where(*cond)
        total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
        query = (select(c.c.id, c.c.number, c.c.title, c.c.case_type, c.c.status,
                        c.c.agency_id, c.c.assignee_id, c.c.received_on, c.c.closed_at,
                        F.c.on_time)
                 .select_from(F.join(c, c.c.id == F.c.case_id)).where(*cond)
                 .order_by(c.c.received_on.desc(), c.c.id.desc()))
        query = (query.limit(limit) if limit is not None
                 else query.limit(per_page).offset((page - 1) * per_page))
        rows = session.execute(query).all()
        agencies = _names(session, Agency, {r.agency_id for r in rows})
        officers = _names(session, User, {r.assignee_id for r in rows if r.assignee_id})
        return DrillPage(tuple(DrillRow(
            r.id, r.number, r.title, r.case_type, r.status,
            *agencies.get(r.agency_id, ("?", "?")),
            officers.get(r.assignee_id, (None, None))[0] if r.assignee_id else None,
            r.received_on.isoformat(),
            aware(r.closed_at).date().isoformat() if r.closed_at else None, r.on_time)
            for r in rows), int(total), page, per_page, dict(params))


CLOSURE_PARTS = ("closed", "on_time", "overdue_open")
HANDOFF_PARTS = {"sent": (), "open": ("sent", "received"), "accepted": ("accepted",),
                 "refused": ("rejected", "returned")}


def _part(params: dict[str, Any], parts: Any) -> str | None:
    """Which of a row's counts a drill-down lists (None: the whole row)."""
    part = params.get("part")
    if part is None or part == "":
        return None
    if part not in parts:
        raise ValidationFailed(N_("must be one of %(choices)s"), field="part",
                               params={"choices": ", ".join(parts)}, prefixed=True)
    return str(part)


def _int_param(params: dict[str, Any], name: str) -> int | None:
    value = params.get(name)
    if value is None:
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationFailed(N_("must be a whole number"), field=name,
                               prefixed=True) from None
    if not 0 <= number <= ID_MAX:
        raise ValidationFailed(N_("must be a whole number from %(low)s to %(high)s"),
                               field=name, params={"low": 0, "high": ID_MAX}, prefixed=True)
    return number


def _drill_where(session: Session, scope: Scope, params: dict[str, Any]) -> list[Any]:
    fig = params["figure"]
    year = _int_param(params, "year")
    if year is not None and not (scope.from_year - 1 <= year <= scope.to_year):
        raise ValidationFailed(N_("outside the report's years"), field="year", prefixed=True)
    low, high = (year, year) if year is not None else (scope.from_year, scope.to_year)
    cond: list[Any] = []
    if scope.agency_id is not None:
        cond.append(F.c.agency_id == scope.agency_id)
    # a group counts every case naming its right or holder, whatever the type or officer
    if scope.case_type is not None and fig != "group":
        cond.append(F.c.case_type == scope.case_type)
    if scope.officer_id is not None and fig != "group":
        cond.append(F.c.officer_id == scope.officer_id)
    agency_id = _int_param(params, "agency_id")
    if agency_id is not None:
        if scope.agency_id is not None and agency_id != scope.agency_id:
            # another agency's row is not in this report: as unknown as one that is not
            raise ValidationFailed(N_("unknown agency %(value)s"), field="agency_id",
                                   params={"value": repr(agency_id)}, prefixed=True)
        cond.append(F.c.agency_id == agency_id)
    officer_id = _int_param(params, "officer_id")
    if officer_id is not None:
        cond.append(F.c.officer_id.is_(None) if officer_id == 0 else F.c.officer_id == officer_id)
    if params.get("case_type") is not None:
        if str(params["case_type"]) not in _type_titles(session):
            raise ValidationFailed(N_("unknown case type %(value)s"), field="case_type",
                                   params={"value": repr(params["case_type"])},
                                   prefixed=True)
        cond.append(F.c.case_type == str(params["case_type"]))
    for name in ("industry", "origin"):
        if params.get(name) is not None:
            cond.append(F.c[name] == str(params[name]))
    closed_in = and_(F.c.closed_year >= low, F.c.closed_year <= high)
    if fig == "closure":
        if scope.case_type is None and params.get("case_type") is None:
            cond.append(F.c.case_type.in_(ENFORCEMENT_TYPES))
        overdue_in = and_(F.c.closed_year.is_(None), F.c.overdue_year >= low,
                          F.c.overdue_year <= high)
        cond.append({None: or_(closed_in, overdue_in), "closed": closed_in,
                     "on_time": and_(closed_in, F.c.on_time.is_(True)),
                     "overdue_open": overdue_in}[_part(params, CLOSURE_PARTS)])
    elif fig == "closed":
        cond.append(closed_in)
    elif fig in ("opened", "referral"):
        cond += [F.c.opened_year >= low, F.c.opened_year <= high]
        if fig == "referral":
            cond.append(F.c.court_referral.is_(True))
    elif fig == "firm":
        cond += [closed_in, F.c.firm.is_not(None)]
    elif fig in ("clock", "grant"):
        from caseflow.adapters.orm import Clock
        k = Clock.__table__
        if fig == "grant":
            cond += [F.c.case_type == "fast_track_preexam", closed_in,
                     Case.__table__.c.status == "granted"]
        else:
            name = str(params.get("clock") or "")
            ended = func.coalesce(k.c.stopped_at, k.c.expired_at)
            start, end = _year_span(low, high)
            cond.append(F.c.case_id.in_(
                select(k.c.case_id).where(k.c.name == name, ended.is_not(None),
                                          ended >= start, ended < end)))
    elif fig == "group":
        subject = str(params.get("subject") or "")
        kind, _, value = subject.partition(":")
        if kind == "right" and value.isdigit() and int(value) <= ID_MAX:
            cond.append(F.c.case_id.in_(select(CaseIPRight.case_id)
                                        .where(CaseIPRight.ip_right_id == int(value))))
        elif kind == "holder" and value:
            from caseflow.adapters.orm import Party
            cond.append(F.c.case_id.in_(select(Party.case_id).where(
                Party.role == "rights_holder",
                or_(Party.credit_code == value, Party.name == value))))
        else:
            raise ValidationFailed(N_("must be right:<id> or holder:<name>"), field="subject",
                                   prefixed=True)
    elif fig == "handoff":
        h = Handoff.__table__
        kind = str(params.get("kind") or "")
        part = _part(params, HANDOFF_PARTS)
        sent = [h.c.kind == kind, *_handoff_where(scope, low, high)]
        if part is not None and part != "sent":
            sent.append(h.c.status.in_(HANDOFF_PARTS[part]))
        if scope.agency_id is None:  # city-wide: each handoff's sending case, once
            cond.append(F.c.case_id.in_(select(h.c.case_id).where(*sent)))
        else:  # the agency's own side of each handoff: the case it sent, the case it opened
            sub = union(select(h.c.case_id.label("id")).where(*sent),
                        select(h.c.linked_case_id.label("id")).where(
                            *sent, h.c.linked_case_id.is_not(None)))
            cond.append(F.c.case_id.in_(select(sub.subquery().c.id)))
    return cond
