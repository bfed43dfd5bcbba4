"""Clocks over real HTTP, on both databases: a case's clocks with their explanation; pause,
resume and extend with the workflow's approval rules, each a case write with If-Match and
the new ETag; every refusal a problem+json with the field it is about, and nothing written."""

from __future__ import annotations

from sqlalchemy import func, select

from caseflow import services
from caseflow.adapters.orm import Case, ClockExtension, ClockSegment, Event
from caseflow.views.clocks import case_clocks
from tests.e2e.http import call, issue
from web.api.clocks import ClockOut

PARTY = {"role": "alleged_infringer", "name": "慈溪市宏利家电有限公司", "kind": "enterprise",
         "origin": "local", "region": "宁波市慈溪市"}


def open_timed(uow, assignee="li.officer"):
    """A case of the two-clock test workflow, opened now (the live server's clock is real)."""
    return services.open_case(uow(), actor="li.officer", case_type="timed",
                              title="慈溪市宏利家电有限公司涉嫌假冒专利电饭煲", assignee=assignee,
                              parties=[PARTY])


def written(app, case_id):
    """What a clock write changes: the case's version, its events, pauses and extensions."""
    with app.session_factory() as s:
        return (s.get(Case, case_id).version,
                s.scalar(select(func.count()).select_from(Event).where(Event.case_id == case_id)),
                s.scalar(select(func.count()).select_from(ClockSegment)),
                s.scalar(select(func.count()).select_from(ClockExtension)))


def etag(app, case_id):
    return {"If-Match": f'"{written(app, case_id)[0]}"'}


def test_a_cases_clocks_come_with_due_date_time_left_and_explanation(server, uow, app):
    token = issue(uow, "li.officer")
    case = open_timed(uow)
    status, headers, body = call(server, "GET", f"/api/v1/cases/{case.id}/clocks", token)
    assert status == 200 and headers["Content-Type"] == "application/json"
    ClockOut(many=True).load(body)  # exactly as documented: no field more, none missing
    [filing] = body
    assert filing["clock"] == "filing" and filing["status"] == "running"
    assert filing["source"] == "《市场监督管理行政处罚程序规定》第十八条"
    assert filing["period"] == "15 working_days" and filing["title_zh"] == "立案期限"
    assert filing["remaining_seconds"] > 0 and filing["overdue"] is False
    assert {e["step"] for e in filing["explanation"]} >= {"start", "period", "due"}
    assert all(e["zh"] and e["en"] for e in filing["explanation"])
    assert [t["kind"] for t in filing["timeline"]] == ["running"]
    here = case_clocks(uow(), case.id, "li.officer")[0].to_dict()
    assert {k: v for k, v in filing.items() if k != "remaining_seconds"} == \
        {k: v for k, v in here.items() if k != "remaining_seconds"}


def test_outsiders_missing_cases_and_unknown_parameters_are_refused(server, uow, app):
    customs = issue(uow, "zhou.customs")
    officer = issue(uow, "li.officer")
    case = open_timed(uow)
    mine = call(server, "GET", f"/api/v1/cases/{case.id}/clocks", customs)
    missing = call(server, "GET", "/api/v1/cases/999999/clocks", customs)
    huge = call(server, "GET", "/api/v1/cases/99999999999999999999/clocks", customs)
    assert mine[0] == missing[0] == huge[0] == 404
    assert mine[2]["detail"].replace(str(case.id), "N") == \
        missing[2]["detail"].replace("999999", "N")
    status, headers, body = call(server, "GET", f"/api/v1/cases/{case.id}/clocks?sort=due",
                                 officer)
    assert status == 422 and headers["Content-Type"] == "application/problem+json"
    assert "sort" in body["errors"]
    assert call(server, "GET", f"/api/v1/cases/{case.id}/clocks", None)[0] == 401


def test_pause_and_resume_over_http_with_if_match_and_the_new_etag(server, uow, app):
    token = issue(uow, "li.officer")
    case = open_timed(uow)
    pause = f"/api/v1/cases/{case.id}/clocks/filing/pause"
    version = written(app, case.id)[0]
    status, headers, body = call(server, "POST", pause, token,
                                 {"reason": "testing", "note": "送宁波市产品质量检验研究院检测"},
                                 {"If-Match": f'"{version}"'})
    assert status == 200, body
    ClockOut().load(body)
    assert body["status"] == "paused" and body["clock"] == "filing"
    assert [t["kind"] for t in body["timeline"]] == ["running", "paused"]
    after = written(app, case.id)
    assert after[0] > version and headers["ETag"] == f'"{after[0]}"'
    with app.session_factory() as s:
        event = s.scalar(select(Event).where(Event.case_id == case.id,
                                             Event.kind == "clock_paused"))
    assert event.actor == "li.officer" and event.channel.startswith("api:t")
    assert event.reason == "testing: 送宁波市产品质量检验研究院检测"

    resume = f"/api/v1/cases/{case.id}/clocks/filing/resume"
    stale = call(server, "POST", resume, token, {}, {"If-Match": f'"{version}"'})
    assert stale[0] == 412 and written(app, case.id) == after
    status, headers, body = call(server, "POST", resume, token, {"note": "检测报告已收到"},
                                 {"If-Match": headers["ETag"]})
    assert status == 200 and body["status"] == "running"
    assert headers["ETag"] == f'"{written(app, case.id)[0]}"'
    assert [t["kind"] for t in body["timeline"]] == ["running", "paused", "running"]


