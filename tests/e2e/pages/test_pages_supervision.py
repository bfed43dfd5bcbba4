"""The supervisor's day in the real browser: the overdue list, an extension approved, an
overdue alert acknowledged."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from caseflow import services
from caseflow.services.alerts import inbox
from caseflow.services.sweep import sweep_once
from caseflow.views.clocks import case_clocks
from tests.e2e.pages.conftest import PASSWORD

BEIJING = timezone(timedelta(hours=8))


def open_clue(uow_factory, title, infringer, holder):
    return services.open_case(
        uow_factory(), actor="li.officer", case_type="admin_enforcement", title=title,
        parties=[{"role": "rights_holder", "name": holder, "kind": "enterprise"},
                 {"role": "alleged_infringer", "name": infringer, "kind": "enterprise"}],
        assignee="li.officer")


def sign_in(new_page, username):
    """As ``signed_in`` does, but clicking the form's own button: the header's language
    switch is a submit button too, and comes first in the page."""
    page = new_page()
    page.goto("/signin")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()
    return page


def test_supervisor_extends_and_acknowledges(app, at, site, new_page, shot):
    long_ago = (datetime.now(UTC) - timedelta(days=60)).astimezone(BEIJING)
    late = open_clue(at(long_ago.strftime("%Y-%m-%dT%H:%M")),
                     "余姚某汽配厂涉嫌销售假冒“博世”刹车片", "余姚某汽配厂",
                     "Robert Bosch GmbH（德国）")
    sweep_once(app.uow("test"))
    fresh = open_clue(lambda: app.uow("test"), "宁波某食品有限公司涉嫌使用“五芳斋”近似商标",
                      "宁波某食品有限公司", "浙江五芳斋实业股份有限公司（嘉兴）")
    before = next(c for c in case_clocks(app.uow("test"), fresh.id, "chen.sup")
                  if c.clock == "filing_decision")

    page = sign_in(new_page, "chen.sup")
    assert "/signin" not in page.url
    page.goto("/")  # a supervisor's home is the overdue list
    assert page.url.endswith("/supervision/")
    overdue = page.locator("section", has=page.locator("#overdue-h"))
    assert late.number in overdue.inner_text()
    assert fresh.number not in overdue.inner_text()
    shot(page, "supervisor-overdue")

    page.get_by_role("link", name="延期审批").click()
    page.click(f"a[href$='/supervision/approvals/{fresh.id}/filing_decision']")
    page.fill("#amount", "15")
    page.fill("#reason", "需商标权利人辨认涉案商品，经负责人批准延长")
    page.get_by_role("button", name="批准延期").click()
    page.wait_for_load_state()
    assert "已批准延期" in page.locator(".flash").inner_text()
    after = next(c for c in case_clocks(app.uow("test"), fresh.id, "chen.sup")
                 if c.clock == "filing_decision")
    assert after.due > before.due

    page.get_by_role("link", name="提醒").click()
    row = page.locator("tbody tr", has_text=late.number).first
    row.get_by_role("button", name="确认处理").click()
    page.wait_for_load_state()
    assert "已确认处理该提醒" in page.locator(".flash").inner_text()
    assert any(i.acknowledged for i in inbox(app.uow("test"), "chen.sup")
               if i.case == late.number)
    shot(page, "supervisor-alerts")
