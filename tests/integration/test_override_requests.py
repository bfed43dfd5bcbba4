"""Override requests through the service layer, on the period_gate test workflow: the
officer asks a supervisor to set aside the answer period of close_answer_period, a
supervisor approves (never the author or an assignee), the officer's next firing of the
step uses the approval once and the chain names the approver; refusals and withdrawals;
bad requests change nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from caseflow import services
from caseflow.adapters.orm import Event, OverrideRequest
from caseflow.domain.errors import (
    InvalidTrigger,
    NotFound,
    PeriodNotMet,
    PermissionDenied,
    ValidationFailed,
)
from caseflow.services.alerts import inbox
from caseflow.services.audit import verify_chains
from caseflow.services.override_requests import (
    approve_override,
    refuse_override,
    request_override,
    withdraw_override,
)
from tests.integration.test_period_requirements import served, state

EARLY = "2026-11-04T10:00"  # the answer period (served 2 Nov, 5 working days) runs to 9 Nov
STEP = "close_answer_period"


def _requests(app) -> int:
    with app.session_factory() as s:
        return s.scalar(select(func.count()).select_from(OverrideRequest))


def test_an_approved_override_lets_the_officer_take_the_step_once(at, people, app):
    case = served(at)
    req = request_override(at(EARLY)(), case.id, STEP, actor="li.officer",
                           reason="当事人已当面陈述申辩，书面放弃剩余期限")
    assert (req.status, req.state, req.requested_by) == \
        ("pending", state(app, case.id)[0], "li.officer")
    assert [i.kind for i in inbox(app.uow(), "chen.sup")] == ["approval"]
    # before an approval the period still refuses the officer
    with pytest.raises(PeriodNotMet):
        services.fire(at(EARLY)(), case.id, STEP, actor="li.officer",
                      payload={"closed_on": "2026-11-04"})
    done = approve_override(at(EARLY)(), req.id, actor="chen.sup", reason="情况属实，同意")
    assert (done.status, done.decided_by) == ("approved", "chen.sup")
    assert "已批准" in inbox(app.uow(), "li.officer")[0].message
    view = services.fire(at(EARLY)(), case.id, STEP, actor="li.officer",
                         payload={"closed_on": "2026-11-04"})
    assert view.status == "answered"
    with app.session_factory() as s:
        excepted = s.scalar(select(Event).where(Event.case_id == case.id,
                                                Event.kind == "period_excepted"))
        used = s.get(OverrideRequest, req.id)
        kinds = [e.kind for e in s.scalars(select(Event).where(Event.case_id == case.id)
                                          .order_by(Event.seq))]
    assert excepted.actor == "li.officer" and excepted.payload["exception"] == "override"
    assert (excepted.payload["approved_by"], excepted.payload["request"]) == ("chen.sup",
                                                                              req.id)
    assert "chen.sup" in excepted.reason and "书面放弃剩余期限" in excepted.reason
    assert used.status == "used" and used.used_at is not None
    assert kinds.index("override_requested") < kinds.index("override_approved") < \
        kinds.index("period_excepted")
    assert verify_chains(app.uow(), [case.id]).problems == []


def test_the_author_and_the_assignee_never_approve(at, people, app):
    case = served(at)
    services.assign(at("2026-11-02T11:00")(), case.id, "chen.sup", actor="wang.director")
    req = request_override(at(EARLY)(), case.id, STEP, actor="li.officer", reason="书面放弃")
    before = state(app, case.id)
    with pytest.raises(PermissionDenied, match="is or was the assignee"):
        approve_override(at(EARLY)(), req.id, actor="chen.sup", reason="同意")
    with pytest.raises(PermissionDenied, match="override of a period needs role supervisor"):
        approve_override(at(EARLY)(), req.id, actor="zhang.officer", reason="同意")
    assert state(app, case.id) == before
    # a supervisor asking (she is no assignee now) never decides her own request
    services.assign(at("2026-11-02T12:00")(), case.id, "li.officer", actor="wang.director")
    withdraw_override(at(EARLY)(), req.id, actor="li.officer", reason="改由主管申请")
    mine = request_override(at(EARLY)(), case.id, STEP, actor="wang.director", reason="书面放弃")
    with pytest.raises(PermissionDenied, match="asked for this override"):
        approve_override(at(EARLY)(), mine.id, actor="wang.director", reason="同意")
    with pytest.raises(PermissionDenied, match="is or was the assignee"):  # chen.sup was one
        approve_override(at(EARLY)(), mine.id, actor="chen.sup", reason="同意")


def test_refused_withdrawn_and_stale_requests(at, people, app):
    case = served(at)
    first = request_override(at(EARLY)(), case.id, STEP, actor="li.officer", reason="书面放弃")
    with pytest.raises(InvalidTrigger, match="already has an override request open"):
        request_override(at(EARLY)(), case.id, STEP, actor="zhang.officer", reason="再申请")
    refused = refuse_override(at(EARLY)(), first.id, actor="chen.sup", reason="放弃未经书面确认")
    assert refused.status == "refused"
    assert "未获批准" in inbox(app.uow(), "li.officer")[0].message
    with pytest.raises(PeriodNotMet):  # a refused request lets nothing through
        services.fire(at(EARLY)(), case.id, STEP, actor="li.officer",
                      payload={"closed_on": "2026-11-04"})
    second = request_override(at(EARLY)(), case.id, STEP, actor="li.officer", reason="已补书面")
    with pytest.raises(PermissionDenied, match="only who asked withdraws"):
        withdraw_override(at(EARLY)(), second.id, actor="zhang.officer", reason="撤回")
    assert withdraw_override(at(EARLY)(), second.id, actor="li.officer",
                             reason="期限将届满，不再申请").status == "withdrawn"
    with pytest.raises(InvalidTrigger, match="already withdrawn"):
        approve_override(at(EARLY)(), second.id, actor="chen.sup", reason="同意")
    assert verify_chains(app.uow(), [case.id]).problems == []


@pytest.mark.parametrize("actor, trigger, when, kwargs, error, match", [
    ("li.officer", STEP, EARLY, {"reason": " "}, ValidationFailed, "needs a reason"),
    ("li.officer", "nonesuch", EARLY, {"reason": "x"}, InvalidTrigger, "not possible"),
    ("li.officer", "file_answer", EARLY, {"reason": "x"}, ValidationFailed,
     "may be overridden"),
    ("li.officer", STEP, "2026-11-10T09:00", {"reason": "x"}, ValidationFailed,
     "nothing to override"),
    ("zhao.admin", STEP, EARLY, {"reason": "x"}, PermissionDenied, "needs role"),
    ("zhou.customs", STEP, EARLY, {"reason": "x"}, NotFound, "unknown case"),
    ("li.officer", STEP, EARLY, {"reason": "x", "expected_version": 999}, Exception,
     "version"),
])
def test_bad_requests_change_nothing(at, people, app, actor, trigger, when, kwargs, error,
                                     match):
    case = served(at)
    before = state(app, case.id)
    with pytest.raises(error, match=match):
        request_override(at(when)(), case.id, trigger, actor=actor, **kwargs)
    assert state(app, case.id) == before and _requests(app) == 0


def test_another_agencys_request_is_answered_as_missing(at, people, app):
    case = served(at)
    req = request_override(at(EARLY)(), case.id, STEP, actor="li.officer", reason="书面放弃")
    for call in (lambda: approve_override(app.uow(), req.id, actor="xu.customs", reason="x"),
                 lambda: refuse_override(app.uow(), req.id, actor="xu.customs", reason="x"),
                 lambda: approve_override(app.uow(), 10**12, actor="chen.sup", reason="x")):
        with pytest.raises(NotFound, match="unknown override request"):
            call()
