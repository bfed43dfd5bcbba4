"""An officer's day in the real browser: files a clue via 立案, sees its case page, finds it
in the agency's queue, claims it, and it is in 待办 among cases of different urgency."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from caseflow import services
from tests.e2e.pages.conftest import PASSWORD

BEIJING = timezone(timedelta(hours=8))
SELLER = {"role": "alleged_infringer", "name": "慈溪某电器厂", "kind": "enterprise",
          "origin": "local", "region": "慈溪市"}
HOLDER = {"role": "rights_holder", "name": "Velmont Sportswear S.p.A.", "kind": "enterprise",
          "origin": "overseas", "region": "Italy"}


def sign_in(new_page, username):  # type: ignore[no-untyped-def]
    """Through the sign-in form, pressing Enter in the password field (the header's language
    button is the page's first submit button, which ``signed_in`` would click)."""
    page = new_page()
    page.goto("/signin")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.press("#password", "Enter")
    assert "/signin" not in page.url, page.url
    return page


def test_officer_files_a_clue_claims_it_and_sees_it_in_todo(site, app, new_page, shot):
    today = datetime.now(BEIJING).date()
    for title, days_ago, case_type in (("北仑某汽配厂仿冒刹车片", 70, "admin_enforcement"),
                                       ("海曙某服饰店销售假冒运动服", 8, "complaint"),
                                       ("鄞州某文具店销售侵权笔记本", 0, "admin_enforcement")):
        services.open_case(app.uow(), actor="li.officer", case_type=case_type, title=title,
                           received_on=today - timedelta(days=days_ago),
                           assignee="li.officer", parties=[HOLDER, SELLER])
    page = sign_in(new_page, "li.officer")
    page.goto("/work/new")
    page.select_option("#f-case_type", "admin_enforcement")
    page.fill("#f-title", "余姚某厨具厂涉嫌假冒注册商标")
    page.select_option("#f-p1_role", "rights_holder")
    page.fill("#f-p1_name", "宁波甬江电器有限公司")
    page.select_option("#f-p1_origin", "local")
    page.fill("#f-p1_region", "宁波市江北区")
    page.fill("#f-p2_name", "余姚某厨具厂")
    page.select_option("#f-ip_kind", "trademark")
    page.fill("#f-ip_number", "G5566778")
    page.fill("#f-ip_title", "甬江")
    shot(page, "officer-new-case")
    page.get_by_role("button", name="提交立案").click()
    page.wait_for_load_state()
    assert "/cases/" in page.url
    assert "余姚某厨具厂涉嫌假冒注册商标" in page.content()
    assert "已立案" in page.content()

    page.goto("/work/queue")
    row = page.locator("tr", has_text="余姚某厨具厂涉嫌假冒注册商标")
    assert row.count() == 1
    row.get_by_role("button", name="认领").click()
    page.wait_for_load_state()
    assert "已认领" in page.content()

    page.goto("/work/")
    table = page.locator("table.worklist tbody tr")
    assert table.count() == 4
    assert "余姚某厨具厂涉嫌假冒注册商标" in page.content()
    assert table.first.get_attribute("class") == "overdue"
    assert "北仑某汽配厂仿冒刹车片" in table.first.inner_text()
    shot(page, "officer-worklist")
