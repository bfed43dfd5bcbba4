"""Requests no operation takes, refused before any view or service runs (web/api/bodies.py):
oversized JSON (413), bodies of the wrong media type (415), JSON that does not parse — deep
nesting, a number of thousands of digits (400), NUL characters and lone surrogates anywhere
(422, naming where), ids past 32 bits (404), and If-Match values that name no version (412 /
428). Each over real HTTP on both databases, and none of them writes anything."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from caseflow.adapters.orm import Case, Event, Handoff, SystemEvent, User
from tests.e2e.http import call, issue
from tests.integration.test_engine import open_inspection


def _written(app) -> tuple[int, ...]:
    with app.session_factory() as s:
        return tuple(s.scalar(select(func.count()).select_from(m)) or 0
                     for m in (Case, Event, Handoff, SystemEvent, User))


@pytest.fixture
def officer(uow) -> str:
    return issue(uow, "li.officer")


def _problem(answer: tuple, status: int) -> dict:
    code, headers, body = answer
    assert code == status, (code, body)
    assert headers["Content-Type"] == "application/problem+json"
    assert body["status"] == status and body["detail"]
    return body


def test_an_oversized_json_body_is_413_before_it_is_parsed(server, app, uow, officer):
    before = _written(app)
    title = "宁波某服饰有限公司" * 70_000  # ≈ 1.9 MB of JSON
    raw = json.dumps({"case_type": "admin_enforcement", "title": title}).encode()
    body = _problem(call(server, "POST", "/api/v1/cases", officer, raw=raw,
                         headers={"Content-Type": "application/json"}), 413)
    assert "KiB" in body["detail"]
    assert _written(app) == before


@pytest.mark.parametrize("raw, says", [
    (b"[" * 50_000 + b"]" * 50_000, "nested too deeply"),
    (b'{"reason": ' + b"9" * 5000 + b"}", "not valid JSON"),
    (b'{"reason": "unterminated', "not valid JSON"),
    (b"\xff\xfe{}", "not valid JSON"),
])
def test_json_that_does_not_parse_is_400(server, app, uow, officer, raw, says):
    case = open_inspection(uow)
    before = _written(app)
    body = _problem(call(server, "POST", f"/api/v1/cases/{case.id}/fire/start_check", officer,
                         raw=raw, headers={"Content-Type": "application/json",
                                           "If-Match": f'"{case.version}"'}), 400)
    assert says in body["detail"]
    assert _written(app) == before


@pytest.mark.parametrize("path", [
    "/api/v1/cases?assignee=li%00officer",
    "/api/v1/cases?q=%00",
    "/api/v1/users/li%00officer",
    "/api/v1/agencies/nb%00amr",
    "/api/v1/workflows/admin%00enforcement/diagram.svg",
])
def test_a_nul_in_the_path_or_query_is_422_naming_it(server, uow, path):
    admin = issue(uow, "zhao.admin")
    body = _problem(call(server, "GET", path, admin), 422)
    assert "NUL" in body["detail"] and body["errors"]


@pytest.mark.parametrize("payload, field", [
    ({"case_type": "admin_enforcement", "title": "某灯具厂", "data": {"a": ["\ud800"]}}, "data"),
    ({"case_type": "admin_enforcement", "title": "某灯具厂", "data": {"\x00": 1}}, "data"),
    ({"case_type": "admin\x00enforcement", "title": "某灯具厂"}, "case_type"),
    ({"case_type": "admin_enforcement", "title": "某灯具厂", "assignee": "li\x00"}, "assignee"),
])
def test_a_nul_or_lone_surrogate_anywhere_in_a_body_is_422(server, app, officer, payload,
                                                          field):
    before = _written(app)
    raw = json.dumps(payload).encode()  # ensure_ascii: the surrogate travels as \ud800
    body = _problem(call(server, "POST", "/api/v1/cases", officer, raw=raw,
                         headers={"Content-Type": "application/json"}), 422)
    assert field in body["errors"]
    assert _written(app) == before


@pytest.mark.parametrize("path", [
    "/api/v1/cases/{c}/evidence/2147483648",
    "/api/v1/cases/{c}/evidence/9223372036854775808",
    "/api/v1/cases/2147483648/clocks",
    "/api/v1/handoffs/99999999999999999999",
    "/api/v1/tokens/2147483648/revoke",
])
def test_ids_past_32_bits_name_nothing(server, uow, path):
    case = open_inspection(uow)
    admin = issue(uow, "zhao.admin")
    method = "POST" if path.endswith("revoke") else "GET"
    _problem(call(server, method, path.format(c=case.id), admin,
                  body={"reason": "测试"} if method == "POST" else None), 404)


@pytest.mark.parametrize("path, body", [
    ("/api/v1/cases/{c}/clocks/filing/pause", b"reason=testing"),
    ("/api/v1/audit/verify", b"{}"),
    ("/api/v1/cases/{c}/fire/start_check", b'{"reason": "x"}'),
    ("/api/v1/users", b"<user/>"),
])
def test_a_body_of_the_wrong_media_type_is_415(server, app, uow, path, body):
    case = open_inspection(uow)
    admin = issue(uow, "zhao.admin")
    before = _written(app)
    answer = _problem(call(server, "POST", path.format(c=case.id), admin, raw=body,
                           headers={"Content-Type": "text/plain",
                                    "If-Match": f'"{case.version}"'}), 415)
    assert "application/json" in answer["detail"]
    assert _written(app) == before


@pytest.mark.parametrize("value, status", [
    ('W/"{v}"', 412), ("{v}", 412), ("*", 428), ('"{v}", "{v}"', 412), ('""', 412),
])
def test_if_match_names_one_strong_etag_or_the_write_is_refused(server, app, uow, officer,
                                                                 value, status):
    case = open_inspection(uow)
    before = _written(app)
    _problem(call(server, "POST", f"/api/v1/cases/{case.id}/fire/start_check", officer,
                  {"reason": "举报线索"}, {"If-Match": value.format(v=case.version)}), status)
    assert _written(app) == before
    ok = call(server, "POST", f"/api/v1/cases/{case.id}/fire/start_check", officer,
              {"reason": "举报线索"}, {"If-Match": f'"{case.version}"'})
    assert ok[0] == 200


def test_the_root_sends_a_browser_to_sign_in(server):
    import urllib.request

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        opener.open(server + "/", timeout=10)
        raise AssertionError("/ answered without a redirect")
    except urllib.error.HTTPError as err:
        assert err.code == 302 and err.headers["Location"].endswith("/signin")
