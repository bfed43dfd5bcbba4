"""The audit chain's rules: how an event is keyed and linked, how a case's rows are sealed
against its chain, and how both are checked.

Each case has its own chain (``seq`` 1, 2, 3 …), so writers on different cases never contend.
An event's hash is an HMAC-SHA256, under a secret kept outside the database (named by
``key_id``, so keys can be rotated), over its content and the previous event's hash; the case
row keeps the head (``audit_seq``, ``audit_head``). Every other row a case shows — its own
columns, parties, rights, clocks and their pauses and extensions, handoffs, mediation records,
evidence and links — is *sealed*: the case row carries an HMAC over a digest of each of those
rows, written in the same transaction as the change. Without the key nobody can forge an event,
recompute a chain, or change, add or delete a sealed row unseen; an old copy of a case restored
whole (rows, chain and seal together) is caught by the checkpoints (``caseflow.domain.merkle``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol

from caseflow.domain.moments import utcnow

GENESIS = "0" * 64


@dataclass(frozen=True)
class AuditKey:
    """One secret of the keyring: ``id`` is stored beside what it signed."""

    id: str
    secret: bytes

    def mac(self, message: bytes) -> str:
        return hmac.new(self.secret, message, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Keyring:
    """The audit keys: the current one signs, every one (old ones after a rotation) verifies."""

    current_id: str
    keys: Mapping[str, bytes]

    @property
    def current(self) -> AuditKey:
        return AuditKey(self.current_id, self.keys[self.current_id])

    def get(self, key_id: str | None) -> AuditKey | None:
        if key_id is None or key_id not in self.keys:
            return None
        return AuditKey(key_id, self.keys[key_id])


@dataclass(frozen=True)
class AuditEntry:
    """An event a service has decided to append to a case's chain (a clock started, an
    outcome reported back): what happened, its payload and why; who and when are added as
    it is appended."""

    kind: str
    payload: Mapping[str, Any]
    reason: str | None = None


def canonical_value(value: Any) -> Any:
    """A stored value in the one form hashing sees on either database."""
    if isinstance(value, datetime):
        return value.isoformat(timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def canonical_json(value: Any) -> bytes:
    """Sorted keys, no whitespace, UTF-8: the bytes a MAC or digest is taken over."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                      default=_json_default).encode("utf-8")


def _json_default(value: Any) -> Any:
    converted = canonical_value(value)
    return converted if converted is not value else str(value)


def event_hash(
    *, key: AuditKey, case_id: int, seq: int, kind: str, actor: str, channel: str, at: datetime,
    source_state: str | None, target_state: str | None, trigger: str | None,
    reason: str | None, payload: dict[str, Any], prev_hash: str,
) -> str:
    """HMAC-SHA256 under ``key`` over a canonical JSON encoding of the event and its key id."""
    body = {
        "case_id": case_id, "seq": seq, "kind": kind, "actor": actor, "channel": channel,
        "at": canonical_value(at), "source_state": source_state, "target_state": target_state,
        "trigger": trigger, "reason": reason, "payload": payload, "prev_hash": prev_hash,
        "key_id": key.id,
    }
    return key.mac(canonical_json(body))


def next_link(
    case_id: int, head_seq: int, head_hash: str, kind: str, *, key: AuditKey, actor: str,
    channel: str = "service", source_state: str | None = None, target_state: str | None = None,
    trigger: str | None = None, reason: str | None = None,
    payload: dict[str, Any] | None = None, at: datetime | None = None,
) -> dict[str, Any]:
    """The column values of the event that follows ``head_seq``/``head_hash`` on a case."""
    at = at or utcnow()
    payload = json.loads(json.dumps(payload or {}, ensure_ascii=False, default=str))
    seq = (head_seq or 0) + 1
    prev = head_hash or GENESIS
    values = {
        "case_id": case_id, "seq": seq, "kind": kind, "actor": actor, "channel": channel,
        "at": at, "source_state": source_state, "target_state": target_state,
        "trigger": trigger, "reason": reason, "payload": payload, "prev_hash": prev,
    }
    values["hash"] = event_hash(key=key, **values)
    values["key_id"] = key.id
    return values


@dataclass(frozen=True)
class AuditProblem:
    """One finding: which case, which row (an event ``seq``, or a table row such as
    ``clocks#12`` or a case column ``cases.status``) and what differs."""

    case_id: int
    case_number: str
    seq: int | None
    problem: str
    row: str | None = None

    @property
    def where(self) -> str:
        if self.row is not None:
            return self.row
        return f"event {self.seq}"

    def __str__(self) -> str:
        if not self.case_number:  # a finding about the checkpoint store, not one case
            return f"{self.where}: {self.problem}"
        return f"case {self.case_number} (id {self.case_id}) {self.where}: {self.problem}"


class ChainHead(Protocol):
    """What verification reads of a case: its identity, state and the head it records."""

    id: int
    number: str
    status: str
    audit_seq: int
    audit_head: str


