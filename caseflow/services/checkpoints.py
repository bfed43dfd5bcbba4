"""Checkpoints: every case's chain head, under one Merkle root, written outside the database.

The keyed chains and seals stop anyone without the key from forging a record; they cannot stop
someone with database access from restoring an *older* copy of a case, or deleting a case
whole. A checkpoint records every case's head at a moment, in an append-only store beyond the
database's reach; each one names its predecessor's SHA-256, and its root can be lodged with a
timestamping or notarisation service (the public blockchain evidence platforms, 区块链公共存证).
Verification then compares the database with the last checkpoint: a case gone, a chain shorter
than it was, or a head rewritten before the checkpoint is reported.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from caseflow.adapters.checkpoint_store import CheckpointStore, CheckpointStoreError
from caseflow.adapters.evidence_store import EvidenceStore
from caseflow.adapters.orm import Case, Event, Evidence
from caseflow.domain.audit import AuditProblem, Keyring, canonical_json
from caseflow.domain.errors import NotFound
from caseflow.domain.merkle import inclusion_proof, leaf_hash, merkle_root, root_from_proof
from caseflow.services.access import user_and_case, visible_as
from caseflow.services.audit import VerifyReport, heads, verify_chains
from caseflow.services.unit_of_work import UnitOfWork

FORMAT = "caseflow-checkpoint/1"


@dataclass(frozen=True)
class CheckpointRecord:
    number: int
    at: str
    cases: int
    events: int
    root: str
    sha256: str
    path: str

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _mac(keyring: Keyring, key_id: str, body: dict[str, Any]) -> str | None:
    key = keyring.get(key_id)
    if key is None:
        return None
    unsigned = {k: v for k, v in body.items() if k != "mac"}
    return key.mac(canonical_json(unsigned))


def write_checkpoint(uow: UnitOfWork, store: CheckpointStore, *,
                     skip_unchanged: bool = False) -> CheckpointRecord:
    """Read every case's head from one snapshot and append a checkpoint of them (with
    ``skip_unchanged``, none when the root equals the last checkpoint's: the last is returned)."""
    with uow.snapshot():
        rows = heads(uow.connection)
        keyring = uow.keyring
        at = uow.now().isoformat(timespec="seconds") + "Z"
    leaves = [[r.id, r.number, r.audit_seq, r.audit_head] for r in rows]
    root = merkle_root([leaf_hash(*leaf) for leaf in leaves])
    for _attempt in range(5):  # another writer may take the number first: take the next
        latest = store.latest()
        if skip_unchanged and latest is not None and latest.body.get("root") == root:
            return CheckpointRecord(latest.number, str(latest.body.get("at")),
                                    int(latest.body.get("cases", 0)),
                                    int(latest.body.get("events", 0)), root, latest.sha256,
                                    str(latest.path))
        previous = None if latest is None else {
            "number": latest.number, "sha256": latest.sha256,
            "root": latest.body.get("root")}
        number = 1 if latest is None else latest.number + 1
        body: dict[str, Any] = {
            "format": FORMAT, "number": number, "at": at, "cases": len(leaves),
            "events": sum(leaf[2] for leaf in leaves), "root": root, "previous": previous,
            "leaves": leaves, "key_id": keyring.current_id,
        }
        body["mac"] = _mac(keyring, keyring.current_id, body)
        try:
            stored = store.append(number, body)
        except CheckpointStoreError:
            continue
        return CheckpointRecord(number, at, len(leaves), body["events"], root, stored.sha256,
                                str(stored.path))
    raise CheckpointStoreError("could not append a checkpoint: other writers kept taking "
                               "the next number")


def _finding(where: str, text: str, case_id: int = 0, number: str = "") -> AuditProblem:
    return AuditProblem(case_id, number, None, text, row=where)


