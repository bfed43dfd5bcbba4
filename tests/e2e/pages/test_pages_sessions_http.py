"""Sessions and error pages through Flask's test client: a form posted after the session
expired comes back, after signing in, to the page the form was on (never to its POST-only
address, which would answer 405); signing in with no ``next`` lands on the role's home;
404 and 405 pages are in the layout and the page's language, the API's stay problem+json."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from caseflow.domain.moments import utcnow
from tests.e2e.pages import test_pages_common_http as common
from tests.e2e.pages.conftest import CSRF, PASSWORD
from tests.e2e.pages.test_pages_common_http import english_words, lang

clock = common.clock  # the fixture setting every unit of work's now


def _sign_in(client, next_: str):  # type: ignore[no-untyped-def]
    token = CSRF.search(client.get("/signin").get_data(as_text=True)).group(1)
    return client.post("/signin", data={"username": "li.officer", "password": PASSWORD,
                                        "csrf_token": token, "next": next_})


def _expired_post(web_app, clock, **headers):  # type: ignore[no-untyped-def]
    """li.officer's session idles out with the password form open; the form is posted."""
    clock.now = utcnow()
    client = web_app.test_client()
    assert _sign_in(client, "").status_code == 303
    form = client.get("/account/password").get_data(as_text=True)
    token = CSRF.search(form).group(1)
    clock.now += web_app.config["CASEFLOW_SESSION_IDLE"] + timedelta(minutes=1)
    posted = client.post("/account/password", headers=headers,
                         data={"csrf_token": token, "old_password": PASSWORD,
                               "new_password": "Zhenhai#2026-new",
                               "confirm": "Zhenhai#2026-new"})
    assert posted.status_code == 302
    where = urlsplit(posted.headers["Location"])
    assert where.path == "/signin"
    return client, parse_qs(where.query)["next"][0]


def test_a_form_posted_after_expiry_returns_to_the_page_it_was_on(web_app, clock):
    client, next_ = _expired_post(
        web_app, clock, Referer="http://localhost/account/password?from=menu")
    assert next_ == "/account/password?from=menu"  # the Referer: this site's page
    back = _sign_in(client, next_)
    assert back.status_code == 303 and back.headers["Location"] == next_
    assert client.get(next_).status_code == 200  # a page, not the form's 405


@pytest.mark.parametrize("referer", [None, "https://evil.example.com/account/password",
                                     "http://localhost/signout"])
def test_without_this_sites_page_as_referer_it_returns_to_the_page_above(web_app, clock,
                                                                         referer):
    headers = {"Referer": referer} if referer else {}
    client, next_ = _expired_post(web_app, clock, **headers)
    assert next_ == "/account"  # above /account/password; never another site, never a POST


def test_a_post_only_next_is_replaced_by_the_page_above(web_app):
    client = web_app.test_client()
    done = _sign_in(client, "/account/password/")  # no such page: above it, /account
    assert done.headers["Location"] == "/account"
    client = web_app.test_client()
    done = _sign_in(client, "/signout")  # POST only, nothing above it: the home
    assert done.status_code == 303 and done.headers["Location"] == "/"
    assert client.get("/signout").status_code == 405


def test_signing_in_without_next_lands_on_the_roles_home(web_app):
    client = web_app.test_client()
    done = _sign_in(client, "")
    assert done.status_code == 303 and done.headers["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 302 and urlsplit(home.headers["Location"]).path == "/work/"


def test_404_and_405_pages_are_in_the_layout_and_in_chinese(client_as):
    officer = client_as("li.officer")
    missing = officer.get("/no/such/page")
    assert missing.status_code == 404 and lang(missing) == "zh-CN"
    assert "页面不存在" in missing.get_data(as_text=True)
    assert "Not Found" not in missing.get_data(as_text=True)
    wrong = officer.get("/signout")
    html = wrong.get_data(as_text=True)
    assert wrong.status_code == 405 and "POST" in wrong.headers["Allow"]
    assert lang(wrong) == "zh-CN" and "此地址不是页面" in html and "Method Not Allowed" not in html
    assert 'href="#main"' in html  # the layout
    assert not english_words(wrong), english_words(wrong)


def test_the_apis_404_and_405_stay_problem_json(client_as):
    officer = client_as("li.officer")
    missing = officer.get("/api/v1/no-such-thing")
    assert missing.status_code == 404
    assert missing.headers["Content-Type"].startswith("application/problem+json")
    wrong = officer.get("/api/v1/users/li.officer/deactivate")  # POST only
    assert wrong.status_code == 405 and "POST" in wrong.headers["Allow"]
    assert wrong.headers["Content-Type"].startswith("application/problem+json")


def test_a_pages_server_error_is_in_the_layout_and_the_apis_is_problem_json(web_app,
                                                                            client_as):
    def boom():  # type: ignore[no-untyped-def]
        raise RuntimeError("a bug")

    web_app.add_url_rule("/boom", "boom", boom)
    web_app.add_url_rule("/api/v1/boom", "api_boom", boom)
    web_app.config["PROPAGATE_EXCEPTIONS"] = False  # as served: the handler answers
    officer = client_as("li.officer")
    page = officer.get("/boom")
    html = page.get_data(as_text=True)
    assert page.status_code == 500 and lang(page) == "zh-CN" and "服务器出错" in html
    assert "a bug" not in html and "Internal Server Error" not in html
    api = officer.get("/api/v1/boom")
    assert api.status_code == 500
    assert api.headers["Content-Type"].startswith("application/problem+json")


def test_a_page_post_too_large_is_in_the_layout(web_app, client_as):
    officer = client_as("li.officer")
    web_app.config["MAX_CONTENT_LENGTH"] = 1024
    big = officer.post_form("/account/password", {"old_password": "x" * 4096})
    assert big.status_code == 413 and "发送的内容过大" in big.get_data(as_text=True)
