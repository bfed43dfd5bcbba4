"""Province-scale generated data for the supervisor's dashboard (issue 12 item 6): N cases of
the real workflows with their parties, IP rights, audit events and statutory clocks, loaded in
bulk, so the figures can be measured — and looked at — at a million cases.

Why a loader and not the services: opening and advancing a million cases one unit of work at a
time takes days. The directory (agencies, officers) is made through ``services.directory``
and the workflows are the stored definitions; the cases' rows are then written the way the
engine would have left them — on PostgreSQL with ``COPY`` (psycopg ``cursor.copy``), on SQLite
with ``executemany`` (small loads only) — and ``report_data.rebuild`` derives ``case_facts``
and ``report_tallies`` from them afterwards. Running it again *adds* cases (ids, case numbers
and the numbering counters carry on), so a bench can measure at 100,000 and grow to 1,000,000.

The shares follow the seeds (issue 12): industries clothing, food, home appliances, auto parts
and stationery 52.7% of cases; rights holders overseas 46.9%, other cities 45.5%, local 7.6%;
about 40% of patent cases are group infringement (one patent asserted against 5–60 small
firms each, so a few thousand rights at a million cases); market-supervision enforcement the
most cases, then complaints, customs detentions, mediation (about a third court referrals,
``mediation_type`` ``court_referred_prefiling`` with a ``court_reference_no``), patent
disputes, summary penalties, rights-protection assistance (each names an ``assisted_firm``),
fast-track pre-examination (granted ones carry ``filing_date`` and ``grant_notice_on``), a few
police and court cases. Volume grows about 20% a year; about 90% of the cases received before
this year are closed, about 95% of closed cases with every statutory clock stopped before it
fell due; some open cases are overdue (a running clock with ``expired_at``), some paused (an
open pause segment), and about 6% of clocks carry a closed pause.

What is faithful and what is approximate:
- states and events: each case's events are its ``case_opened`` and the workflow's real
  transitions along a shortest path to the outcome (or part of the way, for an open case),
  chained and keyed with the audit key exactly as the engine chains them (``next_link``).
  Clock events (``clock_started`` …) and transition payloads are left out.
- seals: computed by the engine's own sealer after the load when ``seal`` is true (the default
  for loads of at most ``SEAL_AUTO`` cases); a larger load leaves ``cases.seal`` empty, so
  ``caseflow audit verify`` reports the seals missing on generated data — the chains verify.
- clocks: the workflows' real clock names, periods, ``party`` and ``target`` flags; due
  instants from the real calendar (``due_of``, from 09:00 Beijing time on the start day), a
  closed pause moving the due instant by its length; ``next_check_at`` is the due instant
  (the engine's warnings are not planned).
"""

from __future__ import annotations

import json
import multiprocessing
import random
import time as clock_time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Engine, func, insert, select, text
from sqlalchemy.dialects import postgresql, sqlite

from caseflow.adapters.calendar_store import current_calendar
from caseflow.adapters.orm import (
    Agency,
    Case,
    CaseCounter,
    CaseIPRight,
    Clock,
    ClockSegment,
    Event,
    IPRight,
    Party,
    User,
)
from caseflow.adapters.registry import REGISTRY
from caseflow.domain.audit import GENESIS, AuditKey, event_hash
from caseflow.domain.calendar import WorkCalendar
from caseflow.domain.clocks import ClockRecord, due_of
from caseflow.domain.definitions import WorkflowDefinition
from caseflow.domain.moments import TZ, aware, naive_utc, utcnow
from caseflow.domain.vocabulary import CLUSTER_INDUSTRIES, INDUSTRIES
from caseflow.services import report_data
from caseflow.services.audit import SEALER
from caseflow.services.directory import create_user, ensure_agency
from caseflow.services.unit_of_work import UnitOfWork

SEAL_AUTO = 20_000  # loads up to this many cases are sealed unless told otherwise
CHUNK = 20_000  # cases built and written at a time
GROWTH = 1.2  # cases received each year over the year before
ACTOR = "generator"  # who paused the generated clocks
CHANNEL = "service"  # the channel the generated events were recorded through
# ids per case: each case's rows take ids in a range of their own, so chunks are
# built apart (in worker processes) and still never collide; gaps are harmless
_STRIDE = {"party": 2, "right": 1, "clock": 4, "segment": 4, "event": 12}

# --- shares from the seeds --------------------------------------------------------------------

CLUSTER_SHARE = 0.527
ORIGINS = (("overseas", 0.469), ("other_city", 0.455), ("local", 0.076))
GROUP_SHARE_OF_PATENT_CASES = 0.40
GROUP_SIZE = (5, 60)
CLOSED_BEFORE_THIS_YEAR = 0.87  # the last year's; each year older 2 points more
ON_TIME = 0.95
PAUSED_CLOCKS = 0.06

PATENT_KINDS = ("invention_patent", "utility_model", "design_patent")


@dataclass(frozen=True)
class Route:
    """One way a case of a type goes: through ``via`` states to ``final``, its legs of
    agency clocks (each leg's clocks start together when the previous leg stops), and the
    fields its data carries."""

    final: str
    weight: float
    legs: tuple[tuple[str, ...], ...] = ()
    via: tuple[str, ...] = ()
    kind: str = ""  # a marker the generator reads (court referral, grant …)


@dataclass(frozen=True)
class TypePlan:
    case_type: str
    share: float
    agency_kind: str
    routes: tuple[Route, ...]
    holder: bool = True  # a rights holder and a respondent (else a firm of its own)
    respondent_role: str = "alleged_infringer"
    patent_share: float = 0.0  # cases asserting a patent (the rest a trademark)
    party_clock: str | None = None  # a party's own period some cases run (party=True)
    title: str = "{firm}涉嫌侵犯{right}案"


