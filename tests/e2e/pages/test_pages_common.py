"""What every page shares, in the real browser: the sign-in page in Chinese and, switched, in
English (and back, remembered for the user), an expired session sending the user to sign in
and back to the page they asked for, and a form posted without its CSRF token refused."""

from __future__ import annotations

from datetime import timedelta

import pytest

from caseflow.domain.moments import utcnow
from tests.e2e.pages.conftest import PASSWORD


@pytest.fixture
def clock(app, monkeypatch):
    """Every unit of work the live server makes reads ``clock.now`` once it is set."""
    original = app.uow

    class Clock:
        now = None

    def uow(channel: str = "service", now=None):  # type: ignore[no-untyped-def]
        if now is None and Clock.now is not None:
            now = lambda: Clock.now  # noqa: E731
        return original(channel, now=now)

    monkeypatch.setattr(app, "uow", uow)
    return Clock


def sign_in(page, username: str) -> None:  # type: ignore[no-untyped-def]
    """Through the form on the sign-in page (its own button: the header's language switch
    is a submit button too, and comes first)."""
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    press(page, page.locator("main form button[type=submit]"))


def press(page, button) -> None:  # type: ignore[no-untyped-def]
    """Click a button that posts a form and wait for the page it leads to."""
    with page.expect_navigation():
        button.click()
    page.wait_for_load_state()


def signed_in_page(new_page, username: str):  # type: ignore[no-untyped-def]
    page = new_page()
    page.goto("/signin")
    sign_in(page, username)
    assert "/signin" not in page.url, page.url
    return page


def test_english_and_back_remembered_for_the_user(site, new_page, shot):
    page = new_page()
    page.goto("/signin")
    assert page.get_attribute("html", "lang") == "zh-CN"
    assert page.get_by_role("button", name="登录").count() == 1
    shot(page, "signin-zh")

    press(page, page.get_by_role("button", name="English"))
    assert page.get_attribute("html", "lang") == "en"
    assert page.get_by_role("button", name="Sign in").count() == 1
    shot(page, "signin-en")
    press(page, page.get_by_role("button", name="中文"))  # and back
    assert page.get_attribute("html", "lang") == "zh-CN"

    # signed in, the choice is saved on the user
    sign_in(page, "li.officer")
    page.goto("/account")
    assert page.get_attribute("html", "lang") == "zh-CN" and "我的账户" in page.content()
    press(page, page.get_by_role("button", name="English"))
    assert page.get_attribute("html", "lang") == "en"
    assert "My account" in page.content()

    # a fresh browser (no cookie) is Chinese until this user signs in: then English again
    other = new_page()
    other.goto("/signin")
    assert other.get_attribute("html", "lang") == "zh-CN"
    sign_in(other, "li.officer")
    other.goto("/account")
    assert other.get_attribute("html", "lang") == "en"

    press(other, other.get_by_role("button", name="中文"))
    assert other.get_attribute("html", "lang") == "zh-CN"
    assert "我的账户" in other.content()


def test_an_expired_session_returns_to_sign_in_and_back_to_the_page(site, clock, new_page,
                                                                       shot):
    clock.now = utcnow()
    page = signed_in_page(new_page, "li.officer")
    page.goto("/account/password")
    assert page.locator("#old_password").count() == 1

    clock.now += timedelta(hours=1)  # past the idle limit (30 minutes)
    page.goto("/account/password")
    assert "/signin" in page.url and "next=" in page.url
    assert "重新登录" in page.content() or "请先登录" in page.content()
    shot(page, "session-ended")
    sign_in(page, "li.officer")
    assert page.url.endswith("/account/password")
    assert page.locator("#new_password").count() == 1


def test_a_form_without_its_csrf_token_is_refused(site, new_page):
    page = signed_in_page(new_page, "li.officer")
    page.goto("/account/password")
    page.fill("#old_password", PASSWORD)
    page.fill("#new_password", "Zhenhai#2026-new")
    page.fill("#confirm", "Zhenhai#2026-new")
    page.evaluate("""() => document.querySelectorAll(
        'form[action$="/account/password"] input[name=csrf_token]').forEach(e => e.remove())""")
    with page.expect_response(lambda r: r.request.method == "POST"
                              and r.url.endswith("/account/password")) as answer:
        page.get_by_role("button", name="修改密码").click()
    assert answer.value.status == 400

    # nothing changed: the old password still signs in
    page.goto("/account")
    press(page, page.get_by_role("button", name="退出"))
    assert "/signin" in page.url
    sign_in(page, "li.officer")
    assert "/signin" not in page.url
