"""Override requests over real HTTP, on both databases: the officer asks to set aside the
period that refuses close_answer_period, a supervisor approves, the officer fires the step;
refusals are problem+json naming the field, and change nothing."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from caseflow import services
from caseflow.adapters.orm import OverrideRequest
from caseflow.domain.moments import TZ
from tests.e2e.http import call, issue
from tests.e2e.test_api_clocks import etag, written
from web.api.override_requests import OverrideOut

FIRM = "宁波市海曙区锦绣服饰有限公司"


def served(uow):
    """A period_gate case whose 5-working-day answer period started now (the server's real
    clock): closing it early is refused unless a supervisor overrides."""
    case = services.open_case(uow(), actor="li.officer", case_type="period_gate",
                              assignee="li.officer", title=f"{FIRM}涉嫌销售假冒注册商标服装",
                              parties=[{"role": "alleged_infringer", "name": FIRM}])
    services.fire(uow(), case.id, "serve_notice", actor="li.officer",
                  payload={"served_on": services_today()})
    return case


def services_today() -> str:
    """Today in Beijing, as the steps record a legal date."""
    return datetime.now(TZ).date().isoformat()


def _count(app) -> int:
    with app.session_factory() as s:
        return s.scalar(select(func.count()).select_from(OverrideRequest))


def test_ask_approve_and_take_the_step_over_http(server, uow, app):
    officer, sup = issue(uow, "li.officer"), issue(uow, "chen.sup")
    case = served(uow)
    ask = f"/api/v1/cases/{case.id}/override-requests"
    body = {"trigger": "close_answer_period", "reason": "当事人书面放弃剩余陈述期限"}
    assert call(server, "POST", ask, officer, body)[0] == 428
    status, headers, req = call(server, "POST", ask, officer, body, etag(app, case.id))
    assert status == 201, req
    OverrideOut().load(req)
    assert (req["status"], req["trigger"]) == ("pending", "close_answer_period")
    assert headers["ETag"] == f'"{written(app, case.id)[0]}"'
    status, _h, listed = call(server, "GET", "/api/v1/override-requests?status=pending", sup)
    assert status == 200 and [r["id"] for r in listed] == [req["id"]]
    approve = f"/api/v1/override-requests/{req['id']}/approve"
    assert call(server, "POST", approve, officer, {"reason": "自批"}, etag(app, case.id))[0] \
        == 403
    status, headers, done = call(server, "POST", approve, sup, {"reason": "同意"},
                                 etag(app, case.id))
    assert status == 200 and done["status"] == "approved", done
    fire = f"/api/v1/cases/{case.id}/fire/close_answer_period"
    status, _h, fired = call(server, "POST", fire, officer,
                             {"payload": {"closed_on": services_today()}},
                             {"If-Match": headers["ETag"]})
    assert status == 200, fired
    status, _h, used = call(server, "GET", f"/api/v1/override-requests/{req['id']}", officer)
    assert used["status"] == "used" and used["used_at"]


def test_bad_requests_are_refused_with_the_field_and_change_nothing(server, uow, app):
    officer, customs = issue(uow, "li.officer"), issue(uow, "zhou.customs")
    case = served(uow)
    ask = f"/api/v1/cases/{case.id}/override-requests"
    before = written(app, case.id)
    for body, status_, field in (
            ({"trigger": "close_answer_period", "reason": ""}, 422, "reason"),
            ({"trigger": "", "reason": "x"}, 422, "trigger"),
            ({"trigger": "file_answer", "reason": "x"}, 422, "trigger"),
            ({"trigger": "nonesuch", "reason": "x"}, 409, "trigger"),
            ({"trigger": "close_answer_period", "reason": "x", "extra": 1}, 422, "extra"),
            ({"reason": "x"}, 422, "trigger")):
        status, headers, problem = call(server, "POST", ask, officer, body, etag(app, case.id))
        assert status == status_, (body, problem)
        assert headers["Content-Type"] == "application/problem+json"
        assert field in problem["errors"], (body, problem)
    assert call(server, "POST", ask, customs, {"trigger": "close_answer_period",
                                               "reason": "x"}, etag(app, case.id))[0] == 404
    for path in ("/api/v1/override-requests/999999", "/api/v1/override-requests/99999999999"):
        assert call(server, "GET", path, officer)[0] == 404
    assert call(server, "GET", "/api/v1/override-requests?status=maybe", officer)[0] == 422
    assert call(server, "GET", "/api/v1/override-requests", None)[0] == 401
    assert written(app, case.id) == before and _count(app) == 0
