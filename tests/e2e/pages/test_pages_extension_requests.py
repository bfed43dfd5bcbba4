"""An extension asked for and granted in the real browser: the officer asks from the case
page's clock, the supervisor finds it at the head of the extensions page and approves it;
the officer's list then shows the answer."""

from __future__ import annotations

from caseflow.views.clocks import case_clocks
from tests.e2e.pages.test_pages_supervision import open_clue, sign_in


def test_officer_asks_and_supervisor_approves(app, site, new_page, shot):
    case = open_clue(lambda: app.uow("test"), "宁波某汽配有限公司涉嫌销售假冒“NORDLICHT”火花塞",
                     "宁波某汽配有限公司", "NORDLICHT AG（德国）")
    before = next(c for c in case_clocks(app.uow("test"), case.id, "li.officer")
                  if c.clock == "filing_decision")

    officer = sign_in(new_page, "li.officer")
    officer.goto(f"/cases/{case.id}")
    officer.locator("#clock-filing_decision").get_by_role("link", name="申请延期").click()
    officer.wait_for_load_state()
    officer.fill("#amount", "10")
    officer.get_by_role("button", name="提交延期申请").click()  # no reason yet
    officer.wait_for_load_state()
    assert "必填" in officer.locator("#f-reason-error").inner_text()
    assert officer.input_value("#amount") == "10"  # what was typed stays
    officer.fill("#reason", "需商标权利人辨认涉案火花塞，申请延长十个工作日")
    officer.get_by_role("button", name="提交延期申请").click()
    officer.wait_for_load_state()
    assert f"/cases/{case.id}" in officer.url
    assert "已申请延期" in officer.locator(".flash").inner_text()
    assert "等待负责人审批" in officer.locator("#clock-filing_decision").inner_text()
    shot(officer, "officer-extension-asked")

    sup = sign_in(new_page, "chen.sup")
    sup.get_by_role("link", name="延期审批").click()
    row = sup.locator("table.supervision-requests tbody tr", has_text=case.number)
    assert "李明" in row.inner_text() and "十个工作日" in row.inner_text()
    row.get_by_role("link", name="审批").click()
    sup.wait_for_load_state()
    assert sup.input_value("#amount") == "10"  # as asked
    sup.fill("#reason", "同意延长十个工作日")
    shot(sup, "supervisor-extension-request")
    sup.get_by_role("button", name="批准延期").click()
    sup.wait_for_load_state()
    assert "已批准延期" in sup.locator(".flash").inner_text()
    after = next(c for c in case_clocks(app.uow("test"), case.id, "li.officer")
                 if c.clock == "filing_decision")
    assert after.due > before.due and [e.by for e in after.extensions] == ["10 working_days"]

    officer.get_by_role("link", name="我的申请").click()
    officer.wait_for_load_state()
    answered = officer.locator("table.extension-requests tbody tr", has_text=case.number)
    assert "已批准" in answered.inner_text() and "同意延长十个工作日" in answered.inner_text()
    shot(officer, "officer-extension-answered")
