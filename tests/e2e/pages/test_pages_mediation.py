"""The mediator in the browser: records the settlement with three instalments and applies
for judicial confirmation."""

from __future__ import annotations

from datetime import timedelta

from tests.e2e.pages.conftest import PASSWORD
from tests.e2e.pages.test_pages_mediation_http import APPLICANT, RESPONDENT, open_mediation, today


def sign_in(new_page, username):  # type: ignore[no-untyped-def]
    """Through the sign-in form (its own button: the header's language form comes first)."""
    page = new_page()
    page.goto("/signin")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()
    assert "/signin" not in page.url
    return page


def test_mediator_records_a_settlement_and_applies_for_confirmation(app, new_page, shot):
    case_id = open_mediation(app, signed=True)
    page = sign_in(new_page, "wu.mediator")
    page.goto("/mediation/")
    page.locator(f'a[href="/mediation/{case_id}"]').click()
    page.wait_for_url(f"**/mediation/{case_id}")
    page.select_option("#a-payer", RESPONDENT)
    page.select_option("#a-payee", APPLICANT)
    page.fill("#a-amount", "30000.00")
    for n in (1, 2, 3):
        page.fill(f"#a-amount_{n}", "10000.00")
        page.fill(f"#a-due_on_{n}", (today() + timedelta(days=30 * n)).isoformat())
    page.check("#a-term-cease_infringing")
    page.check("#a-term-destroy_stock")
    page.check("#a-term-withdraw_listings")
    page.fill("#a-reason", "双方在调解员主持下签订调解协议")
    page.get_by_role("button", name="登记协议").click()
    page.wait_for_load_state()
    assert "调解协议已登记" in page.content()
    schedule = page.locator("#schedule")
    assert schedule.locator("tbody tr").count() == 3
    assert "¥10,000.00" in schedule.inner_text() and "待付" in schedule.inner_text()
    shot(page, "mediator-settlement")

    page.fill("#c-reason", "双方当事人共同申请司法确认")
    page.get_by_role("button", name="申请司法确认").click()
    page.wait_for_load_state()
    assert "司法确认申请已提交法院" in page.content()
    assert page.locator("#confirmation-status").inner_text() == "已申请，等待法院处理"
    shot(page, "mediator-confirmation")
