"""The working-day calendar over real HTTP, on both databases (admin only): its status, an
official year schedule loaded as YAML or JSON, local overrides — and every refusal (another
role 403, wrong media type 415, a bad file or field 422) with nothing written."""

from __future__ import annotations

import json
from urllib.parse import quote

from sqlalchemy import func, select

from caseflow.adapters.orm import CalendarOverride, CalendarYear, SystemEvent
from tests.e2e.http import call, issue

CAL_2027 = """\
# test data, not the real 2027 notice (it is not published yet)
year: 2027
rest:
  - 2027-01-01/2027-01-04
  - 2027-02-06/2027-02-14
workdays:
  - 2027-02-20
"""


def counts(app):
    with app.session_factory() as s:
        return tuple(s.scalar(select(func.count()).select_from(m))
                     for m in (CalendarYear, CalendarOverride, SystemEvent))


def post_schedule(server, token, text: str, kind: str, query: str = ""):
    return call(server, "POST", f"/api/v1/calendar/schedules{query}", token,
                raw=text.encode("utf-8"), headers={"Content-Type": kind})


def test_status_is_for_admins(server, uow):
    admin, officer = issue(uow, "zhao.admin"), issue(uow, "li.officer")
    status, _h, shown = call(server, "GET", "/api/v1/calendar", admin)
    assert status == 200 and shown["calendar_version"]
    assert len(shown["official_years"]) == 2 and shown["loaded_years"] == []
    assert shown["provisional_due_dates"] == 0
    status, _h, problem = call(server, "GET", "/api/v1/calendar", officer)
    assert status == 403 and "only an admin" in problem["detail"]
    status, _h, problem = call(server, "GET", "/api/v1/calendar?year=2027", admin)
    assert status == 422 and "year" in problem["errors"]


def test_a_schedule_loads_as_yaml_or_json_and_only_by_an_admin(server, uow, app):
    admin, supervisor = issue(uow, "zhao.admin"), issue(uow, "wang.director")
    before = counts(app)
    refusals = [
        (post_schedule(server, supervisor, CAL_2027, "application/yaml"), 403, None),
        (post_schedule(server, admin, CAL_2027, "text/plain"), 415, None),
        (post_schedule(server, admin, CAL_2027, "multipart/form-data; boundary=x"), 415, None),
        (post_schedule(server, admin, "year: 2027\nrest: [2027-02-30]\n", "text/yaml"), 422,
         "body"),
        (post_schedule(server, admin, "year: [2027\n", "application/yaml"), 422, "body"),
        (post_schedule(server, admin, "{\"year\": 2027, \"rest\": ", "application/json"), 422,
         "body"),
        (post_schedule(server, admin, "year: 1990\nrest:\n  - 1990-01-01\n",
                       "application/yaml"), 422, "year"),
        (post_schedule(server, admin, CAL_2027, "application/yaml", "?dry_run=1"), 422,
         "dry_run"),
        (call(server, "POST", "/api/v1/calendar/schedules", admin, raw=b"\xff\xfe\x00y",
              headers={"Content-Type": "application/yaml"}), 422, "body"),
    ]
    for (status, headers, problem), code, field in refusals:
        assert status == code, problem
        assert headers["Content-Type"] == "application/problem+json"
        if field:
            assert field in problem["errors"], problem
    assert counts(app) == before

    status, _h, loaded = post_schedule(server, admin, CAL_2027, "application/yaml",
                                       "?source=" + quote("国务院办公厅通知（测试）"))
    assert status == 200 and loaded == {"year": 2027, "clocks_recomputed": 0}
    as_json = json.dumps({"year": 2027, "rest": ["2027-01-01/2027-01-04"],
                          "workdays": ["2027-02-20"]})
    status, _h, loaded = post_schedule(server, admin, as_json, "application/json; charset=utf-8")
    assert status == 200 and loaded["year"] == 2027
    status, _h, shown = call(server, "GET", "/api/v1/calendar", admin)
    assert shown["loaded_years"] == [2027]
    with app.session_factory() as s:
        kinds = s.scalars(select(SystemEvent.kind).where(
            SystemEvent.kind == "calendar_loaded")).all()
    assert len(kinds) == 2


def test_an_override_moves_what_the_calculator_counts(server, uow, app):
    admin, officer = issue(uow, "zhao.admin"), issue(uow, "li.officer")
    deadline = "/api/v1/deadline?from=2026-03-02T10:00&period=3%20working_days"
    assert call(server, "GET", deadline, officer)[2]["last_day"] == "2026-03-05"
    body = {"day": "2026-03-03", "kind": "rest", "reason": "台风“梅花”过境，全市停工停课"}
    before = counts(app)
    for change, code, field in [({}, 403, None),
                                ({"kind": "holiday"}, 422, "kind"),
                                ({"day": "2026-02-30"}, 422, "day"),
                                ({"day": "2099-03-03"}, 422, "day"),
                                ({"reason": ""}, 422, "reason"),
                                ({"by": "zhao.admin"}, 422, "by")]:
        token = officer if code == 403 else admin
        status, _h, problem = call(server, "POST", "/api/v1/calendar/overrides", token,
                                   {**body, **change})
        assert status == code, (change, problem)
        if field:
            assert field in problem["errors"], (change, problem)
    status, _h, problem = call(server, "POST", "/api/v1/calendar/overrides", admin,
                               {k: v for k, v in body.items() if k != "reason"})
    assert status == 422 and "reason" in problem["errors"]
    assert counts(app) == before

    status, _h, done = call(server, "POST", "/api/v1/calendar/overrides", admin, body)
    assert status == 200 and done == {"day": "2026-03-03", "kind": "rest",
                                      "clocks_recomputed": 0}
    assert call(server, "GET", deadline, officer)[2]["last_day"] == "2026-03-06"
