"""Sign-in over real HTTP with a cookie jar (``requests.Session``), on both databases: the
form and the API's session, CSRF on every cookie-authenticated write (API included) and
none for a bearer token, cookie flags, idle and absolute expiry on a clock the test moves,
lock-out, sign-out, changing a password, a deactivated user, the security headers on every
kind of response, and the app refusing to start without a secret key outside demo mode."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import timedelta

import pytest
import requests
from sqlalchemy import func, select
from werkzeug.serving import make_server

from caseflow.adapters.orm import Event, SystemEvent, WebSession
from caseflow.domain.moments import utcnow
from caseflow.services import signin
from caseflow.services.directory import deactivate_user
from tests.e2e.http import issue
from tests.integration.test_engine import open_inspection
from web import create_app
from web.security import CSP, ConfigurationError

PASSWORD = "Yongjiang-2026"
PROBLEM = "application/problem+json"


@pytest.fixture
def clock(app, monkeypatch):
    """Every unit of work the live server makes reads ``clock.now`` once it is set."""
    original = app.uow

    class Clock:
        now = None

    def uow(channel: str = "service", now=None):
        if now is None and Clock.now is not None:
            now = lambda: Clock.now  # noqa: E731
        return original(channel, now=now)

    monkeypatch.setattr(app, "uow", uow)
    return Clock


@pytest.fixture
def passwords(app, people):
    for username in ("li.officer", "zhang.officer", "chen.sup"):
        signin.set_password(app.uow(), username, PASSWORD, actor="zhao.admin",
                            reason="开通登录账号")


def _count(app, model, *where) -> int:
    with app.session_factory() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


def _kinds(app) -> list[str]:
    with app.session_factory() as s:
        return list(s.scalars(select(SystemEvent.kind).order_by(SystemEvent.id)))


def _csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, html
    return match.group(1)


def _api_sign_in(base: str, username: str = "li.officer", password: str = PASSWORD
                 ) -> tuple[requests.Session, str]:
    jar = requests.Session()
    answer = jar.post(f"{base}/api/v1/session", json={"username": username,
                                                      "password": password})
    assert answer.status_code == 201, answer.text
    return jar, answer.json()["csrf_token"]


def _form_sign_in(base: str, username: str = "li.officer", password: str = PASSWORD,
                  next_: str = "") -> tuple[requests.Session, requests.Response]:
    jar = requests.Session()
    token = _csrf_from(jar.get(f"{base}/signin").text)
    answer = jar.post(f"{base}/signin", data={"csrf_token": token, "username": username,
                                              "password": password, "next": next_},
                      allow_redirects=False)
    return jar, answer


@contextmanager
def _serving(app, settings) -> Iterator[str]:
    """Another live server on the test's engine, made from ``settings``."""
    web = create_app(settings, {"TESTING": True})
    web.extensions["caseflow"].engine.dispose()
    web.extensions["caseflow"] = app
    httpd = make_server("127.0.0.1", 0, web, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}"
    finally:
        httpd.shutdown()
        thread.join(timeout=10)


# --- the form ------------------------------------------------------------------------------

def test_the_form_signs_in_with_its_csrf_token_and_the_cookie_then_works(
        server, app, uow, passwords):
    jar = requests.Session()
    page = jar.get(f"{server}/signin")
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert "用户名" in page.text and "<script" not in page.text
    token = _csrf_from(page.text)

    no_token = jar.post(f"{server}/signin", data={"username": "li.officer",
                                                   "password": PASSWORD})
    assert no_token.status_code == 400 and "此表单已过期或并非来自本站" in no_token.text  # the layout, in Chinese
    wrong = jar.post(f"{server}/signin", data={"csrf_token": token, "username": "li.officer",
                                               "password": "Yongjiang-2025"})
    assert wrong.status_code == 401 and "用户名或密码错误" in wrong.text
    assert 'value="li.officer"' in wrong.text
    assert _count(app, WebSession) == 0
    assert _kinds(app)[-1] == "sign_in_failed"

    done = jar.post(f"{server}/signin", data={"csrf_token": token, "username": "li.officer",
                                              "password": PASSWORD, "next": "/account/password"},
                    allow_redirects=False)
    assert done.status_code == 303 and done.headers["Location"] == "/account/password"
    cookie = done.headers["Set-Cookie"]
    assert "caseflow_session=" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # this test server speaks plain http (CASEFLOW_COOKIE_SECURE=0)
    account = jar.get(f"{server}/account")
    assert account.status_code == 200 and "李明（li.officer）" in account.text

    case = open_inspection(uow)
    read = jar.get(f"{server}/api/v1/cases/{case.id}")
    assert read.status_code == 200 and read.json()["number"] == case.number