def test_pause_and_resume_refusals_write_nothing(server, uow, app):
    officer = issue(uow, "li.officer")
    admin = issue(uow, "zhao.admin")
    customs = issue(uow, "zhou.customs")
    case = open_timed(uow)
    pause = f"/api/v1/cases/{case.id}/clocks/filing/pause"
    match = etag(app, case.id)
    before = written(app, case.id)
    good = {"reason": "testing"}

    status, _h, body = call(server, "POST", pause, officer, good)
    assert status == 428 and "If-Match" in body["detail"]
    status, _h, body = call(server, "POST", pause, officer, good, {"If-Match": '"999"'})
    assert status == 412 and "version" in body["detail"]
    status, _h, body = call(server, "POST", pause, officer, good, {"If-Match": "soon"})
    assert status == 412
    status, _h, body = call(server, "POST", pause, admin, good, match)
    assert status == 403 and "officer or supervisor" in body["detail"]  # approvals: pause
    status, _h, body = call(server, "POST", pause, customs, good, match)
    assert status == 404 and "unknown case" in body["detail"]
    status, _h, body = call(server, "POST", pause, officer, {"reason": "holiday"}, match)
    assert status == 422 and "testing, appraisal" in body["errors"]["reason"][0]
    status, _h, body = call(server, "POST", pause, officer, {}, match)
    assert status == 422 and "reason" in body["errors"]
    status, _h, body = call(server, "POST", pause, officer, {"reason": "testing",
                                                             "days": 3}, match)
    assert status == 422 and "days" in body["errors"]
    status, _h, body = call(server, "POST", pause, officer, {"reason": "testing",
                                                             "on": "2026-02-30"}, match)
    assert status == 422 and "on" in body["errors"]
    status, _h, body = call(server, "POST", pause, officer, {"reason": "testing",
                                                             "on": "2099-01-05"}, match)
    assert status == 422 and "on" in body["errors"]
    status, _h, body = call(server, "POST", pause, officer,
                            {"reason": "testing", "note": "送检\u0000"}, match)
    assert status == 422 and "note" in body["errors"]
    status, _h, body = call(server, "POST", pause + "?force=1", officer, good, match)
    assert status == 422 and "force" in body["errors"]
    status, _h, body = call(server, "POST", f"/api/v1/cases/{case.id}/clocks/nope/pause",
                            officer, good, match)
    assert status == 404 and "nope" in body["detail"]
    status, _h, body = call(server, "POST", pause, officer, raw=b"{not json",
                            headers={**match, "Content-Type": "application/json"})
    assert status in (400, 422)
    status, _h, body = call(server, "POST", f"/api/v1/cases/{case.id}/clocks/filing/resume",
                            officer, {}, match)
    assert status == 409 and body["errors"] == {"clock": [body["detail"]]}  # not paused
    assert written(app, case.id) == before


def test_extensions_follow_the_rule_and_separation_of_duties(server, uow, app):
    officer = issue(uow, "li.officer")
    sup = issue(uow, "chen.sup")
    director = issue(uow, "wang.director")
    case = open_timed(uow)
    extend = f"/api/v1/cases/{case.id}/clocks/filing/extend"
    before = written(app, case.id)
    match = etag(app, case.id)
    reason = {"reason": "需权利人辨认涉案电饭煲，经负责人批准延长"}

    status, _h, body = call(server, "POST", extend, officer, reason, match)
    assert status == 403 and "supervisor" in body["detail"]
    status, _h, body = call(server, "POST", extend, sup, {"reason": "   "}, match)
    assert status == 422 and "reason" in body["errors"]
    status, _h, body = call(server, "POST", extend, sup, {**reason, "by": "30 working_days"},
                            match)
    assert status == 422 and "by" in body["errors"]
    status, _h, body = call(server, "POST", extend, sup, {**reason, "by": "soon"}, match)
    assert status == 422 and "by" in body["errors"]
    status, _h, body = call(server, "POST", extend, sup, reason)
    assert status == 428
    status, _h, body = call(server, "POST", extend, sup, reason, {"If-Match": '"1"'})
    assert status == 412
    assert written(app, case.id) == before

    due_before = call(server, "GET", f"/api/v1/cases/{case.id}/clocks", sup)[2][0]["due"]
    status, headers, body = call(server, "POST", extend, sup, reason, match)
    assert status == 200, body
    ClockOut().load(body)
    assert body["extensions"] == [{"by": "15 working_days", "approved_by": "chen.sup",
                                   "reason": reason["reason"]}]
    assert body["due"] > due_before
    assert headers["ETag"] == f'"{written(app, case.id)[0]}"'
    # the next extension is open-ended: it needs its length
    status, _h, body = call(server, "POST", extend, sup, {"reason": "集体讨论决定继续延期"},
                            {"If-Match": headers["ETag"]})
    assert status == 422 and "by" in body["errors"]

    # a supervisor who is (or was) the assignee may not approve the extension of the case
    own = open_timed(uow, assignee="chen.sup")
    own_extend = f"/api/v1/cases/{own.id}/clocks/filing/extend"
    own_before = written(app, own.id)
    status, _h, body = call(server, "POST", own_extend, sup, reason, etag(app, own.id))
    assert status == 403 and "separation of duties" in body["detail"]
    assert written(app, own.id) == own_before
    status, _h, body = call(server, "POST", own_extend, director, reason, etag(app, own.id))
    assert status == 200 and body["extensions"][0]["approved_by"] == "wang.director"


def test_the_clock_operations_are_documented(server):
    status, _h, doc = call(server, "GET", "/api/v1/openapi.json")
    assert status == 200
    paths = doc["paths"]
    assert "get" in paths["/api/v1/cases/{case_id}/clocks"]
    for action in ("pause", "resume", "extend"):
        operation = paths[f"/api/v1/cases/{{case_id}}/clocks/{{name}}/{action}"]["post"]
        assert operation["summary"] and "requestBody" in operation