def _check_store(store: CheckpointStore, keyring: Keyring) -> tuple[list[Any], list[AuditProblem]]:
    """The checkpoints whose files are sound, and what is wrong with the others or the chain
    of files (a number missing, a file altered, a predecessor replaced, a case dropped)."""
    found: list[AuditProblem] = []
    sound = []
    numbers = store.numbers()
    expected = 1
    previous = None
    for number in numbers:
        where = f"checkpoint {number}"
        if number != expected:
            found.append(_finding(f"checkpoint {expected}", f"missing (the next stored "
                                                            f"checkpoint is {number})"))
        expected = number + 1
        stored = store.read(number)
        body = stored.body
        if body.get("format") != FORMAT or "leaves" not in body:
            found.append(_finding(where, "unreadable or not a caseflow checkpoint"))
            previous = None
            continue
        mac = _mac(keyring, str(body.get("key_id")), body)
        if mac is None:
            found.append(_finding(where, f"unverifiable (signed with key {body.get('key_id')!r}, "
                                         "which the keyring does not hold)"))
        elif not hmac.compare_digest(mac, str(body.get("mac", ""))):
            found.append(_finding(where, "altered (its MAC does not match its content)"))
            previous = None
            continue
        leaves = body["leaves"]
        if merkle_root([leaf_hash(*leaf) for leaf in leaves]) != body.get("root"):
            found.append(_finding(where, "altered (its root does not match its leaves)"))
        if previous is not None:
            link = body.get("previous") or {}
            if link.get("sha256") != previous.sha256 or link.get("number") != previous.number:
                found.append(_finding(where, f"does not follow checkpoint {previous.number} "
                                             "(the file it names was replaced or removed)"))
            later = {leaf[0]: leaf for leaf in leaves}
            for case_id, case_number, seq, head in previous.body["leaves"]:
                now = later.get(case_id)
                if now is None:
                    found.append(_finding(where, f"dropped (checkpoint {previous.number} "
                                                 f"recorded it at event {seq})",
                                          case_id, case_number))
                elif now[2] < seq or (now[2] == seq and now[3] != head):
                    found.append(_finding(where, f"went back (checkpoint {previous.number} "
                                                 f"recorded event {seq}, this one {now[2]})",
                                          case_id, case_number))
        sound.append(stored)
        previous = stored
    return sound, found


def compare_with_checkpoints(conn: Connection, keyring: Keyring, store: CheckpointStore,
                             case_ids: list[int] | None = None
                             ) -> tuple[int | None, list[AuditProblem]]:
    """Compare the database (one snapshot, read through ``conn``) with the last sound
    checkpoint; returns its number and the findings."""
    sound, found = _check_store(store, keyring)
    if not sound:
        return None, found
    latest = sound[-1]
    wanted = set(case_ids or ())
    leaves = [leaf for leaf in latest.body["leaves"] if not wanted or leaf[0] in wanted]
    stored = {r.id: r for r in heads(conn, [leaf[0] for leaf in leaves] if wanted else None)}
    events = Event.__table__
    for start in range(0, len(leaves), 500):
        chunk = leaves[start:start + 500]
        pairs = {(leaf[0], leaf[2]) for leaf in chunk if leaf[2] > 0}
        hashes = {}
        if pairs:
            query = (select(events.c.case_id, events.c.seq, events.c.hash)
                     .where(events.c.case_id.in_({p[0] for p in pairs}),
                            events.c.seq.in_({p[1] for p in pairs})))
            hashes = {(r.case_id, r.seq): r.hash for r in conn.execute(query)
                      if (r.case_id, r.seq) in pairs}
        for case_id, number, seq, head in chunk:
            case = stored.get(case_id)
            where = f"checkpoint {latest.number}"
            if case is None:
                found.append(_finding("cases", f"deleted ({where} recorded it at event {seq})",
                                      case_id, number))
            elif case.audit_seq < seq:
                found.append(_finding("events", f"chain cut back ({where} recorded {seq} "
                                                f"events, the case now records "
                                                f"{case.audit_seq})", case_id, number))
            elif seq and hashes.get((case_id, seq)) != head:
                found.append(_finding(f"event {seq}", f"rewritten ({where} recorded another "
                                                      "head at this event)", case_id, number))
    return latest.number, found


def verify(uow: UnitOfWork, store: CheckpointStore | None,
           case_ids: list[int] | None = None, *, evidence: bool = False) -> VerifyReport:
    """Chains, seals and checkpoints, from one snapshot of the database; with ``evidence``
    also every evidence file against the digest its (sealed) row records."""
    def also(conn: Connection, keyring: Keyring) -> tuple[int | None, list[AuditProblem]]:
        number, found = (None, [])
        if store is not None:
            number, found = compare_with_checkpoints(conn, keyring, store, case_ids)
        if evidence:
            found = [*found, *check_evidence_files(conn, uow.evidence, case_ids)]
        return number, found
    return verify_chains(uow, case_ids, also=also)


def check_evidence_files(conn: Connection, files: EvidenceStore,
                         case_ids: list[int] | None = None) -> list[AuditProblem]:
    """Each evidence row's file, rehashed: missing or altered bytes are findings."""
    query = (select(Evidence.id, Evidence.case_id, Evidence.sha256, Case.number)
             .join(Case, Case.id == Evidence.case_id).order_by(Evidence.id))
    if case_ids:
        query = query.where(Evidence.case_id.in_(case_ids))
    found = []
    for row in conn.execute(query):
        problem = files.check(row.sha256)
        if problem:
            found.append(_finding(f"evidence#{row.id}", problem, row.case_id, row.number))
    return found


