"""Workflows and the deadline calculator over real HTTP, on both databases: the versions
loaded, one version's states, transitions and field specs with zh/en titles, its diagram as
SVG with a case's state highlighted, and due dates counted as the clocks count them."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from urllib.parse import quote

from tests.e2e.http import call, issue
from tests.integration.test_engine import open_inspection

SVG = "{http://www.w3.org/2000/svg}"


def test_the_loaded_versions_with_their_open_cases(server, uow):
    token = issue(uow, "li.officer")
    open_inspection(uow)
    status, _h, rows = call(server, "GET", "/api/v1/workflows", token)
    assert status == 200
    versions = {(r["key"], r["version"]): r for r in rows}
    assert {("complaint", 1), ("complaint", 2), ("mediation", 1)} <= set(versions)
    assert versions[("inspection", 1)]["open_cases"] == 1
    assert versions[("mediation", 1)]["title_zh"] and versions[("mediation", 1)]["title_en"]
    status, _h, problem = call(server, "GET", "/api/v1/workflows?key=complaint", token)
    assert status == 422 and "key" in problem["errors"]
    assert call(server, "GET", "/api/v1/workflows", None)[0] == 401


def test_a_version_with_states_transitions_and_field_specs(server, uow):
    token = issue(uow, "wu.mediator")
    status, _h, shown = call(server, "GET", "/api/v1/workflows/complaint", token)
    assert status == 200 and (shown["key"], shown["version"]) == ("complaint", 2)
    status, _h, first = call(server, "GET", "/api/v1/workflows/complaint?version=1", token)
    assert status == 200 and first["version"] == 1 and first["current_state"] is None
    status, _h, med = call(server, "GET", "/api/v1/workflows/mediation", token)
    states = {s["name"]: s for s in med["states"]}
    assert states[med["initial"]]["title_zh"] and states[med["initial"]]["title_en"]
    assert any(s["final"] for s in med["states"])
    accept = next(t for t in med["transitions"] if t["trigger"] == "accept_application")
    kinds = next(f for f in accept["fields"] if f["name"] == "mediation_type")
    assert kinds["type"] == "enum" and "peoples" in kinds["values"]
    assert (kinds["title_zh"], kinds["title_en"]) == ("调解类型", "Kind of mediation")
    assert "mediator" in accept["roles"]
    confirmation = next(h for h in med["handoffs"] if h["kind"] == "judicial_confirmation")
    assert confirmation["fire"] == "request_judicial_confirmation"
    assert any(c["name"] == "confirmation_application" and c["period"] == "30 days"
               for c in med["clocks"])
    for path, code in [("/api/v1/workflows/complaint?version=99", 404),
                       ("/api/v1/workflows/no_such_flow", 404),
                       ("/api/v1/workflows/complaint?version=0", 422),
                       ("/api/v1/workflows/complaint?version=" + quote("最新"), 422),
                       ("/api/v1/workflows/complaint?format=yaml", 422),
                       ("/api/v1/workflows/complaint/diagram.svg?version=99", 404),
                       ("/api/v1/workflows/no_such_flow/diagram.svg", 404)]:
        status, headers, problem = call(server, "GET", path, token)
        assert status == code, (path, problem)
        assert headers["Content-Type"] == "application/problem+json"


def test_a_cases_state_is_marked_only_for_those_who_may_see_it(server, uow):
    officer = issue(uow, "li.officer")
    case = open_inspection(uow)
    fire = call(server, "POST", f"/api/v1/cases/{case.id}/fire/start_check", officer,
                {"reason": "举报线索"}, {"If-Match": f'"{case.version}"'})
    assert fire[0] == 200
    status, _h, shown = call(server, "GET", f"/api/v1/workflows/inspection?case_id={case.id}",
                             officer)
    assert status == 200 and shown["current_state"] == "checking"
    assert [s["name"] for s in shown["states"] if s["current"]] == ["checking"]

    status, headers, svg = call(server, "GET",
                                f"/api/v1/workflows/inspection/diagram.svg?case_id={case.id}",
                                officer)
    assert status == 200 and headers["Content-Type"].startswith("image/svg+xml")
    root = ET.fromstring(svg)  # well-formed: every text in it escaped
    nodes = {g.findtext(f"{SVG}title"): g for g in root.iter(f"{SVG}g")
             if g.get("class") == "node"}
    assert {"received", "checking", "closed"} <= set(nodes)
    filled = {name for name, g in nodes.items()
              if any(p.get("fill") not in (None, "none", "white") for p in g)}
    assert filled == {"checking"}
    texts = " ".join(t.text or "" for t in root.iter(f"{SVG}text"))
    assert "已登记" in texts and "Received" in texts

    # another agency's case is as unknown as a missing one; so is another workflow's
    customs = issue(uow, "zhou.customs")
    theirs = call(server, "GET", f"/api/v1/workflows/inspection?case_id={case.id}", customs)
    missing = call(server, "GET", "/api/v1/workflows/inspection?case_id=999999", customs)
    assert theirs[0] == missing[0] == 404
    assert theirs[2]["detail"].replace(str(case.id), "N") == \
        missing[2]["detail"].replace("999999", "N")
    assert call(server, "GET", f"/api/v1/workflows/inspection/diagram.svg?case_id={case.id}",
                customs)[0] == 404
    status, _h, problem = call(server, "GET", f"/api/v1/workflows/complaint?case_id={case.id}",
                               officer)
    assert status == 404 and "runs workflow inspection" in problem["detail"]


def test_the_deadline_calculator_counts_as_the_clocks_do(server, uow):
    token = issue(uow, "li.officer")
    status, _h, due = call(server, "GET", "/api/v1/deadline?from=2026-03-02T10:00"
                           "&period=3%20working_days", token)
    assert status == 200
    assert (due["due"], due["last_day"]) == ("2026-03-06T00:00:00+08:00", "2026-03-05")
    assert due["period"] == "3 working_days" and due["provisional"] is False
    assert due["calendar_version"] and "pause" in due["pause_convention"]
    # 国庆 2026: 1–7 October are rest days, so 5 working days from 30 September run to 14 Oct
    status, _h, due = call(server, "GET", "/api/v1/deadline?from=2026-09-30T09:00"
                           "&period=5%20working_days", token)
    assert status == 200 and due["last_day"] > "2026-10-08"
    status, _h, paused = call(server, "GET", "/api/v1/deadline?from=2026-03-02T10:00"
                              "&period=10%20days&pause=2026-03-04/2026-03-09"
                              "&pause=2026-03-20", token)
    assert status == 200 and paused["paused_days"] == 5  # the second falls after the due
    assert paused["pauses"] == ["2026-03-04/2026-03-09", "2026-03-20/2026-03-21"]
    for query, field in [("from=2026-13-02T10:00&period=3%20days", "from"),
                         (f"from={quote('昨天')}&period=3%20days", "from"),
                         ("from=2026-03-02T10:00&period=3%20fortnights", "period"),
                         ("from=2026-03-02T10:00&period=-3%20days", "period"),
                         ("from=2026-03-02T10:00&period=3%20days&pause=2026-03-04/x", "pause"),
                         ("from=1890-03-02T10:00&period=3%20days", "from"),
                         ("from=2026-03-02T10:00&period=900%20months", "period"),
                         ("from=2026-03-02T10:00", "period"),
                         ("period=3%20days", "from"),
                         ("from=2026-03-02T10:00&period=3%20days&calendar=x", "calendar")]:
        status, headers, problem = call(server, "GET", f"/api/v1/deadline?{query}", token)
        assert status == 422, (query, problem)
        assert headers["Content-Type"] == "application/problem+json"
        assert field in problem["errors"], (query, problem)