@pytest.mark.parametrize("target", ["https://evil.example.com/x", "//evil.example.com/x",
                                    "/\\evil.example.com", "javascript:alert(1)"])
def test_sign_in_never_redirects_off_the_site(server, passwords, target):
    _jar, done = _form_sign_in(server, next_=target)
    assert done.status_code == 303 and done.headers["Location"] == "/"  # the role's home


def test_pages_without_a_session_redirect_to_the_form_with_next(server):
    answer = requests.get(f"{server}/account/password", allow_redirects=False)
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith("/signin?next=/account/password")


# --- the API's session and CSRF ------------------------------------------------------------

def test_a_cookie_write_to_the_api_needs_the_csrf_token_a_bearer_token_does_not(
        server, app, uow, passwords):
    jar, token = _api_sign_in(server)
    case = open_inspection(uow)
    fire = f"{server}/api/v1/cases/{case.id}/fire/start_check"
    match = {"If-Match": f'"{case.version}"'}
    before = _count(app, Event)

    for headers in (match, {**match, "X-CSRFToken": "forged"},
                    {**match, "X-CSRFToken": token[:-2] + "xx"}):
        refused = jar.post(fire, json={"reason": "举报线索"}, headers=headers)
        assert refused.status_code == 400, refused.text
        assert refused.headers["Content-Type"] == PROBLEM
        assert "CSRF" in refused.json()["detail"]
    stranger = requests.post(fire, json={"reason": "举报线索"},
                             headers={**match, "X-CSRFToken": token})  # the token, no cookie
    assert stranger.status_code == 401 and stranger.headers["Content-Type"] == PROBLEM
    assert _count(app, Event) == before

    done = jar.post(fire, json={"reason": "举报线索"}, headers={**match, "X-CSRFToken": token})
    assert done.status_code == 200 and done.json()["status"] == "checking"
    with app.session_factory() as s:
        event = s.scalar(select(Event).where(Event.case_id == case.id,
                                             Event.trigger == "start_check"))
        session_id = s.scalar(select(WebSession.id))
    assert (event.actor, event.channel) == ("li.officer", f"web:s{session_id}")

    bearer = issue(uow, "li.officer")
    again = jar.post(f"{server}/api/v1/cases/{case.id}/fire/no_such",  # cookies and a token
                     json={}, headers={"Authorization": f"Bearer {bearer}",
                                       "If-Match": done.headers["ETag"]})
    assert again.status_code == 409  # past CSRF: the token alone authenticates it


def test_the_api_session_says_who_and_gives_the_csrf_token_again(server, uow, passwords):
    jar, token = _api_sign_in(server)
    me = jar.get(f"{server}/api/v1/session")
    assert me.status_code == 200
    body = me.json()
    assert (body["username"], body["name"], body["agency"], body["roles"], body["via"]) == (
        "li.officer", "李明", "nb-amr", ["officer"], "session")
    assert body["csrf_token"]
    assert jar.delete(f"{server}/api/v1/session",
                      headers={"X-CSRFToken": body["csrf_token"]}).status_code == 204
    bearer = issue(uow, "chen.sup")
    as_token = requests.get(f"{server}/api/v1/session",
                            headers={"Authorization": f"Bearer {bearer}"})
    assert as_token.json()["via"] == "token" and as_token.json()["csrf_token"] is None
    end_token = requests.delete(f"{server}/api/v1/session",
                                headers={"Authorization": f"Bearer {bearer}"})
    assert end_token.status_code == 409 and end_token.headers["Content-Type"] == PROBLEM


@pytest.mark.parametrize("body, kind, status, field", [
    ({"username": "li.officer"}, "json", 422, "password"),
    ({"username": "li.officer", "password": PASSWORD, "remember": True}, "json", 422,
     "remember"),
    ({"username": "", "password": PASSWORD}, "json", 422, "username"),
    ({"username": "li.officer", "password": 12345678901}, "json", 422, "password"),
    ({"username": "li.officer", "password": PASSWORD}, "form", 415, None),
])
def test_bad_sign_in_bodies_are_refused_and_nothing_is_recorded(
        server, app, passwords, body, kind, status, field):
    before = _count(app, SystemEvent)
    send = {"json": body} if kind == "json" else {"data": body}
    answer = requests.post(f"{server}/api/v1/session", **send)
    assert answer.status_code == status and answer.headers["Content-Type"] == PROBLEM
    if field:
        assert field in answer.json()["errors"]
    assert "Set-Cookie" not in answer.headers
    assert _count(app, SystemEvent) == before and _count(app, WebSession) == 0


