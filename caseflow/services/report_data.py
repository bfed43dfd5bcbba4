"""The supervisor's measures kept exactly with the cases: each case's facts (``case_facts``)
and the additive tallies they add to (``report_tallies``), changed in the transaction that
changes the case — so a figure is never behind the cases, however many there are.

The unit of work hands ``KEEPER.keep`` the cases it touched just before it commits; the keeper
derives their facts again, and where they changed writes them and moves the tallies by the new
contributions less the old (``domain.measures``). ``rebuild`` derives everything from the
tables afresh (the bench's loaded data, a repair); ``verify`` says where kept and derived
differ (a test runs it after every scenario).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import (
    JSON,
    Connection,
    bindparam,
    delete,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from caseflow.adapters.orm import (
    Case,
    CaseFactsRow,
    CaseIPRight,
    Clock,
    ClockSegment,
    IPRight,
    Party,
    ReportSetting,
    ReportTally,
    SystemEvent,
)
from caseflow.domain import measures
from caseflow.domain.limits import check_reason
from caseflow.domain.measures import CaseFacts, ClockFact, Tallies, TallyKey
from caseflow.domain.moments import TZ, aware, naive_utc, utcnow
from caseflow.services.access import require_admin, require_reason
from caseflow.services.unit_of_work import UnitOfWork

_CASES, _CLOCKS, _SEGMENTS = Case.__table__, Clock.__table__, ClockSegment.__table__
_PARTIES, _RIGHTS, _IP = Party.__table__, CaseIPRight.__table__, IPRight.__table__
PATENT_KINDS = ("invention_patent", "utility_model", "design_patent")
_FACTS, _TALLIES = CaseFactsRow.__table__, ReportTally.__table__
_SETTINGS = ReportSetting.__table__
_KEY_COLUMNS = ("measure", "year", "agency_id", "case_type", "officer_id", "industry", "origin",
                "bucket")
_CLOCK_COLUMNS = tuple(_CLOCKS.c[n] for n in (
    "id", "case_id", "name", "party", "target", "status", "stopped_at", "due_at", "expired_at"))
_CASE_COLUMNS = ("id", "agency_id", "case_type", "assignee_id", "industry", "received_on",
                 "closed_at", "status", "data")
# touched rows that can change what a case's facts say (bookkeeping such as the audit head
# or an evidence row cannot)
_RELEVANT = ("cases.status", "cases.assignee_id", "cases.closed_at", "cases.industry",
             "cases.number", "cases.data", "cases.agency_id", "cases.case_type",
             "cases.received_on", "clocks", "clock_", "parties", "ip_rights", "case_ip_rights")
_PARTY_ROWS = ("parties", "ip_rights", "case_ip_rights", "cases.number")
# a step that writes only these can change a case's facts only by closing it (which writes
# closed_at too) or, in the types below, by the data it records (a court referral's fields)
_STEP_ROWS = frozenset({"cases.status", "cases.version", "cases.data", "cases.audit_seq",
                        "cases.audit_head"})
_DATA_FACT_TYPES = ("mediation",)
_BOOKKEEPING = frozenset({"cases.version", "cases.audit_seq", "cases.audit_head"})
HOLDER_ROLES = ("rights_holder",)
RESPONDENT_ROLES = ("alleged_infringer", "respondent")
FIRM_ROLES = ("assisted_firm", "applicant")
CHUNK = 2000
READ_CHUNK = 10_000  # cases whose sources one round of reads fetches (rebuild, verify)


def _year(moment: datetime) -> int:
    return aware(moment).year


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def _who(party: Any) -> str:
    return (party.credit_code or party.name or "").strip()


@dataclass(frozen=True)
class _Source:
    """What one case's facts are derived from, read in bulk."""

    case: Any
    clocks: Sequence[Any]
    pauses: Sequence[tuple[datetime, datetime | None]]
    parties: Sequence[Any] | None  # None: keep what the facts held
    rights: Sequence[int] | None


