"""The pages in a real browser: Playwright driving Debian's chromium against the live
server (``server`` from ``tests/e2e/conftest.py``), on both databases.

Needs ``apt-get install chromium fonts-wqy-microhei`` (README's test line says so, and
``.ci/run`` installs both): without chromium the browser tests are skipped with that
line — except under CI, where they fail, so CI never passes without them. Without a CJK
font every Chinese character would render as a box in the screenshots.

Screenshots go to ``test-artifacts/screenshots/`` (``CASEFLOW_ARTIFACTS`` elsewhere), one
per ``shot(page, name)``, named after the test and the backend.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from caseflow.services.signin import set_password

CHROMIUM = os.environ.get("CASEFLOW_CHROMIUM", "/usr/bin/chromium")
INSTALL = ("apt-get install -y --no-install-recommends chromium chromium-l10n "
           "fonts-wqy-microhei")
PASSWORD = "Ningbo#2026-ip"  # every test user's password in the browser tests
ARTIFACTS = Path(os.environ.get("CASEFLOW_ARTIFACTS",
                                Path(__file__).resolve().parents[3] / "test-artifacts"))
VIEWPORT = {"width": 1366, "height": 768}
TABLET = {"width": 820, "height": 1180}
TIMEOUT_MS = 15_000


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        message = f"the browser tests need Debian's chromium: {INSTALL}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        # a Chinese locale for the browser process too (with chromium-l10n): its own widgets,
        # the date inputs among them, then read 年/月/日 as an officer's browser shows them
        instance = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                      args=["--no-sandbox", "--disable-gpu",
                                            "--disable-dev-shm-usage", "--lang=zh-CN"],
                                      env={**os.environ, "LANG": "zh_CN.UTF-8",
                                           "LANGUAGE": "zh_CN:zh"})
        yield instance
        instance.close()


@pytest.fixture
def site(app, people, server) -> str:  # type: ignore[no-untyped-def]
    """The live server, every test user given ``PASSWORD``."""
    for username in people:
        if username != "zhao.admin":
            set_password(app.uow(), username, PASSWORD, actor="zhao.admin",
                         reason="浏览器测试的初始密码")
    set_password(app.uow(), "zhao.admin", PASSWORD, actor="zhao.admin",
                 reason="浏览器测试的初始密码")
    return server


@pytest.fixture
def new_page(browser, site, request):  # type: ignore[no-untyped-def]
    """``new_page(viewport=…, locale=…)``: a page in a fresh browser context (its own
    cookies), Beijing time, Chinese by default, closed after the test."""
    contexts = []

    def make(viewport: dict | None = None, locale: str = "zh-CN"):  # type: ignore[no-untyped-def]
        context = browser.new_context(base_url=site, viewport=viewport or VIEWPORT,
                                      locale=locale, timezone_id="Asia/Shanghai")
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def signed_in(new_page):  # type: ignore[no-untyped-def]
    """``signed_in('li.officer')``: a page signed in as that user through the form."""

    def sign_in(username: str, **options):  # type: ignore[no-untyped-def]
        page = new_page(**options)
        page.goto("/signin")
        page.fill("#username", username)
        page.fill("#password", PASSWORD)
        page.click("main form button[type=submit]")  # not the header's language switch
        page.wait_for_load_state()
        assert "/signin" not in page.url, f"{username} could not sign in: {page.url}"
        return page

    return sign_in


@pytest.fixture
def shot(request) -> Callable[..., Path]:  # type: ignore[no-untyped-def]
    """``shot(page, 'officer-worklist')``: a full-page screenshot kept as a test artefact."""
    folder = ARTIFACTS / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    test = re.sub(r"[^\w.-]+", "-", request.node.name).strip("-")

    def take(page, name: str) -> Path:  # type: ignore[no-untyped-def]
        path = folder / f"{test}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def web_app(app, people):  # type: ignore[no-untyped-def]
    """The Flask app on the test's engine (no server): for fast page tests."""
    from web import create_app

    web = create_app(app.settings, {"TESTING": True})
    web.extensions["caseflow"].engine.dispose()
    web.extensions["caseflow"] = app
    for username in people:
        set_password(app.uow(), username, PASSWORD, actor="zhao.admin",
                     reason="页面测试的初始密码")
    return web


CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class PageClient:
    """Flask's test client signed in as one user through the sign-in form; ``csrf()`` is
    the token the last page carried, ``post_form`` adds it."""

    def __init__(self, web, username: str) -> None:  # type: ignore[no-untyped-def]
        self.client = web.test_client()
        self.token = ""
        page = self.get("/signin")
        assert page.status_code == 200
        done = self.client.post("/signin", data={"username": username, "password": PASSWORD,
                                                 "csrf_token": self.token, "next": ""})
        assert done.status_code == 303, f"{username} could not sign in"
        self.get("/account")  # signing in starts a fresh session: its own CSRF token

    def get(self, path: str, **kwargs):  # type: ignore[no-untyped-def]
        response = self.client.get(path, **kwargs)
        found = CSRF.search(response.get_data(as_text=True))
        if found:
            self.token = found.group(1)
        return response

    def post_form(self, path: str, data: dict | None = None, **kwargs):  # type: ignore[no-untyped-def]
        return self.client.post(path, data={"csrf_token": self.token, **(data or {})},
                                **kwargs)


@pytest.fixture
def client_as(web_app):  # type: ignore[no-untyped-def]
    """``client_as('li.officer')``: a ``PageClient`` signed in as that user."""
    return lambda username: PageClient(web_app, username)
