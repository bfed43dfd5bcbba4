"""The audit chain's rules: how an event is hashed and linked, and how a chain is checked.

Each case has its own chain (``seq`` 1, 2, 3 …), so writers on different cases never contend.
An event's hash covers its content and the previous event's hash; the case row keeps the head
(``audit_seq``, ``audit_head``), so removing events from the end is noticed too.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from caseflow.domain.moments import utcnow

GENESIS = "0" * 64


@dataclass(frozen=True)
class AuditEntry:
    """An event a service has decided to append to a case's chain (a clock started, an
    outcome reported back): what happened, its payload and why; who and when are added as
    it is appended."""

    kind: str
    payload: Mapping[str, Any]
    reason: str | None = None


def _canonical(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(timespec="microseconds")
    return value


def event_hash(
    *, case_id: int, seq: int, kind: str, actor: str, channel: str, at: datetime,
    source_state: str | None, target_state: str | None, trigger: str | None,
    reason: str | None, payload: dict[str, Any], prev_hash: str,
) -> str:
    """SHA-256 over a canonical JSON encoding (sorted keys, no whitespace, UTF-8)."""
    body = {
        "case_id": case_id, "seq": seq, "kind": kind, "actor": actor, "channel": channel,
        "at": _canonical(at), "source_state": source_state, "target_state": target_state,
        "trigger": trigger, "reason": reason, "payload": payload, "prev_hash": prev_hash,
    }
    encoded = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                         default=str)
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()


def next_link(
    case_id: int, head_seq: int, head_hash: str, kind: str, *, actor: str,
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
    values["hash"] = event_hash(**values)
    return values


@dataclass(frozen=True)
class AuditProblem:
    case_id: int
    case_number: str
    seq: int
    problem: str

    def __str__(self) -> str:
        return f"case {self.case_number} (id {self.case_id}) event {self.seq}: {self.problem}"


class ChainHead(Protocol):
    """What verification reads of a case: its identity and the head it records."""

    id: int
    number: str
    audit_seq: int
    audit_head: str


def verify_case(case: ChainHead, events: Sequence[Any]) -> AuditProblem | None:
    """Return the first problem in one case's chain, or None if it is intact."""
    prev = GENESIS
    expected_seq = 1

    def problem(seq: int, text: str) -> AuditProblem:
        return AuditProblem(case.id, case.number, seq, text)

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
        recomputed = event_hash(
            case_id=ev.case_id, seq=ev.seq, kind=ev.kind, actor=ev.actor, channel=ev.channel,
            at=ev.at, source_state=ev.source_state, target_state=ev.target_state,
            trigger=ev.trigger, reason=ev.reason, payload=ev.payload, prev_hash=ev.prev_hash,
        )
        if recomputed != ev.hash:
            return problem(ev.seq, "altered (content does not match its hash)")
        prev = ev.hash
        expected_seq += 1
    if case.audit_seq != expected_seq - 1 or (case.audit_head or GENESIS) != prev:
        if case.audit_seq > expected_seq - 1:
            return problem(expected_seq, f"missing (the case records {case.audit_seq} events, "
                                         f"{expected_seq - 1} are stored)")
        if case.audit_seq < expected_seq - 1:
            return problem(case.audit_seq + 1, "inserted (stored beyond the head the case "
                                               f"records, seq {case.audit_seq})")
        return problem(expected_seq - 1, "altered (the case's chain head does not match)")
    return None
