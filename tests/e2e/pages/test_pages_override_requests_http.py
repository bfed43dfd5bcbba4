"""Override requests on the pages, through Flask's test client: the officer asks that the
answer period not hold close_answer_period, the supervisors' queue shows it, one approves,
the officer takes the step; refusal with its reason; the author never decides; bad input
keeps what was typed and changes nothing."""

from __future__ import annotations

import pytest

from caseflow import services
from caseflow.domain.errors import PeriodNotMet
from caseflow.views.override_requests import override_requests
from tests.e2e.test_api_override_requests import served, services_today

STEP = "close_answer_period"
ASK = "/override-requests/cases/{id}/" + STEP


@pytest.fixture
def case(app, people):
    return served(lambda: app.uow("test"))


def _requests(app, case_id):
    return override_requests(app.uow("test"), "chen.sup", case_id=case_id)


def test_officer_asks_supervisor_approves_officer_takes_the_step(app, client_as, case):
    officer, sup = client_as("li.officer"), client_as("chen.sup")
    page = officer.get(f"/cases/{case.id}").get_data(as_text=True)
    step = page.split(f'id="step-{STEP}"')[1].split("</details>")[0]
    assert "申请负责人批准不受期限限制" in step and ASK.format(id=case.id) in step
    form = officer.get(ASK.format(id=case.id)).get_data(as_text=True)
    assert "提交申请" in form and 'id="reason"' in form
    done = officer.post_form(ASK.format(id=case.id), {
        "reason": "当事人书面放弃剩余陈述期限", "version": str(case.version + 1)})
    assert done.status_code == 303, done.get_data(as_text=True)[:3000]
    [req] = _requests(app, case.id)
    assert req.status == "pending"
    queue = sup.get("/supervision/approvals").get_data(as_text=True)
    row = queue.split(f'id="override-{req.id}"')[1].split("</tr>")[0]
    assert case.number in row and "李明" in row and "书面放弃" in row
    page = sup.get(f"/supervision/overrides/{req.id}").get_data(as_text=True)
    assert "批准" in page and "不予批准" in page
    ok = sup.post_form(f"/supervision/overrides/{req.id}/approve",
                       {"reason": "已核实书面放弃声明", "version": str(req.case_version)})
    assert ok.status_code == 303
    assert _requests(app, case.id)[0].status == "approved"
    mine = officer.get("/extension-requests/").get_data(as_text=True)
    assert case.number in mine and "已批准" in mine
    page = officer.get(f"/cases/{case.id}").get_data(as_text=True)
    step = page.split(f'id="step-{STEP}"')[1].split("</details>")[0]
    assert "现在可以办理一次" in step and "chen.sup" in step
    fired = officer.post_form(f"/cases/{case.id}/steps/{STEP}", {
        "closed_on": services_today(), "version": str(_requests(app, case.id)[0].case_version)})
    assert fired.status_code == 303, fired.get_data(as_text=True)[:2000]
    assert _requests(app, case.id)[0].status == "used"


def test_refusal_and_the_author_kept_out(app, client_as, case):
    sup = client_as("chen.sup")
    wang = client_as("wang.director")
    wang.post_form(ASK.format(id=case.id), {"reason": "主管申请", "version": str(case.version + 1)})
    [req] = _requests(app, case.id)
    mine = wang.post_form(f"/supervision/overrides/{req.id}/approve",
                          {"reason": "自批", "version": str(req.case_version)})
    assert mine.status_code == 403 and "职责分离" in mine.get_data(as_text=True)
    empty = sup.post_form(f"/supervision/overrides/{req.id}/refuse",
                          {"refusal": "", "version": str(req.case_version)})
    assert empty.status_code == 422 and 'id="f-refusal-error"' in empty.get_data(as_text=True)
    no = sup.post_form(f"/supervision/overrides/{req.id}/refuse",
                       {"refusal": "未见书面放弃声明", "version": str(req.case_version)})
    assert no.status_code == 303 and _requests(app, case.id)[0].status == "refused"
    with pytest.raises(PeriodNotMet):
        services.fire(app.uow("test"), case.id, STEP, actor="li.officer",
                      payload={"closed_on": services_today()})


def test_bad_input_keeps_what_was_typed_and_changes_nothing(app, client_as, case):
    officer = client_as("li.officer")
    page = officer.post_form(ASK.format(id=case.id), {"reason": "  ",
                                                       "version": str(case.version + 1)})
    assert page.status_code == 422 and "必填" in page.get_data(as_text=True)
    page = officer.post_form(ASK.format(id=case.id), {"reason": "x<script>y</script>",
                                                       "version": "1"})
    html = page.get_data(as_text=True)
    assert page.status_code == 409 and "&lt;script&gt;" in html and "<script>y" not in html
    assert _requests(app, case.id) == []
    assert officer.get(f"/override-requests/cases/{case.id}/file_answer").status_code == 200
    assert "没有可以不受限制的期限" in officer.get(
        f"/override-requests/cases/{case.id}/file_answer").get_data(as_text=True)
    assert officer.get(f"/override-requests/cases/{case.id}/nonesuch").status_code == 404
    assert client_as("zhou.customs").get(ASK.format(id=case.id)).status_code == 404
    assert client_as("xu.customs").get("/supervision/overrides/999999").status_code == 404
