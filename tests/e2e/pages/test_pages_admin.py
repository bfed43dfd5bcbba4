"""The admin in the real browser: adds a user, issues an API token for them (its secret
shown once) and revokes it."""

from __future__ import annotations

from tests.e2e.pages.conftest import PASSWORD


def sign_in(new_page, username):
    """Through the form (the shared ``signed_in`` clicks the first submit button of the
    page, which is the header's language switch)."""
    page = new_page()
    page.goto("/signin")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    assert "/signin" not in page.url
    return page


def test_admin_creates_a_user_and_revokes_a_token(new_page, shot):
    page = sign_in(new_page, "zhao.admin")
    page.goto("/admin/users")
    page.fill("#username", "sun.officer")
    page.fill("#name", "孙建华")
    page.select_option("#agency", "nb-amr")
    page.check("#role-officer")
    page.select_option("#supervisor", "chen.sup")
    page.fill("#password", PASSWORD)
    page.fill("#reason", "新入职执法人员")
    page.get_by_role("button", name="添加用户").click()
    page.wait_for_load_state()
    assert "用户 sun.officer 已创建" in page.content()
    assert page.get_by_role("link", name="孙建华").is_visible()
    shot(page, "admin-users")

    page.goto("/admin/tokens")
    page.select_option("#token-user", "sun.officer")
    page.fill("#token-name", "省投诉平台对接")
    page.fill("#token-days", "30")
    page.fill("#token-reason", "对接省投诉平台")
    page.get_by_role("button", name="签发令牌").click()
    page.wait_for_load_state()
    secret = page.input_value("#secret")
    assert secret.startswith("cf_")
    assert "不会再次显示" in page.content()
    shot(page, "admin-token-created")

    page.get_by_role("link", name="返回令牌列表").click()
    page.wait_for_load_state()
    assert secret not in page.content()
    page.fill("input[name=reason][id^=revoke-reason-]", "平台停用")
    page.get_by_role("button", name="吊销令牌").click()
    page.wait_for_load_state()
    assert "已吊销，立即失效" in page.content()
    assert page.get_by_role("button", name="吊销令牌").count() == 0
