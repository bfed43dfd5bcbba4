"""Cross-agency handoffs: a case crossing from one agency to another, first class.

A handoff is sent from a state the source workflow allows (``handoffs:`` in its YAML),
optionally firing a trigger on the source case in the same transaction; the handoff row is
written in that transaction too, so it is the outbox: a crash after "sent" loses nothing and
the dispatcher marks it received on its next pass. The receiving agency accepts (which may
open a linked case in its own workflow), rejects or returns it. Each handoff carries its own
acceptance clock; the linked case's outcome flows back to the source case as events.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from dataclasses import field as _field
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from caseflow.adapters.calendar_store import current_calendar
from caseflow.adapters.database import insert_ignore
from caseflow.adapters.orm import (
    Agency,
    Alert,
    Case,
    CaseLink,
    Clock,
    Evidence,
    Handoff,
    Notification,
    User,
    UserRole,
)
from caseflow.adapters.registry import REGISTRY
from caseflow.domain.audit import AuditEntry
from caseflow.domain.commands import FireTrigger, OpenLinkedCase
from caseflow.domain.definitions import HandoffRule
from caseflow.domain.errors import (
    N_,
    ConflictError,
    InvalidTrigger,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from caseflow.domain.events import CaseClosed
from caseflow.domain.limits import check_id, check_name, check_reason, check_text, id_in_range
from caseflow.domain.moments import aware
from caseflow.domain.settlements import check_confirmable
from caseflow.domain.vocabulary import ACTING_ROLES, OPEN_HANDOFF_STATUSES
from caseflow.services.access import (
    get_agency,
    get_user,
    refuse_outsider,
    require_approver,
    user_and_case,
)
from caseflow.services.audit import append_entry, append_event
from caseflow.services.cases import fire_in
from caseflow.services.clocks import rule_for, start_clock, stop_clock
from caseflow.services.mediation.settlements import confirmable_agreement
from caseflow.services.unit_of_work import UnitOfWork

OPEN_STATUSES = OPEN_HANDOFF_STATUSES


@dataclass(frozen=True, slots=True)
class Material:
    """One item a handoff carries: a piece of the case's evidence (``evidence_id``,
    ``sha256``, ``filename``, ``media_type``, ``size``) or a document named by its title
    (``document``, the other fields ``None``). ``to_dict()`` gives back the stored shape."""

    evidence_id: int | None = None
    sha256: str | None = None
    filename: str | None = None
    media_type: str | None = None
    size: int | None = None
    document: str | None = None

    @classmethod
    def from_json(cls, item: Mapping[str, Any]) -> Material:
        if "document" in item:
            return cls(document=item["document"])
        return cls(evidence_id=item["evidence_id"], sha256=item["sha256"],
                   filename=item["filename"], media_type=item["media_type"], size=item["size"])

    def to_dict(self) -> dict[str, Any]:
        if self.document is not None:
            return {"document": self.document}
        return {"evidence_id": self.evidence_id, "sha256": self.sha256,
                "filename": self.filename, "media_type": self.media_type, "size": self.size}


@dataclass(frozen=True)
class HandoffView:
    """What a caller gets back about one handoff; ``to_dict()`` is its JSON shape, with the
    agencies under ``"from"`` and ``"to"``."""

    id: int
    kind: str
    status: str
    case_id: int
    from_agency: str
    to_agency: str
    sent_by: str
    reason: str
    status_reason: str | None
    materials: tuple[Material, ...]
    linked_case_id: int | None
    linked_case: str | None
    target_case_id: int | None
    outcome: str | None
    sent_at: str
    received_at: str | None
    decided_at: str | None
    idempotency_key: str
    # not shown: True when a send was a retry answered with the first send's handoff, and
    # the sending case's version after the send (the API's ETag)
    replayed: bool = _field(default=False, compare=False)
    case_version: int | None = _field(default=None, compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "kind": self.kind, "status": self.status,
            "case_id": self.case_id, "from": self.from_agency, "to": self.to_agency,
            "sent_by": self.sent_by, "reason": self.reason, "status_reason": self.status_reason,
            "materials": [m.to_dict() for m in self.materials],
            "linked_case_id": self.linked_case_id, "linked_case": self.linked_case,
            "target_case_id": self.target_case_id, "outcome": self.outcome,
            "sent_at": self.sent_at, "received_at": self.received_at,
            "decided_at": self.decided_at, "idempotency_key": self.idempotency_key,
        }


def view(handoff: Handoff, session: Any) -> HandoffView:
    agencies = {a.id: a.code for a in session.scalars(
        select(Agency).where(Agency.id.in_([handoff.from_agency_id, handoff.to_agency_id])))}
    linked = session.get(Case, handoff.linked_case_id) if handoff.linked_case_id else None
    return HandoffView(
        id=handoff.id, kind=handoff.kind, status=handoff.status,
        case_id=handoff.case_id, from_agency=agencies[handoff.from_agency_id],
        to_agency=agencies[handoff.to_agency_id], sent_by=handoff.sent_by,
        reason=handoff.reason, status_reason=handoff.status_reason,
        materials=tuple(Material.from_json(m) for m in handoff.materials or ()),
        linked_case_id=handoff.linked_case_id,
        linked_case=linked.number if linked else None,
        target_case_id=handoff.target_case_id, outcome=handoff.outcome,
        sent_at=aware(handoff.sent_at).isoformat(),
        received_at=aware(handoff.received_at).isoformat() if handoff.received_at else None,
        decided_at=aware(handoff.decided_at).isoformat() if handoff.decided_at else None,
        idempotency_key=handoff.idempotency_key,
    )


def _rule(session: Any, case: Case, kind: str) -> HandoffRule:
    definition = REGISTRY.definition(session, case.workflow_key, case.workflow_version)
    rule = definition.handoffs.get(kind)
    if rule is None:
        allowed = ", ".join(sorted(definition.handoffs)) or "none"
        raise InvalidTrigger(N_("a %(workflow)s case cannot send a %(kind)s handoff (it can "
                                "send: %(allowed)s)"),
                             params={"workflow": definition.key, "kind": repr(kind),
                                     "allowed": allowed})
    return rule


HANDOFF_KEY_MAX = 100  # the idempotency_key column's width


def hand_off(
    uow: UnitOfWork, case_id: int, kind: str, *, actor: str, to_agency: str, reason: str,
    idempotency_key: str, evidence_ids: Sequence[int] | None = None,
    documents: Sequence[str] = (), to_user: str | None = None,
    payload: dict[str, Any] | None = None, expected_version: int | None = None,
) -> HandoffView:
    """Send a case across to another agency, exactly once per idempotency key.

    A retry with the key returns the handoff the first send made, also when it races that
    send: the one that loses (its case changed under it, the key already taken) looks again
    in a fresh transaction and returns what the winner wrote. The same key for a different
    request is refused."""
    if not idempotency_key or not str(idempotency_key).strip():
        raise ValidationFailed(N_("is required"), field="idempotency_key", prefixed=True)
    check_text(str(idempotency_key), "idempotency_key", limit=HANDOFF_KEY_MAX, multiline=False)
    check_reason(reason)
    for i, document in enumerate(documents or ()):
        check_name(str(document), f"documents[{i}]")
    check_id(case_id, "case id")
    request = dict(case_id=case_id, kind=kind, actor=actor, to_agency=to_agency, reason=reason,
                   to_user=to_user, idempotency_key=idempotency_key)
    try:
        return _send(uow, evidence_ids=evidence_ids, documents=documents, payload=payload,
                     expected_version=expected_version, **request)
    except (ConflictError, InvalidTrigger, IntegrityError):
        with uow:  # lost a race with the same key? then the winner's handoff is the answer
            retry = _sent_before(uow, **request)
        if retry is None:
            raise
        return retry


def _sent_before(uow: UnitOfWork, *, case_id: int, kind: str, actor: str, to_agency: str,
                 reason: str, to_user: str | None, idempotency_key: str) -> HandoffView | None:
    """The handoff already sent under this key for this same request, or None; the key used
    for another request is refused (and told to nobody but the sending agency)."""
    session = uow.session
    sender = get_user(uow, actor)  # keys are the sending agency's: no other agency's are seen
    existing = session.scalar(select(Handoff).where(
        Handoff.from_agency_id == sender.agency_id, Handoff.idempotency_key == idempotency_key))
    if existing is None:
        return None
    target = get_agency(uow, to_agency) if to_agency else None
    receiving = get_user(uow, to_user).id if to_user else None
    if ((existing.case_id, existing.kind) != (case_id, kind)
            or (target is not None and existing.to_agency_id != target.id)
            or (reason or "").strip() != existing.reason
            or receiving != existing.to_user_id):
        raise ValidationFailed(N_("already used for a different handoff (handoff %(id)s); use "
                                  "a new key for a new request"), field="idempotency_key",
                               params={"id": existing.id}, prefixed=True)
    return replace(view(existing, session), replayed=True,
                   case_version=session.get(Case, existing.case_id).version)


def _send(uow: UnitOfWork, case_id: int, kind: str, *, actor: str, to_agency: str, reason: str,
          idempotency_key: str, evidence_ids: Sequence[int] | None, documents: Sequence[str],
          to_user: str | None, payload: dict[str, Any] | None,
          expected_version: int | None = None) -> HandoffView:
    with uow:
        session = uow.session
        retry = _sent_before(uow, case_id=case_id, kind=kind, actor=actor, to_agency=to_agency,
                             reason=reason, to_user=to_user, idempotency_key=idempotency_key)
        if retry is not None:
            return retry  # a retry: the first send stands, nothing new
        user, case = user_and_case(uow, actor, case_id)
        if user.agency_id != case.agency_id:
            refuse_outsider(session, actor, user.agency_id, case.id, case.number)
        if not (user.roles & ACTING_ROLES):
            raise PermissionDenied(N_("user %(user)s has no role that may send a handoff"),
                                   params={"user": actor})
        if expected_version is not None and expected_version != case.version:
            raise ConflictError(N_("case %(number)s is at version %(version)s, not "
                                   "%(expected)s; reload and retry"),
                                params={"number": case.number, "version": case.version,
                                        "expected": expected_version})
        rule = _rule(session, case, kind)
        definition = REGISTRY.definition(session, case.workflow_key, case.workflow_version)
        approval = definition.transfer_for(handoff=kind)
        if approval is not None:  # sending this kind is itself the transfer's approval
            require_approver(session, approval, case_id=case.id, case_number=case.number,
                             username=actor, roles=user.roles)
        if case.status not in rule.from_states:
            raise InvalidTrigger(
                N_("a %(kind)s handoff cannot be sent from state %(state)s; it is sent from "
                   "%(states)s"),
                params={"kind": repr(kind), "state": repr(case.status),
                        "states": ", ".join(sorted(rule.from_states))})
        receiver = session.scalar(select(Agency).where(Agency.code == to_agency))
        if receiver is None:
            raise NotFound(N_("unknown agency %(code)s"), params={"code": repr(to_agency)})
        if receiver.id == case.agency_id:
            raise ValidationFailed(N_("a case cannot be handed off to the agency that sends "
                                      "it"), field="to_agency", prefixed=True)
        if receiver.kind != rule.to:
            raise ValidationFailed(N_("a %(kind)s handoff goes to a %(to)s body, not %(code)s "
                                      "(%(agency_kind)s)"), field="to_agency",
                                   params={"kind": repr(kind), "to": rule.to,
                                           "code": receiver.code,
                                           "agency_kind": receiver.kind}, prefixed=True)
        if not reason or not reason.strip():
            raise ValidationFailed(N_("a handoff needs a reason"), field="reason",
                                   prefixed=True)
        receiving_user = None
        if to_user is not None:
            receiving_user = get_user(uow, to_user)
            if receiving_user.agency_id != receiver.id:
                raise ValidationFailed(N_("%(user)s is not in %(code)s"), field="to_user",
                                       params={"user": to_user, "code": receiver.code},
                                       prefixed=True)
        target_case_id = None
        if rule.target == "linked":
            target_case_id = session.scalar(
                select(Handoff.linked_case_id).where(
                    Handoff.case_id == case.id, Handoff.to_agency_id == receiver.id,
                    Handoff.linked_case_id.is_not(None)).order_by(Handoff.id.desc()).limit(1))
            if target_case_id is None:
                raise ValidationFailed(N_("a %(kind)s handoff refers to the case %(code)s "
                                          "opened from an earlier handoff, and there is none"),
                                       field="kind",
                                       params={"kind": repr(kind), "code": receiver.code})
        materials = _materials(session, case, evidence_ids, documents)
        if kind == "judicial_confirmation":
            check_confirmable(confirmable_agreement(session, case.id))
        if rule.fire:
            session.expunge(case)
            fire_in(uow, FireTrigger(case_id=case_id, trigger=rule.fire, actor=actor,
                                     payload=payload, reason=reason))
            case = session.scalar(select(Case).where(Case.id == case_id)
                                  .execution_options(populate_existing=True))
        now = uow.now()
        handoff = Handoff(
            idempotency_key=idempotency_key, kind=kind, case_id=case.id,
            from_agency_id=case.agency_id, to_agency_id=receiver.id, sent_by=actor,
            to_user_id=receiving_user.id if receiving_user else None, reason=reason.strip(),
            materials=materials, status="sent", target_case_id=target_case_id, sent_at=now)
        session.add(handoff)
        uow.flush()
        definition = REGISTRY.definition(session, case.workflow_key, case.workflow_version)
        clock_rule = definition.clocks[rule.clock_name]
        _clock, started = start_clock(session, case.id, clock_rule,
                                      rule_version=case.workflow_version, now=now,
                                      calendar=current_calendar(uow.connection),
                                      handoff_id=handoff.id)
        append_event(session, case, "handoff_sent", actor=actor, channel=uow.channel, at=now,
                     reason=reason.strip(), payload={
                         "handoff": handoff.id, "kind": kind, "to": receiver.code,
                         "to_user": to_user, "materials": len(materials),
                         "idempotency_key": idempotency_key, "source": rule.source})
        append_entry(session, case, started, actor=actor, channel=uow.channel, at=now)
        uow.flush()
        result = replace(view(handoff, session), case_version=case.version)
        uow.commit()
        return result


def _materials(session: Any, case: Case, evidence_ids: Sequence[int] | None,
               documents: Sequence[str]) -> list[dict[str, Any]]:
    items = list(session.scalars(select(Evidence).where(Evidence.case_id == case.id)
                                 .order_by(Evidence.id)))
    if evidence_ids is not None:
        by_id = {e.id: e for e in items}
        missing = [i for i in evidence_ids if i not in by_id]
        if missing:
            raise ValidationFailed(N_("%(ids)s are not evidence of %(number)s"),
                                   field="evidence_ids",
                                   params={"ids": str(missing), "number": case.number},
                                   prefixed=True)
        items = [by_id[i] for i in evidence_ids]
    shared = [{"evidence_id": e.id, "sha256": e.sha256, "filename": e.filename,
               "media_type": e.media_type, "size": e.size} for e in items]
    for doc in documents:
        if not isinstance(doc, str) or not doc.strip():
            raise ValidationFailed(N_("each document needs a title"), field="documents",
                                   prefixed=True)
        shared.append({"document": doc.strip()})
    return shared


# --- the receiving side ------------------------------------------------------------------------

def _unknown_handoff(handoff_id: int) -> NotFound:
    return NotFound(N_("unknown handoff %(id)s"), params={"id": handoff_id})


def _locked(uow: UnitOfWork, handoff_id: int) -> Handoff:
    if not id_in_range(handoff_id):
        raise _unknown_handoff(handoff_id)
    query = select(Handoff).where(Handoff.id == handoff_id)
    if uow.connection.dialect.name == "postgresql":
        query = query.with_for_update()
    handoff = uow.session.scalar(query)
    if handoff is None:
        raise _unknown_handoff(handoff_id)
    return handoff


def _receiving(uow: UnitOfWork, handoff_id: int, actor: str) -> tuple[Handoff, User]:
    """The handoff, locked, and its receiver acting on it. Who asks is settled first; to an
    agency neither sending nor receiving it, a handoff is as unknown as a missing one."""
    if not isinstance(handoff_id, int) or isinstance(handoff_id, bool):
        raise ValidationFailed(N_("handoff id must be an integer, got %(value)s"),
                               field="handoff_id", params={"value": repr(handoff_id)})
    user = get_user(uow, actor)
    handoff = _locked(uow, handoff_id)
    return handoff, _receiver(uow, handoff, user)


def _receiver(uow: UnitOfWork, handoff: Handoff, user: User) -> User:
    actor = user.username
    if user.agency_id not in (handoff.to_agency_id, handoff.from_agency_id):
        raise _unknown_handoff(handoff.id)
    if user.agency_id != handoff.to_agency_id:
        raise PermissionDenied(N_("handoff %(id)s is addressed to another agency"),
                               params={"id": handoff.id})
    if not (user.roles & ACTING_ROLES):
        raise PermissionDenied(N_("user %(user)s has no role that may act on a handoff"),
                               params={"user": actor})
    return user


def _stop_acceptance_clock(uow: UnitOfWork, handoff: Handoff, source: Case, now: Any,
                           why: str, actor: str) -> None:
    clock = uow.session.scalar(select(Clock).where(Clock.handoff_id == handoff.id,
                                                   Clock.status != "stopped"))
    if clock is None:
        return
    spec = stop_clock(clock, rule_for(uow.session, source, clock),
                      current_calendar(uow.connection), now, why)
    append_entry(uow.session, source, spec, actor=actor, channel=uow.channel, at=now)


def receive(uow: UnitOfWork, handoff_id: int, *, actor: str) -> HandoffView:
    """The receiving agency has it (idempotent; the dispatcher does this for everyone)."""
    with uow:
        handoff, _user = _receiving(uow, handoff_id, actor)
        if handoff.status == "sent":
            _mark_received(uow, handoff, actor)
        result = view(handoff, uow.session)
        uow.commit()
        return result


def _mark_received(uow: UnitOfWork, handoff: Handoff, actor: str) -> None:
    now = uow.now()
    handoff.status = "received"
    handoff.received_at = now
    source = uow.session.get(Case, handoff.case_id)
    append_event(uow.session, source, "handoff_received", actor=actor, channel=uow.channel,
                 at=now, payload={"handoff": handoff.id, "kind": handoff.kind})


def _received_message(uow: UnitOfWork, source: Case, kind: str) -> str:
    """The receivers' alert: the handoff's kind by its title (its code if the workflow that
    sent it no longer names it)."""
    rule = REGISTRY.definition(uow.session, source.workflow_key,
                               source.workflow_version).handoffs.get(kind)
    zh, en = (rule.title_zh, rule.title_en) if rule else (kind, kind)
    return f"{source.number}：收到移交（{zh}）/ handoff received ({en}): {source.title}"


def dispatch(uow: UnitOfWork, *, batch: int = 200) -> int:
    """Deliver sent handoffs to their receivers' inboxes: the outbox relay. Returns how many."""
    with uow:
        query = select(Handoff).where(Handoff.status == "sent").order_by(Handoff.id).limit(batch)
        if uow.connection.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        handoffs = list(uow.session.scalars(query))
        now = uow.now()
        for handoff in handoffs:
            _mark_received(uow, handoff, "system:dispatch")
            source = uow.session.get(Case, handoff.case_id)
            conn = uow.connection
            raised = conn.execute(insert_ignore(conn, Alert).returning(Alert.id), [{
                "key": f"handoff:{handoff.id}:received", "kind": "handoff", "clock_id": None,
                "case_id": handoff.case_id, "due_at": None, "raised_at": now,
                "message": _received_message(uow, source, handoff.kind),
            }]).all()
            if raised:
                if handoff.to_user_id:
                    users = [handoff.to_user_id]
                else:
                    users = list(uow.session.scalars(
                        select(User.id).join(UserRole, UserRole.user_id == User.id)
                        .where(User.agency_id == handoff.to_agency_id,
                               UserRole.role == "supervisor")))
                if users:
                    conn.execute(insert_ignore(conn, Notification), [
                        {"alert_id": raised[0].id, "user_id": uid, "created_at": now}
                        for uid in users])
        uow.commit()
        return len(handoffs)


