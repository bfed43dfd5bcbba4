"""The REST API over real HTTP (a live server on a free port), on both databases: bearer
tokens, problem+json errors, ETag / If-Match on case writes, outsiders answered like missing
ids, the OpenAPI document."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select, text

from caseflow.adapters.orm import Event
from caseflow.services import open_case
from caseflow.services.tokens import revoke_token
from tests.e2e.http import call, issue
from tests.integration.test_engine import open_inspection


def test_reads_and_fires_over_http_with_etag_and_if_match(server, uow, app):
    token = issue(uow, "li.officer")
    case = open_inspection(uow)
    status, headers, body = call(server, "GET", f"/api/v1/cases/{case.id}", token)
    assert status == 200 and body["number"] == case.number
    assert headers["ETag"] == f'"{body["version"]}"'
    status, _h, triggers = call(server, "GET", f"/api/v1/cases/{case.id}/triggers", token)
    assert status == 200 and "start_check" in [t["trigger"] for t in triggers]
    assert all(f["value_titles"] == [] for t in triggers for f in t["fields"]
               if f["type"] != "enum")

    # an enum field's spec names each value with its Chinese and English title, in order
    enforcement = open_case(uow(), actor="li.officer", case_type="admin_enforcement",
                            title="慈溪某电器厂仿冒电水壶", assignee="li.officer")
    status, _h, triggers = call(server, "GET", f"/api/v1/cases/{enforcement.id}/triggers",
                                token)
    start = next(t for t in triggers if t["trigger"] == "start_verification")
    source = next(f for f in start["fields"] if f["name"] == "clue_source")
    assert [v["value"] for v in source["value_titles"]] == source["values"]
    assert source["value_titles"][1] == {"value": "rights_holder_complaint", "zh": "权利人投诉",
                                         "en": "Rights holder's complaint"}

    fire = f"/api/v1/cases/{case.id}/fire/start_check"
    status, headers, body = call(server, "POST", fire, token, {"reason": "举报线索"})
    assert status == 428 and headers["Content-Type"] == "application/problem+json"
    assert "If-Match" in body["detail"]
    status, _h, body = call(server, "POST", fire, token, {"reason": "举报线索"},
                            {"If-Match": '"999"'})
    assert status == 412 and body["status"] == 412
    status, headers, body = call(server, "POST", fire, token, {"reason": "举报线索"},
                                 {"If-Match": f'"{case.version}"'})
    assert status == 200 and body["status"] == "checking"
    assert headers["ETag"] == f'"{body["version"]}"'
    with app.engine.connect() as conn:
        channel = conn.execute(text("SELECT channel FROM events WHERE case_id = :c AND "
                                    "trigger = 'start_check'"), {"c": case.id}).scalar_one()
    assert channel.startswith("api:t")  # the token's id is in the audit trail


def test_refusals_are_problem_json_and_write_nothing(server, uow, app):
    token = issue(uow, "li.officer")
    case = open_inspection(uow)
    with app.session_factory() as s:
        before = s.scalar(select(func.count()).select_from(Event))
    fire = f"/api/v1/cases/{case.id}/fire/start_check"
    match = {"If-Match": f'"{case.version}"'}
    status, _h, body = call(server, "POST", fire, token, {"reason": "x", "bogus": 1}, match)
    assert status == 422 and "bogus" in body["errors"]
    status, _h, body = call(server, "POST", fire, token, {"reason": "线索\u0000"}, match)
    assert status == 422 and body["errors"] == {"reason": [body["detail"]]}
    status, _h, body = call(server, "POST", f"/api/v1/cases/{case.id}/fire/no_such", token,
                            {}, match)
    assert status == 409
    with app.session_factory() as s:
        assert s.scalar(select(func.count()).select_from(Event)) == before


def test_no_token_an_unknown_expired_or_revoked_one_get_the_same_401(server, uow, app):
    case = open_inspection(uow)
    path = f"/api/v1/cases/{case.id}"
    good = issue(uow, "chen.sup")
    revoked = issue(uow, "chen.sup")
    revoke_token(uow(), 2, actor="zhao.admin", reason="对接结束")
    expired = issue(uow, "li.officer", days=1)
    with app.engine.begin() as conn:
        conn.execute(text("UPDATE api_tokens SET expires_at = :t WHERE id = 3"),
                     {"t": app.uow().now() - timedelta(minutes=1)})
    answers = [call(server, "GET", path, t) for t in (None, "cf_nope", revoked, expired)]
    assert {a[0] for a in answers} == {401}
    assert len({a[2]["detail"] for a in answers}) == 1
    assert all(a[1]["WWW-Authenticate"].startswith("Bearer") for a in answers)
    assert call(server, "GET", path, good)[0] == 200


def test_an_outsider_gets_the_answer_of_a_missing_case(server, uow):
    customs = issue(uow, "zhou.customs")
    case = open_inspection(uow)
    mine = call(server, "GET", f"/api/v1/cases/{case.id}", customs)
    missing = call(server, "GET", "/api/v1/cases/999999", customs)
    huge = call(server, "GET", "/api/v1/cases/99999999999999999999", customs)
    assert mine[0] == missing[0] == huge[0] == 404
    assert mine[2]["detail"].replace(str(case.id), "N") == \
        missing[2]["detail"].replace("999999", "N")


def test_the_openapi_document_is_served_and_describes_the_api(server):
    status, _h, doc = call(server, "GET", "/api/v1/openapi.json")
    assert status == 200 and doc["openapi"].startswith("3.")
    assert "/api/v1/cases/{case_id}/fire/{trigger}" in doc["paths"]
    assert doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    status, _h, body = call(server, "GET", "/api/v1/nowhere", None)
    assert status == 401  # nothing under the API answers without a token


VALUES = {"trigger": "start_check", "username": "li.officer", "code": "nb-amr",
          "key": "administrative_case", "name": "handling", "filename": "init.js"}


def test_every_operation_refuses_an_unknown_query_parameter(server, uow):
    """Each operation in the document, called with ``?bogus=1``: a 422 naming ``bogus``
    (the query string is parsed before the body, the path's ids or the service)."""
    token = issue(uow, "zhao.admin")
    _status, _h, doc = call(server, "GET", "/api/v1/openapi.json")
    checked = 0
    for path, operations in doc["paths"].items():
        concrete = re.sub(r"\{(\w+)\}", lambda m: VALUES.get(m.group(1), "1"), path)
        for method in operations:
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            status, _h, body = call(server, method.upper(), concrete + "?bogus=1", token,
                                    body=None if method == "get" else {},
                                    headers={"If-Match": '"1"', "Idempotency-Key": "k1"})
            if path.endswith("/docs") or "{filename}" in path or path.endswith("openapi.json"):
                continue
            kinds = operations[method].get("requestBody", {}).get("content", {})
            if status == 415 and kinds and "application/json" not in kinds:
                continue  # an upload's media type is checked first; the query string after
            assert status == 422, (method, path, status, body)
            assert "bogus" in body["errors"], (method, path, body)
            checked += 1
    assert checked >= 50
