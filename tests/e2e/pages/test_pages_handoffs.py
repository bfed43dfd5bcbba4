"""In the browser: a customs officer sends a suspected crime to the police from the case
page; a police officer accepts it in the handoff inbox and a police case opens."""

from __future__ import annotations

from datetime import datetime

from tests.e2e.pages.conftest import PASSWORD
from tests.e2e.pages.test_pages_handoffs_http import BEIJING, approved_transfer


def sign_in(new_page, username):  # type: ignore[no-untyped-def]
    """Signed in through the form (Enter in the password field: the header's language
    button is the page's first submit button, which ``signed_in`` would click)."""
    page = new_page()
    page.goto("/signin")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.press("#password", "Enter")
    assert "/signin" not in page.url, f"{username} could not sign in: {page.url}"
    return page


def test_customs_sends_a_criminal_transfer_the_police_accept(new_page, shot, uow, site):
    case = approved_transfer(uow)
    customs = sign_in(new_page, "zhou.customs")
    customs.goto(f"/cases/{case.id}")
    pre = "#h-criminal_transfer-"
    customs.select_option(f"{pre}to_agency", "nb-psb")
    customs.fill(f"{pre}p_police_unit", "宁波市公安局经济犯罪侦查支队")
    customs.fill(f"{pre}p_sent_at", datetime.now(BEIJING).strftime("%Y-%m-%dT%H:%M"))
    customs.fill(f"{pre}p_materials", "移送书\n调查报告\n涉案物品清单")
    customs.check(f"{pre}p_copied_to_procuratorate")
    customs.fill(f"{pre}reason", "出口运动服3600件涉嫌假冒注册商标罪，货值61万元")
    shot(customs, "handoff-send")
    customs.get_by_role("button", name="发送移交").click()
    customs.wait_for_load_state()
    assert customs.locator(".flash.success").count() == 1
    assert "宁波市公安局" in customs.locator(".handoff-list").inner_text()

    police = sign_in(new_page, "gao.police")
    police.goto("/handoffs/")
    card = police.locator(".handoff-card").first
    assert case.number in card.inner_text()
    shot(police, "handoff-inbox")
    card.locator("textarea[name=reason]").first.fill("材料齐全，予以接收")
    card.get_by_role("button", name="接收", exact=True).click()
    police.wait_for_load_state()
    flash = police.locator(".flash.success")
    assert "已接收移交" in flash.inner_text()
    flash.locator("a").click()
    police.wait_for_load_state()
    assert "/cases/" in police.url and f"/cases/{case.id}" not in police.url
