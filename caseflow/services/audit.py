"""Appending to, sealing and verifying the per-case audit chains stored in the database.

The hashing and the checking rules are the domain's (``caseflow.domain.audit``); this module
moves a case's head as it appends, gathers the rows a case shows for its seal, and reads one
consistent snapshot of chains, rows and seals through the checks.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, bindparam, event, func, inspect, or_, select, update
from sqlalchemy.orm import Session

from caseflow.adapters.orm import (
    Case,
    CaseIPRight,
    CaseLink,
    Clock,
    ClockExtension,
    ClockSegment,
    Event,
    Evidence,
    Handoff,
    Instalment,
    IPRight,
    MediationSession,
    Party,
    SettlementAgreement,
    SystemEvent,
)
from caseflow.domain.audit import (
    AuditEntry,
    AuditProblem,
    Keyring,
    canonical_value,
    check_seal,
    next_link,
    row_digest,
    seal_digests,
    seal_verifies,
    verify_case,
)
from caseflow.domain.limits import check_reason
from caseflow.services.access import get_case, require_admin, require_reason
from caseflow.services.unit_of_work import UnitOfWork


def append_event(session: Session, case: Case, kind: str, **fields: Any) -> Event:
    """Append one event to the case's chain and move the case's head. Caller commits."""
    if case.id is None:
        session.flush()
    uow: UnitOfWork = session.info["caseflow_uow"]
    values = next_link(case.id, case.audit_seq, case.audit_head, kind, key=uow.audit_key,
                       **fields)
    event = Event(**values)
    session.add(event)
    case.audit_seq = values["seq"]
    case.audit_head = values["hash"]
    uow.touch(case.id, "cases.audit_seq", "cases.audit_head")
    return event


def append_entry(session: Session, case: Case, entry: AuditEntry, *, actor: str, channel: str,
                 at: Any) -> Event:
    """Append an entry a service prepared (see ``AuditEntry``) to the case's chain."""
    return append_event(session, case, entry.kind, actor=actor, channel=channel, at=at,
                        reason=entry.reason, payload=dict(entry.payload))


# --- what a case shows: the rows its seal covers -----------------------------------------

# The case's own columns, each sealed on its own so a finding names the column.
_CASE_COLUMNS = ("number", "case_type", "workflow_key", "workflow_version", "status", "version",
                 "agency_id", "assignee_id", "title", "received_on", "data", "created_at",
                 "closed_at", "audit_seq", "audit_head")
# Bookkeeping the sweep moves on every pass, without an event: not part of what a case shows.
_UNSEALED = {"clocks": {"next_check_at", "version"}}


def _row_values(table: str, row: Any) -> dict[str, Any]:
    skip = _UNSEALED.get(table, set())
    return {k: canonical_value(v) for k, v in row._mapping.items()
            if k not in skip and not k.startswith("_owner")}


def _owned(model: Any, owner: Any) -> Any:
    return select(model.__table__, owner.label("_owner"))


def _group_queries(ids: Any) -> dict[str, Any]:
    """Per sealed table, the query for the rows of the cases ``ids`` (labelled by owner)."""
    return {
        "parties": _owned(Party, Party.case_id).where(Party.case_id.in_(ids)),
        "ip_rights": select(IPRight.__table__, CaseIPRight.case_id.label("_owner"))
        .join(CaseIPRight, CaseIPRight.ip_right_id == IPRight.id)
        .where(CaseIPRight.case_id.in_(ids)),
        "evidence": _owned(Evidence, Evidence.case_id).where(Evidence.case_id.in_(ids)),
        "clocks": _owned(Clock, Clock.case_id).where(Clock.case_id.in_(ids)),
        "clock_segments": select(ClockSegment.__table__, Clock.case_id.label("_owner"))
        .join(Clock, Clock.id == ClockSegment.clock_id).where(Clock.case_id.in_(ids)),
        "clock_extensions": select(ClockExtension.__table__, Clock.case_id.label("_owner"))
        .join(Clock, Clock.id == ClockExtension.clock_id).where(Clock.case_id.in_(ids)),
        "handoffs": _owned(Handoff, Handoff.case_id).where(Handoff.case_id.in_(ids)),
        "mediation_sessions": _owned(MediationSession, MediationSession.case_id)
        .where(MediationSession.case_id.in_(ids)),
        "settlement_agreements": _owned(SettlementAgreement, SettlementAgreement.case_id)
        .where(SettlementAgreement.case_id.in_(ids)),
        "instalments": select(Instalment.__table__, SettlementAgreement.case_id.label("_owner"))
        .join(SettlementAgreement, SettlementAgreement.id == Instalment.agreement_id)
        .where(SettlementAgreement.case_id.in_(ids)),
    }