@pytest.mark.parametrize("username, password", [
    ("li.officer\u0000", PASSWORD),
    ("li.officer", "\ud800" + PASSWORD),
    ("<script>alert(1)</script>", "' OR 1=1 --"),
    ("李明", PASSWORD),
])
def test_odd_sign_ins_are_one_401_and_recorded(server, app, passwords, username, password):
    raw = json.dumps({"username": username, "password": password})  # "\ud800" escaped
    answer = requests.post(f"{server}/api/v1/session", data=raw.encode(),
                           headers={"Content-Type": "application/json"})
    assert answer.status_code == 401 and answer.json()["detail"] == signin.REFUSED
    assert answer.headers["Content-Type"] == PROBLEM
    assert _kinds(app)[-1] == "sign_in_failed" and _count(app, WebSession) == 0


def test_unknown_query_parameters_on_the_session_are_refused(server, passwords):
    answer = requests.post(f"{server}/api/v1/session?username=li.officer",
                           json={"username": "li.officer", "password": PASSWORD})
    assert answer.status_code == 422 and "username" in answer.json()["errors"]


# --- expiry ----------------------------------------------------------------------------------

def test_an_idle_session_answers_401_on_the_api_and_redirects_pages(
        server, app, clock, passwords):
    clock.now = utcnow()
    jar, _token = _api_sign_in(server)
    pages, _done = _form_sign_in(server)
    clock.now += timedelta(minutes=29)
    assert jar.get(f"{server}/api/v1/session").status_code == 200  # seen: idle from now
    clock.now += timedelta(minutes=29)
    assert jar.get(f"{server}/api/v1/session").status_code == 200
    clock.now += timedelta(minutes=30)
    expired = jar.get(f"{server}/api/v1/session")
    assert expired.status_code == 401 and expired.headers["Content-Type"] == PROBLEM
    assert "idle" in expired.json()["detail"]
    assert jar.get(f"{server}/api/v1/session").status_code == 401  # and stays so
    page = pages.get(f"{server}/account", allow_redirects=False)
    assert page.status_code == 302 and page.headers["Location"].endswith("next=/account")
    assert _kinds(app).count("session_expired") == 2


def test_a_session_ends_after_twelve_hours_however_busy(server, app, clock, passwords):
    clock.now = utcnow()
    jar, _token = _api_sign_in(server)
    start = clock.now
    for step in range(1, 36):
        clock.now = start + timedelta(minutes=20 * step)
        assert jar.get(f"{server}/api/v1/session").status_code == 200
    clock.now = start + timedelta(hours=12)
    expired = jar.get(f"{server}/api/v1/session")
    assert expired.status_code == 401 and "12 hours" in expired.json()["detail"]


# --- lock-out ------------------------------------------------------------------------------

def test_five_failures_lock_the_account_and_the_answer_hides_the_password(
        server, app, passwords):
    url = f"{server}/api/v1/session"
    answers = [requests.post(url, json={"username": "li.officer", "password": f"Guess-{i}-nb"})
               for i in range(5)]
    assert [a.status_code for a in answers] == [401, 401, 401, 401, 429]
    assert int(answers[-1].headers["Retry-After"]) == 15 * 60
    right = requests.post(url, json={"username": "li.officer", "password": PASSWORD})
    wrong = requests.post(url, json={"username": "li.officer", "password": "Guess-9-nb"})
    assert right.status_code == wrong.status_code == 429
    assert right.json() == wrong.json()
    assert right.headers["Content-Type"] == PROBLEM and "Set-Cookie" not in right.headers
    form = _form_sign_in(server)[1]
    assert form.status_code == 429 and "Retry-After" in form.headers
    assert _count(app, WebSession) == 0
    kinds = _kinds(app)
    assert kinds.count("sign_in_failed") == 5 and kinds.count("sign_in_locked") == 1
    assert kinds.count("sign_in_refused") == 3
    # others sign in as usual
    assert _api_sign_in(server, "zhang.officer")[1]


def test_twenty_failures_from_one_address_lock_the_address(server, app, passwords):
    url = f"{server}/api/v1/session"
    for i in range(20):
        requests.post(url, json={"username": f"guess.{i}", "password": PASSWORD})
    refused = requests.post(url, json={"username": "zhang.officer", "password": PASSWORD})
    assert refused.status_code == 429
    with app.session_factory() as s:
        lock = s.scalar(select(SystemEvent).where(SystemEvent.kind == "sign_in_locked"))
    assert lock.payload == {**lock.payload, "scope": "address", "key": "127.0.0.1"}