PLANS: tuple[TypePlan, ...] = (
    TypePlan("admin_enforcement", 0.36, "market_supervision", (
        Route("closed", 0.93, (("filing_decision",), ("decision_deadline",), ("closing",))),
        Route("not_filed", 0.05, (("filing_decision",),)),
        Route("transferred_to_police", 0.02, (("filing_decision",),)),
    ), patent_share=0.15, title="{firm}涉嫌侵犯{right}行政处罚案"),
    TypePlan("complaint", 0.17, "market_supervision", (
        Route("settled", 0.55, (("acceptance",), ("mediation_period",))),
        Route("closed", 0.25, (("acceptance",), ("mediation_period",),
                               ("termination_notice",))),
        Route("refused", 0.20, (("acceptance",),)),
    ), patent_share=0.05, title="投诉{firm}销售侵犯{right}商品"),
    TypePlan("customs_detention", 0.11, "customs", (
        Route("closed", 0.85, (("ex_officio_investigation",), ("security_return",))),
        Route("transferred_to_police", 0.15, (("ex_officio_investigation",),)),
    ), patent_share=0.15, party_clock="application_and_security",
        title="{firm}出口货物涉嫌侵犯{right}扣留案"),
    TypePlan("mediation", 0.11, "mediation", (
        Route("closed", 0.45, (), kind="mediation"),
        Route("terminated", 0.15, (), kind="mediation"),
        Route("closed", 0.28, (("online_acceptance",), ("court_referred_prefiling",)),
              via=("court_referral_received", "court_mediation_accepted"), kind="court"),
        Route("returned_to_court", 0.12, (("online_acceptance",), ("court_referred_prefiling",)),
              via=("court_referral_received", "court_mediation_accepted"), kind="court"),
    ), respondent_role="respondent", patent_share=0.30, title="{holder}与{firm}{right}纠纷调解"),
    TypePlan("patent_dispute", 0.09, "market_supervision", (
        Route("closed", 0.60, (("filing_decision",), ("conclusion",))),
        Route("settled", 0.25, (("filing_decision",), ("conclusion",))),
        Route("withdrawn", 0.10, (("filing_decision",), ("conclusion",))),
        Route("refused", 0.05, (("filing_decision",),)),
    ), respondent_role="respondent", patent_share=1.0, party_clock="answer_period",
        title="{holder}请求处理{firm}侵犯{right}纠纷案"),
    TypePlan("admin_summary", 0.05, "market_supervision", (
        Route("closed", 1.0, (("record_filing",),)),
    ), title="{firm}侵犯{right}简易程序处罚案"),
    TypePlan("rights_assistance", 0.04, "protection_center", (
        Route("closed", 0.90, ()),
        Route("declined", 0.10, ()),
    ), holder=False, title="{firm}海外知识产权纠纷维权援助"),
    TypePlan("fast_track_preexam", 0.04, "protection_center", (
        Route("granted", 0.60, (("preexamination_target",),
                                ("invention_grant_target", "invention_grant_target_best")),
              kind="grant"),
        Route("rejected", 0.10, (("preexamination_target",),
                                 ("invention_grant_target", "invention_grant_target_best"))),
        Route("preexam_failed", 0.15, (("preexamination_target",),)),
        Route("withdrawn", 0.10, ()),
        Route("record_refused", 0.05, ()),
    ), holder=False, title="{firm}发明专利申请快速预审"),
    TypePlan("police_case", 0.02, "police", (
        Route("closed_referred_for_prosecution", 0.7, (("forwarding",), ("goods_handover",))),
        Route("closed_not_filed", 0.3, (("forwarding",),)),
    ), title="{firm}涉嫌假冒{right}刑事案件"),
    TypePlan("court_litigation", 0.01, "court", (
        Route("closed", 0.7, (("filing_review",), ("trial_period",))),
        Route("withdrawn", 0.3, (("filing_review",),)),
    ), respondent_role="respondent", patent_share=0.40, title="{holder}诉{firm}侵害{right}纠纷"),
)

# the directory: agencies by kind, officers each (fictional Ningbo bodies and people)
AGENCIES: tuple[tuple[str, str, str, str, int], ...] = (
    ("nb-amr", "market_supervision", "宁波市市场监督管理局（知识产权局）",
     "Ningbo Administration for Market Regulation (IP Office)", 12),
    ("nb-amr-yinzhou", "market_supervision", "宁波市鄞州区市场监督管理局",
     "Yinzhou District Market Regulation Bureau", 10),
    ("nb-amr-cixi", "market_supervision", "慈溪市市场监督管理局", "Cixi Market Regulation Bureau", 10),
    ("nb-amr-haishu", "market_supervision", "宁波市海曙区市场监督管理局",
     "Haishu District Market Regulation Bureau", 8),
    ("nb-amr-jiangbei", "market_supervision", "宁波市江北区市场监督管理局",
     "Jiangbei District Market Regulation Bureau", 6),
    ("nb-amr-beilun", "market_supervision", "宁波市北仑区市场监督管理局",
     "Beilun District Market Regulation Bureau", 8),
    ("nb-amr-yuyao", "market_supervision", "余姚市市场监督管理局", "Yuyao Market Regulation Bureau", 8),
    ("nb-amr-ninghai", "market_supervision", "宁海县市场监督管理局",
     "Ninghai County Market Regulation Bureau", 5),
    ("nb-customs", "customs", "宁波海关", "Ningbo Customs", 10),
    ("nb-customs-beilun", "customs", "北仑海关", "Beilun Customs", 8),
    ("nb-psb", "police", "宁波市公安局经济犯罪侦查支队", "Ningbo PSB Economic Crime Investigation", 5),
    ("nb-ipcourt", "court", "宁波知识产权法庭", "Ningbo Intellectual Property Tribunal", 5),
    ("nb-mediation", "mediation", "宁波市知识产权纠纷人民调解委员会",
     "Ningbo IP Dispute People's Mediation Committee", 8),
    ("nb-ippc", "protection_center", "中国（宁波）知识产权保护中心",
     "China (Ningbo) Intellectual Property Protection Center", 8),
)
ROLE_OF_KIND = {"mediation": "mediator"}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾"
GIVEN = ("伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛", "明",
         "超", "秀英", "晓燕", "建国", "海燕", "志强", "丽华", "文博", "子涵", "浩然", "雨婷")