_IDS = bindparam("ids", expanding=True)
_GROUP_QUERIES = _group_queries(_IDS)  # built once: constructing statements is not free
_CASES_OF = select(Case.__table__).where(Case.__table__.c.id.in_(_IDS))
_LINKS_OF = select(CaseLink.__table__).where(or_(CaseLink.__table__.c.from_case_id.in_(_IDS),
                                                 CaseLink.__table__.c.to_case_id.in_(_IDS)))
GROUPS = ("cases", "parties", "ip_rights", "evidence", "clocks", "clock_segments",
          "clock_extensions", "handoffs", "mediation_sessions", "settlement_agreements",
          "instalments", "case_links")


def group_of(row: str) -> str:
    """``cases.status`` → ``cases``; ``clocks#12`` → ``clocks``."""
    return row.split("#", 1)[0].split(".", 1)[0]


def case_rows(conn: Connection, case_ids: list[int], groups: Iterable[str] = GROUPS,
              seals: dict[int, Any] | None = None) -> dict[int, dict[str, dict[str, Any]]]:
    """The rows each case shows, named ``cases.status`` … / ``clocks#12`` …, in canonical
    form — of every sealed table, or of ``groups`` only; fills ``seals`` with each case's
    stored seal when given."""
    rows: dict[int, dict[str, dict[str, Any]]] = {cid: {} for cid in case_ids}
    if not case_ids:
        return rows
    groups = set(groups) | {"cases"}
    for r in conn.execute(_CASES_OF, {"ids": case_ids}):
        m = r._mapping
        for col in _CASE_COLUMNS:
            rows[m["id"]][f"cases.{col}"] = {"v": canonical_value(m[col])}
        if seals is not None:
            seals[m["id"]] = m["seal"]
    for table, query in _GROUP_QUERIES.items():
        if table in groups:
            for r in conn.execute(query, {"ids": case_ids}):
                rows[r._mapping["_owner"]][f"{table}#{r._mapping['id']}"] = _row_values(table, r)
    if "case_links" in groups:
        for r in conn.execute(_LINKS_OF, {"ids": case_ids}):
            values = _row_values("case_links", r)
            for owner in (r.from_case_id, r.to_case_id):
                if owner in rows:
                    rows[owner][f"case_links#{r.id}"] = values
    return rows


_SEAL = (update(Case.__table__).where(Case.__table__.c.id == bindparam("b_id"))
         .values(seal=bindparam("seal")))

_TABLE_OF = {Party: "parties", Evidence: "evidence", Clock: "clocks", Handoff: "handoffs",
             MediationSession: "mediation_sessions",
             SettlementAgreement: "settlement_agreements"}