def accept(uow: UnitOfWork, handoff_id: int, *, actor: str, assignee: str | None = None,
           reason: str | None = None) -> HandoffView:
    """Accept a handoff; opens the linked case once, however often it is accepted."""
    check_reason(reason)
    with uow:
        handoff, _user = _receiving(uow, handoff_id, actor)
        if handoff.status == "accepted":
            return view(handoff, uow.session)  # the same acceptance again: one linked case
        if handoff.status not in OPEN_STATUSES:
            raise ConflictError(N_("handoff %(id)s was %(status)s and cannot be accepted"),
                                params={"id": handoff.id, "status": handoff.status})
        now = uow.now()
        source = uow.session.get(Case, handoff.case_id)
        rule = _rule(uow.session, source, handoff.kind)
        if handoff.status == "sent":
            _mark_received(uow, handoff, actor)
        linked = None
        if rule.opens:
            # the receiver's own periods run from receipt of the materials, not from the
            # moment someone pressed "accept"
            linked = uow.execute(OpenLinkedCase(
                handoff_id=handoff.id, workflow=rule.opens, actor=actor, title=source.title,
                received_on=aware(handoff.received_at).date(), clock_start=handoff.received_at,
                parties=[{"role": p.role, "name": p.name, "kind": p.kind, "origin": p.origin,
                          "region": p.region, "credit_code": p.credit_code}
                         for p in source.parties],
                ip_rights=[{"kind": r.kind, "number": r.number, "title": r.title,
                            "holder": r.holder} for r in source.ip_rights],
                data={"handoff": handoff.id, "source_case": source.number},
                assignee=assignee or actor,
                reason=reason or f"{rule.title_zh}：{source.number}",
                industry=source.industry,  # the same goods: counted in the same trade
            ))
            new_case = uow.session.get(Case, linked.id)
            for item in handoff.materials:
                if "sha256" in item:
                    uow.session.add(Evidence(
                        case_id=new_case.id, sha256=item["sha256"], filename=item["filename"],
                        media_type=item["media_type"], size=item["size"], added_by_id=get_user(
                            uow, actor).id, added_at=now,
                        description=f"移交材料，来自 {source.number}"))
            uow.session.add(CaseLink(from_case_id=source.id, to_case_id=new_case.id,
                                     kind="parent_child", created_by_id=get_user(uow, actor).id,
                                     created_at=now))
            handoff.linked_case_id = new_case.id
            append_event(uow.session, new_case, "handoff_accepted", actor=actor,
                         channel=uow.channel, at=now, reason=reason, payload={
                             "handoff": handoff.id, "kind": handoff.kind,
                             "from_case": source.number, "materials": len(handoff.materials)})
        handoff.status = "accepted"
        handoff.decided_at = now
        handoff.decided_by = actor
        handoff.status_reason = reason
        _stop_acceptance_clock(uow, handoff, source, now, "handoff accepted", actor)
        append_event(uow.session, source, "handoff_accepted", actor=actor, channel=uow.channel,
                     at=now, reason=reason, payload={
                         "handoff": handoff.id, "kind": handoff.kind,
                         "linked_case": linked.number if linked else None})
        uow.flush()
        result = view(handoff, uow.session)
        uow.commit()
        return result


