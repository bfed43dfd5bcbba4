"""Extension requests: the officer on a case asks for a clock's extension, the clock's
approver (a supervisor, by the workflow's rule) decides it from a queue.

The law's extensions are approved (经负责人批准): the approver grants one with
``clocks.grant_extension``, which already refuses the case's assignee and whoever asked.
A request records the asking — who, why, how much — and its answer: approved (with the
extension granted), refused with a reason, or withdrawn by its author. Each is an event in
the case's audit chain, and the approvers of the case's agency get the request in their
alert inbox, the author the decision. One request per clock is pending at a time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from caseflow.adapters.orm import Case, Clock, ExtensionRequest, User
from caseflow.domain.audit import AuditEntry
from caseflow.domain.errors import (
    N_,
    ConflictError,
    InvalidTrigger,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from caseflow.domain.explanations import period_en
from caseflow.domain.limits import ID_MAX, check_reason
from caseflow.domain.moments import aware
from caseflow.domain.periods import period_zh
from caseflow.services.access import get_user
from caseflow.services.approval_requests import (
    approvers,
    checked_reason,
    close_request,
    notify,
    user_ids,
)
from caseflow.services.clocks import (
    check_not_run_out,
    check_participants,
    check_version,
    extension_amount,
    grant_extension,
    next_extension,
    open_clock,
    parse_by,
    record_entry,
    rule_for,
)
from caseflow.services.unit_of_work import UnitOfWork

# who may ask: the people who work cases (an admin or a supervisor by that role alone
# approves, and does not ask itself)
REQUESTING_ROLES = ("officer", "mediator")


@dataclass(frozen=True)
class RequestView:
    """An extension request as its author, its approvers and the API see it."""

    id: int
    case_id: int
    case_number: str
    clock: str
    by: str | None
    reason: str
    requested_by: str
    requested_at: datetime
    status: str
    decided_by: str | None
    decided_at: datetime | None
    decision_reason: str | None
    extension_id: int | None
    case_version: int

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "case_id": self.case_id, "case_number": self.case_number,
                "clock": self.clock, "by": self.by, "reason": self.reason,
                "requested_by": self.requested_by,
                "requested_at": self.requested_at.isoformat(), "status": self.status,
                "decided_by": self.decided_by,
                "decided_at": self.decided_at.isoformat() if self.decided_at else None,
                "decision_reason": self.decision_reason, "extension_id": self.extension_id}


def request_view(req: ExtensionRequest, case: Case | Any) -> RequestView:
    return RequestView(
        id=req.id, case_id=req.case_id, case_number=case.number, clock=req.clock_name,
        by=req.by, reason=req.reason, requested_by=req.requested_by,
        requested_at=aware(req.requested_at), status=req.status, decided_by=req.decided_by,
        decided_at=aware(req.decided_at) if req.decided_at else None,
        decision_reason=req.decision_reason, extension_id=req.extension_id,
        case_version=case.version)


def request_extension(uow: UnitOfWork, case_id: int, clock: str, *, actor: str, reason: str,
                      by: str | None = None,
                      expected_version: int | None = None) -> RequestView:
    """Ask the clock's approver for its next extension (the rule's length, or less, or the
    length an open-ended rule needs), while the period still runs."""
    check_reason(reason)
    if not reason or not reason.strip():
        raise ValidationFailed(N_("an extension request needs a reason"), field="reason")
    wanted = parse_by(by)
    with uow:
        case, found, user = open_clock(uow, case_id, clock, actor)
        if not set(REQUESTING_ROLES) & set(user.roles) and case.assignee_id != user.id:
            raise PermissionDenied(N_("%(actor)s does not work on cases: an extension is "
                                      "asked for by the officer handling the case"),
                                   params={"actor": actor})
        rule = rule_for(uow.session, case, found)
        _index, ext = next_extension(found, rule)
        amount = extension_amount(found, ext, wanted)
        now = uow.now()
        check_not_run_out(found, now)
        pending = uow.session.scalar(select(ExtensionRequest.id).where(
            ExtensionRequest.clock_id == found.id, ExtensionRequest.status == "pending"))
        if pending is not None:
            raise InvalidTrigger(N_("clock %(clock)s of case %(case)s already has an "
                                    "extension request waiting for a decision (#%(id)s)"),
                                 field="clock", params={"clock": repr(clock),
                                                        "case": case.number, "id": pending})
        check_version(case, expected_version)
        req = ExtensionRequest(case_id=case.id, clock_id=found.id, clock_name=found.name,
                               by=str(amount) if wanted is not None else None,
                               reason=reason.strip(), requested_by=actor, requested_at=now,
                               status="pending")
        uow.session.add(req)
        try:
            uow.session.flush()
        except IntegrityError:  # another request for this clock came first
            raise ConflictError(N_("clock %(clock)s of case %(case)s got another extension "
                                   "request meanwhile; reload"),
                                params={"clock": repr(clock), "case": case.number}) from None
        record_entry(uow, case, AuditEntry("extension_requested", reason=req.reason, payload={
            "request": req.id, "clock": found.name, "by": str(amount),
            "due": aware(found.due_at).isoformat(), "approver": ext.approver}), actor)
        _notify(uow, req, found, "asked",
                f"{case.number} {rule.title_zh}：{user.name}申请延长{period_zh(amount)}，理由："
                f"{req.reason} / {rule.title_en}: {actor} asks for an extension by "
                f"{period_en(amount)}",
                approvers(uow, case.agency_id, [ext.approver], but=actor))
        uow.commit()
        return request_view(req, case)


def _locked(uow: UnitOfWork, request_id: int, actor: str) -> tuple[ExtensionRequest, Case,
                                                                      Clock, User]:
    """The request, its case, clock and the acting user; another agency's request is
    answered as a missing one."""
    user = get_user(uow, actor)
    req = uow.session.get(ExtensionRequest, request_id) if 0 < request_id <= ID_MAX else None
    if req is None:
        raise NotFound(N_("unknown extension request %(id)s"), params={"id": request_id})
    case = uow.session.get(Case, req.case_id)
    if user.agency_id != case.agency_id:
        raise NotFound(N_("unknown extension request %(id)s"), params={"id": request_id})
    if req.status != "pending":
        raise InvalidTrigger(N_("extension request %(id)s is already %(status)s"),
                             field="request", params={"id": request_id, "status": req.status})
    clock = uow.session.get(Clock, req.clock_id)
    return req, case, clock, user


def approve_request(uow: UnitOfWork, request_id: int, *, actor: str, reason: str,
                    by: str | None = None, decided_on: date | None = None,
                    participants: Sequence[str] = (),
                    expected_version: int | None = None) -> RequestView:
    """Grant the extension asked for (or less): the approver's rule is the clock's, and its
    separation of duties (not the assignee, not the author)."""
    check_reason(reason)
    check_participants(participants)
    wanted = parse_by(by)
    with uow:
        req, case, clock, user = _locked(uow, request_id, actor)
        if clock.status == "stopped":
            raise InvalidTrigger(N_("clock %(clock)s of case %(case)s has stopped; refuse the "
                                    "request instead"), field="request",
                                 params={"clock": repr(clock.name), "case": case.number})
        rule = rule_for(uow.session, case, clock)
        grant_extension(uow, case, clock, user, rule, reason=reason,
                        wanted=wanted if wanted is not None else parse_by(req.by),
                        decided_on=decided_on, participants=participants,
                        expected_version=expected_version, requesters=[req.requested_by])
        _notify(uow, req, clock, "approved",
                f"{case.number} {rule.title_zh}（{rule.title_en}）: 延长申请已批准 / extension "
                f"approved by {actor}: {reason.strip()}", user_ids(uow, req.requested_by))
        uow.commit()
        return request_view(req, case)


def _notify(uow: UnitOfWork, req: ExtensionRequest, clock: Clock, what: str, message: str,
            to: set[int]) -> None:
    notify(uow, f"extension-request:{req.id}:{what}", case_id=req.case_id, message=message,
           user_ids=to, clock_id=clock.id, due_at=clock.due_at)


def _close(uow: UnitOfWork, request_id: int, status: str, *, actor: str, reason: str,
           expected_version: int | None) -> RequestView:
    reason = checked_reason(reason, status)
    with uow:
        req, case, clock, user = _locked(uow, request_id, actor)
        rule = rule_for(uow.session, case, clock)
        close_request(
            uow, req, case, user, status, reason=reason,
            deciders={e.approver for e in rule.extensions} or {"supervisor"},
            event="extension_request", payload={"request": req.id, "clock": req.clock_name},
            expected_version=expected_version, notice_key=f"extension-request:{req.id}:refused",
            refusal_notice=f"{case.number} {rule.title_zh}（{rule.title_en}）: 延长申请未获批准 / "
                           f"extension refused by {actor}: {reason}",
            clock_id=clock.id, due_at=clock.due_at)
        uow.commit()
        return request_view(req, case)


def refuse_request(uow: UnitOfWork, request_id: int, *, actor: str, reason: str,
                   expected_version: int | None = None) -> RequestView:
    """The approver says no, and why; the author hears it in their inbox."""
    return _close(uow, request_id, "refused", actor=actor, reason=reason,
                  expected_version=expected_version)


def withdraw_request(uow: UnitOfWork, request_id: int, *, actor: str, reason: str,
                     expected_version: int | None = None) -> RequestView:
    """Its author takes the request back (the case no longer needs the time)."""
    return _close(uow, request_id, "withdrawn", actor=actor, reason=reason,
                  expected_version=expected_version)