class CaseSealer:
    """Reseals, before each commit, the rows of each case the unit of work changed — those
    it names (``uow.touch``) and those the ORM flushed — and only those.

    The other rows of a touched case keep their sealed digests: if one of them no longer
    matches (someone changed it behind the engine), or the seal itself does not verify, the
    case is not resealed, so the next write never launders a tamper; verification keeps
    reporting it until someone looks.
    """

    def watch(self, session: Session, uow: UnitOfWork) -> None:
        @event.listens_for(session, "after_flush")
        def _collect(sess: Session, _ctx: Any) -> None:
            by_clock: dict[int, dict[str, Any]] = defaultdict(dict)
            by_agreement: dict[int, dict[str, Any]] = defaultdict(dict)
            for obj in (*sess.new, *sess.dirty, *sess.deleted):
                fresh = obj in sess.new
                if isinstance(obj, Case):
                    state = inspect(obj)
                    changed = [c for c in _CASE_COLUMNS if fresh
                               or state.attrs[c].history.has_changes()]
                    before = {} if fresh else {
                        f"cases.{c}": {"v": canonical_value(state.attrs[c].history.deleted[0])}
                        for c in changed if c != "version" and state.attrs[c].history.deleted}
                    # the version counter moves in the UPDATE itself, unseen by history
                    uow.touch(obj.id, "cases.version", *(f"cases.{c}" for c in changed),
                              before=before)
                elif isinstance(obj, Event):
                    uow.touch(obj.case_id, "cases.audit_seq", "cases.audit_head")
                elif type(obj) in _TABLE_OF:
                    name = f"{_TABLE_OF[type(obj)]}#{obj.id}"
                    uow.touch(obj.case_id, name, before=_images(name, obj, fresh))
                elif isinstance(obj, CaseIPRight):
                    uow.touch(obj.case_id, f"ip_rights#{obj.ip_right_id}")
                elif isinstance(obj, CaseLink):
                    name = f"case_links#{obj.id}"
                    for owner in (obj.from_case_id, obj.to_case_id):
                        uow.touch(owner, name, before=_images(name, obj, fresh))
                elif isinstance(obj, ClockSegment | ClockExtension):
                    table = "clock_segments" if isinstance(obj, ClockSegment) else \
                        "clock_extensions"
                    name = f"{table}#{obj.id}"
                    by_clock[obj.clock_id].update({name: _image(name, obj, fresh)})
                elif isinstance(obj, Instalment):
                    name = f"instalments#{obj.id}"
                    by_agreement[obj.agreement_id].update({name: _image(name, obj, fresh)})
            conn = sess.connection()
            for owners, model, found in ((by_clock, Clock, Clock.case_id),
                                         (by_agreement, SettlementAgreement,
                                          SettlementAgreement.case_id)):
                if owners:
                    for owner_id, case_id in conn.execute(
                            select(model.id, found).where(model.id.in_(owners))):
                        images = owners[owner_id]
                        uow.touch(case_id, *images, before={
                            k: v for k, v in images.items() if v is not None})

    def seal(self, connection: Connection, keyring: Keyring, touched: dict[int, set[str]],
             before: dict[int, dict[str, Any]], known: dict[int, Any] | None = None) -> None:
        ids = sorted(cid for cid in touched if cid is not None)
        new_cases = [cid for cid in ids if "cases.number" in touched[cid]]
        groups = {group_of(row) for cid in ids for row in touched[cid]}
        seals: dict[int, Any] = {}
        queried = set(GROUPS) if new_cases else groups | {"cases"}
        if not new_cases and queried == {"cases"} and known and all(c in known for c in ids):
            # the cases rows as this unit of work's own writes returned them, under their row
            # locks: what reading them again would give (a transition's one UPDATE)
            rows = {cid: {f"cases.{col}": {"v": canonical_value(known[cid][col])}
                          for col in _CASE_COLUMNS} for cid in ids}
            seals = {cid: known[cid]["seal"] for cid in ids}
        else:
            rows = case_rows(connection, ids, queried, seals)
        key = keyring.current
        params = []
        for cid in ids:
            if not rows[cid]:
                continue  # deleted in this unit of work
            if cid in new_cases:
                digests = {name: row_digest(v) for name, v in rows[cid].items()}
            else:
                digests = _resealed(cid, seals.get(cid), rows[cid], touched[cid],
                                    before.get(cid, {}), queried, keyring)
                if digests is None:
                    continue
            params.append({"b_id": cid, "seal": seal_digests(cid, digests, key)})
        if params:
            connection.execute(_SEAL, params)


def _resealed(case_id: int, seal: Any, current: dict[str, dict[str, Any]], changed: set[str],
              before: dict[str, Any], read: set[str], keyring: Keyring) -> dict[str, str] | None:
    """The case's digests with the changed rows' replaced; None if the stored seal, an
    unchanged row, or what a changed row held before this change no longer verifies (a
    tamper to leave on record, not to launder)."""
    if not seal_verifies(case_id, seal, keyring):
        return None
    digests = dict(seal["rows"])
    for name, image in before.items():
        if digests.get(name) != row_digest(image):
            return None
    for name, values in current.items():
        digest = row_digest(values)
        if name in changed:
            digests[name] = digest
        elif digests.get(name) != digest:
            return None
    for name in [n for n in digests if group_of(n) in read and n not in current]:
        if name not in changed:
            return None
        del digests[name]
    return digests


def _image(name: str, obj: Any, fresh: bool) -> dict[str, Any] | None:
    """What an ORM row held before this flush changed it, in sealed form (None for a new
    row, or where an attribute's old value was never loaded)."""
    if fresh:
        return None
    return row_image(group_of(name), obj)


def _images(name: str, obj: Any, fresh: bool) -> dict[str, Any]:
    image = _image(name, obj, fresh)
    return {} if image is None else {name: image}


def row_image(table: str, obj: Any) -> dict[str, Any] | None:
    """The sealed form of an ORM row as it was loaded (its pending changes undone)."""
    state = inspect(obj)
    skip = _UNSEALED.get(table, set())
    values: dict[str, Any] = {}
    counter = state.mapper.version_id_col
    updated = any(state.attrs[a.key].history.has_changes() for a in state.mapper.column_attrs)
    for attr in state.mapper.column_attrs:
        column = attr.columns[0].name
        if column in skip:
            continue
        if counter is not None and attr.columns[0] is counter:
            # the flush's UPDATE moved the counter on without history: one step back
            current = state.dict.get(attr.key)
            values[column] = current - 1 if updated and current is not None else current
            continue
        history = state.attrs[attr.key].history
        if history.deleted:
            values[column] = canonical_value(history.deleted[0])
        elif history.unchanged:
            values[column] = canonical_value(history.unchanged[0])
        else:
            return None  # never loaded, or set without its old value: nothing to check
    return values