DISTRICTS = ("海曙区", "江北区", "北仑区", "镇海区", "鄞州区", "奉化区", "余姚市", "慈溪市",
             "宁海县", "象山县")
WORDS = ("恒信", "华联", "甬盛", "顺达", "金海", "瑞丰", "东港", "天一", "明州", "四明", "鑫源",
         "博远", "宏图", "新阳", "富邦", "海纳", "嘉和", "同创", "永旺", "兴业")
TRADES = {"clothing": "服饰", "food": "食品", "home_appliances": "电器", "auto_parts": "汽配",
          "stationery": "文具", "electronics": "电子", "machinery": "机械", "chemicals": "化工",
          "other": "贸易"}
SUFFIXES = ("有限公司", "商行", "厂", "经营部")
CITIES = ("杭州", "上海", "深圳", "广州", "苏州", "温州", "义乌", "北京")
ABROAD = ("Nordlys", "Bellacqua", "Kirin Star", "Alpenrot", "Maplewood", "Sakura Field",
          "Lumiere", "Oakhaven", "Rheintal", "Bluefjord")
ABROAD_TAIL = ("Apparel AB", "S.p.A.", "Co., Ltd.", "GmbH", "Inc.", "K.K.", "S.A.", "Ltd.")
TRADEMARK_CLASS = {"clothing": 25, "food": 30, "home_appliances": 11, "auto_parts": 12,
                   "stationery": 16, "electronics": 9, "machinery": 7, "chemicals": 1,
                   "other": 35}
PATENT_TITLES = {"clothing": "一种速干面料", "food": "一种即食食品包装", "home_appliances":
                 "一种空气炸锅", "auto_parts": "一种汽车刹车片", "stationery": "一种自动铅笔",
                 "electronics": "一种无线充电器", "machinery": "一种数控刀架",
                 "chemicals": "一种环保涂料", "other": "一种收纳盒"}
PAUSE_REASONS = ("当事人申请延期提交材料", "委托鉴定期间", "送达公告期间")


# --- the load ---------------------------------------------------------------------------------

@dataclass
class LoadReport:
    cases: int = 0
    parties: int = 0
    ip_rights: int = 0
    events: int = 0
    clocks: int = 0
    segments: int = 0
    facts: int = 0
    tallies: int = 0
    seconds: dict[str, float] = field(default_factory=dict)
    total_cases: int = 0

    def lines(self) -> list[str]:
        phases = " ".join(f"{k}_s={v:.1f}" for k, v in self.seconds.items())
        return [f"generated cases={self.cases} parties={self.parties} ip_rights={self.ip_rights} "
                f"events={self.events} clocks={self.clocks} pause_segments={self.segments}",
                f"derived case_facts={self.facts} tally_rows={self.tallies} "
                f"cases_in_database={self.total_cases}",
                f"seconds {phases}"]


@dataclass
class _Staff:
    agency_id: int
    code: str
    officers: list[tuple[int, str]]  # (user id, username)


@dataclass
class _Ids:
    """The first id of the load in each table, and the numbering counters before it."""

    case: int
    party: int
    right: int
    clock: int
    segment: int
    event: int
    counters: dict[tuple[str, int], int]


def generate(engine: Engine, uow: Callable[[], UnitOfWork], key: AuditKey, cases: int, *,
             seed: int = 2026, years: tuple[int, int] = (2022, 2026),
             as_of: datetime | None = None, seal: bool | None = None,
             echo: Callable[[str], Any] = print) -> LoadReport:
    """Add ``cases`` generated cases (see the module's docstring) and rebuild the report
    facts and tallies; ``as_of`` (naive UTC, default now) is the moment the data stops at.
    The workflows must be loaded (``App.load_workflows``)."""
    if cases < 1:
        raise ValueError("cases: at least 1")
    first_year, last_year = years
    as_of = as_of or utcnow()
    if not first_year <= last_year <= aware(as_of).year:
        raise ValueError(f"years: {first_year}-{last_year} must run up to {aware(as_of).year}")
    if seal is None:
        seal = cases <= SEAL_AUTO
    report = LoadReport()
    started = clock_time.perf_counter()
    staff = _directory(uow)
    with engine.connect() as conn:
        definitions = {p.case_type: _definition(conn, p.case_type, last_year) for p in PLANS}
        calendar = current_calendar(conn)
    report.seconds["directory"] = clock_time.perf_counter() - started
    echo(f"directory agencies={len(staff)} officers="
         f"{sum(len(s.officers) for s in staff.values())}")

    started = clock_time.perf_counter()
    with engine.connect() as conn:
        ids = _next_ids(conn)
    builder = _Builder(seed, staff, definitions, calendar, key, ids, years, as_of, cases)
    postgres = engine.dialect.name == "postgresql"
    chunks = [(at, min(CHUNK, cases - at), postgres) for at in range(0, cases, CHUNK)]
    counters = dict(ids.counters)
    with _batches(builder, chunks, engine) as batches, engine.begin() as conn:
        if postgres:  # one bulk transaction: no need to wait for the WAL at its commit
            conn.execute(text("SET LOCAL synchronous_commit = off"))
        writer = _Writer(conn)
        for (at, n, _copy), batch in zip(chunks, batches, strict=True):
            writer.write(batch["rows"])
            for counter, value in batch["counters"].items():
                counters[counter] = max(counters.get(counter, 0), value)
            counts = batch["counts"]
            report.cases += n
            report.parties += counts["parties"]
            report.ip_rights += counts["ip_rights"]
            report.events += counts["events"]
            report.clocks += counts["clocks"]
            report.segments += counts["clock_segments"]
            echo(f"loaded cases={at + n}/{cases} events={report.events} "
                 f"clocks={report.clocks} seconds={clock_time.perf_counter() - started:.1f}")
        writer.finish(counters)
    report.seconds["load"] = clock_time.perf_counter() - started
    _analyse(engine)

    if seal:
        started = clock_time.perf_counter()
        with engine.begin() as conn:
            _seal(conn, key, range(ids.case, ids.case + cases))
        report.seconds["seal"] = clock_time.perf_counter() - started
        echo(f"sealed cases={cases} seconds={report.seconds['seal']:.1f}")

    started = clock_time.perf_counter()
    with engine.begin() as conn:
        report.facts, report.tallies = report_data.rebuild(conn)
        report.total_cases = conn.scalar(select(func.count()).select_from(Case))
    report.seconds["rebuild"] = clock_time.perf_counter() - started
    _analyse(engine)
    echo(f"rebuilt case_facts={report.facts} tally_rows={report.tallies} "
         f"seconds={report.seconds['rebuild']:.1f}")
    return report


