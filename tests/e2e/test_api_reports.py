"""The reports API over real HTTP, on both databases: the figures (one, or all as the
dashboard) with exactly the numbers the read side computes, the cases behind a row a page at
a time, and the group-infringement threshold. Supervisors see their own agency, admins any;
officers 403, no token 401; bad filters are a 4xx naming the field, and a refused threshold
change changes nothing."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import text

from caseflow.domain.moments import aware
from caseflow.views import dashboard
from caseflow.views.dashboard import ReportFilters
from tests.e2e.http import call, issue
from tests.integration.test_engine import open_inspection
from tests.integration.test_handoffs import HOLDER, INFRINGER
from web.api.reports import TITLES

BASE = "/api/v1/reports"
FIRMS = ("余姚市精工汽配厂", "慈溪市恒通小家电厂", "宁海县文峰文具厂")


def this_year(app) -> int:
    return aware(app.uow().now()).year


def default_filters(app, **kw) -> ReportFilters:
    year = this_year(app)
    return ReportFilters(year - 4, year, **kw)


def plain(value):
    """What the read side says, as it comes out of JSON."""
    return json.loads(json.dumps(value, ensure_ascii=False))


@pytest.fixture
def cases(uow, people):
    """Three inspections received this year by nb-amr, li.officer's: one rights holder, one
    trademark, three different respondents (a group at a threshold of 3 or less)."""
    year = aware(uow().now()).year
    return [open_inspection(uow, received_on=date(year, 3, 2 + i), assignee="li.officer",
                            parties=[HOLDER, {**INFRINGER, "name": firm}])
            for i, firm in enumerate(FIRMS)]


@pytest.fixture
def tokens(uow, people):
    return {name: issue(uow, name) for name in ("chen.sup", "zhao.admin", "li.officer",
                                                "xu.customs")}


def test_the_figures_are_listed_with_the_titles_they_give_themselves(server, app, tokens):
    status, _h, items = call(server, "GET", f"{BASE}/figures", tokens["chen.sup"])
    assert status == 200
    assert [i["key"] for i in items] == list(dashboard.FIGURES) == list(TITLES)
    for item in items:
        fig = dashboard.FIGURES[item["key"]](app.uow(), "zhao.admin", default_filters(app))
        assert (item["title_zh"], item["title_en"]) == (fig.title_zh, fig.title_en)


def test_each_figure_is_what_the_read_side_says(server, app, cases, tokens):
    year = this_year(app)
    for who in ("chen.sup", "zhao.admin"):
        for key, figure in dashboard.FIGURES.items():
            status, _h, body = call(server, "GET", f"{BASE}/figures/{key}", tokens[who])
            assert status == 200, (key, body)
            assert body["filters"] == {"from_year": year - 4, "to_year": year, "agency": None,
                                       "case_type": None, "officer": None}
            expected = figure(app.uow(), who, default_filters(app)).to_dict()
            assert body["figure"] == plain(expected), key
    # the numbers themselves: three cases received by nb-amr this year
    status, _h, body = call(server, "GET", f"{BASE}/figures/volume?from_year={year}"
                            f"&to_year={year}&agency=nb-amr", tokens["zhao.admin"])
    assert status == 200 and body["filters"]["agency"] == "nb-amr"
    rows = body["figure"]["rows"]
    assert [(r["year"], r["cases"]) for r in rows] == [(year, 3)]
    with app.engine.connect() as conn:
        amr = conn.execute(text("SELECT id FROM agencies WHERE code = 'nb-amr'")).scalar_one()
    assert body["figure"]["drill"] == [{"figure": "opened", "agency_id": amr, "year": year}]
    kinds = {c["key"]: c["kind"] for c in body["figure"]["columns"]}
    assert kinds == {"agency": "text", "year": "text", "cases": "count", "growth": "change"}
    status, _h, body = call(server, "GET", f"{BASE}/figures/origin?case_type=inspection",
                            tokens["chen.sup"])
    overseas = next(r for r in body["figure"]["rows"] if r["label"] == "境外")
    assert status == 200 and (overseas["cases"], overseas["share"]) == (3, 1.0)


def test_the_dashboard_is_every_figure_for_the_same_filters(server, app, cases, tokens):
    year = this_year(app)
    query = f"?from_year={year - 1}&to_year={year}&case_type=inspection&officer=li.officer"
    status, _h, body = call(server, "GET", f"{BASE}/dashboard{query}", tokens["chen.sup"])
    assert status == 200
    assert body["filters"] == {"from_year": year - 1, "to_year": year, "agency": None,
                               "case_type": "inspection", "officer": "li.officer"}
    filters = ReportFilters(year - 1, year, case_type="inspection", officer="li.officer")
    assert body["figures"] == plain([f(app.uow(), "chen.sup", filters).to_dict()
                                     for f in dashboard.FIGURES.values()])
    origin = next(f for f in body["figures"] if f["key"] == "origin")
    assert sum(r["cases"] for r in origin["rows"]) == 3


def test_the_cases_behind_a_row_a_page_at_a_time(server, app, cases, tokens):
    year = this_year(app)
    _s, _h, body = call(server, "GET", f"{BASE}/figures/volume", tokens["chen.sup"])
    row = next(d for r, d in zip(body["figure"]["rows"], body["figure"]["drill"], strict=True)
               if r["year"] == year)
    query = "&".join(f"{k}={v}" for k, v in row.items())
    status, _h, page = call(server, "GET", f"{BASE}/cases?{query}", tokens["chen.sup"])
    assert status == 200 and page["total"] == 3 and (page["page"], page["per_page"]) == (1, 50)
    expected = dashboard.drill_cases(app.uow(), "chen.sup", default_filters(app), row)
    assert page["items"] == plain([r.to_dict() for r in expected.rows])
    # the latest received first
    assert [i["number"] for i in page["items"]] == [c.number for c in reversed(cases)]
    first = page["items"][0]
    assert first["agency_zh"] and first["status"] == "received" and first["closed_on"] is None
    status, _h, second = call(server, "GET", f"{BASE}/cases?{query}&page=2&per_page=2",
                              tokens["chen.sup"])
    assert status == 200 and second["total"] == 3
    assert [i["number"] for i in second["items"]] == [cases[0].number]
    status, _h, beyond = call(server, "GET", f"{BASE}/cases?{query}&page=9", tokens["chen.sup"])
    assert status == 200 and beyond["items"] == [] and beyond["total"] == 3
    # the customs supervisor's own agency has none of them
    status, _h, theirs = call(server, "GET", f"{BASE}/cases?figure=opened",
                              tokens["xu.customs"])
    assert status == 200 and theirs["total"] == 0


BAD = [
    ("figures/volume?from_year=1800", "from_year"),
    ("figures/volume?to_year=2101", "to_year"),
    ("figures/volume?to_year=abc", "to_year"),
    ("figures/volume?from_year={y}&to_year={y1}", "to_year"),  # from after to
    ("figures/volume?from_year={y10}&to_year={y}", "to_year"),  # over MAX_YEARS
    ("figures/volume?to_year={y2}", "to_year"),  # a year that has not come
    ("figures/volume?agency=nb-nowhere", "agency"),
    ("figures/volume?case_type=no_such_type", "case_type"),
    ("figures/volume?officer=nobody", "officer"),
    ("figures/volume?officer=gao.police", "officer"),  # not of the agency
    ("figures/volume?bogus=1", "bogus"),
    ("dashboard?from_year=1800", "from_year"),
    ("dashboard?agency=nb-nowhere", "agency"),
    ("dashboard?page=1", "page"),
    ("figures?from_year=2026", "from_year"),
    ("cases?figure=opened&per_page=0", "per_page"),
    ("cases?figure=opened&per_page=1000", "per_page"),
    ("cases?figure=opened&page=0", "page"),
    ("cases?figure=nothing", "figure"),
    ("cases?year=2026", "figure"),
    ("cases?figure=opened&year=abc", "year"),
    ("cases?figure=opened&year={y10}", "year"),  # outside the report's years
    ("cases?figure=group&subject=nonsense", "subject"),
    ("cases?figure=opened&officer=nobody", "officer"),
    ("cases?figure=opened&bogus=1", "bogus"),
    ("settings/group-threshold?x=1", "x"),
]


def test_bad_filters_are_refused_naming_the_field(server, app, tokens):
    y = this_year(app)
    for path, field in BAD:
        path = path.format(y=y, y1=y - 1, y2=y + 2, y10=y - 10)
        status, headers, problem = call(server, "GET", f"{BASE}/{path}", tokens["chen.sup"])
        assert status == 422, (path, problem)
        assert headers["Content-Type"].startswith("application/problem+json")
        assert field in problem["errors"], (path, problem)
    status, headers, problem = call(server, "GET", f"{BASE}/figures/no_such_figure",
                                    tokens["chen.sup"])
    assert status == 404 and "no_such_figure" in problem["detail"]
    assert headers["Content-Type"].startswith("application/problem+json")


def test_officers_are_forbidden_and_strangers_unauthenticated(server, app, tokens):
    paths = ["figures", "figures/volume", "figures/no_such_figure", "dashboard",
             "cases?figure=opened", "settings/group-threshold"]
    for path in paths:
        status, _h, problem = call(server, "GET", f"{BASE}/{path}", tokens["li.officer"])
        assert status == 403, (path, problem)
        status, headers, problem = call(server, "GET", f"{BASE}/{path}")
        assert status == 401 and "Bearer" in headers["WWW-Authenticate"], (path, problem)


def test_a_supervisor_naming_another_agency_is_told_it_is_unknown(server, app, cases,
                                                                   tokens):
    mine = call(server, "GET", f"{BASE}/figures/volume?agency=nb-amr", tokens["xu.customs"])
    none = call(server, "GET", f"{BASE}/figures/volume?agency=nb-nowhere",
                tokens["xu.customs"])
    assert mine[0] == none[0] == 422
    assert "agency" in mine[2]["errors"] and "agency" in none[2]["errors"]
    drill = call(server, "GET", f"{BASE}/cases?figure=opened&agency=nb-amr",
                 tokens["xu.customs"])
    assert drill[0] == 422 and "agency" in drill[2]["errors"]
    # their own agency by name, and the admin any agency
    assert call(server, "GET", f"{BASE}/figures/volume?agency=nb-customs",
                tokens["xu.customs"])[0] == 200
    status, _h, body = call(server, "GET", f"{BASE}/cases?figure=opened&agency=nb-amr",
                            tokens["zhao.admin"])
    assert status == 200 and body["total"] == 3


def threshold_state(app):
    with app.engine.connect() as conn:
        return (conn.execute(text("SELECT name, value, reason FROM report_settings "
                                  "WHERE name = 'group_threshold'")).all(),
                conn.execute(text("SELECT count(*) FROM system_events")).scalar_one())


def test_the_threshold_is_set_by_an_admin_with_a_reason(server, app, cases, tokens):
    path = f"{BASE}/settings/group-threshold"
    status, _h, body = call(server, "GET", path, tokens["chen.sup"])
    assert status == 200 and body == {"value": 5, "default": 5, "min": 2, "max": 1000}
    _s, _h, groups = call(server, "GET", f"{BASE}/figures/groups", tokens["chen.sup"])
    assert groups["figure"]["rows"] == [] and groups["figure"]["goal"]["value"] == 5
    before = threshold_state(app)
    for who, body, expected, field in [
            ("zhao.admin", {"value": 3}, 422, "reason"),
            ("zhao.admin", {"value": 3, "reason": ""}, 422, "reason"),
            ("zhao.admin", {"value": 0, "reason": "试行"}, 422, "value"),
            ("zhao.admin", {"value": 1001, "reason": "试行"}, 422, "value"),
            ("zhao.admin", {"value": "x", "reason": "试行"}, 422, "value"),
            ("zhao.admin", {"value": "3", "reason": "试行"}, 422, "value"),
            ("zhao.admin", {"value": 3.5, "reason": "试行"}, 422, "value"),
            ("zhao.admin", {"value": 3, "reason": "试行", "extra": 1}, 422, "extra"),
            ("chen.sup", {"value": 3, "reason": "试行"}, 403, None),
            ("li.officer", {"value": 3, "reason": "试行"}, 403, None),
            (None, {"value": 3, "reason": "试行"}, 401, None)]:
        status, _h, problem = call(server, "PUT", path, tokens.get(who), body)
        assert status == expected, (who, body, problem)
        if field:
            assert field in problem["errors"], (body, problem)
    assert threshold_state(app) == before

    status, _h, body = call(server, "PUT", path, tokens["zhao.admin"],
                            {"value": 3, "reason": "同一权利人对三家以上企业主张权利即预警"})
    assert status == 200 and body["value"] == 3
    assert call(server, "GET", path, tokens["chen.sup"])[2]["value"] == 3
    rows, events = threshold_state(app)
    assert rows == [("group_threshold", 3, "同一权利人对三家以上企业主张权利即预警")]
    assert events == before[1] + 1
    # the groups figure now lists the right and the holder, each against three firms
    status, _h, groups = call(server, "GET", f"{BASE}/figures/groups", tokens["chen.sup"])
    assert status == 200 and groups["figure"]["goal"]["value"] == 3
    found = {(r["by"], r["respondents"], r["cases"]) for r in groups["figure"]["rows"]}
    assert found == {("知识产权", 3, 3), ("权利人", 3, 3)}
    holder = next(d for r, d in zip(groups["figure"]["rows"], groups["figure"]["drill"],
                                    strict=True) if r["by"] == "权利人")
    status, _h, page = call(server, "GET", f"{BASE}/cases?figure=group&subject="
                            f"{holder['subject'].replace(' ', '%20')}", tokens["chen.sup"])
    assert status == 200 and page["total"] == 3
