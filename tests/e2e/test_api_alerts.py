"""Alerts over real HTTP, on both databases: the caller's own inbox (newest first, unread
filter, pages), marking read and acknowledging; another user's notification is answered
exactly like a missing one, and refusals write nothing."""

from __future__ import annotations

from sqlalchemy import select

from caseflow import services
from caseflow.adapters.orm import Notification
from caseflow.services.sweep import sweep
from tests.conftest import utc
from tests.e2e.http import call, issue
from web.api.alerts import InboxItemOut


def overdue_case(at):
    """A case opened on 18 Sep 2026 whose 15-working-day filing period the sweep of 25 Oct
    finds run out: a warning and an overdue alert for the assignee, escalations above."""
    case = services.open_case(
        at("2026-09-18T10:00")(), actor="li.officer", case_type="timed",
        title="宁波市江北区某文具店涉嫌销售假冒中性笔", assignee="li.officer",
        parties=[{"role": "alleged_infringer", "name": "宁波市江北区晨光文具经营部"}])
    sweep(at("2026-10-25T09:00"), now=utc("2026-10-25T09:00"))
    return case


def marks(app):
    with app.session_factory() as s:
        return {n.id: (n.read_at, n.acknowledged_at) for n in s.scalars(select(Notification))}


def test_the_inbox_is_the_callers_own_newest_first_with_pages(server, uow, at, app):
    case = overdue_case(at)
    officer = issue(uow, "li.officer")
    status, headers, items = call(server, "GET", "/api/v1/alerts", officer)
    assert status == 200 and headers["Content-Type"] == "application/json"
    InboxItemOut(many=True).load(items)  # exactly as documented: no field more, none missing
    assert sorted(i["kind"] for i in items) == ["overdue", "warning"]
    assert items[0]["raised_at"] >= items[1]["raised_at"]
    assert all(i["case"] == case.number and not i["read"] and not i["acknowledged"]
               for i in items)
    assert all(i["message"] and i["due"] for i in items)
    status, _h, mine = call(server, "GET", "/api/v1/alerts", issue(uow, "chen.sup"))
    assert [i["kind"] for i in mine] == ["escalation"]
    assert not {i["id"] for i in mine} & {i["id"] for i in items}
    assert call(server, "GET", "/api/v1/alerts", issue(uow, "zhou.customs"))[2] == []

    page = [call(server, "GET", f"/api/v1/alerts?per_page=1&page={n}", officer)[2]
            for n in (1, 2, 3)]
    assert [p[0]["id"] for p in page[:2]] == [i["id"] for i in items] and page[2] == []


def test_read_and_acknowledge(server, uow, at, app):
    overdue_case(at)
    officer = issue(uow, "li.officer")
    first, second = call(server, "GET", "/api/v1/alerts", officer)[2]
    status, _h, body = call(server, "POST", f"/api/v1/alerts/{first['id']}/read", officer)
    assert status == 204 and body == b""
    read_at = marks(app)[first["id"]][0]
    assert read_at is not None
    status, _h, unread = call(server, "GET", "/api/v1/alerts?unread_only=true", officer)
    assert [i["id"] for i in unread] == [second["id"]]
    assert call(server, "POST", f"/api/v1/alerts/{first['id']}/read", officer)[0] == 204
    assert marks(app)[first["id"]][0] == read_at  # read once: the first time stands

    status, _h, _b = call(server, "POST", f"/api/v1/alerts/{second['id']}/acknowledge",
                          officer)
    assert status == 204
    items = {i["id"]: i for i in call(server, "GET", "/api/v1/alerts", officer)[2]}
    assert items[second["id"]]["acknowledged"] and items[second["id"]]["read"]
    assert items[first["id"]]["read"] and not items[first["id"]]["acknowledged"]
    assert call(server, "GET", "/api/v1/alerts?unread_only=true", officer)[2] == []
    assert len(call(server, "GET", "/api/v1/alerts?unread_only=false", officer)[2]) == 2


def test_another_users_notification_is_answered_like_a_missing_one(server, uow, at, app):
    overdue_case(at)
    officer_items = call(server, "GET", "/api/v1/alerts", issue(uow, "li.officer"))[2]
    sup = issue(uow, "chen.sup")
    before = marks(app)
    theirs = officer_items[0]["id"]
    for action in ("read", "acknowledge"):
        other = call(server, "POST", f"/api/v1/alerts/{theirs}/{action}", sup)
        missing = call(server, "POST", f"/api/v1/alerts/999999/{action}", sup)
        huge = call(server, "POST", f"/api/v1/alerts/99999999999999999999/{action}", sup)
        assert other[0] == missing[0] == huge[0] == 404
        assert other[1]["Content-Type"] == "application/problem+json"
        assert other[2]["detail"].replace(str(theirs), "N") == \
            missing[2]["detail"].replace("999999", "N")
    assert marks(app) == before


def test_bad_parameters_are_refused_and_change_nothing(server, uow, at, app):
    overdue_case(at)
    officer = issue(uow, "li.officer")
    first = call(server, "GET", "/api/v1/alerts", officer)[2][0]["id"]
    before = marks(app)
    for query, field in (("unread_only=maybe", "unread_only"), ("per_page=0", "per_page"),
                         ("per_page=500", "per_page"), ("page=0", "page"),
                         ("user=chen.sup", "user")):
        status, headers, body = call(server, "GET", f"/api/v1/alerts?{query}", officer)
        assert status == 422 and field in body["errors"], (query, body)
        assert headers["Content-Type"] == "application/problem+json"
    status, _h, body = call(server, "POST", f"/api/v1/alerts/{first}/read?as=chen.sup", officer)
    assert status == 422 and "as" in body["errors"]
    status, _h, body = call(server, "POST", f"/api/v1/alerts/{first}/acknowledge?all=1",
                            officer)
    assert status == 422 and "all" in body["errors"]
    assert call(server, "POST", f"/api/v1/alerts/{first}/read", None)[0] == 401
    assert call(server, "GET", "/api/v1/alerts", "cf_not-a-token")[0] == 401
    assert marks(app) == before


def test_the_alert_operations_are_documented(server):
    doc = call(server, "GET", "/api/v1/openapi.json")[2]
    listing = doc["paths"]["/api/v1/alerts"]["get"]
    assert {p["name"] for p in listing["parameters"]} >= {"unread_only", "page", "per_page"}
    for action in ("read", "acknowledge"):
        operation = doc["paths"][f"/api/v1/alerts/{{notification_id}}/{action}"]["post"]
        assert operation["summary"] and "204" in operation["responses"]