# --- sign-out, password change, deactivation -----------------------------------------------

def test_sign_out_ends_the_session_on_the_server_too(server, app, passwords):
    jar, token = _api_sign_in(server)
    stolen = dict(jar.cookies)
    assert jar.delete(f"{server}/api/v1/session").status_code == 400  # CSRF here too
    assert jar.get(f"{server}/api/v1/session").status_code == 200
    gone = jar.delete(f"{server}/api/v1/session", headers={"X-CSRFToken": token})
    assert gone.status_code == 204
    assert jar.get(f"{server}/api/v1/session").status_code == 401
    replay = requests.get(f"{server}/api/v1/session", cookies=stolen)
    assert replay.status_code == 401  # a copy of the cookie is worth nothing either
    assert _kinds(app)[-1] == "signed_out"

    pages, _done = _form_sign_in(server)
    token = _csrf_from(pages.get(f"{server}/account").text)
    out = pages.post(f"{server}/signout", data={"csrf_token": token}, allow_redirects=False)
    assert out.status_code == 303 and out.headers["Location"] == "/signin"
    assert pages.get(f"{server}/account", allow_redirects=False).status_code == 302
    assert _kinds(app).count("signed_out") == 2


def test_change_password_on_the_page(server, app, passwords):
    jar, _done = _form_sign_in(server)
    elsewhere, _token = _api_sign_in(server)
    form = jar.get(f"{server}/account/password")
    assert form.status_code == 200 and 'autocomplete="new-password"' in form.text
    token = _csrf_from(form.text)
    url = f"{server}/account/password"
    before = _count(app, SystemEvent)
    for fields, why in [
        ({"old_password": "Not-mine-2026", "new_password": "Xiangshan-Bay-7",
          "confirm": "Xiangshan-Bay-7"}, "不是您的当前密码"),  # the service's, in Chinese
        ({"old_password": PASSWORD, "new_password": "short", "confirm": "short"},
         "至少 10 个字符"),
        ({"old_password": PASSWORD, "new_password": "Xiangshan-Bay-7",
          "confirm": "Xiangshan-Bay-8"}, "两次输入的新密码不一致"),  # the page's own check
    ]:
        refused = jar.post(url, data={"csrf_token": token, **fields})
        assert refused.status_code == 422 and why in refused.text
    assert _count(app, SystemEvent) == before + 1  # the wrong current password, recorded
    assert jar.post(url, data={"old_password": PASSWORD, "new_password": "Xiangshan-Bay-7",
                               "confirm": "Xiangshan-Bay-7"}).status_code == 400  # no CSRF
    done = jar.post(url, data={"csrf_token": token, "old_password": PASSWORD,
                               "new_password": "Xiangshan-Bay-7", "confirm": "Xiangshan-Bay-7"})
    assert done.status_code == 200 and "密码已修改" in done.text
    assert jar.get(f"{server}/account").status_code == 200  # this session stays
    assert elsewhere.get(f"{server}/api/v1/session").status_code == 401  # others end
    assert requests.post(f"{server}/api/v1/session", json={
        "username": "li.officer", "password": PASSWORD}).status_code == 401
    assert _api_sign_in(server, password="Xiangshan-Bay-7")[1]


def test_a_deactivated_user_is_out_at_the_next_request(server, app, uow, passwords):
    jar, token = _api_sign_in(server)
    deactivate_user(uow(), "li.officer", actor="zhao.admin", reason="调离执法岗位")
    answer = jar.get(f"{server}/api/v1/session")
    assert answer.status_code == 401 and "deactivated" in answer.json()["detail"]
    again = requests.post(f"{server}/api/v1/session",
                          json={"username": "li.officer", "password": PASSWORD})
    assert again.status_code == 401 and again.json()["detail"] == signin.REFUSED


# --- headers -------------------------------------------------------------------------------

def test_security_headers_on_html_json_and_errors(server, uow, passwords):
    token = issue(uow, "li.officer")
    answers = {
        "form": requests.get(f"{server}/signin"),
        "json": requests.get(f"{server}/health"),
        "api": requests.get(f"{server}/api/v1/session", headers={
            "Authorization": f"Bearer {token}"}),
        "api 401": requests.get(f"{server}/api/v1/cases"),
        "api 422": requests.post(f"{server}/api/v1/session", json={}),
        "page 404": requests.get(f"{server}/no/such/page"),
        "page 405": requests.delete(f"{server}/signin"),
        "csrf 400": requests.post(f"{server}/signin", data={}),
    }
    for what, answer in answers.items():
        headers = answer.headers
        assert headers["Content-Security-Policy"] == CSP, what
        assert "'unsafe-inline'" not in CSP and "script-src 'self'" in CSP
        assert headers["X-Content-Type-Options"] == "nosniff", what
        assert headers["X-Frame-Options"] == "DENY", what
        assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin", what
    assert answers["form"].headers["Cache-Control"] == "no-store"


