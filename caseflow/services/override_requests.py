"""Override requests: the officer on a case asks a supervisor to set aside a period that
binds a step (the workflow's ``unless: [{override: supervisor}]``), and takes the step
themselves once it is approved.

Without a request only the override's role may take such a step, with an ``override``
reason, and never the case's assignee. With one, the approver decides — the override's
role, never the assignee (now or earlier) nor whoever asked — and the officer's next firing
of that step, while the case is still in the state it was asked in, uses the approval once:
the ``period_excepted`` event names the approver and the request. Each request, answer and
use is an event in the case's audit chain; the approvers and the author hear of them in
their inboxes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from caseflow.adapters.orm import Case, OverrideRequest, User
from caseflow.adapters.registry import REGISTRY
from caseflow.domain.audit import AuditEntry
from caseflow.domain.definitions import TransitionDef, WorkflowDefinition
from caseflow.domain.errors import (
    N_,
    ConflictError,
    InvalidTrigger,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from caseflow.domain.limits import ID_MAX, check_reason
from caseflow.domain.moments import aware
from caseflow.services.access import (
    get_user,
    require_approver,
    require_same_agency,
    user_and_case,
)
from caseflow.services.approval_requests import (
    approvers,
    checked_reason,
    close_request,
    notify,
    user_ids,
)
from caseflow.services.clocks import check_version, judge_each, record_entry
from caseflow.services.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class OverrideView:
    """An override request as its author, its approvers and the API see it."""

    id: int
    case_id: int
    case_number: str
    trigger: str
    state: str
    reason: str
    requested_by: str
    requested_at: datetime
    status: str
    decided_by: str | None
    decided_at: datetime | None
    decision_reason: str | None
    used_at: datetime | None
    case_version: int

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "case_id": self.case_id, "case_number": self.case_number,
                "trigger": self.trigger, "state": self.state, "reason": self.reason,
                "requested_by": self.requested_by,
                "requested_at": self.requested_at.isoformat(), "status": self.status,
                "decided_by": self.decided_by,
                "decided_at": self.decided_at.isoformat() if self.decided_at else None,
                "decision_reason": self.decision_reason,
                "used_at": self.used_at.isoformat() if self.used_at else None}


def override_view(req: OverrideRequest, case: Case | Any) -> OverrideView:
    return OverrideView(
        id=req.id, case_id=req.case_id, case_number=case.number, trigger=req.trigger,
        state=req.state, reason=req.reason, requested_by=req.requested_by,
        requested_at=aware(req.requested_at), status=req.status, decided_by=req.decided_by,
        decided_at=aware(req.decided_at) if req.decided_at else None,
        decision_reason=req.decision_reason,
        used_at=aware(req.used_at) if req.used_at else None, case_version=case.version)


def override_roles(transition: TransitionDef) -> set[str]:
    """The roles the step's periods name for an override (empty: none may be overridden)."""
    return {e.role for r in transition.requires for e in r.unless
            if e.kind == "override" and e.role}


def _transition(definition: WorkflowDefinition, case: Case, trigger: str) -> TransitionDef:
    found = next((t for t in definition.triggers_from(case.status) if t.trigger == trigger),
                 None)
    if found is None:
        raise InvalidTrigger(N_("trigger %(trigger)s is not possible in state %(state)s"),
                             field="trigger",
                             params={"trigger": repr(trigger), "state": repr(case.status)})
    return found


def request_override(uow: UnitOfWork, case_id: int, trigger: str, *, actor: str, reason: str,
                     expected_version: int | None = None) -> OverrideView:
    """Ask for the override of the periods that now refuse ``trigger``, by someone who may
    take that step; one open request (pending or approved) per step of a case."""
    check_reason(reason)
    if not reason or not reason.strip():
        raise ValidationFailed(N_("an override request needs a reason"), field="reason")
    with uow:
        user, case = user_and_case(uow, actor, case_id)
        require_same_agency(uow, user, case)
        definition = REGISTRY.definition(uow.session, case.workflow_key, case.workflow_version)
        transition = _transition(definition, case, trigger)
        if not set(transition.roles) & set(user.roles):
            raise PermissionDenied(N_("trigger %(trigger)s needs role %(roles)s; an override is "
                                      "asked for by who takes the step"),
                                   params={"trigger": repr(trigger),
                                           "roles": " or ".join(transition.roles)})
        roles = override_roles(transition)
        if not roles:
            raise ValidationFailed(N_("trigger: no period of %(trigger)s may be overridden"),
                                   field="trigger", params={"trigger": repr(trigger)})
        overridable = [r for r in transition.requires
                       if any(e.kind == "override" for e in r.unless)]
        refused = [r for verdict in judge_each(uow, case.id, overridable) for r in verdict]
        if not refused:
            raise ValidationFailed(N_("trigger: the periods of %(trigger)s are met now; there is "
                                      "nothing to override"), field="trigger",
                                   params={"trigger": repr(trigger)})
        open_ = uow.session.scalar(select(OverrideRequest.id).where(
            OverrideRequest.case_id == case.id, OverrideRequest.trigger == trigger,
            OverrideRequest.status.in_(("pending", "approved"))))
        if open_ is not None:
            raise InvalidTrigger(N_("step %(trigger)s of case %(case)s already has an override "
                                    "request open (#%(id)s)"), field="trigger",
                                 params={"trigger": repr(trigger), "case": case.number,
                                         "id": open_})
        check_version(case, expected_version)
        now = uow.now()
        req = OverrideRequest(case_id=case.id, trigger=trigger, state=case.status,
                              reason=reason.strip(), requested_by=actor, requested_at=now,
                              status="pending")
        uow.session.add(req)
        try:
            uow.session.flush()
        except IntegrityError:
            raise ConflictError(N_("step %(trigger)s of case %(case)s got another override "
                                   "request meanwhile; reload"),
                                params={"trigger": repr(trigger), "case": case.number}) from None
        record_entry(uow, case, AuditEntry("override_requested", reason=req.reason, payload={
            "request": req.id, "trigger": trigger, "periods": [r.clock for r in refused]}),
            actor)
        rule = definition.approval("override")
        _notify(uow, req, "asked",
                f"{case.number} {transition.title_zh}（{transition.title_en}）: {actor} 申请"
                f"批准不受期限限制 / asks for an override: {req.reason}",
                approvers(uow, case.agency_id, rule.roles if rule else roles, but=actor))
        uow.commit()
        return override_view(req, case)