def clock_fact(k: Any) -> ClockFact | None:
    """What a clock row says for the measures: an agency clock that ended or ran out."""
    if k.party:
        return None
    if k.status == "stopped" and k.stopped_at is not None:
        met = k.expired_at is None and k.stopped_at <= k.due_at
        return ClockFact(k.name, _year(k.stopped_at), met, bool(k.target), k.id)
    if k.expired_at is not None:
        return ClockFact(k.name, _year(k.expired_at), False, bool(k.target), k.id, open=True)
    return None


def derive(src: _Source, previous: CaseFacts | None) -> CaseFacts:
    """A case's facts from its row, clocks, pauses, parties and rights (where ``parties`` or
    ``rights`` is None, the previous facts' are kept: they did not change)."""
    c = src.case
    data = c.data or {}
    closed = c.closed_at
    clocks = [f for f in map(clock_fact, src.clocks) if f is not None]
    if src.parties is None and previous is not None:
        holder, origin = previous.holder, previous.origin
        respondents, firm_key = previous.respondents, previous.firm
    else:
        parties = src.parties or ()
        holders = [p for p in parties if p.role in HOLDER_ROLES]
        holder = holders[0].name.strip() if holders else None  # a group is named by it
        origin = holders[0].origin if holders else ""
        respondents = tuple(sorted({_who(p) for p in parties if p.role in RESPONDENT_ROLES}
                                   - {""}))
        firms = [p for p in parties if p.role in FIRM_ROLES]
        firm_key = _who(firms[0]) if firms else None
    if src.rights is None and previous is not None:
        rights, patent = previous.rights, previous.patent
    else:
        rights = tuple(str(r) for r, _kind in sorted(src.rights or ()))
        patent = any(kind in PATENT_KINDS for _r, kind in src.rights or ())
    handling = on_time = None
    if closed is not None:
        start = naive_utc(datetime.combine(c.received_on, time(), TZ))
        handling = measures.handled_seconds(start, closed, src.pauses)
        on_time = all(k.met for k in clocks if not k.target)
    grant_days = grant_year = None
    if c.case_type == "fast_track_preexam" and c.status == "granted":
        filed, granted = _day(data.get("filing_date")), _day(data.get("grant_notice_on"))
        if filed and granted:
            grant_days = (granted - filed).days
            grant_year = _year(closed) if closed is not None else granted.year
    referral = c.case_type == "mediation" and (
        str(data.get("mediation_type", "")).startswith("court_") or "court_reference_no" in data)
    assisted = c.case_type == "rights_assistance" and c.status == "closed"
    return CaseFacts(
        case_id=c.id, agency_id=c.agency_id, case_type=c.case_type, officer_id=c.assignee_id,
        industry=c.industry or "", origin=origin or "",
        opened_year=c.received_on.year,
        closed_year=_year(closed) if closed is not None else None,
        on_time=on_time, handling_seconds=handling,
        overdue_year=measures.overdue_year(clocks, _year(closed) if closed else None),
        court_referral=referral,
        firm=(firm_key or None) if c.case_type == "rights_assistance" else None,
        assisted=assisted,
        grant_days=grant_days, grant_year=grant_year,
        clocks=tuple(sorted(clocks, key=measures.clock_order)),
        rights=rights, patent=patent, holder=holder or None, respondents=respondents,
    )


