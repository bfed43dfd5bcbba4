"""What every page shares, through Flask's test client: Chinese first, the language switch
remembered for the user and the browser, the CSRF token required on every form (the
language switch and sign-out too), an expired session sending the user to sign in and back
to the page, a skip link and labelled fields on every page of the layout, and no English
left on the Chinese sign-in, account and password pages."""

from __future__ import annotations

import re
from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest

from caseflow.domain.moments import utcnow
from tests.e2e.pages.conftest import CSRF, PASSWORD, PageClient

PAGES = ("/account", "/account/password")  # pages of the layout every signed-in user has
# proper nouns and words that are no untranslated text: the product name, the switch to
# English (in English on purpose), usernames' parts
ALLOWED = {"caseflow", "English", "UTC", "officer", "admin", "customs", "police", "mediator",
           "court", "zhang", "chen", "wang", "zhao", "zhou", "gao", "qian", "zheng"}


@pytest.fixture
def clock(app, monkeypatch):
    """Every unit of work the pages make reads ``clock.now`` once it is set."""
    original = app.uow

    class Clock:
        now = None

    def uow(channel: str = "service", now=None):  # type: ignore[no-untyped-def]
        if now is None and Clock.now is not None:
            now = lambda: Clock.now  # noqa: E731
        return original(channel, now=now)

    monkeypatch.setattr(app, "uow", uow)
    return Clock