def list_checkpoints(store: CheckpointStore) -> list[dict[str, Any]]:
    return [{"number": c.number, "at": c.body.get("at"), "cases": c.body.get("cases"),
             "root": c.body.get("root"), "sha256": c.sha256} for c in store.all()]


def export_manifest(store: CheckpointStore, number: int | None = None) -> dict[str, Any]:
    """What to lodge with a timestamping or notarisation service for one checkpoint (the
    last by default): its file's SHA-256 and its Merkle root, and how to check them."""
    stored = store.read(number) if number is not None else store.latest()
    if stored is None:
        raise NotFound("no checkpoint has been written yet: run `caseflow audit checkpoint`")
    body = stored.body
    return {
        "format": "caseflow-notarisation/1",
        "checkpoint": stored.number, "file": stored.path.name, "file_sha256": stored.sha256,
        "merkle_root": body.get("root"), "at": body.get("at"), "cases": body.get("cases"),
        "events": body.get("events"),
        "previous_file_sha256": (body.get("previous") or {}).get("sha256"),
        "algorithm": "SHA-256; leaves sha256(0x00 | case_id US number US seq US head), "
                     "nodes sha256(0x01 | left | right), odd node carried up",
        "verify": "sha256sum of the checkpoint file must equal file_sha256; `caseflow audit "
                  "prove CASE_ID` gives one case's path to merkle_root",
    }


def prove(uow: UnitOfWork, store: CheckpointStore, case_id: int, *, actor: str,
          number: int | None = None) -> dict[str, Any]:
    """One case's inclusion proof in a checkpoint: its leaf, the path, the root — enough
    for a court or notary to check the case's head against a lodged root alone. For an
    admin, or someone of the case's own agency; to anyone else the case is unknown."""
    with uow:
        user, case = user_and_case(uow, actor, case_id)
        if "admin" not in user.roles and visible_as(uow.session, case, user)[0] != "full":
            raise NotFound(f"unknown case id {case_id}")
    stored = store.read(number) if number is not None else store.latest()
    if stored is None:
        raise NotFound("no checkpoint has been written yet: run `caseflow audit checkpoint`")
    leaves = stored.body.get("leaves", [])
    index = next((i for i, leaf in enumerate(leaves) if leaf[0] == case_id), None)
    if index is None:
        raise NotFound(f"case id {case_id} is not in checkpoint {stored.number}")
    hashes = [leaf_hash(*leaf) for leaf in leaves]
    path = inclusion_proof(hashes, index)
    root = root_from_proof(hashes[index], path)
    _id, case_number, seq, head = leaves[index]
    return {"checkpoint": stored.number, "case_id": case_id, "case_number": case_number,
            "seq": seq, "head": head, "leaf": hashes[index],
            "path": [{"side": p.side, "hash": p.hash} for p in path],
            "merkle_root": root, "matches_checkpoint_root": root == stored.body.get("root")}


def verify_for(uow: UnitOfWork, store: CheckpointStore | None, *, actor: str,
               case_ids: list[int] | None = None, evidence: bool = False) -> VerifyReport:
    """``verify`` on behalf of ``actor``: an admin checks every case (or the given ones); a
    supervisor only the cases of their own agency (the given ones, else all of them) — any
    other case id is unknown to them, as if missing. Anyone else is refused. ``notes`` say
    what the check could not see."""
    from dataclasses import replace

    from caseflow.domain.errors import PermissionDenied
    from caseflow.services.access import get_case, get_user

    with uow:
        user = get_user(uow, actor)
        is_admin, agency = "admin" in user.roles, user.agency.code
        wanted = sorted(set(case_ids)) if case_ids else None
        if not is_admin:
            if "supervisor" not in user.roles:
                raise PermissionDenied("only an admin or a supervisor verifies the audit trail")
            own = set(uow.session.scalars(select(Case.id).where(
                Case.agency_id == user.agency_id)))
            for case_id in wanted or ():
                if get_case(uow, case_id).id not in own:
                    raise NotFound(f"unknown case id {case_id}")
            wanted = wanted or sorted(own)
            if not wanted:
                return VerifyReport([], 0, 0, None, [f"{agency} has no cases"])
    report = verify(uow, store, wanted, evidence=evidence)
    notes = list(report.notes)
    if report.checkpoint is None:
        notes.append("no checkpoint to compare with: a case deleted whole, or the database "
                     "restored from an older copy, would not be seen")
    if not is_admin:
        notes.append(f"only the cases of {agency} were checked")
    return replace(report, notes=notes)
