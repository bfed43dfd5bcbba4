"""Extension requests over real HTTP, on both databases: an officer asks (a case write with
If-Match and the new ETag), the supervisor lists and grants or refuses, the author
withdraws; refusals are problem+json naming the field, and change nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from caseflow.adapters.orm import ExtensionRequest
from tests.e2e.http import call, issue
from tests.e2e.test_api_clocks import etag, open_timed, written
from web.api.extension_requests import ExtensionRequestOut


def _count(app) -> int:
    with app.session_factory() as s:
        return s.scalar(select(func.count()).select_from(ExtensionRequest))


def test_ask_list_and_grant_over_http(server, uow, app):
    officer, sup = issue(uow, "li.officer"), issue(uow, "chen.sup")
    case = open_timed(uow)
    ask = f"/api/v1/cases/{case.id}/clocks/filing/extension-requests"
    assert call(server, "POST", ask, officer, {"reason": "需鉴定"})[0] == 428  # no If-Match
    status, headers, body = call(server, "POST", ask, officer,
                                 {"reason": "需权利人辨认涉案商品", "by": "10 working_days"},
                                 etag(app, case.id))
    assert status == 201, body
    ExtensionRequestOut().load(body)
    assert (body["status"], body["by"], body["requested_by"]) == \
        ("pending", "10 working_days", "li.officer")
    assert headers["ETag"] == f'"{written(app, case.id)[0]}"'

    status, _h, listed = call(server, "GET", "/api/v1/extension-requests?status=pending", sup)
    assert status == 200 and [r["id"] for r in listed] == [body["id"]]
    status, _h, mine = call(server, "GET", f"/api/v1/extension-requests?case_id={case.id}",
                            officer)
    assert status == 200 and [r["id"] for r in mine] == [body["id"]]
    status, got_headers, one = call(server, "GET", f"/api/v1/extension-requests/{body['id']}",
                                    sup)
    assert status == 200 and one == body
    # the officer cannot grant their own; the supervisor grants against the case's ETag
    approve = f"/api/v1/extension-requests/{body['id']}/approve"
    status, _h, problem = call(server, "POST", approve, officer, {"reason": "自批"},
                               {"If-Match": got_headers["ETag"]})
    assert status == 403, problem
    before = written(app, case.id)
    stale = call(server, "POST", approve, sup, {"reason": "同意"}, {"If-Match": '"1"'})
    assert stale[0] == 412 and written(app, case.id) == before
    status, headers, done = call(server, "POST", approve, sup, {"reason": "同意延长"},
                                 {"If-Match": got_headers["ETag"]})
    assert status == 200, done
    assert (done["status"], done["decided_by"]) == ("approved", "chen.sup")
    assert done["extension_id"] is not None
    status, _h, clocks = call(server, "GET", f"/api/v1/cases/{case.id}/clocks", officer)
    assert [e["by"] for e in clocks[0]["extensions"]] == ["10 working_days"]
    # the officer's inbox has the answer, with the case's id to link to
    status, _h, items = call(server, "GET", "/api/v1/alerts", officer)
    assert status == 200 and [(i["kind"], i["case_id"]) for i in items] == \
        [("approval", case.id)]
    again = call(server, "POST", approve, sup, {"reason": "再批"}, {"If-Match": headers["ETag"]})
    assert again[0] == 409 and again[2]["errors"] == {"request": again[2]["errors"]["request"]}


def test_refuse_and_withdraw_over_http(server, uow, app):
    officer, sup = issue(uow, "li.officer"), issue(uow, "chen.sup")
    case = open_timed(uow)
    ask = f"/api/v1/cases/{case.id}/clocks/filing/extension-requests"
    first = call(server, "POST", ask, officer, {"reason": "申请延长"}, etag(app, case.id))[2]
    duplicate = call(server, "POST", ask, officer, {"reason": "再申请"}, etag(app, case.id))
    assert duplicate[0] == 409 and "clock" in duplicate[2]["errors"]
    status, _h, refused = call(server, "POST", f"/api/v1/extension-requests/{first['id']}/refuse",
                               sup, {"reason": "证据已齐"}, etag(app, case.id))
    assert status == 200 and refused["decision_reason"] == "证据已齐"
    second = call(server, "POST", ask, officer, {"reason": "再次申请"}, etag(app, case.id))[2]
    status, _h, gone = call(server, "POST",
                            f"/api/v1/extension-requests/{second['id']}/withdraw", officer,
                            {"reason": "当事人已到案"}, etag(app, case.id))
    assert status == 200 and gone["status"] == "withdrawn"


def test_bad_requests_are_refused_with_the_field_and_change_nothing(server, uow, app):
    officer, customs = issue(uow, "li.officer"), issue(uow, "zhou.customs")
    case = open_timed(uow)
    ask = f"/api/v1/cases/{case.id}/clocks/filing/extension-requests"
    before = written(app, case.id)
    for body, field in (({"reason": ""}, "reason"), ({"reason": "x", "by": "soon"}, "by"),
                        ({"reason": "x", "by": "99 working_days"}, "by"),
                        ({"reason": "x", "extra": 1}, "extra"), ({}, "reason")):
        status, headers, problem = call(server, "POST", ask, officer, body, etag(app, case.id))
        assert status == 422, (body, problem)
        assert headers["Content-Type"] == "application/problem+json"
        assert field in problem["errors"], (body, problem)
    assert call(server, "POST", ask, customs, {"reason": "x"}, etag(app, case.id))[0] == 404
    missing = f"/api/v1/cases/{case.id}/clocks/nonesuch/extension-requests"
    assert call(server, "POST", missing, officer, {"reason": "x"}, etag(app, case.id))[0] == 404
    for path in ("/api/v1/extension-requests/999999", "/api/v1/extension-requests/99999999999"):
        assert call(server, "GET", path, officer)[0] == 404
    assert call(server, "GET", "/api/v1/extension-requests?status=maybe", officer)[0] == 422
    assert call(server, "GET", "/api/v1/extension-requests?sort=1", officer)[0] == 422
    assert call(server, "GET", "/api/v1/extension-requests", None)[0] == 401
    assert written(app, case.id) == before and _count(app) == 0