def test_what_a_person_types_is_escaped_on_the_page(server, passwords):
    jar = requests.Session()
    token = _csrf_from(jar.get(f"{server}/signin").text)
    typed = '"><script>alert(1)</script>'
    answer = jar.post(f"{server}/signin", data={"csrf_token": token, "username": typed,
                                                "password": "x"})
    assert answer.status_code == 401
    assert "<script>" not in answer.text and "&lt;script&gt;" in answer.text


def test_cookies_are_secure_by_default_outside_demo_mode(app, settings, passwords):
    secure = replace(settings, cookie_secure=None, demo=False)
    with _serving(app, secure) as base:
        answer = requests.post(f"{base}/api/v1/session",
                               json={"username": "li.officer", "password": PASSWORD})
    assert answer.status_code == 201
    cookie = answer.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


# --- the secret key and demo mode ------------------------------------------------------------

def test_the_app_refuses_to_start_without_a_secret_key_outside_demo_mode(settings, tmp_path):
    with pytest.raises(ConfigurationError) as missing:
        create_app(replace(settings, secret_key=None, demo=False))
    assert "CASEFLOW_SECRET_KEY" in missing.value.message
    with pytest.raises(ConfigurationError) as short:
        create_app(replace(settings, secret_key="letmein", demo=False))
    assert "CASEFLOW_SECRET_KEY is too short" in short.value.message

    env = {k: v for k, v in os.environ.items() if k != "CASEFLOW_SECRET_KEY"}
    env.update(CASEFLOW_DATABASE_URL=settings.database_url, CASEFLOW_DEMO="0")
    proc = subprocess.run([sys.executable, "-m", "caseflow.entrypoints.cli", "serve",
                           "--port", "0"], env=env, capture_output=True, text=True,
                          timeout=60, cwd=tmp_path)
    assert proc.returncode != 0
    assert "CASEFLOW_SECRET_KEY is not set" in proc.stderr + proc.stdout
    assert "Traceback" not in proc.stderr


def test_demo_mode_makes_and_keeps_its_own_key(settings, tmp_path):
    key_file = tmp_path / "var" / "secret-key"
    demo = replace(settings, secret_key=None, demo=True, secret_key_file=key_file)
    first = create_app(demo)
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    second = create_app(demo)
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"] == \
        key_file.read_text().strip()
    for web in (first, second):
        web.extensions["caseflow"].engine.dispose()


def test_the_demo_password_signs_in_in_demo_mode_only(app, settings, people):
    signin.set_demo_passwords(app.uow("demo"))
    demo = {"username": "wu.mediator", "password": "demo"}
    with _serving(app, replace(settings, demo=False)) as base:
        refused = requests.post(f"{base}/api/v1/session", json=demo)
    assert refused.status_code == 401
    with _serving(app, replace(settings, demo=True)) as base:
        jar = requests.Session()
        assert jar.post(f"{base}/api/v1/session", json=demo).status_code == 201
        assert jar.get(f"{base}/api/v1/session").json()["username"] == "wu.mediator"
    with _serving(app, replace(settings, demo=False)) as base:  # the same cookie, no demo
        assert jar.get(f"{base}/api/v1/session").status_code == 401


def test_behind_a_proxy_the_client_address_is_counted_and_never_otherwise(
        app, settings, passwords):
    forwarded = {"X-Forwarded-For": "198.51.100.7", "X-Forwarded-Proto": "https"}
    wrong = {"username": "li.officer", "password": "Guess-1-nb"}
    with _serving(app, replace(settings, proxy_hops=0)) as base:
        requests.post(f"{base}/api/v1/session", json=wrong, headers=forwarded)
    with _serving(app, replace(settings, proxy_hops=1)) as base:
        requests.post(f"{base}/api/v1/session", json=wrong, headers=forwarded)
    with app.session_factory() as s:
        addresses = list(s.scalars(select(SystemEvent.payload).where(
            SystemEvent.kind == "sign_in_failed").order_by(SystemEvent.id)))
    assert [a["address"] for a in addresses] == ["127.0.0.1", "198.51.100.7"]


def test_a_method_no_page_takes_is_405_not_a_csrf_refusal(server):
    answer = requests.delete(f"{server}/signin")
    assert answer.status_code == 405 and "GET" in answer.headers["Allow"]
