"""Small page defects through Flask's test client: a decided extension request opens on
what was decided (not "未找到"), a form sent to it again changes nothing; a supervisor who
asked opens 我的申请; the team workload leaves out an account only another system uses."""

from __future__ import annotations

import pytest

from caseflow.services import tokens
from caseflow.services.directory import create_user
from caseflow.services.extension_requests import request_extension
from caseflow.views.extension_requests import extension_requests
from tests.e2e.pages.test_pages_supervision_http import open_clue


@pytest.fixture
def case(app, people):
    return open_clue(lambda: app.uow("test"), "宁波某家电有限公司涉嫌假冒“方太”吸油烟机",
                     "宁波某家电有限公司", "宁波方太厨具有限公司")


def test_a_decided_request_shows_the_decision(app, client_as, case):
    sup = client_as("chen.sup")
    req = request_extension(app.uow("test"), case.id, "filing_decision", actor="li.officer",
                            reason="需权利人辨认涉案商品")
    sup.get(f"/supervision/requests/{req.id}")
    done = sup.post_form(f"/supervision/requests/{req.id}/refuse",
                         {"refusal": "证据已齐，无需延期", "version": str(req.case_version)})
    assert done.status_code == 303
    page = sup.get(f"/supervision/requests/{req.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "未找到" not in html
    assert case.number in html and "证据已齐，无需延期" in html and "需权利人辨认涉案商品" in html
    assert "陈晓燕" in html and "李明" in html and "核查及立案决定期限" in html
    assert "已拒绝" in html
    assert 'action="/supervision/requests/' not in html  # nothing left to decide

    again = sup.post_form(f"/supervision/requests/{req.id}/approve",
                          {"amount": "10", "reason": "同意", "version": str(req.case_version)})
    assert again.status_code == 409 and "此申请已作出决定" in again.get_data(as_text=True)
    [after] = extension_requests(app.uow("test"), "chen.sup", case_id=case.id)
    assert after.status == "refused"

    missing = sup.get("/supervision/requests/999999")
    assert missing.status_code == 404 and "未找到" in missing.get_data(as_text=True)


def test_a_pending_request_still_opens_on_the_decision_form(app, client_as, case):
    req = request_extension(app.uow("test"), case.id, "filing_decision", actor="li.officer",
                            reason="需权利人辨认涉案商品")
    html = client_as("chen.sup").get(f"/supervision/requests/{req.id}").get_data(as_text=True)
    assert f'action="/supervision/requests/{req.id}/approve"' in html


def test_a_supervisor_who_asked_opens_my_requests(app, client_as, people):
    case = open_clue(lambda: app.uow("test"), "某商标侵权线索", "某公司", "某权利人",
                     assignee="chen.sup")
    request_extension(app.uow("test"), case.id, "filing_decision", actor="chen.sup",
                      reason="主办人申请延期")
    sup = client_as("chen.sup")
    home = sup.get("/supervision/").get_data(as_text=True)
    assert 'href="/extension-requests/"' in home  # in the navigation
    mine = sup.get("/extension-requests/")
    html = mine.get_data(as_text=True)
    assert mine.status_code == 200 and case.number in html and "主办人申请延期" in html
    assert client_as("zhao.admin").get("/extension-requests/").status_code == 403


def test_the_workload_leaves_out_an_account_only_the_api_uses(app, client_as, people):
    create_user(app.uow("test"), "zjip.feed", "浙江知识产权在线对接账号", "nb-amr", ["officer"])
    create_user(app.uow("test"), "sun.new", "孙新", "nb-amr", ["officer"])  # never signed in
    tokens.create_token(app.uow("test"), for_user="zjip.feed", name="对接", actor="zhao.admin",
                        days=30, reason="对接省平台")
    sup = client_as("chen.sup")
    load = sup.get("/supervision/workload").get_data(as_text=True)
    assert "李明" in load and "孙新" in load  # no token: a person yet to sign in
    assert "zjip.feed" not in load and "浙江知识产权在线对接账号" not in load

    open_clue(lambda: app.uow("test"), "对接来件", "某公司", "某权利人", assignee="zjip.feed")
    held = sup.get("/supervision/workload").get_data(as_text=True)
    assert "浙江知识产权在线对接账号" in held  # holding a case: its workload is shown