def verify_case(case: ChainHead, events: Sequence[Any], keyring: Keyring) -> list[AuditProblem]:
    """Every problem in one case's chain (empty if it is intact), and whether the case's
    state is the one its chain leads to: each event that moves a case must move it on from
    where the previous one left it. After a break in the sequence or the links the rest of
    the chain cannot be trusted, so checking stops there."""
    prev = GENESIS
    expected_seq = 1
    state: str | None = None  # where the chain has moved the case so far
    found: list[AuditProblem] = []

    def problem(seq: int, text: str) -> list[AuditProblem]:
        found.append(AuditProblem(case.id, case.number, seq, text))
        return found

    for ev in events:
        if ev.seq != expected_seq:
            if ev.seq > expected_seq:
                return problem(expected_seq, f"missing (next stored event is {ev.seq})")
            return problem(ev.seq, "inserted (sequence number repeats or goes back)")
        if ev.seq > case.audit_seq:
            return problem(ev.seq, "inserted (stored beyond the head the case records, "
                                   f"seq {case.audit_seq})")
        if ev.prev_hash != prev:
            return problem(ev.seq, "inserted or reordered (previous-hash link broken)")
        key = keyring.get(getattr(ev, "key_id", None))
        if key is None:
            problem(ev.seq, f"forged or unverifiable (signed with key {ev.key_id!r}, "
                            "which the keyring does not hold)")
        else:
            recomputed = event_hash(
                key=key, case_id=ev.case_id, seq=ev.seq, kind=ev.kind, actor=ev.actor,
                channel=ev.channel, at=ev.at, source_state=ev.source_state,
                target_state=ev.target_state, trigger=ev.trigger, reason=ev.reason,
                payload=ev.payload, prev_hash=ev.prev_hash,
            )
            if not hmac.compare_digest(recomputed, ev.hash or ""):
                problem(ev.seq, "altered or forged (content does not match its keyed hash)")
        if ev.source_state is not None and state is not None and ev.source_state != state:
            problem(ev.seq, f"state jumped outside the engine (the chain left the case in "
                            f"{state!r}, this event moves it on from {ev.source_state!r})")
        if ev.target_state is not None:
            state = ev.target_state
        prev = ev.hash
        expected_seq += 1
    status = getattr(case, "status", None)
    if state is not None and status is not None and status != state and not found:
        found.append(AuditProblem(case.id, case.number, None, f"altered (the case is in "
                                  f"{status!r}, its chain ends in {state!r})",
                                  row="cases.status"))
    if case.audit_seq != expected_seq - 1 or (case.audit_head or GENESIS) != prev:
        if case.audit_seq > expected_seq - 1:
            return problem(expected_seq, f"missing (the case records {case.audit_seq} events, "
                                         f"{expected_seq - 1} are stored)")
        if case.audit_seq < expected_seq - 1:
            return problem(case.audit_seq + 1, "inserted (stored beyond the head the case "
                                               f"records, seq {case.audit_seq})")
        return problem(expected_seq - 1, "altered (the case's chain head does not match)")
    return found


# --- seals: every row a case shows, checked against its chain ------------------------------

def row_digest(values: Mapping[str, Any]) -> str:
    """A short digest of one row's canonical content (the seal's MAC protects the set)."""
    return hashlib.sha256(canonical_json(dict(values))).hexdigest()[:32]


def seal_digests(case_id: int, digests: Mapping[str, str], key: AuditKey) -> dict[str, Any]:
    """The seal of a case: a digest per row (``cases.status``, ``clocks#12`` …) and an HMAC
    over all of them and the case id, under ``key``."""
    return {"k": key.id, "rows": dict(digests), "mac": _seal_mac(case_id, digests, key)}


def _seal_mac(case_id: int, digests: Mapping[str, str], key: AuditKey) -> str:
    return key.mac(canonical_json({"case_id": case_id, "rows": dict(digests)}))


def seal_verifies(case_id: int, seal: Any, keyring: Keyring) -> bool:
    """Whether a stored seal is well formed and its MAC verifies under the key it names."""
    if not isinstance(seal, Mapping) or not isinstance(seal.get("rows"), Mapping):
        return False
    key = keyring.get(seal.get("k"))
    if key is None:
        return False
    return hmac.compare_digest(_seal_mac(case_id, seal["rows"], key), str(seal.get("mac", "")))


def check_seal(case_id: int, case_number: str, seal: Mapping[str, Any] | None,
               rows: Mapping[str, Mapping[str, Any]], keyring: Keyring) -> list[AuditProblem]:
    """Compare a case's stored rows with its seal; one finding per row that differs."""
    def finding(row: str, text: str) -> AuditProblem:
        return AuditProblem(case_id, case_number, None, text, row=row)

    if not isinstance(seal, Mapping) or not isinstance(seal.get("rows"), Mapping):
        return [finding("cases.seal", "missing (the case's rows carry no seal)")]
    key = keyring.get(seal.get("k"))
    if key is None:
        return [finding("cases.seal", f"forged or unverifiable (sealed with key "
                                      f"{seal.get('k')!r}, which the keyring does not hold)")]
    sealed = dict(seal["rows"])
    if not seal_verifies(case_id, seal, keyring):
        return [finding("cases.seal", "forged (the seal's MAC does not match its digests)")]
    found = []
    for name, values in rows.items():
        if name not in sealed:
            found.append(finding(name, "added outside the engine (not in the case's seal)"))
        elif row_digest(values) != sealed[name]:
            now = ""
            if name.startswith("cases.") and set(values) == {"v"}:
                shown = repr(values["v"])
                now = f"; now {shown if len(shown) <= 60 else shown[:57] + '...'}"
            found.append(finding(name, "altered (differs from the state sealed with the "
                                       f"case's last recorded change{now})"))
    for name in sealed:
        if name not in rows:
            found.append(finding(name, "deleted (sealed with the case, no longer stored)"))
    return found