class _Page(HTMLParser):
    """The visible text of a page (no tags, attributes, scripts or styles), its labels'
    ``for``, its fields' ids and whether it has a skip link to ``#main``."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.labels: set[str] = set()
        self.fields: list[tuple[str, str | None]] = []
        self.skip = False
        self.main = False
        self._hidden = 0

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        a = dict(attrs)
        if tag in ("script", "style"):
            self._hidden += 1
        if tag == "a" and a.get("href") == "#main" and "skip" in (a.get("class") or ""):
            self.skip = True
        if a.get("id") == "main":
            self.main = True
        if tag == "label" and a.get("for"):
            self.labels.add(a["for"])
        if tag in ("input", "select", "textarea") and a.get("type") not in (
                "hidden", "submit", "button"):
            self.fields.append((a.get("name") or "?", a.get("id")))

    def handle_endtag(self, tag):  # type: ignore[no-untyped-def]
        if tag in ("script", "style"):
            self._hidden -= 1

    def handle_data(self, data):  # type: ignore[no-untyped-def]
        if not self._hidden:
            self.text.append(data)


def parsed(response) -> _Page:  # type: ignore[no-untyped-def]
    page = _Page()
    page.feed(response.get_data(as_text=True))
    return page


def english_words(response) -> list[str]:  # type: ignore[no-untyped-def]
    words = re.findall(r"[A-Za-z]{3,}", " ".join(parsed(response).text))
    return [w for w in words if w not in ALLOWED]


def lang(response) -> str:  # type: ignore[no-untyped-def]
    found = re.search(r'<html lang="([^"]+)"', response.get_data(as_text=True))
    return found.group(1) if found else ""


def test_chinese_by_default_and_english_remembered_for_the_user(web_app, client_as):
    officer = client_as("li.officer")
    page = officer.get("/account")
    assert page.status_code == 200 and lang(page) == "zh-CN"
    html = page.get_data(as_text=True)
    assert "我的账户" in html and "退出" in html and "跳到正文" in html

    switched = officer.post_form("/language", {"locale": "en", "next": "/account"})
    assert switched.status_code == 303 and switched.headers["Location"].endswith("/account")
    assert "caseflow_lang=en" in switched.headers.get("Set-Cookie", "")
    english = officer.get("/account")
    assert lang(english) == "en" and "My account" in english.get_data(as_text=True)

    # a new browser (no cookie), a new sign-in: the user's choice is remembered
    again = PageClient(web_app, "li.officer")
    assert lang(again.get("/account")) == "en"
    # and the cookie alone keeps it before anyone signs in
    browser = web_app.test_client()
    browser.set_cookie("caseflow_lang", "en")
    assert lang(browser.get("/signin")) == "en"
    # another user is still in Chinese
    assert lang(client_as("zhang.officer").get("/account")) == "zh-CN"

    back = again.post_form("/language", {"locale": "zh_Hans_CN", "next": "/account"})
    assert back.status_code == 303
    assert lang(again.get("/account")) == "zh-CN"


def test_an_unknown_locale_is_refused_and_changes_nothing(client_as):
    officer = client_as("li.officer")
    officer.get("/account")  # the session's token (signing in started a new session)
    refused = officer.post_form("/language", {"locale": "fr", "next": "/account"})
    assert refused.status_code == 422
    assert "Set-Cookie" not in refused.headers or "caseflow_lang" not in refused.headers[
        "Set-Cookie"]
    assert "未知" in refused.get_data(as_text=True) or "语言" in refused.get_data(as_text=True)
    assert lang(officer.get("/account")) == "zh-CN"


def test_the_language_switch_and_sign_out_need_the_csrf_token(client_as):
    officer = officer_page = client_as("li.officer")
    officer.get("/account")
    no_token = officer.client.post("/language", data={"locale": "en", "next": "/account"})
    assert no_token.status_code == 400
    assert "caseflow_lang" not in no_token.headers.get("Set-Cookie", "")
    assert lang(officer.get("/account")) == "zh-CN"

    wrong = officer.client.post("/signout", data={"csrf_token": "forged"})
    assert wrong.status_code == 400
    bare = officer.client.post("/signout")
    assert bare.status_code == 400
    still = officer_page.get("/account")
    assert still.status_code == 200 and "li.officer" in still.get_data(as_text=True)

    out = officer.post_form("/signout")
    assert out.status_code == 303
    gone = officer.client.get("/account")
    assert gone.status_code == 302 and "/signin" in gone.headers["Location"]


def test_an_expired_session_signs_in_again_and_returns_to_the_page(web_app, clock):
    clock.now = utcnow()
    client = web_app.test_client()
    token = CSRF.search(client.get("/signin").get_data(as_text=True)).group(1)
    done = client.post("/signin", data={"username": "li.officer", "password": PASSWORD,
                                        "csrf_token": token, "next": ""})
    assert done.status_code == 303
    assert client.get("/account/password").status_code == 200

    clock.now += web_app.config["CASEFLOW_SESSION_IDLE"] + timedelta(minutes=1)
    expired = client.get("/account/password")
    assert expired.status_code == 302
    where = urlsplit(expired.headers["Location"])
    assert where.path == "/signin"
    assert parse_qs(where.query)["next"] == ["/account/password"]

    form = client.get(f"{where.path}?{where.query}")
    html = form.get_data(as_text=True)
    assert form.status_code == 200 and 'value="/account/password"' in html
    assert "请先登录" in html or "重新登录" in html
    token = CSRF.search(html).group(1)
    back = client.post("/signin", data={"username": "li.officer", "password": PASSWORD,
                                        "csrf_token": token, "next": "/account/password"})
    assert back.status_code == 303 and back.headers["Location"].endswith("/account/password")
    assert client.get("/account/password").status_code == 200


def test_the_account_and_password_pages_are_in_chinese(client_as):
    officer = client_as("li.officer")
    account = officer.get("/account").get_data(as_text=True)
    assert "修改密码" in account and "li.officer" in account
    password = officer.get("/account/password").get_data(as_text=True)
    assert "当前密码" in password and "新密码" in password
    wrong = officer.post_form("/account/password", {"old_password": "not-it",
                                                    "new_password": "Zhenhai#2026-new",
                                                    "confirm": "Zhenhai#2026-other"})
    assert wrong.status_code == 422
    assert lang(wrong) == "zh-CN" and not english_words(wrong), english_words(wrong)


@pytest.mark.parametrize("username", ["li.officer", "wu.mediator", "zhao.admin"])
def test_every_page_of_the_layout_has_a_skip_link_and_labelled_fields(client_as, web_app,
                                                                       username):
    user = client_as(username)
    home = user.get("/", follow_redirects=True)
    assert home.status_code == 200
    pages = [home, *(user.get(path) for path in PAGES), web_app.test_client().get("/signin")]
    for response in pages:
        assert response.status_code == 200
        page = parsed(response)
        assert page.skip and page.main, response.request.path
        unlabelled = [name for name, id_ in page.fields if not id_ or id_ not in page.labels]
        assert not unlabelled, (response.request.path, unlabelled)


def test_no_english_left_on_the_chinese_pages(web_app, client_as):
    signin = web_app.test_client().get("/signin")
    assert lang(signin) == "zh-CN" and not english_words(signin), english_words(signin)
    ended = web_app.test_client().get("/signin?next=/account")
    assert not english_words(ended), english_words(ended)
    officer = client_as("li.officer")
    for path in PAGES:
        page = officer.get(path)
        assert page.status_code == 200 and not english_words(page), (path, english_words(page))