def _definition(conn: Connection, case_type: str, year: int) -> WorkflowDefinition:
    from sqlalchemy.orm import Session

    with Session(bind=conn) as session:
        version = REGISTRY.version_in_force(session, case_type, date(year, 1, 1))
        return REGISTRY.definition(session, case_type, version)


def _directory(uow: Callable[[], UnitOfWork]) -> dict[str, _Staff]:
    """The agencies and their officers (a supervisor and officers each, an admin), made
    through the directory services where missing."""
    names = random.Random("officers")
    with uow() as u:
        existing = set(u.session.scalars(select(User.username)))
    for code, kind, zh, en, _n in AGENCIES:
        ensure_agency(uow(), code, kind, zh, en)
    if "gen.admin" not in existing:
        create_user(uow(), "gen.admin", "赵国栋", "nb-amr", ["admin"])
    staff: dict[str, _Staff] = {}
    for code, kind, _zh, _en, n in AGENCIES:
        boss = f"gen.{code}.sup"
        if boss not in existing:
            create_user(uow(), boss, _person(names), code, ["supervisor"])
        role = ROLE_OF_KIND.get(kind, "officer")
        for i in range(1, n + 1):
            username = f"gen.{code}.{i:02d}"
            if username not in existing:
                create_user(uow(), username, _person(names), code, [role], supervisor=boss)
    with uow() as u:
        agencies = dict(u.session.execute(select(Agency.code, Agency.id)).all())
        for code, _kind, _zh, _en, _n in AGENCIES:
            officers = u.session.execute(
                select(User.id, User.username).where(User.username.like(f"gen.{code}.%"),
                                                     User.username != f"gen.{code}.sup")
                .order_by(User.username)).all()
            staff[code] = _Staff(agencies[code], code, [(i, n) for i, n in officers])
    return staff


def _person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def _next_ids(conn: Connection) -> _Ids:
    def top(model: Any) -> int:
        return int(conn.scalar(select(func.coalesce(func.max(model.id), 0)))) + 1

    counters = {(r.prefix, r.year): r.value for r in conn.execute(select(CaseCounter))}
    return _Ids(top(Case), top(Party), top(IPRight), top(Clock), top(ClockSegment),
                top(Event), counters)


def _analyse(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM (ANALYZE) cases, parties, ip_rights, case_ip_rights, clocks, "
                          "clock_segments, events, case_facts, report_tallies"))


def _seal(conn: Connection, key: AuditKey, ids: Iterable[int]) -> None:
    """Seal the new cases with the engine's own sealer, as if each had just been opened."""
    from caseflow.domain.audit import Keyring

    keyring = Keyring(key.id, {key.id: key.secret})
    ids = list(ids)
    for at in range(0, len(ids), 500):
        chunk = ids[at:at + 500]
        SEALER.seal(conn, keyring, {cid: {"cases.number"} for cid in chunk}, {})


_BUILDER: _Builder | None = None  # the worker processes' own (inherited at the fork)
WORKERS = 2  # processes building chunks while the load's connection writes them


@contextmanager
def _batches(builder: _Builder, chunks: list[tuple[int, int, bool]], engine: Engine
             ) -> Iterator[Iterable[dict[str, Any]]]:
    """The chunks built in order: by worker processes for a PostgreSQL load of several chunks
    (building is most of the work, and the machine has cores to spare), else here."""
    global _BUILDER
    _BUILDER = builder
    if len(chunks) < 2 or not chunks[0][2]:
        yield (_build(chunk) for chunk in chunks)
        return
    engine.dispose()  # no pooled connection is carried into the forked processes
    pool = multiprocessing.get_context("fork").Pool(WORKERS)
    try:
        yield pool.imap(_build, chunks)
    finally:
        pool.terminate()
        pool.join()


def _build(chunk: tuple[int, int, bool]) -> dict[str, Any]:
    first, n, copy = chunk
    assert _BUILDER is not None
    out = _BUILDER.build(first, n)
    counters = out.pop("counters")
    counts = {t: len(rows) for t, rows in out.items()}
    if copy:
        out = {t: _copy_text(rows, [_COLUMNS[t].index(c) for c in _JSON.get(t, ())])
               for t, rows in out.items() if rows}
    return {"rows": out, "counters": counters, "counts": counts}