def _decline(uow: UnitOfWork, handoff_id: int, status: str, *, actor: str,
             reason: str) -> HandoffView:
    if not reason or not reason.strip():
        raise ValidationFailed(N_("a handoff is %(status)s only with a reason"),
                               field="reason", params={"status": status}, prefixed=True)
    check_reason(reason)
    with uow:
        handoff, _user = _receiving(uow, handoff_id, actor)
        if handoff.status not in OPEN_STATUSES:
            raise ConflictError(N_("handoff %(id)s was %(status)s already"),
                                params={"id": handoff.id, "status": handoff.status})
        now = uow.now()
        source = uow.session.get(Case, handoff.case_id)
        if handoff.status == "sent":
            _mark_received(uow, handoff, actor)
        handoff.status = status
        handoff.decided_at = now
        handoff.decided_by = actor
        handoff.status_reason = reason.strip()
        _stop_acceptance_clock(uow, handoff, source, now, f"handoff {status}", actor)
        append_event(uow.session, source, f"handoff_{status}", actor=actor, channel=uow.channel,
                     at=now, reason=reason.strip(), payload={
                         "handoff": handoff.id, "kind": handoff.kind,
                         **({"materials_returned": handoff.materials}
                            if status == "returned" else {})})
        uow.flush()
        result = view(handoff, uow.session)
        uow.commit()
        return result


