"""The admin API over real HTTP, on both databases: users (list, add, change, deactivate,
reactivate, reset a password), agencies (list, add, office hours) and API tokens (list,
issue, revoke). Only an admin writes (403 for anyone else), unknown users and agencies are
404, bad fields 422 naming the field, and a refusal writes nothing; no response carries a
password hash, a token's hash or a secret, except the new token's secret once."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from tests.e2e.http import call, issue

USER_KEYS = {"username", "name", "agency", "roles", "supervisor", "email", "organisation",
             "active"}
TOKEN_KEYS = {"id", "name", "user", "agency", "created_by", "created_at", "expires_at",
              "revoked_at", "last_used_at"}

NEW_USER = {"username": "lu.xiaoqing", "name": "陆晓晴", "agency": "nb-amr-yinzhou",
            "roles": ["officer"], "supervisor": "sun.yz", "email": "lu.xiaoqing@example.nb.gov.cn",
            "reason": "鄞州区局新进执法人员"}


def snapshot(app) -> dict[str, list]:
    """What the directory holds: users, roles, agencies, tokens (all but their last use,
    which any authenticated call moves) and the system events."""
    queries = {
        "users": "SELECT * FROM users ORDER BY id",
        "user_roles": "SELECT * FROM user_roles ORDER BY user_id, role",
        "agencies": "SELECT * FROM agencies ORDER BY id",
        "api_tokens": "SELECT id, user_id, name, secret_sha256, expires_at, revoked_at "
                      "FROM api_tokens ORDER BY id",
        "system_events": "SELECT id, kind, actor, reason FROM system_events ORDER BY id",
    }
    with app.engine.connect() as conn:
        return {name: [tuple(r) for r in conn.execute(text(q))] for name, q in queries.items()}


def events(app, kind: str) -> list[dict]:
    with app.engine.connect() as conn:
        rows = conn.execute(text("SELECT actor, reason, payload FROM system_events "
                                 "WHERE kind = :k ORDER BY id"), {"k": kind}).all()
    return [{"actor": a, "reason": r, "payload": p if isinstance(p, dict) else json.loads(p)}
            for a, r, p in rows]


def assert_no_secrets(body) -> None:
    raw = json.dumps(body, ensure_ascii=False).lower()
    for word in ("password", "hash", "sha256", "secret", "cf_"):
        assert word not in raw, f"{word!r} in a response: {raw[:300]}"


@pytest.fixture
def admin(uow, people) -> str:
    return issue(uow, "zhao.admin")


@pytest.fixture
def officer(uow, people) -> str:
    return issue(uow, "li.officer")


def refused(answer, status: int, field: str | None = None) -> dict:
    code, headers, body = answer
    assert code == status, (code, body)
    assert headers["Content-Type"] == "application/problem+json"
    if field is not None:
        assert field in body["errors"], body
        assert body["errors"][field] and all(isinstance(m, str) for m in body["errors"][field])
    return body


# --- users -------------------------------------------------------------------------------

def test_an_admin_lists_users_filtered_and_paged_without_secrets(server, admin, app):
    status, _h, page = call(server, "GET", "/api/v1/users", admin)
    assert status == 200 and page["total"] == 13 and page["page"] == 1
    assert page["per_page"] == 50 and len(page["items"]) == 13
    assert all(set(u) == USER_KEYS for u in page["items"])
    assert_no_secrets(page)
    li = next(u for u in page["items"] if u["username"] == "li.officer")
    assert li == {"username": "li.officer", "name": "李明", "agency": "nb-amr",
                  "roles": ["officer"], "supervisor": "chen.sup", "email": None,
                  "organisation": None, "active": True}

    _s, _h, customs = call(server, "GET", "/api/v1/users?agency=nb-customs", admin)
    assert [u["username"] for u in customs["items"]] == ["xu.customs", "zhou.customs"]
    _s, _h, bosses = call(server, "GET", "/api/v1/users?role=supervisor&agency=nb-amr", admin)
    assert [u["username"] for u in bosses["items"]] == ["wang.director", "chen.sup"]
    _s, _h, second = call(server, "GET", "/api/v1/users?per_page=5&page=2", admin)
    assert second["total"] == 13 and len(second["items"]) == 5
    assert second["items"][0]["username"] == page["items"][5]["username"]
    _s, _h, beyond = call(server, "GET", "/api/v1/users?per_page=5&page=9", admin)
    assert beyond["items"] == [] and beyond["total"] == 13
    _s, _h, nobody = call(server, "GET", "/api/v1/users?agency=nb-nowhere", admin)
    assert nobody["items"] == [] and nobody["total"] == 0

    with app.engine.begin() as conn:
        conn.execute(text("UPDATE users SET active = :f WHERE username = 'gao.police'"),
                     {"f": False})
    _s, _h, inactive = call(server, "GET", "/api/v1/users?active=false", admin)
    assert [u["username"] for u in inactive["items"]] == ["gao.police"]
    _s, _h, active = call(server, "GET", "/api/v1/users?active=true", admin)
    assert active["total"] == 12

    refused(call(server, "GET", "/api/v1/users?role=boss", admin), 422, "role")
    refused(call(server, "GET", "/api/v1/users?active=maybe", admin), 422, "active")
    refused(call(server, "GET", "/api/v1/users?per_page=0", admin), 422, "per_page")
    refused(call(server, "GET", "/api/v1/users?per_page=201", admin), 422, "per_page")
    refused(call(server, "GET", "/api/v1/users?page=abc", admin), 422, "page")
    refused(call(server, "GET", "/api/v1/users?username=li.officer", admin), 422, "username")


def test_an_admin_reads_one_user_active_or_not_and_unknown_ones_are_404(server, admin, app):
    status, _h, body = call(server, "GET", "/api/v1/users/zhou.customs", admin)
    assert status == 200 and body["supervisor"] == "xu.customs" and body["agency"] == "nb-customs"
    with app.engine.begin() as conn:
        conn.execute(text("UPDATE users SET active = :f WHERE username = 'zhou.customs'"),
                     {"f": False})
    status, _h, body = call(server, "GET", "/api/v1/users/zhou.customs", admin)
    assert status == 200 and body["active"] is False
    before = snapshot(app)
    for method, path, payload in [
        ("GET", "/api/v1/users/nobody", None),
        ("GET", "/api/v1/users/" + "x" * 300, None),
        ("PATCH", "/api/v1/users/nobody", {"name": "无名", "reason": "更正"}),
        ("POST", "/api/v1/users/nobody/deactivate", {"reason": "离职"}),
        ("POST", "/api/v1/users/nobody/reactivate", {"reason": "返岗"}),
    ]:
        body = refused(call(server, method, path, admin, payload), 404)
        assert "unknown user" in body["detail"]
    refused(call(server, "GET", "/api/v1/users/li.officer?x=1", admin), 422, "x")
    assert snapshot(app) == before


def test_an_admin_adds_a_user_audited(server, admin, app):
    status, _h, body = call(server, "POST", "/api/v1/users", admin, NEW_USER)
    assert status == 201, body
    assert body == {"username": "lu.xiaoqing", "name": "陆晓晴", "agency": "nb-amr-yinzhou",
                    "roles": ["officer"], "supervisor": "sun.yz",
                    "email": "lu.xiaoqing@example.nb.gov.cn", "organisation": None,
                    "active": True}
    status, _h, again = call(server, "GET", "/api/v1/users/lu.xiaoqing", admin)
    assert status == 200 and again == body
    [event] = events(app, "user_created")
    assert event["actor"] == "zhao.admin" and event["reason"] == "鄞州区局新进执法人员"
    assert event["payload"]["user"] == "lu.xiaoqing"
    # the new user can be given a token and is known to the engine
    token = issue(lambda: app.uow("test"), "lu.xiaoqing")
    assert call(server, "GET", "/api/v1/agencies", token)[0] == 200


def test_markup_and_sql_in_text_are_kept_as_text(server, admin, app):
    name = "王芳<script>alert('x')</script>"
    organisation = "宁波'; DROP TABLE users; --有限公司"
    status, headers, body = call(server, "POST", "/api/v1/users", admin, {
        **NEW_USER, "username": "wang.fang", "name": name, "organisation": organisation})
    assert status == 201 and headers["Content-Type"].startswith("application/json")
    assert body["name"] == name and body["organisation"] == organisation
    with app.engine.connect() as conn:
        assert conn.execute(text("SELECT name FROM users WHERE username = 'wang.fang'")
                            ).scalar_one() == name
    _s, _h, page = call(server, "GET", "/api/v1/users?agency=%27%20OR%201%3D1%20--", admin)
    assert page["total"] == 0 and page["items"] == []
    assert call(server, "GET", "/api/v1/users?agency=nb-amr-yinzhou", admin)[2]["total"] == 2


BAD_NEW_USERS = [
    ({"username": None}, "username"),
    ({"username": "lu xiaoqing"}, "username"),
    ({"username": "li.officer"}, "username"),  # taken
    ({"username": "u" * 65}, "username"),
    ({"username": "x'; DROP TABLE users; --"}, "username"),
    ({"username": "<b>wang</b>"}, "username"),
    ({"name": ""}, "name"),
    ({"name": "王" * 101}, "name"),
    ({"name": "陆\x00晓晴"}, "name"),
    ({"name": "陆\n晓晴"}, "name"),
    ({"agency": "nb-nowhere"}, "agency"),
    ({"roles": []}, "roles"),
    ({"roles": ["boss"]}, "roles"),
    ({"roles": "officer"}, "roles"),
    ({"supervisor": "nobody"}, "supervisor"),
    ({"supervisor": "xu.customs"}, "supervisor"),  # another agency's: escalations stay home
    ({"supervisor": "sun.yz"} | {"agency": "nb-amr"}, "supervisor"),
    ({"email": "not-an-address"}, "email"),
    ({"organisation": 12}, "organisation"),
    ({"password": "hunter2hunter2"}, "password"),
    ({"active": False}, "active"),
]


def test_a_bad_new_user_is_refused_naming_the_field_and_nothing_is_written(server, admin, app):
    before = snapshot(app)
    for change, field in BAD_NEW_USERS:
        body = {**NEW_USER, **change}
        if change.get("username", "") is None:
            del body["username"]
        refused(call(server, "POST", "/api/v1/users", admin, body), 422, field)
    assert snapshot(app) == before


def test_malformed_and_non_object_bodies_are_refused(server, admin, app):
    before = snapshot(app)
    for raw in (b"{", b"[1, 2]", b"null", "\"管理员\"".encode()):
        code, _h, _b = call(server, "POST", "/api/v1/users", admin, raw=raw,
                            headers={"Content-Type": "application/json"})
        assert 400 <= code < 500 and code != 404, (raw, code)
    assert snapshot(app) == before


def test_an_admin_changes_a_user_audited_and_a_no_change_writes_nothing(server, admin, app):
    path = "/api/v1/users/zhang.officer"
    status, _h, body = call(server, "PATCH", path, admin, {
        "roles": ["officer", "supervisor"], "supervisor": "wang.director", "name": "张伟（副科长）",
        "email": "zhang.wei@example.nb.gov.cn", "reason": "任命为执法一科副科长"})
    assert status == 200, body
    assert body["roles"] == ["officer", "supervisor"] and body["supervisor"] == "wang.director"
    assert body["name"] == "张伟（副科长）" and body["email"] == "zhang.wei@example.nb.gov.cn"
    [event] = events(app, "user_updated")
    assert event["reason"] == "任命为执法一科副科长" and event["actor"] == "zhao.admin"
    assert event["payload"]["changes"]["roles"] == {"from": ["officer"],
                                                    "to": ["officer", "supervisor"]}
    assert event["payload"]["changes"]["supervisor"] == {"from": "chen.sup",
                                                         "to": "wang.director"}
    # the same values again: nothing to write
    before = snapshot(app)
    status, _h, same = call(server, "PATCH", path, admin, {"roles": ["supervisor", "officer"],
                                                           "reason": "复核"})
    assert status == 200 and same == body and snapshot(app) == before
    # null clears the supervisor and the e-mail
    status, _h, cleared = call(server, "PATCH", path, admin, {"supervisor": None, "email": None,
                                                              "reason": "调整汇报关系"})
    assert status == 200 and cleared["supervisor"] is None and cleared["email"] is None
    assert len(events(app, "user_updated")) == 2


BAD_CHANGES = [
    ("zhang.officer", {"name": "张伟"}, 422, "reason"),
    ("zhang.officer", {"name": "张伟", "reason": ""}, 422, "reason"),
    ("zhang.officer", {"name": "", "reason": "更正"}, 422, "name"),
    ("zhang.officer", {"name": "张\x07伟", "reason": "更正"}, 422, "name"),
    ("zhang.officer", {"roles": [], "reason": "更正"}, 422, "roles"),
    ("zhang.officer", {"roles": ["officer", "judge"], "reason": "更正"}, 422, "roles"),
    ("zhang.officer", {"supervisor": "nobody", "reason": "更正"}, 422, "supervisor"),
    ("zhang.officer", {"supervisor": "zhang.officer", "reason": "更正"}, 422, "supervisor"),
    ("zhang.officer", {"supervisor": "he.police", "reason": "更正"}, 422, "supervisor"),
    ("zhang.officer", {"supervisor": "li.officer", "reason": "更正"}, 422, "supervisor"),
    # chen.sup supervises zhang.officer: zhang.officer may not become chen.sup's supervisor
    ("chen.sup", {"supervisor": "zhang.officer", "reason": "更正"}, 422, "supervisor"),
    ("zhang.officer", {"email": "zhang@", "reason": "更正"}, 422, "email"),
    ("zhang.officer", {"username": "zhang2", "reason": "更正"}, 422, "username"),
    ("zhang.officer", {"agency": "nb-customs", "reason": "调动"}, 422, "agency"),
    ("zhang.officer", {"active": False, "reason": "离职"}, 422, "active"),
    ("zhao.admin", {"roles": ["officer"], "reason": "交接"}, 409, "roles"),
]


def test_a_bad_change_is_refused_naming_the_field_and_nothing_is_written(server, admin, app):
    before = snapshot(app)
    for username, change, status, field in BAD_CHANGES:
        refused(call(server, "PATCH", f"/api/v1/users/{username}", admin, change), status,
                field)
    assert snapshot(app) == before


def test_deactivating_a_user_stops_their_tokens_and_sessions(server, admin, uow, app):
    from caseflow.domain.errors import Unauthenticated
    from caseflow.services import signin

    theirs = issue(uow, "zhou.customs")
    assert call(server, "GET", "/api/v1/agencies", theirs)[0] == 200
    signin.set_password(uow(), "zhou.customs", "Beilun-Port-2026", actor="zhao.admin",
                        reason="开通账号")
    session = signin.sign_in(uow(), "zhou.customs", "Beilun-Port-2026", address="10.0.0.9")
    assert signin.resume_session(uow(), session.secret).username == "zhou.customs"
    status, _h, body = call(server, "POST", "/api/v1/users/zhou.customs/deactivate", admin,
                            {"reason": "调离宁波海关"})
    assert status == 200 and body["active"] is False
    assert call(server, "GET", "/api/v1/agencies", theirs)[0] == 401
    with pytest.raises(Unauthenticated):
        signin.resume_session(uow(), session.secret)
    with pytest.raises(Unauthenticated):
        signin.sign_in(uow(), "zhou.customs", "Beilun-Port-2026", address="10.0.0.9")
    [event] = events(app, "user_deactivated")
    assert event == {"actor": "zhao.admin", "reason": "调离宁波海关",
                     "payload": {"user": "zhou.customs"}}
    before = snapshot(app)  # again: already deactivated, nothing written
    status, _h, again = call(server, "POST", "/api/v1/users/zhou.customs/deactivate", admin,
                             {"reason": "调离宁波海关"})
    assert status == 200 and again == body and snapshot(app) == before

    status, _h, body = call(server, "POST", "/api/v1/users/zhou.customs/reactivate", admin,
                            {"reason": "返岗"})
    assert status == 200 and body["active"] is True
    assert call(server, "GET", "/api/v1/agencies", theirs)[0] == 200
    assert len(events(app, "user_reactivated")) == 1


def test_bad_deactivations_are_refused_and_write_nothing(server, admin, app):
    before = snapshot(app)
    for path, body, status, field in [
        ("/api/v1/users/zhou.customs/deactivate", {}, 422, "reason"),
        ("/api/v1/users/zhou.customs/deactivate", {"reason": ""}, 422, "reason"),
        ("/api/v1/users/zhou.customs/deactivate", {"reason": "离职", "when": "now"}, 422,
         "when"),
        ("/api/v1/users/zhou.customs/reactivate", {"reason": 5}, 422, "reason"),
        ("/api/v1/users/zhou.customs/deactivate?force=1", {"reason": "离职"}, 422, "force"),
        ("/api/v1/users/zhao.admin/deactivate", {"reason": "交接"}, 409, None),
    ]:
        refused(call(server, "POST", path, admin, body), status, field)
    assert snapshot(app) == before


def test_an_admin_resets_a_password_never_echoed(server, admin, app):
    signin = pytest.importorskip("caseflow.services.signin")
    assert hasattr(signin, "set_password")
    before = snapshot(app)
    path = "/api/v1/users/li.officer/password"
    refused(call(server, "POST", path, admin, {"new_password": "Yongjiang#2026"}), 422, "reason")
    refused(call(server, "POST", path, admin, {"reason": "忘记密码"}), 422, "new_password")
    refused(call(server, "POST", path, admin, {"new_password": "demo", "reason": "忘记密码"}),
            422, "new_password")
    refused(call(server, "POST", path, admin, {"new_password": "li.officer", "reason": "重置"}),
            422, "new_password")
    refused(call(server, "POST", "/api/v1/users/nobody/password", admin,
                 {"new_password": "Yongjiang#2026", "reason": "忘记密码"}), 404)
    assert snapshot(app) == before
    status, _h, body = call(server, "POST", path, admin,
                            {"new_password": "Yongjiang#2026", "reason": "本人申请重置"})
    assert status == 204, body
    with app.engine.connect() as conn:
        row = conn.execute(text("SELECT * FROM users WHERE username = 'li.officer'")).mappings().one()
    assert "Yongjiang#2026" not in json.dumps({k: str(v) for k, v in row.items()})
    assert snapshot(app)["users"] != before["users"]  # the hash was written
    assert "Yongjiang#2026" not in json.dumps(call(server, "GET", "/api/v1/users/li.officer",
                                                   admin)[2])
    [event] = events(app, "password_reset")
    assert event["actor"] == "zhao.admin" and event["reason"] == "本人申请重置"
    assert "Yongjiang#2026" not in json.dumps(event)
    signed = signin.sign_in(app.uow("test"), "li.officer", "Yongjiang#2026", address="10.0.0.8")
    assert signed.user.username == "li.officer"


# --- only an admin -------------------------------------------------------------------------

ADMIN_ONLY = [
    ("GET", "/api/v1/users", None),
    ("GET", "/api/v1/users/li.officer", None),
    ("GET", "/api/v1/users/nobody", None),  # 403 before 404: an officer learns nothing
    ("POST", "/api/v1/users", NEW_USER),
    ("PATCH", "/api/v1/users/li.officer", {"roles": ["admin"], "reason": "自己提权"}),
    ("POST", "/api/v1/users/zhang.officer/deactivate", {"reason": "离职"}),
    ("POST", "/api/v1/users/zhang.officer/reactivate", {"reason": "返岗"}),
    ("POST", "/api/v1/agencies", {"code": "nb-amr-beilun", "kind": "market_supervision",
                                  "name_zh": "宁波市北仑区市场监督管理局",
                                  "name_en": "Beilun Market Regulation Bureau"}),
    ("PUT", "/api/v1/agencies/nb-amr/office-hours", {"closes_at": "16:30", "reason": "冬令时"}),
    ("POST", "/api/v1/users/zhang.officer/password", {"new_password": "Yongjiang#2026",
                                                       "reason": "重置"}),
    ("GET", "/api/v1/tokens", None),
    ("POST", "/api/v1/tokens", {"user": "li.officer", "name": "自助", "reason": "对接"}),
    ("POST", "/api/v1/tokens/1/revoke", {"reason": "停用"}),
]


def test_anyone_but_an_admin_is_refused_403_and_nothing_is_written(server, officer, uow, app):
    supervisor = issue(uow, "chen.sup")
    before = snapshot(app)
    for method, path, body in ADMIN_ONLY:
        for token in (officer, supervisor):
            answer = refused(call(server, method, path, token, body), 403)
            assert "admin" in answer["detail"], (method, path, answer)
    assert snapshot(app) == before


def test_without_a_token_every_admin_endpoint_is_401(server, app):
    before = snapshot(app)
    for method, path, body in ADMIN_ONLY:
        assert call(server, method, path, None, body)[0] == 401
    assert snapshot(app) == before


def test_the_document_declares_every_admin_operation(server):
    _s, _h, doc = call(server, "GET", "/api/v1/openapi.json")
    paths = doc["paths"]
    for method, path in [("get", "/api/v1/users"), ("post", "/api/v1/users"),
                         ("get", "/api/v1/users/{username}"),
                         ("patch", "/api/v1/users/{username}"),
                         ("post", "/api/v1/users/{username}/deactivate"),
                         ("post", "/api/v1/users/{username}/reactivate"),
                         ("post", "/api/v1/users/{username}/password"),
                         ("get", "/api/v1/agencies"), ("post", "/api/v1/agencies"),
                         ("get", "/api/v1/agencies/{code}"),
                         ("get", "/api/v1/agencies/{code}/office-hours"),
                         ("put", "/api/v1/agencies/{code}/office-hours"),
                         ("get", "/api/v1/tokens"), ("post", "/api/v1/tokens"),
                         ("post", "/api/v1/tokens/{token_id}/revoke")]:
        operation = paths[path][method]
        assert operation.get("summary"), (method, path)
    assert "new_password" not in json.dumps(
        doc["paths"]["/api/v1/users/{username}"]["get"]["responses"])


# --- agencies ------------------------------------------------------------------------------

def test_any_caller_reads_the_agencies_and_unknown_ones_are_404(server, officer, app):
    status, _h, agencies = call(server, "GET", "/api/v1/agencies", officer)
    assert status == 200 and len(agencies) == 8
    amr = next(a for a in agencies if a["code"] == "nb-amr")
    assert amr == {"code": "nb-amr", "kind": "market_supervision",
                   "name_zh": "宁波市市场监督管理局（知识产权局）",
                   "name_en": "Ningbo Administration for Market Regulation (IP Office)",
                   "city": "宁波", "office_closes_at": "17:00"}
    status, _h, one = call(server, "GET", "/api/v1/agencies/nb-customs", officer)
    assert status == 200 and one["kind"] == "customs" and one["name_zh"] == "宁波海关"
    status, _h, hours = call(server, "GET", "/api/v1/agencies/nb-customs/office-hours", officer)
    assert status == 200 and hours == {"agency": "nb-customs", "closes_at": "17:00"}
    for path in ("/api/v1/agencies/nb-nowhere", "/api/v1/agencies/nb-nowhere/office-hours"):
        body = refused(call(server, "GET", path, officer), 404)
        assert "unknown agency" in body["detail"]
    refused(call(server, "GET", "/api/v1/agencies?kind=court", officer), 422, "kind")


def test_an_admin_adds_an_agency_once_audited(server, admin, app):
    body = {"code": "nb-amr-beilun", "kind": "market_supervision",
            "name_zh": "宁波市北仑区市场监督管理局", "name_en": "Beilun Market Regulation Bureau",
            "city": "宁波市北仑区", "reason": "北仑区局接入"}
    status, _h, made = call(server, "POST", "/api/v1/agencies", admin, body)
    assert status == 201, made
    assert made == {"code": "nb-amr-beilun", "kind": "market_supervision",
                    "name_zh": "宁波市北仑区市场监督管理局",
                    "name_en": "Beilun Market Regulation Bureau", "city": "宁波市北仑区",
                    "office_closes_at": "17:00"}
    before = snapshot(app)
    status, _h, again = call(server, "POST", "/api/v1/agencies", admin, body)
    assert status == 200 and again == made and snapshot(app) == before
    [event] = events(app, "agency_created")
    assert event["payload"]["agency"] == "nb-amr-beilun" and event["reason"] == "北仑区局接入"
    assert call(server, "GET", "/api/v1/agencies/nb-amr-beilun", admin)[2] == made


BAD_AGENCIES = [
    ({"kind": "customs"}, "kind"),  # nb-amr exists as market supervision
    ({"code": "nb-new", "kind": "tax_bureau"}, "kind"),
    ({"code": "NB New!"}, "code"),
    ({"code": "n" * 65}, "code"),
    ({"code": "nb-new", "name_zh": ""}, "name_zh"),
    ({"code": "nb-new", "name_zh": "局\x00"}, "name_zh"),
    ({"code": "nb-new", "name_en": "B" * 201}, "name_en"),
    ({"code": "nb-new", "city": "宁\x1b波"}, "city"),
    ({"code": "nb-new", "office_closes_at": "16:00"}, "office_closes_at"),
]


def test_a_bad_agency_is_refused_naming_the_field_and_nothing_is_written(server, admin, app):
    before = snapshot(app)
    for change, field in BAD_AGENCIES:
        body = {"code": "nb-amr", "kind": "market_supervision", "name_zh": "宁波市市场监督管理局",
                "name_en": "Ningbo AMR", **change}
        refused(call(server, "POST", "/api/v1/agencies", admin, body), 422, field)
    assert snapshot(app) == before


def test_an_admin_sets_office_hours_with_a_reason(server, admin, officer, app):
    path = "/api/v1/agencies/nb-customs/office-hours"
    before = snapshot(app)
    for body, status, field in [
        ({"closes_at": "16:30"}, 422, "reason"),
        ({"closes_at": "4:30 pm", "reason": "冬令时"}, 422, "closes_at"),
        ({"closes_at": "05:00", "reason": "冬令时"}, 422, "closes_at"),
        ({"closes_at": "２３:００", "reason": "冬令时"}, 422, "closes_at"),
        ({"reason": "冬令时"}, 422, "closes_at"),
    ]:
        refused(call(server, "PUT", path, admin, body), status, field)
    refused(call(server, "PUT", "/api/v1/agencies/nb-nowhere/office-hours", admin,
                 {"closes_at": "16:30", "reason": "冬令时"}), 404)
    assert snapshot(app) == before
    status, _h, body = call(server, "PUT", path, admin, {"closes_at": "16:30",
                                                         "reason": "冬季作息调整"})
    assert status == 200 and body == {"agency": "nb-customs", "closes_at": "16:30"}
    assert call(server, "GET", path, officer)[2]["closes_at"] == "16:30"
    [event] = events(app, "office_hours_set")
    assert event["payload"] == {"agency": "nb-customs", "from": "17:00", "to": "16:30"}


# --- API tokens ----------------------------------------------------------------------------

def test_an_admin_issues_a_token_shown_once_lists_and_revokes_it(server, admin, app):
    status, _h, made = call(server, "POST", "/api/v1/tokens", admin, {
        "user": "zhou.customs", "name": "海关总署知识产权备案系统", "days": 30,
        "reason": "备案数据对接"})
    assert status == 201, made
    secret = made.pop("secret")
    assert secret.startswith("cf_") and set(made) == TOKEN_KEYS
    assert made["user"] == "zhou.customs" and made["agency"] == "nb-customs"
    assert made["created_by"] == "zhao.admin" and made["revoked_at"] is None
    assert made["created_at"].endswith("+00:00") and made["expires_at"] > made["created_at"]
    with app.engine.connect() as conn:
        stored = conn.execute(text("SELECT secret_sha256 FROM api_tokens WHERE id = :i"),
                              {"i": made["id"]}).scalar_one()
    assert secret not in stored

    assert call(server, "GET", "/api/v1/agencies/nb-customs", secret)[0] == 200
    status, _h, listed = call(server, "GET", "/api/v1/tokens", admin)
    assert status == 200 and [t["id"] for t in listed] == [1, made["id"]]
    assert all(set(t) == TOKEN_KEYS for t in listed)
    assert_no_secrets(listed)
    assert stored not in json.dumps(listed)
    mine = next(t for t in listed if t["id"] == made["id"])
    assert mine["last_used_at"] is not None  # it was just used

    status, _h, revoked = call(server, "POST", f"/api/v1/tokens/{made['id']}/revoke", admin,
                               {"reason": "对接结束"})
    assert status == 200 and revoked["revoked_at"] is not None and "secret" not in revoked
    assert call(server, "GET", "/api/v1/agencies/nb-customs", secret)[0] == 401
    assert [e["payload"]["token"] for e in events(app, "api_token_revoked")] == [made["id"]]
    assert len(events(app, "api_token_issued")) == 2


BAD_TOKENS = [
    ({"user": "nobody"}, 422, "user"),
    ({"user": None}, 422, "user"),
    ({"name": ""}, 422, "name"),
    ({"name": "对接\x00"}, 422, "name"),
    ({"days": 0}, 422, "days"),
    ({"days": 367}, 422, "days"),
    ({"days": "30"}, 422, "days"),
    ({"days": 1.5}, 422, "days"),
    ({"reason": ""}, 422, "reason"),
    ({"secret": "cf_mine"}, 422, "secret"),
    ({"roles": ["admin"]}, 422, "roles"),
]


def test_a_bad_token_request_is_refused_naming_the_field_and_nothing_is_written(
        server, admin, app):
    before = snapshot(app)
    for change, status, field in BAD_TOKENS:
        body = {"user": "zhou.customs", "name": "海关备案系统", "days": 30, "reason": "对接",
                **change}
        body = {k: v for k, v in body.items() if v is not None}
        answer = refused(call(server, "POST", "/api/v1/tokens", admin, body), status, field)
        assert "cf_" not in json.dumps(answer)
    assert snapshot(app) == before


def test_revoking_an_unknown_token_is_404_and_a_bad_one_writes_nothing(server, admin, app):
    before = snapshot(app)
    for token_id in (999, 99999999999999):
        refused(call(server, "POST", f"/api/v1/tokens/{token_id}/revoke", admin,
                     {"reason": "停用"}), 404)
    refused(call(server, "POST", "/api/v1/tokens/1/revoke", admin, {}), 422, "reason")
    assert call(server, "POST", "/api/v1/tokens/abc/revoke", admin, {"reason": "停用"})[0] == 404
    assert snapshot(app) == before