def _notify(uow: UnitOfWork, req: OverrideRequest, what: str, message: str,
            to: set[int]) -> None:
    notify(uow, f"override-request:{req.id}:{what}", case_id=req.case_id, message=message,
           user_ids=to)


def _open(uow: UnitOfWork, request_id: int, actor: str
          ) -> tuple[OverrideRequest, Case, User, WorkflowDefinition]:
    """The pending request, its case, the acting user and the workflow; another agency's
    request is answered as a missing one."""
    user = get_user(uow, actor)  # who asks is settled first
    req = None
    if 0 < request_id <= ID_MAX:
        req = uow.session.get(OverrideRequest, request_id)
    case = uow.session.get(Case, req.case_id) if req else None
    if req is None or case is None or case.agency_id != user.agency_id:
        raise NotFound(N_("unknown override request %(id)s"), params={"id": request_id})
    if req.status != "pending":
        raise InvalidTrigger(N_("override request %(id)s is already %(status)s"),
                             field="request", params={"id": request_id, "status": req.status})
    definition = REGISTRY.definition(uow.session, case.workflow_key, case.workflow_version)
    return req, case, user, definition


def approve_override(uow: UnitOfWork, request_id: int, *, actor: str, reason: str,
                     expected_version: int | None = None) -> OverrideView:
    """Approve: the override's role, never the case's assignee (now or earlier) nor who
    asked; valid for one firing of the step while the case stays in the state asked in."""
    check_reason(reason)
    if not reason or not reason.strip():
        raise ValidationFailed(N_("an approval needs a reason"), field="reason")
    with uow:
        req, case, user, definition = _open(uow, request_id, actor)
        if case.status != req.state:
            raise InvalidTrigger(N_("case %(case)s has moved on from %(state)s; refuse the "
                                    "request instead"), field="request",
                                 params={"case": case.number, "state": repr(req.state)})
        transition = _transition(definition, case, req.trigger)
        roles = override_roles(transition)
        if not roles & set(user.roles):
            raise PermissionDenied(N_("an override of a period needs role %(roles)s; %(actor)s "
                                      "has %(has)s"),
                                   params={"roles": " or ".join(sorted(roles)), "actor": actor,
                                           "has": ", ".join(sorted(user.roles)) or "no role"})
        rule = definition.approval("override")
        if rule is not None:
            require_approver(uow.session, rule, case_id=case.id, case_number=case.number,
                             username=actor, roles=user.roles, requesters=[req.requested_by])
        check_version(case, expected_version)
        now = uow.now()
        req.status, req.decided_by, req.decided_at = "approved", actor, now
        req.decision_reason = reason.strip()
        record_entry(uow, case, AuditEntry("override_approved", reason=req.decision_reason,
                                           payload={"request": req.id, "trigger": req.trigger}),
                     actor)
        _notify(uow, req, "approved",
                f"{case.number} {transition.title_zh}（{transition.title_en}）: 已批准，可办理该"
                f"步骤 / override approved by {actor}: {req.decision_reason}",
                user_ids(uow, req.requested_by))
        uow.commit()
        return override_view(req, case)


def _close(uow: UnitOfWork, request_id: int, status: str, *, actor: str, reason: str,
           expected_version: int | None) -> OverrideView:
    reason = checked_reason(reason, status)
    with uow:
        req, case, user, definition = _open(uow, request_id, actor)
        step = next((t for t in definition.transitions if t.trigger == req.trigger), None)
        close_request(
            uow, req, case, user, status, reason=reason,
            deciders=(override_roles(step) if step else set()) or {"supervisor"},
            event="override_request", payload={"request": req.id, "trigger": req.trigger},
            expected_version=expected_version, notice_key=f"override-request:{req.id}:refused",
            refusal_notice=f"{case.number}: 不受期限限制的申请未获批准 / override refused by "
                           f"{actor}: {reason}")
        uow.commit()
        return override_view(req, case)


def refuse_override(uow: UnitOfWork, request_id: int, *, actor: str, reason: str,
                    expected_version: int | None = None) -> OverrideView:
    """The approver says no, and why; the author hears it in their inbox."""
    return _close(uow, request_id, "refused", actor=actor, reason=reason,
                  expected_version=expected_version)


def withdraw_override(uow: UnitOfWork, request_id: int, *, actor: str, reason: str,
                      expected_version: int | None = None) -> OverrideView:
    """Its author takes the request back."""
    return _close(uow, request_id, "withdrawn", actor=actor, reason=reason,
                  expected_version=expected_version)