def reject(uow: UnitOfWork, handoff_id: int, *, actor: str, reason: str) -> HandoffView:
    """Refuse the handoff (e.g. police decline to take the case), with reasons."""
    return _decline(uow, handoff_id, "rejected", actor=actor, reason=reason)


def return_materials(uow: UnitOfWork, handoff_id: int, *, actor: str,
                     reason: str) -> HandoffView:
    """Send the handoff back with its materials (incomplete, or not this body's remit)."""
    return _decline(uow, handoff_id, "returned", actor=actor, reason=reason)


def record_linked_outcome(uow: UnitOfWork, event: CaseClosed) -> list[AuditEntry]:
    """Handler: when a case opened by a handoff ends, record the outcome on the handoff and
    the source case; returns the entry for the ending case's own chain (none if not linked)."""
    case_id, final_state, actor, now = event.case_id, event.final_state, event.actor, event.at
    handoff = uow.session.scalar(select(Handoff).where(Handoff.linked_case_id == case_id))
    if handoff is None:
        return []
    source = uow.session.get(Case, handoff.case_id)
    handoff.outcome = final_state
    handoff.outcome_at = now
    payload = {"handoff": handoff.id, "kind": handoff.kind, "outcome": final_state,
               "linked_case_id": case_id}
    append_event(uow.session, source, "handoff_outcome", actor=actor, channel=uow.channel,
                 at=now, payload=payload)
    uow.flush()
    return [AuditEntry("handoff_outcome", {**payload, "source_case": source.number})]
