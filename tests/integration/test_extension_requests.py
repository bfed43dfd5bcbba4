"""Extension requests through the service layer: an officer asks, the supervisor's queue
shows it, a supervisor grants or refuses it (never the author, never the assignee), the
author withdraws it; each step in the audit chain and in the right inboxes; bad requests
change nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from caseflow import services
from caseflow.adapters.orm import Event, ExtensionRequest
from caseflow.domain.errors import InvalidTrigger, NotFound, PermissionDenied, ValidationFailed
from caseflow.services.alerts import inbox
from caseflow.services.audit import verify_chains
from caseflow.services.clocks import extend_clock
from caseflow.services.extension_requests import (
    approve_request,
    refuse_request,
    request_extension,
    withdraw_request,
)
from caseflow.views.clocks import case_clocks
from caseflow.views.extension_requests import extension_request, extension_requests, request_queue
from tests.integration.test_clocks import open_timed

ASKED = "2026-10-09T10:00"  # the filing clock (15 working days from 18 Sep) runs to 16 Oct


def _events(app, case_id: int) -> list[tuple[str, str]]:
    with app.session_factory() as s:
        return [(e.kind, e.actor) for e in s.scalars(
            select(Event).where(Event.case_id == case_id).order_by(Event.seq))]


def _requests(app) -> int:
    with app.session_factory() as s:
        return s.scalar(select(func.count()).select_from(ExtensionRequest))


def test_an_officer_asks_and_a_supervisor_grants_what_was_asked(at, people, app):
    case = open_timed(at)
    req = request_extension(at(ASKED)(), case.id, "filing", actor="li.officer",
                            reason="需权利人辨认涉案商品，申请延长")
    assert (req.status, req.clock, req.requested_by, req.by) == \
        ("pending", "filing", "li.officer", None)
    assert _events(app, case.id)[-1] == ("extension_requested", "li.officer")
    # both supervisors of the agency hear of it; the officer does not
    for sup in ("chen.sup", "wang.director"):
        items = inbox(app.uow(), sup)
        assert [(i.kind, i.case, i.case_id) for i in items] == \
            [("approval", case.number, case.id)]
        assert "li.officer" in items[0].message and "需权利人辨认" in items[0].message
    assert inbox(app.uow(), "li.officer") == []
    queue = request_queue(at(ASKED)(), "chen.sup")
    assert [(q.request.id, q.requester_name, q.clock.clock) for q in queue] == \
        [(req.id, "李明", "filing")]
    assert queue[0].clock.by_amount == 15 and queue[0].clock.unit == "working_days"

    done = approve_request(at("2026-10-10T09:00")(), req.id, actor="chen.sup",
                           reason="同意延长十五个工作日")
    assert (done.status, done.decided_by) == ("approved", "chen.sup")
    assert done.extension_id is not None
    filing = {c.clock: c for c in case_clocks(app.uow(), case.id, "li.officer")}["filing"]
    assert filing.due == "2026-11-06T00:00:00+08:00"  # as a direct approval: 15 more days
    assert [e.approved_by for e in filing.extensions] == ["chen.sup"]
    kinds = _events(app, case.id)
    assert ("clock_extended", "chen.sup") in kinds
    with app.session_factory() as s:
        granted = s.scalars(select(Event).where(Event.case_id == case.id,
                                                Event.kind == "clock_extended")).one()
    assert granted.payload["request"] == req.id
    # the author hears the answer; the queue is empty; the chain still verifies
    assert [i.kind for i in inbox(app.uow(), "li.officer")] == ["approval"]
    assert "已批准" in inbox(app.uow(), "li.officer")[0].message
    assert request_queue(app.uow(), "chen.sup") == ()
    assert verify_chains(app.uow(), [case.id]).problems == []


def test_a_shorter_length_asked_is_what_is_granted_unless_the_approver_says(at, people, app):
    case = open_timed(at)
    req = request_extension(at(ASKED)(), case.id, "filing", actor="li.officer",
                            reason="补充鉴定", by="5 working_days")
    assert req.by == "5 working_days"
    approve_request(at(ASKED)(), req.id, actor="chen.sup", reason="同意")
    filing = {c.clock: c for c in case_clocks(app.uow(), case.id, "li.officer")}["filing"]
    assert [e.by for e in filing.extensions] == ["5 working_days"]


def test_the_author_and_the_assignee_never_decide(at, people, app):
    case = open_timed(at)
    services.assign(app.uow(), case.id, "chen.sup", actor="wang.director")
    req = request_extension(at(ASKED)(), case.id, "filing", actor="chen.sup",
                            reason="我承办，申请延长")  # a supervisor working the case may ask
    before = _events(app, case.id)
    with pytest.raises(PermissionDenied, match="separation of duties"):
        approve_request(at(ASKED)(), req.id, actor="chen.sup", reason="自批")
    with pytest.raises(PermissionDenied, match="who asked does not decide"):
        refuse_request(at(ASKED)(), req.id, actor="chen.sup", reason="自驳")
    with pytest.raises(PermissionDenied, match="a request is decided by a supervisor"):
        refuse_request(at(ASKED)(), req.id, actor="li.officer", reason="不是主管")
    assert _events(app, case.id) == before
    assert extension_request(app.uow(), "chen.sup", req.id).status == "pending"
    # a direct approval by someone else answers the pending request too
    extend_clock(at(ASKED)(), case.id, "filing", actor="wang.director", reason="同意")
    assert extension_request(app.uow(), "chen.sup", req.id).status == "approved"


def test_a_direct_extension_keeps_the_pending_requests_author_out(at, people, app):
    case = open_timed(at)
    req = request_extension(at(ASKED)(), case.id, "filing", actor="li.officer",
                            reason="申请延长")
    assert req.status == "pending"
    # li.officer is no supervisor: refused as always, and the request stays
    with pytest.raises(PermissionDenied):
        extend_clock(at(ASKED)(), case.id, "filing", actor="li.officer", reason="自己批")
    assert extension_request(app.uow(), "li.officer", req.id).status == "pending"


def test_refusal_and_withdrawal_close_a_request_with_their_reason(at, people, app):
    case = open_timed(at)
    first = request_extension(at(ASKED)(), case.id, "filing", actor="li.officer",
                              reason="申请延长")
    with pytest.raises(InvalidTrigger, match="already has an extension request waiting"):
        request_extension(at(ASKED)(), case.id, "filing", actor="zhang.officer",
                          reason="再申请")
    refused = refuse_request(at(ASKED)(), first.id, actor="chen.sup",
                             reason="证据已齐，无需延长")
    assert (refused.status, refused.decision_reason) == ("refused", "证据已齐，无需延长")
    assert "未获批准" in inbox(app.uow(), "li.officer")[0].message
    with pytest.raises(InvalidTrigger, match="already refused"):
        approve_request(at(ASKED)(), first.id, actor="wang.director", reason="改批")
    second = request_extension(at(ASKED)(), case.id, "filing", actor="li.officer",
                               reason="再次申请")
    with pytest.raises(PermissionDenied, match="only who asked withdraws"):
        withdraw_request(at(ASKED)(), second.id, actor="zhang.officer", reason="撤回")
    gone = withdraw_request(at(ASKED)(), second.id, actor="li.officer", reason="当事人已到案")
    assert gone.status == "withdrawn"
    kinds = [k for k, _a in _events(app, case.id)]
    assert kinds.count("extension_requested") == 2
    assert "extension_request_refused" in kinds and "extension_request_withdrawn" in kinds
    assert [r.status for r in extension_requests(app.uow(), "chen.sup", case_id=case.id)] == \
        ["withdrawn", "refused"]
    assert verify_chains(app.uow(), [case.id]).problems == []


@pytest.mark.parametrize("actor, clock, kwargs, error, match", [
    ("li.officer", "filing", {"reason": " "}, ValidationFailed, "needs a reason"),
    ("li.officer", "filing", {"reason": "x", "by": "soon"}, ValidationFailed, "by:"),
    ("li.officer", "filing", {"reason": "x", "by": "30 working_days"}, ValidationFailed,
     "at most 15 working_days"),
    ("li.officer", "filing", {"reason": "x", "by": "5 days"}, ValidationFailed, "at most"),
    ("li.officer", "nonesuch", {"reason": "x"}, NotFound, "has no clock"),
    ("zhou.customs", "filing", {"reason": "x"}, NotFound, "unknown case"),
    ("zhao.admin", "filing", {"reason": "x"}, PermissionDenied, "does not work on cases"),
    ("li.officer", "filing", {"reason": "x", "expected_version": 999}, Exception,
     "version"),
])
def test_bad_requests_change_nothing(at, people, app, actor, clock, kwargs, error, match):
    case = open_timed(at)
    before = _events(app, case.id)
    with pytest.raises(error, match=match):
        request_extension(at(ASKED)(), case.id, clock, actor=actor, **kwargs)
    assert _events(app, case.id) == before and _requests(app) == 0


def test_a_request_after_the_period_ran_out_is_refused_and_a_lapsed_one_only_closes(
        at, people, app):
    case = open_timed(at)
    with pytest.raises(ValidationFailed, match="ran out"):
        request_extension(at("2026-10-17T10:00")(), case.id, "filing", actor="li.officer",
                          reason="晚了")
    req = request_extension(at(ASKED)(), case.id, "filing", actor="li.officer",
                            reason="申请延长")
    queue = request_queue(at("2026-10-17T10:00")(), "chen.sup")
    assert [(q.request.id, q.clock) for q in queue] == [(req.id, None)]  # lapsed
    with pytest.raises(ValidationFailed, match="ran out"):
        approve_request(at("2026-10-17T10:00")(), req.id, actor="chen.sup", reason="补批")
    assert refuse_request(at("2026-10-17T10:00")(), req.id, actor="chen.sup",
                          reason="期限已届满").status == "refused"


def test_another_agencys_request_is_answered_as_missing(at, people, app):
    case = open_timed(at)
    req = request_extension(at(ASKED)(), case.id, "filing", actor="li.officer", reason="申请")
    for call in (lambda: extension_request(app.uow(), "xu.customs", req.id),
                 lambda: approve_request(app.uow(), req.id, actor="xu.customs", reason="x"),
                 lambda: refuse_request(app.uow(), req.id, actor="xu.customs", reason="x"),
                 lambda: extension_request(app.uow(), "xu.customs", 10**12)):
        with pytest.raises(NotFound, match="unknown extension request"):
            call()
    assert extension_requests(app.uow(), "xu.customs") == []
    assert request_queue(app.uow(), "xu.customs") == ()