def _escaped(value: str) -> str:
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        return (value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
                .replace("\r", "\\r"))
    return value


def _copy_text(rows: list[tuple], json_at: Sequence[int]) -> bytes:
    """Rows in COPY's text format (tab-separated, \\N for NULL, backslashes escaped)."""
    lines = []
    for row in rows:
        fields = []
        for i, v in enumerate(row):
            if v is None:
                fields.append("\\N")
            elif v is True or v is False:
                fields.append("t" if v else "f")
            elif i in json_at:
                fields.append(_escaped(json.dumps(v, ensure_ascii=False)))
            elif isinstance(v, str):
                fields.append(_escaped(v))
            elif isinstance(v, date):  # datetime too
                fields.append(v.isoformat())
            else:
                fields.append(str(v))
        lines.append("\t".join(fields))
    return ("\n".join(lines) + "\n").encode("utf-8")


# --- building the rows ------------------------------------------------------------------------

def _weighted(rng: random.Random, choices: Sequence[tuple[Any, float]]) -> Any:
    x = rng.random() * sum(w for _c, w in choices)
    for choice, w in choices:
        x -= w
        if x < 0:
            return choice
    return choices[-1][0]


def _path(definition: WorkflowDefinition, via: Sequence[str], final: str) -> list[tuple]:
    """The transitions (source, trigger, dest) of a shortest way from the initial state
    through ``via`` to ``final``."""
    adjacent: dict[str, list] = {}
    for t in definition.transitions:
        for s in t.sources:
            adjacent.setdefault(s, []).append(t)
    steps: list[tuple] = []
    here = definition.initial
    for goal in (*via, final):
        back: dict[str, tuple | None] = {here: None}
        queue = deque([here])
        while queue and goal not in back:
            s = queue.popleft()
            for t in adjacent.get(s, ()):
                if t.dest not in back:
                    back[t.dest] = (s, t.trigger)
                    queue.append(t.dest)
        if goal not in back:
            raise ValueError(f"{definition.key}: no way from {here} to {goal}")
        leg, x = [], goal
        while back[x] is not None:
            s, trigger = back[x]  # type: ignore[misc]
            leg.append((s, trigger, x))
            x = s
        steps.extend(reversed(leg))
        here = goal
    return steps


@lru_cache(maxsize=8192)
def _at9(day: date) -> datetime:
    """09:00 Beijing time on ``day``, as stored (naive UTC)."""
    return naive_utc(datetime.combine(day, time(9), TZ))