def _read(conn: Connection, ids: Sequence[int], *, parties_for: set[int],
          known: dict[int, Any], span: tuple[int, int] | None = None) -> dict[int, _Source]:
    """The sources of ``ids`` in a few statements (parties and rights only for
    ``parties_for``; a row ``known`` from the write's RETURNING is not read again). With
    ``span`` the caller says ``ids`` are every case id from its first to its last, all in
    ``parties_for``: the statements select that range, not a list of ten thousand."""
    def among(column: Any, chosen: Iterable[int]) -> Any:
        return column.between(*span) if span else column.in_(chosen)

    want = [i for i in ids if i not in known]
    rows = dict(known)
    if want:
        for r in conn.execute(select(*(_CASES.c[n] for n in _CASE_COLUMNS))
                              .where(among(_CASES.c.id, want))):
            rows[r.id] = r
    if span:  # a case committed since the ids were listed is not the caller's to derive
        rows = {i: rows[i] for i in ids if i in rows}
    clocks: dict[int, list] = {i: [] for i in ids}
    for r in conn.execute(select(*_CLOCK_COLUMNS).where(among(_CLOCKS.c.case_id, ids))):
        if r.case_id in clocks:
            clocks[r.case_id].append(r)
    closed = [i for i in ids if i in rows and rows[i].closed_at is not None]
    pauses: dict[int, list] = {i: [] for i in ids}
    if closed:
        closed_ids = set(closed)
        for r in conn.execute(
                select(_CLOCKS.c.case_id, _SEGMENTS.c.started_at, _SEGMENTS.c.ended_at)
                .join(_CLOCKS, _CLOCKS.c.id == _SEGMENTS.c.clock_id)
                .where(among(_CLOCKS.c.case_id, closed), _CLOCKS.c.party.is_(False),
                       _CLOCKS.c.target.is_(False))):
            if r.case_id in closed_ids:
                pauses[r.case_id].append((r.started_at, r.ended_at))
    parties: dict[int, list] = {i: [] for i in parties_for}
    rights: dict[int, list] = {i: [] for i in parties_for}
    if parties_for:
        for r in conn.execute(select(_PARTIES.c.case_id, _PARTIES.c.role, _PARTIES.c.name,
                                     _PARTIES.c.credit_code, _PARTIES.c.origin)
                              .where(among(_PARTIES.c.case_id, parties_for))
                              .order_by(_PARTIES.c.id)):
            if r.case_id in parties:
                parties[r.case_id].append(r)
        for r in conn.execute(select(_RIGHTS.c.case_id, _RIGHTS.c.ip_right_id, _IP.c.kind)
                              .join(_IP, _IP.c.id == _RIGHTS.c.ip_right_id)
                              .where(among(_RIGHTS.c.case_id, parties_for))):
            if r.case_id in rights:
                rights[r.case_id].append((r.ip_right_id, r.kind))
    return {i: _Source(rows[i], clocks[i], pauses[i], parties.get(i), rights.get(i))
            for i in ids if i in rows}


def _stored(conn: Connection, ids: Sequence[int]) -> dict[int, CaseFacts]:
    return {r.case_id: CaseFacts.from_json(r.facts) for r in conn.execute(
        select(_FACTS.c.case_id, _FACTS.c.facts).where(_FACTS.c.case_id.in_(ids)))}


def _columns(f: CaseFacts) -> dict[str, Any]:
    return {"case_id": f.case_id, "agency_id": f.agency_id, "case_type": f.case_type,
            "officer_id": f.officer_id, "industry": f.industry, "origin": f.origin,
            "opened_year": f.opened_year, "closed_year": f.closed_year, "on_time": f.on_time,
            "handling_days": f.handling_days, "overdue_year": f.overdue_year,
            "court_referral": f.court_referral, "firm": f.firm if f.assisted else None,
            "facts": f.to_json()}


