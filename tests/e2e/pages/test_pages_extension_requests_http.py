"""Extension requests on the pages, through Flask's test client: the officer asks from a
clock, the supervisors' queue shows it, one grants it (as asked or less) or refuses it with
the reason the officer then reads; the author and the assignee never decide; bad input keeps
what was typed, says what is wrong in Chinese, and changes nothing."""

from __future__ import annotations

import pytest

from caseflow.services.alerts import inbox
from caseflow.services.extension_requests import request_extension
from caseflow.views.clocks import case_clocks
from caseflow.views.extension_requests import extension_requests
from tests.e2e.pages.test_pages_supervision_http import clock, open_clue

ASK = "/extension-requests/cases/{id}/filing_decision"


@pytest.fixture
def case(app, people):
    return open_clue(lambda: app.uow("test"), "宁波某家电有限公司涉嫌假冒“方太”吸油烟机",
                     "宁波某家电有限公司", "宁波方太厨具有限公司")


def _requests(app, case_id):
    return extension_requests(app.uow("test"), "chen.sup", case_id=case_id)


def test_officer_asks_and_supervisor_grants_from_the_queue(app, client_as, case):
    officer, sup = client_as("li.officer"), client_as("chen.sup")
    form = officer.get(ASK.format(id=case.id)).get_data(as_text=True)
    assert 'id="amount"' in form and "工作日" in form and "提交延期申请" in form
    done = officer.post_form(ASK.format(id=case.id), {
        "amount": "10", "reason": "需权利人辨认涉案商品", "version": str(case.version)})
    assert done.status_code == 303 and done.headers["Location"].endswith(
        f"/cases/{case.id}#clock-filing_decision")
    [req] = _requests(app, case.id)
    assert (req.status, req.by, req.requested_by) == ("pending", "10 working_days", "li.officer")
    # asking again shows what is waiting, and asks nothing more
    again = officer.get(ASK.format(id=case.id)).get_data(as_text=True)
    assert "待审批" in again and "需权利人辨认涉案商品" in again and 'id="amount"' not in again
    assert officer.post_form(ASK.format(id=case.id), {
        "reason": "再申请", "version": str(case.version)}).status_code == 409
    mine = officer.get("/extension-requests/").get_data(as_text=True)
    assert case.number in mine and "待审批" in mine and "核查及立案决定期限" in mine

    queue = sup.get("/supervision/approvals").get_data(as_text=True)
    row = queue.split(f'id="request-{req.id}"')[1].split("</tr>")[0]
    assert case.number in row and "李明" in row and "需权利人辨认涉案商品" in row
    assert "10 工作日" in row
    decide = sup.get(f"/supervision/requests/{req.id}").get_data(as_text=True)
    assert 'value="10"' in decide  # the length asked, prefilled
    before = clock(app, case.id)
    granted = sup.post_form(f"/supervision/requests/{req.id}/approve", {
        "amount": "10", "reason": "同意延长十个工作日", "version": str(req.case_version)})
    assert granted.status_code == 303
    after = clock(app, case.id)
    assert after.due > before.due and [e.by for e in after.extensions] == ["10 working_days"]
    assert _requests(app, case.id)[0].status == "approved"
    assert f'id="request-{req.id}"' not in sup.get("/supervision/approvals").get_data(
        as_text=True)
    # the officer sees the answer in their list, and in their inbox
    mine = officer.get("/extension-requests/").get_data(as_text=True)
    assert "已批准" in mine and "同意延长十个工作日" in mine
    assert "陈晓燕" in mine and "chen.sup" not in mine  # who decided, by name
    assert any(i.kind == "approval" and i.case_id == case.id
               for i in inbox(app.uow("test"), "li.officer"))


def test_refusal_says_why_and_the_officer_withdraws_the_next(app, client_as, case):
    officer, sup = client_as("li.officer"), client_as("chen.sup")
    req = request_extension(app.uow("test"), case.id, "filing_decision", actor="li.officer",
                            reason="申请延期")
    page = sup.post_form(f"/supervision/requests/{req.id}/refuse",
                         {"refusal": "", "version": str(req.case_version)})
    assert page.status_code == 422 and 'id="f-refusal-error"' in page.get_data(as_text=True)
    assert _requests(app, case.id)[0].status == "pending"
    done = sup.post_form(f"/supervision/requests/{req.id}/refuse",
                         {"refusal": "证据已齐，无需延期", "version": str(req.case_version)})
    assert done.status_code == 303
    assert "证据已齐，无需延期" in officer.get("/extension-requests/").get_data(as_text=True)
    second = request_extension(app.uow("test"), case.id, "filing_decision",
                               actor="li.officer", reason="再次申请")
    gone = officer.post_form(f"/extension-requests/{second.id}/withdraw",
                             {"reason": "当事人已到案", "version": str(second.case_version)})
    assert gone.status_code == 303
    assert [r.status for r in _requests(app, case.id)] == ["withdrawn", "refused"]


@pytest.mark.parametrize("data, field, words", [
    ({"amount": "", "reason": ""}, "reason", "必填"),
    ({"amount": "0", "reason": "案情复杂<script>x</script>"}, "amount", "整数"),
    ({"amount": "99", "reason": "案情复杂<script>x</script>"}, "amount", "整数"),
    ({"amount": "abc", "reason": "案情复杂"}, "amount", "整数"),
])
def test_bad_request_input_keeps_what_was_typed(app, client_as, case, data, field, words):
    officer = client_as("li.officer")
    officer.get(ASK.format(id=case.id))
    page = officer.post_form(ASK.format(id=case.id), {**data, "version": str(case.version)})
    html = page.get_data(as_text=True)
    assert page.status_code == 422
    assert f'id="f-{field}-error"' in html and words in html
    if data["reason"]:
        assert "&lt;script&gt;" in html or "<script>" not in data["reason"]
        assert "<script>x" not in html
    assert f'value="{data["amount"]}"' in html
    assert _requests(app, case.id) == []


def test_the_author_may_not_decide_and_others_are_refused(app, client_as, people):
    # sun.yz is officer and supervisor of the Yinzhou branch, and works this case himself
    case = open_clue(lambda: app.uow("test"), "宁波某文具有限公司涉嫌销售假冒“得力”订书机",
                     "宁波某文具有限公司", "得力集团有限公司", actor="sun.yz", assignee="sun.yz")
    sun = client_as("sun.yz")
    sun.post_form(ASK.format(id=case.id), {"reason": "本人申请延期",
                                           "version": str(case.version)})
    [req] = extension_requests(app.uow("test"), "sun.yz", case_id=case.id)
    page = sun.post_form(f"/supervision/requests/{req.id}/approve", {
        "amount": "15", "reason": "自批", "version": str(req.case_version)})
    assert page.status_code == 403 and "职责分离" in page.get_data(as_text=True)
    assert not next(c for c in case_clocks(app.uow("test"), case.id, "sun.yz")
                    if c.clock == "filing_decision").extensions
    # another agency's supervisor, and an officer, do not reach the decision at all
    assert client_as("xu.customs").get(f"/supervision/requests/{req.id}").status_code == 404
    assert client_as("li.officer").get(f"/supervision/requests/{req.id}").status_code == 403
    assert client_as("zhou.customs").get(ASK.format(id=case.id)).status_code == 404