class _Builder:
    """Builds cases chunk by chunk: each table's rows as tuples in ``_COLUMNS`` order."""

    def __init__(self, seed: int, staff: dict[str, _Staff],
                 definitions: dict[str, WorkflowDefinition], calendar: WorkCalendar,
                 key: AuditKey, ids: _Ids, years: tuple[int, int], as_of: datetime,
                 cases: int) -> None:
        self.seed, self.key, self.ids, self.as_of = seed, key, ids, as_of
        self.rng = random.Random(seed)
        self.definitions, self.calendar = definitions, calendar
        self.slots: dict[str, list[int]] = {}
        self.today = aware(as_of).date()
        self.by_kind: dict[str, list[_Staff]] = {}
        kinds = {code: kind for code, kind, *_ in AGENCIES}
        for code, s in staff.items():
            self.by_kind.setdefault(kinds[code], []).append(s)
        self.paths = {(p.case_type, r.final, r.via): _path(definitions[p.case_type], r.via,
                                                            r.final)
                      for p in PLANS for r in p.routes}
        first, last = years
        weights = []
        for y in range(first, last + 1):
            span = (min(date(y, 12, 31), self.today) - date(y, 1, 1)).days + 1
            weights.append((y, GROWTH ** (y - first) * span / 365))
        self.years = weights
        self.plans = [(p, p.share) for p in PLANS]
        other = [i for i in INDUSTRIES if i not in CLUSTER_INDUSTRIES]
        self.industries = ([(i, CLUSTER_SHARE / len(CLUSTER_INDUSTRIES))
                            for i in CLUSTER_INDUSTRIES]
                           + [(i, (1 - CLUSTER_SHARE) / len(other)) for i in other])
        self.brands = max(20, cases // 2000)  # big rights holders with many cases each
        self.group: list[Any] | None = None  # the group being filled: its right, left to go
        self._dues: dict[tuple, tuple[datetime, date, str]] = {}

    def _take(self, table: str) -> int:
        """The next id of ``table`` in the current case's own range (``_STRIDE``)."""
        slot = self.slots[table]
        if slot[0] >= slot[1]:
            raise RuntimeError(f"more {table} rows for one case than _STRIDE allows")
        slot[0] += 1
        return slot[0] - 1

    # -- names ---------------------------------------------------------------------------

    def _firm(self, industry: str, serial: int) -> tuple[str, str]:
        r = random.Random(serial)
        name = (f"宁波市{r.choice(DISTRICTS)}{r.choice(WORDS)}{r.choice(WORDS)}"
                f"{TRADES[industry]}{r.choice(SUFFIXES)}")
        return name, f"9133020{serial % 10**10:010d}X"

    def _holder(self, origin: str, industry: str) -> tuple[str, str | None]:
        rng = self.rng
        if rng.random() < 0.3:  # one of the big brands, with many cases
            serial = rng.randrange(self.brands)
        else:
            serial = 10_000 + rng.randrange(10**9)
        r = random.Random(f"holder:{origin}:{serial}")
        if origin == "overseas":
            return f"{r.choice(ABROAD)} {TRADES[industry]} {r.choice(ABROAD_TAIL)}", None
        if origin == "other_city":
            return (f"{r.choice(CITIES)}{r.choice(WORDS)}{TRADES[industry]}股份有限公司",
                    f"91{r.randrange(110000, 650000)}{serial % 10**9:09d}Y")
        return (f"宁波{r.choice(WORDS)}{TRADES[industry]}集团有限公司",
                f"9133020{serial % 10**10:010d}Z")

    # -- one chunk -----------------------------------------------------------------------

    def build(self, first: int, n: int) -> dict[str, Any]:
        """Cases ``first`` … ``first + n - 1`` of this load (0-based), alike whichever
        process builds them and in whatever order: each chunk has its own random stream
        and every row's id follows from its case's place (``_STRIDE``)."""
        self.rng = rng = random.Random(f"{self.seed}:{self.ids.case}:{first}")
        self.group = None
        out: dict[str, Any] = {t: [] for t in _COLUMNS}
        out["counters"] = {}
        received = sorted(self._received() for _ in range(n))  # ids follow receipt
        for g, day in enumerate(received, first):
            self.slots = {t: [base + g * per, base + (g + 1) * per]
                          for t, per in _STRIDE.items()
                          for base in (getattr(self.ids, t),)}
            self._case(out, _weighted(rng, self.plans), day, self.ids.case + g)
        return out

    def _received(self) -> date:
        year = _weighted(self.rng, self.years)
        end = min(date(year, 12, 31), self.today)
        return date(year, 1, 1) + timedelta(days=self.rng.randrange((end - date(year, 1, 1))
                                                                    .days + 1))

    def _case(self, out: dict[str, Any], plan: TypePlan, received: date, cid: int) -> None:
        rng = self.rng
        definition = self.definitions[plan.case_type]
        route = _weighted(rng, [(r, r.weight) for r in plan.routes])
        agencies = self.by_kind[plan.agency_kind]
        agency = agencies[min(int(rng.expovariate(1.2)), len(agencies) - 1)]
        officer_id, officer = rng.choice(agency.officers)
        industry = _weighted(rng, self.industries)
        year = received.year
        # numbered by the case id: unique, and beyond every number the counters gave out
        # before (a counter never runs ahead of the cases' ids); the counters move up to it
        counter = (definition.number_prefix, year)
        out["counters"][counter] = cid
        number = f"{definition.number_prefix}-{year}-{cid:06d}"

        # parties and the right asserted (a small firm of its own: one per case)
        firm, firm_code = self._firm(industry, cid)
        parties: list[tuple[str, str, str, str | None]] = []  # role, name, origin, code
        right_label = ""
        rights: list[dict[str, str]] = []
        if plan.holder:
            patent = rng.random() < plan.patent_share
            origin = _weighted(rng, ORIGINS)
            if patent and (self.group is not None or rng.random() < self._group_start_p()):
                right_id, holder, holder_code, origin, right_label, kind, right_no = \
                    self._group_right(out, industry, origin)
            else:
                holder, holder_code = self._holder(origin, industry)
                right_id, right_label, kind, right_no = self._right(out, industry, holder,
                                                                    patent)
            out["case_ip_rights"].append((cid, right_id))
            rights.append({"kind": kind, "number": right_no})
            parties.append(("rights_holder", holder, origin, holder_code))
            parties.append((plan.respondent_role, firm, "local", firm_code))
        else:
            role = "assisted_firm" if plan.case_type == "rights_assistance" else "applicant"
            parties.append((role, firm, "local", firm_code))
        for role, name, origin, code in parties:
            out["parties"].append((self._take("party"), cid, role, name, "enterprise", origin,
                                   None, code, None))

        # the timeline: legs of clocks, then the close — or a cut where the case stays open
        start = _at9(received)
        data: dict[str, Any] = {}
        if route.kind == "court":
            data = {"mediation_type": "court_referred_prefiling", "court": "宁波市鄞州区人民法院",
                    "court_reference_no": f"({year})浙0212民诉前调{cid % 100000:05d}号"}
        elif route.kind == "mediation":
            data = {"mediation_type": rng.choice(("peoples", "industry", "administrative"))}
        late_leg = rng.randrange(len(route.legs)) if route.legs and rng.random() > ON_TIME \
            else -1
        legs, t = [], start
        for index, names in enumerate(route.legs):
            leg = self._plan_leg(definition, names, t, late=index == late_leg)
            legs.append(leg)
            t = _at9(aware(leg[1]).date() + timedelta(days=1))
        if legs:
            planned = t + timedelta(days=rng.randrange(0, 4), hours=rng.randrange(0, 8))
        else:
            planned = start + timedelta(days=rng.randrange(7, 60), hours=rng.randrange(8))
        if not self._closes(received):  # stalled somewhere before its close
            cut: datetime | None = min(start + (planned - start) * rng.uniform(0.05, 0.9),
                                       self.as_of)
        elif planned > self.as_of:
            cut = self.as_of
        else:
            cut = None
        closed_at = planned if cut is None else None
        clock_rows: list[tuple] = []
        stopped_legs = 0
        for leg in legs:
            if cut is not None and leg[0] > cut:
                break
            rows, stopped = self._leg_rows(out, cid, definition, leg, cut)
            clock_rows.extend(rows)
            stopped_legs += stopped
        out["clocks"].extend(clock_rows)
        if plan.party_clock and clock_rows and rng.random() < 0.4:
            self._party_clock(out, cid, definition, plan.party_clock, clock_rows[0][6],
                              cut or planned)

        # where the case is, and the events that took it there
        steps = self.paths[(plan.case_type, route.final, route.via)]
        if cut is not None:
            share = (stopped_legs + 0.5) / len(legs) if legs else 0.5
            steps = steps[:min(int(len(steps) * share), len(steps) - 1)]
        status = steps[-1][2] if steps else definition.initial
        if route.kind == "grant" and closed_at is not None:
            data = {"filing_date": aware(legs[-1][0]).date().isoformat(),
                    "grant_notice_on": aware(closed_at).date().isoformat()}
        title = plan.title.format(firm=firm, holder=parties[0][1], right=right_label or "专利")
        events = self._events(cid, number, definition, officer, start, cut or planned, steps,
                              title, received, parties, rights)
        out["events"].extend(events)
        head = events[-1]
        out["cases"].append((cid, number, plan.case_type, definition.key, definition.version,
                             status, 1 + len(steps), agency.agency_id, officer_id, title[:300],
                             received, data, start, closed_at, industry, head[2], head[13]))

    # -- rights --------------------------------------------------------------------------

    def _group_start_p(self) -> float:
        # a group of k cases starts with probability p; the share of patent cases in groups
        # is p·k̄ / (p·k̄ + 1 − p) = 40% → p = 0.4 / (0.6·k̄ + 0.4)
        mean = sum(GROUP_SIZE) / 2
        share = GROUP_SHARE_OF_PATENT_CASES
        return share / ((1 - share) * mean + share)

    def _group_right(self, out: dict[str, list[tuple]], industry: str, origin: str
                     ) -> tuple[int, str, str | None, str, str, str, str]:
        """The patent of the group being filled (the next case names one more respondent),
        or a new group's, asserted against 5–60 firms: (right id, holder, holder's code,
        origin, label, kind, number)."""
        if self.group is None:
            holder, code = self._holder(origin, industry)
            right_id, label, kind, number = self._right(out, industry, holder, True)
            self.group = [self.rng.randint(*GROUP_SIZE),
                          (right_id, holder, code, origin, label, kind, number)]
        self.group[0] -= 1
        found = self.group[1]
        if self.group[0] <= 0:
            self.group = None
        return found

    def _right(self, out: dict[str, list[tuple]], industry: str, holder: str, patent: bool
               ) -> tuple[int, str, str, str]:
        rid = self._take("right")
        serial = rid - self.ids.right + self.ids.case  # unique, in the hashed payload too
        if patent:
            kind = self.rng.choice(PATENT_KINDS)
            digit = {"invention_patent": 1, "utility_model": 2, "design_patent": 3}[kind]
            number = f"ZL20{self.rng.randrange(15, 25)}{digit}{serial:07d}.{serial % 10}"
            title = PATENT_TITLES[industry]
            label = f"{title}专利权"
        else:
            kind = "trademark"
            number = f"第{30_000_000 + serial}号"
            title = f"第{TRADEMARK_CLASS[industry]}类注册商标"
            label = "注册商标专用权"
        out["ip_rights"].append((rid, kind, number, title, holder[:200]))
        return rid, label, kind, number

    # -- clocks --------------------------------------------------------------------------

    def _closes(self, received: date) -> bool:
        if received.year < self.today.year:
            return self.rng.random() < CLOSED_BEFORE_THIS_YEAR + 0.02 * (
                self.today.year - 1 - received.year)
        return True  # this year's close when their time comes (cut at as_of)

    def _due(self, definition: WorkflowDefinition, name: str, start: datetime
             ) -> tuple[datetime, date, str]:
        """A clock's due instant, last day and calendar version from the real calendar
        (cached: starts fall at 09:00 on a few thousand days)."""
        key = (definition.key, name, start)
        found = self._dues.get(key)
        if found is None:
            rule = definition.clocks[name]
            due = due_of(rule.period, ClockRecord(started_at=aware(start)), self.calendar,
                         aware(start))
            found = self._dues[key] = (naive_utc(due.due), due.last_day, due.calendar_version)
        return found

    def _plan_leg(self, definition: WorkflowDefinition, names: Sequence[str],
                  start: datetime, *, late: bool) -> tuple:
        """(start, stop, pause or None, names): when the leg's clocks would stop, met or
        ``late`` by a few days, and a pause (begin, length) some clocks take."""
        rng = self.rng
        first_due = self._due(definition, names[0], start)[0]
        pause = None
        if rng.random() < PAUSED_CLOCKS:
            pause = (start + (first_due - start) * rng.uniform(0.1, 0.6),
                     timedelta(days=rng.randrange(3, 21)))
        span = first_due - start + (pause[1] if pause else timedelta(0))
        if late:
            stop = start + span + timedelta(days=rng.randrange(1, 16), hours=rng.randrange(8))
        else:
            stop = start + span * rng.uniform(0.25, 0.97)
        return start, stop.replace(microsecond=0), pause, tuple(names)

    def _leg_rows(self, out: dict[str, list[tuple]], cid: int,
                  definition: WorkflowDefinition, leg: tuple, cut: datetime | None
                  ) -> tuple[list[tuple], int]:
        """The leg's clock rows (and pause segments) as of ``cut`` (None: the case closed);
        returns them and 1 if the leg had stopped by then."""
        rng = self.rng
        start, stop, pause, names = leg
        stopped = cut is None or stop <= cut
        if pause and not stopped and pause[0] > cut:
            pause = None  # not yet paused at the cut
        if not stopped and pause is None and cut < self.as_of and rng.random() < 0.4:
            pause = (cut, timedelta(days=10**4))  # stalled: paused ever since the cut
        open_pause = pause is not None and not stopped and pause[0] + pause[1] > cut
        rows = []
        for name in names:
            rule = definition.clocks[name]
            due, last_day, calendar_version = self._due(definition, name, start)
            if pause and not open_pause:
                due, last_day = due + pause[1], last_day + pause[1]
            clock_id = self._take("clock")
            if pause:
                out["clock_segments"].append((
                    self._take("segment"), clock_id, "paused", pause[0],
                    None if open_pause else pause[0] + pause[1], rng.choice(PAUSE_REASONS),
                    ACTOR))
            basis = "received_on" if start.hour == _at9(date(2000, 1, 1)).hour else None
            if stopped:
                status, stopped_at, check = "stopped", stop, None
                expired = due if stop > due else None
            elif open_pause:
                status, stopped_at, check, expired = "paused", None, None, None
            else:
                expired = due if due <= self.as_of else None
                status, stopped_at, check = "running", None, None if expired else due
            rows.append((clock_id, cid, name, definition.version, str(rule.period), status,
                         start, stopped_at, due, last_day, False, calendar_version, check,
                         expired, basis, rule.party, rule.target, 1))
        return rows, int(stopped)

    def _party_clock(self, out: dict[str, list[tuple]], cid: int,
                     definition: WorkflowDefinition, name: str, start: datetime,
                     until: datetime) -> None:
        """A party's own period (to answer, to apply): never the agency's overdue work."""
        rule = definition.clocks[name]
        due, last_day, version = self._due(definition, name, start)
        stop = (start + (due - start) * self.rng.uniform(0.2, 0.9)).replace(microsecond=0)
        if stop > until:
            return
        out["clocks"].append((self._take("clock"), cid, name, definition.version,
                              str(rule.period), "stopped", start, stop, due, last_day, False,
                              version, None, None, None, True, rule.target, 1))

    # -- events --------------------------------------------------------------------------

    def _events(self, cid: int, number: str, definition: WorkflowDefinition,
                officer: str, start: datetime, end: datetime, steps: Sequence[tuple],
                title: str, received: date, parties: Sequence[tuple],
                rights: list[dict[str, str]]) -> list[tuple]:
        payload = {"number": number, "workflow": definition.key,
                   "version": definition.version, "received_on": received.isoformat(),
                   "title": title, "assignee": officer, "ip_rights": rights,
                   "parties": [{"role": r, "name": n, "origin": o} for r, n, o, _c in parties]}
        # chained and keyed as ``audit.next_link`` does (its values, less a JSON round trip
        # the plain payloads here do not need)
        key, rows, prev = self.key, [], GENESIS
        moves = [(None, "case_opened", None, definition.initial, payload, start)]
        span = max(end - start, timedelta(0))
        for i, (source, trigger, dest) in enumerate(steps, 1):
            at = (start + span * i / len(steps)).replace(microsecond=0)
            moves.append((source, "transition", trigger, dest, {}, at))
        for seq, (source, kind, trigger, dest, body, at) in enumerate(moves, 1):
            digest = event_hash(key=key, case_id=cid, seq=seq, kind=kind, actor=officer,
                                channel=CHANNEL, at=at, source_state=source,
                                target_state=dest, trigger=trigger, reason=None,
                                payload=body, prev_hash=prev)
            rows.append((self._take("event"), cid, seq, kind, officer, CHANNEL, at, source,
                         dest, trigger, None, body, prev, digest, key.id))
            prev = digest
        return rows


# --- writing the rows -------------------------------------------------------------------------

_COLUMNS: dict[str, tuple[str, ...]] = {
    "ip_rights": ("id", "kind", "number", "title", "holder"),
    "cases": ("id", "number", "case_type", "workflow_key", "workflow_version", "status",
              "version", "agency_id", "assignee_id", "title", "received_on", "data",
              "created_at", "closed_at", "industry", "audit_seq", "audit_head"),
    "parties": ("id", "case_id", "role", "name", "kind", "origin", "region", "credit_code",
                "contact"),
    "case_ip_rights": ("case_id", "ip_right_id"),
    "clocks": ("id", "case_id", "name", "rule_version", "period", "status", "started_at",
               "stopped_at", "due_at", "due_last_day", "provisional", "calendar_version",
               "next_check_at", "expired_at", "start_basis", "party", "target", "version"),
    "clock_segments": ("id", "clock_id", "kind", "started_at", "ended_at", "reason", "actor"),
    "events": ("id", "case_id", "seq", "kind", "actor", "channel", "at", "source_state",
               "target_state", "trigger", "reason", "payload", "prev_hash", "hash", "key_id"),
}
_JSON = {"cases": ("data",), "events": ("payload",)}
_SEQUENCES = ("cases", "parties", "ip_rights", "clocks", "clock_segments", "events")
_TABLES = {"ip_rights": IPRight, "cases": Case, "parties": Party, "case_ip_rights": CaseIPRight,
           "clocks": Clock, "clock_segments": ClockSegment, "events": Event}


class _Writer:
    """Rows to the tables in foreign-key order: COPY text on PostgreSQL, executemany
    otherwise."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.postgres = conn.dialect.name == "postgresql"

    def write(self, batch: dict[str, Any]) -> None:
        for table, columns in _COLUMNS.items():
            rows = batch.get(table)
            if not rows:
                continue
            if isinstance(rows, bytes):
                raw = self.conn.connection.driver_connection
                with raw.cursor() as cur, cur.copy(
                        f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    copy.write(rows)
            else:
                self.conn.execute(insert(_TABLES[table].__table__),
                                  [dict(zip(columns, r, strict=True)) for r in rows])

    def finish(self, counters: dict[tuple[str, int], int]) -> None:
        """The numbering counters and (PostgreSQL) the id sequences carry on after the load."""
        stmt = (postgresql.insert if self.postgres else sqlite.insert)(CaseCounter.__table__)
        for (prefix, year), value in sorted(counters.items()):
            self.conn.execute(stmt.values(prefix=prefix, year=year, value=value)
                              .on_conflict_do_update(index_elements=["prefix", "year"],
                                                     set_={"value": value}))
        if self.postgres:
            for table in _SEQUENCES:
                self.conn.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT coalesce(max(id), 1) FROM {table}))"))