def _upsert(conn: Connection):  # type: ignore[no-untyped-def]
    return (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(_TALLIES)


def _increments(conn: Connection):  # type: ignore[no-untyped-def]
    """INSERT … ON CONFLICT adding the row's n and total to the cell's."""
    stmt = _upsert(conn)
    return stmt.on_conflict_do_update(
        index_elements=list(_KEY_COLUMNS),
        set_={"n": _TALLIES.c.n + stmt.excluded.n, "total": _TALLIES.c.total + stmt.excluded.total})


def apply(conn: Connection, delta: Tallies) -> None:
    """Move the tallies by ``delta``: the cells of distinct values first (a right's
    respondent, a year's firm), each saying whether its count gains or loses one, then every
    other cell — each batch one statement, in key
    order (two writers lock rows in one order, so neither waits on the other in a circle)."""
    cells = delta.cells()
    pairs = [{**k._asdict(), "n": n, "total": t} for k, (n, t) in cells.items()
             if measures.counted_in(k) is not None]
    groups = Tallies()
    if pairs:
        result = conn.execute(_increments(conn).returning(_TALLIES.c.n,
                                                          sort_by_parameter_order=True), pairs)
        for new_n, params in zip(result.scalars().all(), pairs, strict=True):
            step = measures.crossing(new_n, params["n"])
            if step:
                groups.add(measures.counted_in(TallyKey(*(params[k] for k in _KEY_COLUMNS))),
                           step)
    rest = Tallies()
    for key, (n, total) in cells.items():
        if measures.counted_in(key) is None:
            rest.add(key, n, total)
    rest.merge(groups)
    others = [{**k._asdict(), "n": n, "total": t} for k, (n, t) in rest.cells().items()]
    if others:
        conn.execute(_increments(conn), others)


def _may_change(rows: set[str], row: Any) -> bool:
    """Whether the rows a unit of work touched can change the case's facts (the hot path: a
    plain step of a case whose row the step's UPDATE returned is skipped without a read)."""
    if not any(r.startswith(_RELEVANT) for r in rows):
        return False
    return not (rows <= _STEP_ROWS and row is not None and "case_type" in row
                and row["case_type"] not in _DATA_FACT_TYPES)


class FactsKeeper:
    """What the unit of work calls before it commits (see ``UnitOfWork.commit``)."""

    def keep(self, conn: Connection, touched: dict[int, set[str]],
             known: dict[int, Any]) -> None:
        ids = sorted(cid for cid, rows in touched.items() if _may_change(rows, known.get(cid)))
        if not ids:
            return
        old = _stored(conn, ids)
        changed: dict[int, CaseFacts] = {}
        # an open case whose clocks alone changed (a sweep's expiry): only those clocks read
        only_clocks = {cid: _clock_ids(touched[cid]) for cid in ids
                       if cid in old and old[cid].closed_year is None
                       and _clock_ids(touched[cid]) is not None}
        if only_clocks:
            wanted = sorted({k for ks in only_clocks.values() for k in ks})
            rows = {r.id: r for r in conn.execute(
                select(*_CLOCK_COLUMNS).where(_CLOCKS.c.id.in_(wanted)))}
            for cid, clock_ids in only_clocks.items():
                changed[cid] = old[cid].with_clocks(
                    {k: clock_fact(rows[k]) if k in rows else None for k in clock_ids})
        rest = [cid for cid in ids if cid not in only_clocks]
        if rest:
            parties_for = {cid for cid in rest if cid not in old
                           or any(r.startswith(_PARTY_ROWS) for r in touched[cid])}
            sources = _read(conn, rest, parties_for=parties_for,
                            known={i: known[i] for i in rest if i in known
                                   and "industry" in known[i]})
            for cid in rest:
                if cid in sources:
                    changed[cid] = derive(sources[cid], old.get(cid))
        delta = Tallies()
        inserts, updates = [], []
        for cid in sorted(changed):
            new, before = changed[cid], old.get(cid)
            if new == before:
                continue
            delta.merge(measures.contributions(new))
            if before is None:
                inserts.append(_columns(new))
            else:
                delta.merge(measures.contributions(before), sign=-1)
                updates.append({**{f"v_{k}": v for k, v in _columns(new).items()
                                   if k != "case_id"}, "key": cid})
        if inserts:
            conn.execute(insert(_FACTS), inserts)
        if updates:
            conn.execute(update(_FACTS).where(_FACTS.c.case_id == bindparam("key"))
                         .values({c[2:]: bindparam(c) for c in updates[0] if c != "key"}),
                         updates)
        if delta.cells():
            apply(conn, delta)


def _clock_ids(rows: set[str]) -> list[int] | None:
    """The clocks a unit of work changed, if clocks and the audit head are all it changed."""
    ids = [int(r.split("#", 1)[1]) for r in rows if r.startswith("clocks#")]
    if not ids or any(not r.startswith("clocks#") and r not in _BOOKKEEPING for r in rows):
        return None
    return ids


KEEPER = FactsKeeper()


def _all_ids(conn: Connection) -> list[int]:
    return list(conn.execute(select(_CASES.c.id).order_by(_CASES.c.id)).scalars())


def derive_all(conn: Connection, ids: Iterable[int] | None = None
               ) -> Iterable[CaseFacts]:
    """Every case's facts derived from the tables, in chunks."""
    every = ids is None  # all the ids in order: a chunk is every id in its range
    ids = list(ids) if ids is not None else _all_ids(conn)
    for at in range(0, len(ids), READ_CHUNK):
        chunk = ids[at:at + READ_CHUNK]
        sources = _read(conn, chunk, parties_for=set(chunk), known={},
                        span=(chunk[0], chunk[-1]) if every else None)
        for cid in chunk:
            if cid in sources:
                yield derive(sources[cid], None)


def tallies_of(facts: Iterable[CaseFacts]) -> Tallies:
    """The tallies a set of facts adds up to, group respondent counts included."""
    total = Tallies()
    for f in facts:
        total.merge(measures.contributions(f))
    total.merge(measures.distinct_counts(total.n))
    return total


def _fast_columns(f: CaseFacts) -> dict[str, Any]:
    """``_columns`` without ``dataclasses.asdict``'s deep copies (a rebuild writes every
    case's facts; ``rebuild`` checks the two agree)."""
    facts = {**f.__dict__, "clocks": tuple({**c.__dict__} for c in f.clocks)}
    return {"case_id": f.case_id, "agency_id": f.agency_id, "case_type": f.case_type,
            "officer_id": f.officer_id, "industry": f.industry, "origin": f.origin,
            "opened_year": f.opened_year, "closed_year": f.closed_year, "on_time": f.on_time,
            "handling_days": f.handling_days, "overdue_year": f.overdue_year,
            "court_referral": f.court_referral, "firm": f.firm if f.assisted else None,
            "facts": facts}


class _Rows:
    """Rows (tuples in ``names`` order) into a table in batches: COPY on PostgreSQL (a
    rebuild writes millions), an executemany INSERT otherwise."""

    def __init__(self, conn: Connection, table: Any, names: Sequence[str]) -> None:
        self.conn, self.table, self.names = conn, table, tuple(names)
        self.rows: list[tuple] = []
        self.copy = conn.dialect.name == "postgresql"
        self.json_at = [i for i, n in enumerate(self.names) if isinstance(table.c[n].type, JSON)]

    def add(self, row: tuple) -> None:
        self.rows.append(row)
        if len(self.rows) >= 50 * CHUNK:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        if not self.copy:
            for at in range(0, len(self.rows), CHUNK):
                self.conn.execute(insert(self.table), [dict(zip(self.names, r, strict=True))
                                                       for r in self.rows[at:at + CHUNK]])
        else:
            raw = self.conn.connection.driver_connection
            with raw.cursor() as cur, cur.copy(
                    f"COPY {self.table.name} ({', '.join(self.names)}) FROM STDIN") as copy:
                for row in self.rows:
                    if self.json_at:
                        row = list(row)
                        for i in self.json_at:
                            row[i] = json.dumps(row[i])
                    copy.write_row(row)
        self.rows = []


def rebuild_report_data(uow: UnitOfWork, *, actor: str, reason: str) -> tuple[int, int]:
    """An admin's repair: every case's facts and every tally derived afresh, recorded as a
    system event with who, when, why and the counts; returns (cases, tally rows)."""
    with uow:
        require_admin(uow, actor, "rebuilds the report data")
        reason = require_reason(check_reason(reason), "rebuilding the report data")
        cases, rows = rebuild(uow.connection)
        uow.session.add(SystemEvent(kind="report_data_rebuilt", actor=actor, at=uow.now(),
                                    reason=reason, payload={"cases": cases, "tallies": rows}))
        uow.commit()
        return cases, rows


def rebuild(conn: Connection) -> tuple[int, int]:
    """Derive every case's facts and the tallies afresh (in the caller's transaction);
    returns (cases, tally rows). On PostgreSQL the two tables are locked first: a writer's
    keeper waits for the rebuilt facts rather than moving tallies from facts being replaced."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("LOCK TABLE case_facts, report_tallies IN ACCESS EXCLUSIVE MODE"))
    conn.execute(delete(_TALLIES))
    conn.execute(delete(_FACTS))
    everything = Tallies()
    n_of, total_of = everything.n, everything.total
    facts_rows: _Rows | None = None
    count = 0
    for f in derive_all(conn):
        row = _fast_columns(f)
        if facts_rows is None:
            if row != _columns(f):  # pragma: no cover - a column added to one only
                raise AssertionError("report_data._fast_columns no longer matches _columns")
            facts_rows = _Rows(conn, _FACTS, list(row))
        facts_rows.add(tuple(row.values()))
        cells = measures.contributions(f)
        n_of.update(cells.n)  # Counter.update adds, as Tallies.merge does
        total_of.update(cells.total)
        count += 1
    if facts_rows is not None:
        facts_rows.flush()
    everything.merge(measures.distinct_counts(n_of))
    record_layout(conn)
    tally_rows = _Rows(conn, _TALLIES, (*_KEY_COLUMNS, "n", "total"))
    rows = 0
    for k in set(n_of) | set(total_of):  # every cell not zero on both counts, as cells()
        n, t = n_of[k], total_of[k]
        if n or t:
            tally_rows.add((*k, n, t))
            rows += 1
    tally_rows.flush()
    return count, rows


LAYOUT_SETTING = "report_layout"


def record_layout(conn: Connection) -> None:
    """Say the tallies now follow ``measures.LAYOUT`` (after a rebuild)."""
    row = {"name": LAYOUT_SETTING, "value": measures.LAYOUT, "updated_by": "system",
           "updated_at": utcnow(), "reason": "report facts and tallies rebuilt"}
    stmt = (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(_SETTINGS)
    conn.execute(stmt.values(**row).on_conflict_do_update(
        index_elements=["name"], set_={k: v for k, v in row.items() if k != "name"}))


def layout_of(conn: Connection) -> int | None:
    return conn.execute(select(_SETTINGS.c.value)
                        .where(_SETTINGS.c.name == LAYOUT_SETTING)).scalar_one_or_none()


def stored_tallies(conn: Connection) -> dict[TallyKey, tuple[int, int]]:
    return {TallyKey(*(getattr(r, k) for k in _KEY_COLUMNS)): (r.n, r.total)
            for r in conn.execute(select(_TALLIES)) if r.n or r.total}


def verify(conn: Connection) -> list[str]:
    """Where the kept facts or tallies differ from what the tables say now (empty: none)."""
    findings: list[str] = []
    if layout_of(conn) != measures.LAYOUT:
        findings.append(f"report_settings: tallies kept in layout {layout_of(conn)}, this "
                        f"version computes layout {measures.LAYOUT}")
    stored_ids = set(conn.execute(select(_FACTS.c.case_id)).scalars())
    derived = list(derive_all(conn))
    kept = {}
    for at in range(0, len(derived), CHUNK):
        kept.update(_stored(conn, [f.case_id for f in derived[at:at + CHUNK]]))
    for f in derived:
        if kept.get(f.case_id) != f:
            findings.append(f"case {f.case_id}: facts kept {kept.get(f.case_id)} "
                            f"but the tables say {f}")
    for extra in sorted(stored_ids - {f.case_id for f in derived}):
        findings.append(f"case {extra}: facts kept for a case that does not exist")
    expected = tallies_of(derived).cells()
    stored = stored_tallies(conn)
    for key in sorted(set(expected) | set(stored)):
        if expected.get(key) != stored.get(key):
            findings.append(f"tally {tuple(key)}: kept {stored.get(key)}, "
                            f"the facts add up to {expected.get(key)}")
    count = conn.execute(select(func.count()).select_from(_FACTS)).scalar_one()
    if count != len(stored_ids):  # pragma: no cover - the primary key forbids it
        findings.append("case_facts: duplicate rows")
    return findings
