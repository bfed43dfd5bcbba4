"""The audit trail and its verification over real HTTP, on both databases: a case's events
(who, when, channel, trigger, from/to, reason, payload) a page at a time to its own agency;
verify for an admin (every case) or a supervisor (their agency's); a tampered event found."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from caseflow import services
from caseflow.adapters.orm import Event, SystemEvent
from caseflow.services.handoffs import hand_off
from tests.e2e.http import call, issue
from tests.integration.test_engine import open_inspection
from tests.integration.test_handoffs import HOLDER, INFRINGER


def counts(app):
    with app.session_factory() as s:
        return tuple(s.scalar(select(func.count()).select_from(m)) for m in (Event, SystemEvent))


def fired(server, token, case):
    status, headers, body = call(server, "POST", f"/api/v1/cases/{case.id}/fire/start_check",
                                 token, {"reason": "12315平台转来举报线索：恒达服饰销售假冒LUMIÈRE"},
                                 {"If-Match": f'"{case.version}"'})
    assert status == 200, body
    return body


def test_the_trail_is_paged_with_channel_trigger_and_states(server, uow, app):
    officer = issue(uow, "li.officer")
    case = open_inspection(uow)
    fired(server, officer, case)
    path = f"/api/v1/cases/{case.id}/events"
    status, _h, trail = call(server, "GET", path, officer)
    assert status == 200 and trail["case"] == case.number and trail["total"] >= 2
    assert [e["seq"] for e in trail["items"]] == list(range(1, trail["total"] + 1))
    opened = trail["items"][0]
    assert opened["kind"] == "case_opened" and opened["actor"] == "li.officer"
    step = next(e for e in trail["items"] if e["trigger"] == "start_check")
    assert step["channel"].startswith("api:t") and step["actor"] == "li.officer"
    assert (step["from"], step["to"]) == ("received", "checking")
    assert step["reason"].startswith("12315平台") and step["at"].endswith("+08:00")
    assert isinstance(step["payload"], dict) and len(step["hash"]) == 64
    status, _h, page = call(server, "GET", f"{path}?page=2&per_page=1", officer)
    assert status == 200 and [e["seq"] for e in page["items"]] == [2]
    assert (page["page"], page["per_page"], page["total"]) == (2, 1, trail["total"])
    status, _h, page = call(server, "GET", f"{path}?page=99", officer)
    assert status == 200 and page["items"] == []
    for query, field in [("per_page=0", "per_page"), ("per_page=201", "per_page"),
                         ("page=x", "page"), ("actor=li.officer", "actor")]:
        status, _h, problem = call(server, "GET", f"{path}?{query}", officer)
        assert status == 422 and field in problem["errors"], (query, problem)


def test_outsiders_get_404_and_an_agency_shown_the_case_403(server, uow, app):
    case = open_inspection(uow, assignee="li.officer")
    customs = issue(uow, "zhou.customs")
    mine = call(server, "GET", f"/api/v1/cases/{case.id}/events", customs)
    missing = call(server, "GET", "/api/v1/cases/999999/events", customs)
    assert mine[0] == missing[0] == 404
    assert mine[2]["detail"].replace(str(case.id), "N") == \
        missing[2]["detail"].replace("999999", "N")
    # Yinzhou is handed a case: it may see what the handoff shares, not the trail
    moved = services.open_case(uow(), actor="li.officer", case_type="transfer_src",
                               title="余姚市精工汽配厂涉嫌销售假冒汽车刹车片（属地管辖移送）",
                               parties=[HOLDER, INFRINGER])
    hand_off(uow(), moved.id, "jurisdiction_transfer", actor="li.officer",
             to_agency="nb-amr-yinzhou", reason="违法行为发生地在鄞州区",
             idempotency_key="nb-amr/jurisdiction/1")
    yinzhou = issue(uow, "sun.yz")
    assert call(server, "GET", f"/api/v1/cases/{moved.id}", yinzhou)[0] == 200
    status, _h, problem = call(server, "GET", f"/api/v1/cases/{moved.id}/events", yinzhou)
    assert status == 403 and "nb-amr only" in problem["detail"]


def test_verify_is_for_admins_and_supervisors_of_their_own_cases(server, uow, app):
    ours = open_inspection(uow)
    admin, supervisor, customs, officer = (issue(uow, u) for u in (
        "zhao.admin", "chen.sup", "xu.customs", "li.officer"))
    before = counts(app)
    status, _h, report = call(server, "POST", "/api/v1/audit/verify", admin,
                              {})
    assert status == 200 and report["ok"] is True and report["findings"] == []
    assert report["cases"] == 1 and report["events"] >= 1
    assert any("no checkpoint" in n for n in report["notes"])
    status, _h, report = call(server, "POST", "/api/v1/audit/verify", supervisor,
                              {"case_ids": [ours.id]})
    assert status == 200 and report["ok"] is True and report["cases"] == 1
    assert any("nb-amr" in n for n in report["notes"])
    status, _h, report = call(server, "POST", "/api/v1/audit/verify", customs,
                              {})
    assert status == 200 and report["ok"] is True and report["cases"] == 0
    # an nb-amr case is unknown to a customs supervisor, exactly like a missing one
    mine = call(server, "POST", "/api/v1/audit/verify", customs,
                {"case_ids": [ours.id]})
    missing = call(server, "POST", "/api/v1/audit/verify", customs,
                   {"case_ids": [999999]})
    assert mine[0] == missing[0] == 404
    assert mine[2]["detail"].replace(str(ours.id), "N") == \
        missing[2]["detail"].replace("999999", "N")
    status, _h, problem = call(server, "POST", "/api/v1/audit/verify",
                               officer, {})
    assert status == 403 and "admin or a supervisor" in problem["detail"]
    for body, field in [({"case_ids": ["一"]}, "case_ids"), ({"case_ids": [0]}, "case_ids"),
                        ({"cases": [1]}, "cases"), ({"evidence": "yes"}, "evidence")]:
        status, _h, problem = call(server, "POST", "/api/v1/audit/verify", supervisor, body)
        assert status == 422 and field in problem["errors"], (body, problem)
    status, _h, problem = call(server, "POST", "/api/v1/audit/verify?deep=1", supervisor, {})
    assert status == 422 and "deep" in problem["errors"]
    assert counts(app) == before  # verifying writes nothing


@pytest.mark.tampers
def test_a_tampered_event_makes_verify_say_not_ok(server, uow, app):
    case = open_inspection(uow)
    fired(server, issue(uow, "li.officer"), case)
    other = open_inspection(uow, title="鄞州区某超市涉嫌销售假冒“晨曦”文具")
    with app.engine.begin() as conn:
        conn.execute(text("UPDATE events SET reason = :r WHERE case_id = :c AND "
                          "trigger = 'start_check'"), {"r": "改过的理由", "c": case.id})
    status, _h, report = call(server, "POST", "/api/v1/audit/verify", issue(uow, "zhao.admin"),
                              {})
    assert status == 200 and report["ok"] is False
    assert {f["case"] for f in report["findings"]} == {case.number}
    assert all(f["case_id"] == case.id and f["problem"] for f in report["findings"])
    status, _h, report = call(server, "POST", "/api/v1/audit/verify", issue(uow, "chen.sup"),
                              {"case_ids": [other.id]})
    assert status == 200 and report["ok"] is True  # only the case asked about