SEALER = CaseSealer()


# --- verification ---------------------------------------------------------------------------

def verify_all(conn: Connection, keyring: Keyring, case_ids: list[int] | None = None,
               batch: int = 500) -> Iterator[AuditProblem]:
    """Every problem in every case's chain and seal (or the given cases'), in batches."""
    cases = Case.__table__
    query = select(cases.c.id).order_by(cases.c.id)
    if case_ids:
        query = query.where(cases.c.id.in_(case_ids))
    ids = list(conn.scalars(query))
    events = Event.__table__
    for start in range(0, len(ids), batch):
        chunk = ids[start:start + batch]
        heads = {r.id: r for r in conn.execute(
            select(cases.c.id, cases.c.number, cases.c.status, cases.c.audit_seq,
                   cases.c.audit_head, cases.c.seal).where(cases.c.id.in_(chunk)))}
        chains: dict[int, list[Any]] = defaultdict(list)
        for ev in conn.execute(select(events).where(events.c.case_id.in_(chunk))
                               .order_by(events.c.case_id, events.c.seq, events.c.id)):
            chains[ev.case_id].append(ev)
        rows = case_rows(conn, chunk)
        for cid in chunk:
            head = heads[cid]
            yield from verify_case(head, chains.get(cid, []), keyring)
            yield from check_seal(cid, head.number, head.seal, rows[cid], keyring)


@dataclass(frozen=True)
class VerifyReport:
    problems: list[AuditProblem]
    cases: int
    events: int
    checkpoint: int | None = None  # the latest checkpoint compared, if any
    notes: list[str] = field(default_factory=list)

    @property
    def first_problem(self) -> AuditProblem | None:
        return self.problems[0] if self.problems else None


ExtraCheck = Callable[[Connection, Keyring], tuple[int | None, list[AuditProblem]]]


def verify_chains(uow: UnitOfWork, case_ids: list[int] | None = None, *,
                  also: ExtraCheck | None = None, limit: int = 1000) -> VerifyReport:
    """Check the chains and seals (and ``also``, the checkpoints), all from one consistent
    snapshot; every problem found (up to ``limit``), and how many cases and events were
    checked. An unknown case id is refused, not reported intact."""
    with uow.snapshot():
        conn = uow.connection
        keyring = uow.keyring
        count_cases = select(func.count()).select_from(Case)
        count_events = select(func.count()).select_from(Event)
        if case_ids:
            for case_id in sorted(set(case_ids)):
                get_case(uow, case_id)
            count_cases = count_cases.where(Case.id.in_(case_ids))
            count_events = count_events.where(Event.case_id.in_(case_ids))
        problems: list[AuditProblem] = []
        for found in verify_all(conn, keyring, case_ids):
            problems.append(found)
            if len(problems) >= limit:
                break
        compared = None
        if also is not None:
            compared, more = also(conn, keyring)
            problems.extend(more[: max(0, limit - len(problems))])
        return VerifyReport(problems, conn.scalar(count_cases) or 0,
                            conn.scalar(count_events) or 0, compared)


def heads(conn: Connection, case_ids: Iterable[int] | None = None) -> list[Any]:
    """Every case's id, number and chain head, by id."""
    cases = Case.__table__
    query = select(cases.c.id, cases.c.number, cases.c.audit_seq,
                   cases.c.audit_head).order_by(cases.c.id)
    if case_ids:
        query = query.where(cases.c.id.in_(list(case_ids)))
    return list(conn.execute(query))


def rotate_key(uow: UnitOfWork, rotate: Callable[[], Keyring], *, actor: str,
               reason: str) -> str:
    """Make a fresh audit key current (``rotate`` writes it to the keyring file); what the
    old keys signed still verifies. Only an admin rotates, with a reason; the rotation is a
    ``system_events`` row (who, when, why, the key ids before and after). Returns the new id."""
    why = check_reason(require_reason(reason, "rotating the audit key"))
    with uow:
        require_admin(uow, actor, "rotates the audit key")
        before = uow.keyring.current_id
        after = rotate().current_id
        uow.session.add(SystemEvent(kind="audit_key_rotated", actor=actor, at=uow.now(),
                                    reason=why, payload={"from": before, "to": after}))
        uow.commit()
        return after
