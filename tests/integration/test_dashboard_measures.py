"""Every dashboard measure against a small data set built through the services at fixed
Beijing times, with the answer worked out by hand beside it (issue 12, item 7).

Each section builds only what its measures need (opened, stepped, paused, assigned, handed off
and closed by the real services, never by writing facts or tallies); the ``app`` fixture then
checks the kept facts and tallies against the tables after every test. For every figure with
drill-down parameters, the cases a row drills to are exactly the cases it counts.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from caseflow import services
from caseflow.adapters.orm import Case
from caseflow.adapters.registry import REGISTRY
from caseflow.domain.errors import ValidationFailed
from caseflow.services import clocks, handoffs
from caseflow.services.directory import create_user
from caseflow.services.report_settings import set_group_threshold
from caseflow.services.sweep import sweep
from caseflow.views import dashboard
from caseflow.views.dashboard import FIGURES, ReportFilters, drill_cases
from tests.conftest import utc

DAY = 86400
HOUR = 3600
SUP, ADMIN, YZ = "chen.sup", "zhao.admin", "sun.yz"


# --- driving the services ----------------------------------------------------------------------

def _value(spec: Any, when: str) -> Any:
    if spec.type == "enum":
        return spec.values[0]
    if spec.type == "boolean":
        return False
    if spec.type == "date":
        return when[:10]
    if spec.type == "datetime":
        return f"{when}:00+08:00"
    if spec.type == "list":
        return ["吴芳"]
    if spec.type in ("integer", "number"):
        return spec.min if spec.min is not None else 1
    return f"{spec.title_zh or spec.name}（测试）"


def step(app, at, when: str, case_id: int, trigger: str, actor: str, reason: str | None = None,
         **given: Any):
    """Fire ``trigger`` at Beijing time ``when``, every required field filled (``given``
    first), a reason where the step needs one."""
    with app.session_factory() as s:
        case = s.get(Case, case_id)
        definition = REGISTRY.definition(s, case.workflow_key, case.workflow_version)
        t = definition.transition(trigger, case.status)
    assert t is not None, (trigger, case.status)
    payload = {f.name: _value(f, when) for f in t.fields if f.required and f.name not in given}
    payload.update(given)
    if t.reason_required and reason is None:
        reason = f"{t.title_zh}：经审查，依法办理"
    return services.fire(at(when)(), case_id, trigger, actor=actor, payload=payload,
                         reason=reason)


def open_at(at, when: str, case_type: str, *, actor: str = "li.officer",
            assignee: str | None = "li.officer", title: str = "余姚市某五金厂涉嫌侵权",
            parties: list[dict] | None = None, **kw: Any):
    return services.open_case(
        at(when)(), actor=actor, case_type=case_type, title=title, assignee=assignee,
        received_on=date.fromisoformat(when[:10]),
        parties=parties if parties is not None else [
            {"role": "alleged_infringer", "name": "余姚市某五金厂"}], **kw)


def rows(figure) -> list[dict]:
    return figure.to_dict()["rows"]


def fig(app, key: str, actor: str, from_year: int, to_year: int, **kw: Any):
    return FIGURES[key](app.uow(), actor, ReportFilters(from_year, to_year, **kw))


def drilled(app, actor: str, filters: ReportFilters, params: dict) -> set[int]:
    page = drill_cases(app.uow(), actor, filters, params, per_page=dashboard.MAX_PER_PAGE)
    ids = {r.case_id for r in page.rows}
    assert page.total == len(ids), (params, page.total, ids)
    return ids


def assert_drills(app, actor: str, filters: ReportFilters, key: str, count: str,
                  expected: list[set[int]] | None = None) -> None:
    """Each row of figure ``key`` drills to as many cases as its ``count`` column says (and,
    given ``expected``, to exactly those cases)."""
    figure = FIGURES[key](app.uow(), actor, filters)
    table = rows(figure)
    assert len(figure.drill) == len(table)
    for i, (row, params) in enumerate(zip(table, figure.drill, strict=True)):
        ids = drilled(app, actor, filters, params)
        number = sum(row[c] for c in count.split("+"))
        assert len(ids) == number, (key, row, params, ids)
        if expected is not None:
            assert ids == expected[i], (key, row, ids)
        for part in figure.parts:  # each count of the row lists its own cases
            assert len(drilled(app, actor, filters, {**params, "part": part})) == row[part], (
                key, row, part)


# --- the timed scenario: closure, clocks, handling ---------------------------------------------
# workflow ``timed`` (tests/data): handover = 24 hours from start_check to decide; filing =
# 15 working days from receipt to decided, paused in appraisal and for testing by hand.

def timed(at, when: str, actor: str = "li.officer", assignee: str | None = "li.officer") -> int:
    case = open_at(at, when, "timed", actor=actor, assignee=assignee)
    services.fire(at(when)(), case.id, "start_check", actor=actor)
    return case.id


@pytest.fixture
def timed_cases(app, at, people) -> dict[str, int]:
    """All received and checked the day they were opened (09:00 Beijing):

    nb-amr 2025 (Mon 3 Mar):
      A li     decided 3 Mar 12:00 (chen.sup)   handover met; 12 h → 0.5 day
      B li     decided Fri 7 Mar 00:00          handover late; 4 days
      C zhang  filing paused for testing 4 Mar 00:00 → resumed 7 Mar 00:00, appraisal
               5 Mar 00:00 → 8 Mar 00:00 (the two overlap: days 4–8 out once), decided
               10 Mar 00:00                      handover late; 7 − 4 = 3 days
      F li     never decided; the sweep on 5 Mar 12:00 finds its handover run out (4 Mar 09:00)
    nb-amr 2024 (Mon 6 May):
      D li     decided 6 May 12:00               handover met; 0.5 day
      E li     decided 11 May 12:00              handover late; 5.5 days
    nb-amr-yinzhou 2025:
      G sun.yz decided 3 Mar 15:00 (sun.yz)     handover met; 15 h → 0.625 day
    """
    ids: dict[str, int] = {}
    ids["D"] = timed(at, "2024-05-06T09:00")
    ids["E"] = timed(at, "2024-05-06T09:00")
    step(app, at, "2024-05-06T12:00", ids["D"], "decide", SUP)
    step(app, at, "2024-05-11T12:00", ids["E"], "decide", SUP)
    for name in "ABCF":
        ids[name] = timed(at, "2025-03-03T09:00",
                          assignee="zhang.officer" if name == "C" else "li.officer")
    ids["G"] = timed(at, "2025-03-03T09:00", actor=YZ, assignee=YZ)
    step(app, at, "2025-03-03T12:00", ids["A"], "decide", SUP)
    step(app, at, "2025-03-03T15:00", ids["G"], "decide", YZ)
    clocks.pause_clock(at("2025-03-04T00:00")(), ids["C"], "filing", actor="zhang.officer",
                       reason="testing")
    step(app, at, "2025-03-05T00:00", ids["C"], "send_for_appraisal", "zhang.officer")
    sweep(at("2025-03-05T12:00"), now=utc("2025-03-05T12:00"))
    clocks.resume_clock(at("2025-03-07T00:00")(), ids["C"], "filing", actor="zhang.officer")
    step(app, at, "2025-03-07T00:00", ids["B"], "decide", SUP)
    step(app, at, "2025-03-08T00:00", ids["C"], "appraisal_done", "zhang.officer")
    step(app, at, "2025-03-10T00:00", ids["C"], "decide", SUP)
    return ids


def closure(table: list[dict], label: str = "year") -> dict[Any, tuple]:
    return {r[label]: (r["closed"], r["on_time"], r["overdue_open"], r["rate"]) for r in table}


def test_closure_within_the_legal_period_by_year(app, timed_cases):
    ids = timed_cases
    got = closure(rows(fig(app, "closure_year", SUP, 2024, 2025, case_type="timed")))
    assert got == {
        # 2024: D on time, E late → 1 / (2 closed + 0 open past) = 0.5
        2024: (2, 1, 0, 0.5),
        # 2025: A on time; B, C late; F open past its handover → 1 / (3 + 1) = 0.25
        2025: (3, 1, 1, 0.25),
    }
    filters = ReportFilters(2024, 2025, case_type="timed")
    assert_drills(app, SUP, filters, "closure_year", "closed+overdue_open",
                  [{ids["D"], ids["E"]}, {ids["A"], ids["B"], ids["C"], ids["F"]}])
    # the admin city-wide adds Yinzhou's G (on time): 2025 → (1 + 1) / (4 + 1) = 0.4
    city = closure(rows(fig(app, "closure_year", ADMIN, 2025, 2025, case_type="timed")))
    assert city == {2025: (4, 2, 1, 0.4)}


def test_closure_by_agency_and_by_officer(app, timed_cases):
    ids = timed_cases
    by_agency = closure(rows(fig(app, "closure_agency", ADMIN, 2025, 2025, case_type="timed")),
                        "agency")
    assert by_agency == {
        "宁波市市场监督管理局（知识产权局）": (3, 1, 1, 0.25),  # A, B, C closed (A on time), F open past: 1/4
        "宁波市鄞州区市场监督管理局": (1, 1, 0, 1.0),  # G on time: 1/1
    }
    assert_drills(app, ADMIN, ReportFilters(2025, 2025, case_type="timed"), "closure_agency",
                  "closed+overdue_open")
    by_officer = closure(rows(fig(app, "closure_officer", SUP, 2025, 2025,
                                  case_type="timed")), "officer")
    assert by_officer == {
        "李明": (2, 1, 1, 0.3333),  # A on time, B late, F open past → 1 / (2 + 1)
        "张伟": (1, 0, 0, 0.0),     # C late → 0 / 1
    }
    filters = ReportFilters(2025, 2025, case_type="timed")
    assert_drills(app, SUP, filters, "closure_officer", "closed+overdue_open")
    # an officer filter keeps that officer's cases only
    only = closure(rows(fig(app, "closure_year", SUP, 2025, 2025, case_type="timed",
                            officer="zhang.officer")))
    assert only == {2025: (1, 0, 0, 0.0)}
    assert drilled(app, SUP, ReportFilters(2025, 2025, case_type="timed",
                                            officer="zhang.officer"),
                   {"figure": "closure", "year": 2025}) == {ids["C"]}


def test_reassigning_and_closing_a_case_moves_its_counts(app, at, timed_cases):
    ids = timed_cases
    services.assign(at("2025-03-12T09:00")(), ids["F"], "zhang.officer", actor=SUP)
    by_officer = closure(rows(fig(app, "closure_officer", SUP, 2025, 2025,
                                  case_type="timed")), "officer")
    assert by_officer == {
        "李明": (2, 1, 0, 0.5),     # A on time, B late → 1 / 2
        "张伟": (1, 0, 1, 0.0),     # C late, F open past → 0 / (1 + 1)
    }
    filters = ReportFilters(2025, 2026, case_type="timed")
    assert_drills(app, SUP, filters, "closure_officer", "closed+overdue_open")
    # F decided in 2026: it leaves 2025's open-past column and is closed (late) in 2026
    step(app, at, "2026-01-05T10:00", ids["F"], "decide", SUP)
    got = closure(rows(fig(app, "closure_year", SUP, 2025, 2026, case_type="timed")))
    assert got == {2025: (3, 1, 0, 0.3333),  # 1 / 3
                   2026: (1, 0, 0, 0.0)}     # F late: 0 / 1
    assert_drills(app, SUP, filters, "closure_year", "closed+overdue_open",
                  [{ids["A"], ids["B"], ids["C"]}, {ids["F"]}])
    # its handling time is 2026's: 3 Mar 2025 00:00 → 5 Jan 2026 10:00, nothing paused
    # = 308 days 10 hours (28 + 30 + 31 + 30 + 31 + 31 + 30 + 31 + 30 + 31 + 5 days)
    handling = {r["year"]: r for r in rows(fig(app, "handling", SUP, 2026, 2026,
                                               case_type="timed"))}
    assert handling[2026]["closed"] == 1 and handling[2026]["median_days"] == 308
    assert handling[2026]["mean_days"] == round((308 * DAY + 10 * HOUR) / DAY, 1)  # 308.4


def test_closure_counts_enforcement_cases_unless_a_type_is_chosen(app, at, timed_cases):
    # an on-the-spot warning (admin_summary, an enforcement type), filed the next day
    case = open_at(at, "2025-04-01T09:00", "admin_summary").id
    step(app, at, "2025-04-01T10:00", case, "decide_on_the_spot", "li.officer", warning=True)
    step(app, at, "2025-04-02T10:00", case, "file_record", "li.officer")
    step(app, at, "2025-04-02T11:00", case, "close_warning_only", "li.officer")
    # without a type: only the enforcement case, the timed ones left out → 1 / 1
    assert closure(rows(fig(app, "closure_year", SUP, 2025, 2025))) == {2025: (1, 1, 0, 1.0)}
    by_type = closure(rows(fig(app, "closure_case_type", SUP, 2025, 2025)), "case_type")
    assert by_type == {"行政处罚（简易程序）": (1, 1, 0, 1.0)}
    assert_drills(app, SUP, ReportFilters(2025, 2025), "closure_year", "closed+overdue_open",
                  [{case}])
    assert_drills(app, SUP, ReportFilters(2025, 2025), "closure_case_type",
                  "closed+overdue_open", [{case}])
    # the definition says so
    assert "enforcement" in FIGURES["closure_year"](
        app.uow(), SUP, ReportFilters(2025, 2025)).definition_en


def test_on_time_per_clock(app, timed_cases):
    table = {r["clock"]: (r["kind"], r["ended"], r["met"], r["late"], r["rate"])
             for r in rows(fig(app, "clocks", SUP, 2025, 2025, case_type="timed"))}
    assert table == {
        # handover: A stopped in time; B, C stopped late; F ran out → 1 / 4
        "移交期限": ("法定期限", 4, 1, 3, 0.25),
        # filing: A, B, C stopped well inside 15 working days; F still running → 3 / 3
        "立案期限": ("法定期限", 3, 3, 0, 1.0),
    }
    assert_drills(app, SUP, ReportFilters(2025, 2025, case_type="timed"), "clocks", "ended")
    # the admin adds G (handover met, filing met): 2 / 5 and 4 / 4
    city = {r["clock"]: (r["ended"], r["met"])
            for r in rows(fig(app, "clocks", ADMIN, 2025, 2025, case_type="timed"))}
    assert city == {"移交期限": (5, 2), "立案期限": (4, 4)}


def test_mean_and_median_handling_time_less_pauses_and_the_change(app, timed_cases):
    table = {r["year"]: (r["closed"], r["mean_days"], r["median_days"], r["change"])
             for r in rows(fig(app, "handling", SUP, 2024, 2025, case_type="timed"))}
    assert table == {
        # 2024: D 0.5, E 5.5 → mean 3.0; whole days 0 and 5 → median 2.5; no 2023 to compare
        2024: (2, 3.0, 2.5, None),
        # 2025: A 0.5, B 4, C 7 − 4 paused (testing 4–7 and appraisal 5–8 overlap: 4–8 once)
        # = 3 → mean 7.5 / 3 = 2.5; whole days 0, 3, 4 → median 3; change 2.5 / 3 − 1
        2025: (3, 2.5, 3, round(2.5 / 3 - 1, 4)),
    }
    assert_drills(app, SUP, ReportFilters(2024, 2025, case_type="timed"), "handling", "closed")
    # city-wide 2025 adds G (15 h = 0.625): mean (7.5 + 0.625) / 4 = 2.03125 → 2.0; days
    # 0, 0, 3, 4 → median 1.5; the change from the exact means: 2.03125 / 3 − 1 = −0.3229
    city = {r["year"]: (r["mean_days"], r["median_days"], r["change"])
            for r in rows(fig(app, "handling", ADMIN, 2025, 2025, case_type="timed"))}
    assert city == {2025: (2.0, 1.5, round(2.03125 / 3 - 1, 4))}


# --- volume, growth, industry and origin -------------------------------------------------------

def holder(name: str, origin: str) -> dict:
    return {"role": "rights_holder", "name": name, "kind": "enterprise", "origin": origin}


INFRINGER = {"role": "alleged_infringer", "name": "宁波江北某商行", "kind": "enterprise"}


@pytest.fixture
def received(app, at, people) -> dict[str, int]:
    """Inspections received (never worked on):

    nb-amr 2024: V5 auto_parts, holder local; V6 no industry, holder overseas
    nb-amr 2025: V1 clothing, overseas; V2 clothing, other city; V3 food, no holder
    Yinzhou 2025: V4 stationery, local
    """
    def one(when, industry, origin, actor="li.officer"):
        parties = [INFRINGER] + ([holder(f"权利人（{origin}）", origin)] if origin else [])
        return open_at(at, when, "inspection", actor=actor, assignee=actor, parties=parties,
                       industry=industry).id
    return {"V5": one("2024-04-01T09:00", "auto_parts", "local"),
            "V6": one("2024-04-02T09:00", None, "overseas"),
            "V1": one("2025-04-01T09:00", "clothing", "overseas"),
            "V2": one("2025-04-02T09:00", "clothing", "other_city"),
            "V3": one("2025-04-03T09:00", "food", None),
            "V4": one("2025-04-03T09:00", "stationery", "local", actor=YZ)}


def test_volume_per_agency_and_growth(app, received):
    v = received
    table = [(r["agency"], r["year"], r["cases"], r["growth"])
             for r in rows(fig(app, "volume", ADMIN, 2024, 2025))]
    assert table == [
        ("宁波市市场监督管理局（知识产权局）", 2024, 2, None),  # none in 2023 to grow from
        ("宁波市市场监督管理局（知识产权局）", 2025, 3, 0.5),   # 3 / 2 − 1
        ("宁波市鄞州区市场监督管理局", 2024, 0, None),
        ("宁波市鄞州区市场监督管理局", 2025, 1, None),         # 1 / 0: no growth to speak of
    ]
    assert_drills(app, ADMIN, ReportFilters(2024, 2025), "volume", "cases",
                  [{v["V5"], v["V6"]}, {v["V1"], v["V2"], v["V3"]}, set(), {v["V4"]}])
    # the supervisor: their own agency only; the previous year still gives the growth
    mine = [(r["year"], r["cases"], r["growth"]) for r in rows(fig(app, "volume", SUP, 2025, 2025))]
    assert mine == [(2025, 3, 0.5)]


def test_shares_by_industry_and_by_origin(app, received):
    industry = {r["label"]: (r["cases"], r["share"])
                for r in rows(fig(app, "industry", ADMIN, 2025, 2025))}
    # 2025 city-wide: 4 cases — clothing 2 (2/4), food 1 (1/4), stationery 1 (1/4)
    assert {k: v for k, v in industry.items() if v[0]} == {
        "服装": (2, 0.5), "食品": (1, 0.25), "文具": (1, 0.25)}
    assert all(share == 0.0 for label, (n, share) in industry.items()
               if not n and label != "未记录")
    assert industry["未记录"] == (0, None)  # shown, never a share: not in the denominator
    assert "未记录" in industry and len(industry) == 10  # every industry listed, and none
    assert_drills(app, ADMIN, ReportFilters(2025, 2025), "industry", "cases")
    # 2024–2025 for nb-amr: 5 cases — clothing 2, food 1, auto parts 1, not recorded 1; the
    # shares of the 4 that record an industry: 2/4, 1/4, 1/4
    mine = {r["label"]: (r["cases"], r["share"])
            for r in rows(fig(app, "industry", SUP, 2024, 2025)) if r["cases"]}
    assert mine == {"服装": (2, 0.5), "食品": (1, 0.25), "汽车配件": (1, 0.25), "未记录": (1, None)}
    assert_drills(app, SUP, ReportFilters(2024, 2025), "industry", "cases")
    origin = {r["label"]: (r["cases"], r["share"])
              for r in rows(fig(app, "origin", SUP, 2025, 2025))}
    # nb-amr 2025: overseas V1, other city V2, no rights holder V3 → half each of the two
    # with a rights holder; V3 shown, not shared
    assert origin == {"宁波本地": (0, 0.0), "外地": (1, 0.5), "境外": (1, 0.5),
                      "未记录": (1, None)}
    assert_drills(app, SUP, ReportFilters(2025, 2025), "origin", "cases")
    city = {r["label"]: r["cases"] for r in rows(fig(app, "origin", ADMIN, 2024, 2025))}
    # V5 and V4 local, V6 and V1 overseas, V2 other city, V3 none: 2 + 1 + 2 + 1 = 6
    assert city == {"宁波本地": 2, "外地": 1, "境外": 2, "未记录": 1}
    # the five cluster industries: V5 auto parts, V1 and V2 clothing, V3 food, V4 stationery
    # — all 5 of the cases recording an industry (V6 records none)
    assert dashboard.cluster_share(app.uow(), ADMIN, ReportFilters(2024, 2025)) == 1.0


# --- court referrals ---------------------------------------------------------------------------

MEDIATION_PARTIES = [{"role": "applicant", "name": "宁波晨曦文具股份有限公司"},
                     {"role": "respondent", "name": "宁海县佳美文具厂"}]


def mediation(at, when, assignee: str | None = "wu.mediator") -> int:
    return open_at(at, when, "mediation", actor="wu.mediator", assignee=assignee,
                   title="晨曦文具与佳美文具外观设计专利侵权纠纷调解", parties=MEDIATION_PARTIES).id


def test_court_referrals_per_year_and_cumulative(app, at, people):
    ids = {}
    for name, when in (("R23", "2023-05-04T09:00"), ("R24", "2024-05-06T09:00"),
                       ("R25", "2025-05-06T09:00")):
        ids[name] = mediation(at, when)
        step(app, at, when, ids[name], "accept_court_referral", "wu.mediator",
             mediation_type="court_referred_prefiling")
    # a court's entrusted dispute registered (its court number recorded), not yet accepted
    ids["E25"] = mediation(at, "2025-06-02T09:00", assignee=None)
    step(app, at, "2025-06-02T09:30", ids["E25"], "register_court_referral", "wu.mediator",
         court="宁波知识产权法庭", court_reference_no="（2025）浙02知民初88号",
         received_at="2025-06-02T09:00:00+08:00")
    # a people's mediation and an application not yet accepted: no referral
    ids["P25"] = mediation(at, "2025-06-03T09:00")
    step(app, at, "2025-06-03T10:00", ids["P25"], "accept_application", "wu.mediator",
         mediation_type="peoples")
    mediation(at, "2025-06-04T09:00")
    table = [(r["year"], r["referrals"], r["cumulative"])
             for r in rows(fig(app, "referrals", ADMIN, 2024, 2025))]
    # 2024: R24 (cumulative with 2023's R23: 2); 2025: R25 and E25 (2 + 2 = 4)
    assert table == [(2024, 1, 2), (2025, 2, 4)]
    assert_drills(app, ADMIN, ReportFilters(2024, 2025), "referrals", "referrals",
                  [{ids["R24"]}, {ids["R25"], ids["E25"]}])
    # wu.mediator's own (E25 is unassigned): 2023 1, 2024 1 → 2; 2025 R25 → 3
    theirs = [(r["year"], r["referrals"], r["cumulative"])
              for r in rows(fig(app, "referrals", ADMIN, 2024, 2025, officer="wu.mediator"))]
    assert theirs == [(2024, 1, 2), (2025, 1, 3)]
    assert_drills(app, ADMIN, ReportFilters(2024, 2025, officer="wu.mediator"), "referrals",
                  "referrals", [{ids["R24"]}, {ids["R25"]}])


# --- firms assisted ----------------------------------------------------------------------------

@pytest.fixture
def ippc(app, people) -> None:
    create_user(app.uow(), "qian.ippc", "钱芳", "nb-ippc", ["officer"])
    create_user(app.uow(), "ma.ippc", "马骏", "nb-ippc", ["officer"])
    create_user(app.uow(), "lin.ippc", "林静", "nb-ippc", ["supervisor"])


def assistance(app, at, when: str, firm: str, *, close_on: str | None = None,
               decline_on: str | None = None) -> int:
    case = open_at(at, when, "rights_assistance", actor="qian.ippc", assignee="qian.ippc",
                   title=f"{firm}出口知识产权维权援助",
                   parties=[{"role": "assisted_firm", "name": firm, "kind": "enterprise"}]).id
    if decline_on:
        step(app, at, decline_on, case, "decline_assistance", "lin.ippc")
        return case
    step(app, at, when, case, "start_assessment", "qian.ippc")
    step(app, at, when, case, "accept_assistance", "lin.ippc")
    if close_on:
        step(app, at, close_on, case, "adopt_assistance_plan", "lin.ippc")
        step(app, at, close_on, case, "close_with_outcome", "lin.ippc")
    return case


def test_firms_assisted_once_per_firm_a_year(app, at, ippc):
    x, y, z = "宁波甬城文具有限公司", "慈溪市恒通小家电厂", "余姚市精工汽配厂"
    ids = {"X0": assistance(app, at, "2024-06-03T09:00", x, close_on="2024-07-01T09:00"),
           "X1": assistance(app, at, "2025-02-03T09:00", x, close_on="2025-03-03T09:00"),
           "X2": assistance(app, at, "2025-04-01T09:00", x, close_on="2025-05-06T09:00"),
           "Y": assistance(app, at, "2025-04-01T09:00", y, decline_on="2025-04-02T09:00"),
           "Z": assistance(app, at, "2025-04-01T09:00", z, close_on="2025-06-02T09:00"),
           "W": assistance(app, at, "2025-04-01T09:00", "宁海县佳美文具厂")}  # still open
    table = [(r["year"], r["firms"]) for r in rows(fig(app, "firms", "lin.ippc", 2024, 2025))]
    # 2024: X; 2025: X (two cases, once), Z; Y declined and W open do not count → 2
    assert table == [(2024, 1), (2025, 2)]
    figure = fig(app, "firms", "lin.ippc", 2024, 2025)
    filters = ReportFilters(2024, 2025)
    # the cases behind a year: every case that helped a firm (X's two, once each firm)
    assert drilled(app, "lin.ippc", filters, figure.drill[0]) == {ids["X0"]}
    behind = drilled(app, "lin.ippc", filters, figure.drill[1])
    assert behind == {ids["X1"], ids["X2"], ids["Z"]}
    with app.session_factory() as s:
        firms = {p.name for cid in behind for p in s.get(Case, cid).parties}
    assert len(firms) == table[1][1]
    # X's second case given to another officer: X still once in 2025; per officer, each
    # officer's firms (X for both)
    services.assign(at("2025-06-03T09:00")(), ids["X2"], "ma.ippc", actor="lin.ippc")
    assert [r["firms"] for r in rows(fig(app, "firms", "lin.ippc", 2025, 2025))] == [2]
    per = {who: [r["firms"] for r in rows(fig(app, "firms", "lin.ippc", 2025, 2025,
                                              officer=who))]
           for who in ("qian.ippc", "ma.ippc")}
    assert per == {"qian.ippc": [2], "ma.ippc": [1]}  # X1, Z | X2
    assert drilled(app, "lin.ippc", ReportFilters(2025, 2025, officer="ma.ippc"),
                   {"figure": "firm", "year": 2025}) == {ids["X2"]}


# --- handoffs ----------------------------------------------------------------------------------

def transfer(app, at, when: str, n: int) -> int:
    case = open_at(at, when, "transfer_src", title="余姚市精工汽配厂涉嫌假冒注册商标罪",
                   parties=[holder("Nordhaus Automotive GmbH", "overseas"), INFRINGER]).id
    services.attach_evidence(at(when)(), case, actor="li.officer", filename="扣押清单.pdf",
                             content=b"%PDF seized", media_type="application/pdf")
    services.fire(at(when)(), case, "approve_transfer", actor=SUP, reason="涉案金额超过立案追诉标准")
    return case


def send_at(at, when: str, case_id: int, n: int):
    return handoffs.hand_off(at(when)(), case_id, "criminal_transfer", actor="li.officer",
                             to_agency="nb-psb", reason="涉嫌假冒注册商标罪",
                             idempotency_key=f"h5/{n}")


@pytest.fixture
def sent(app, at, people) -> dict[str, Any]:
    """Criminal transfers nb-amr → nb-psb (Beijing times):
    H1 sent 2 Jun 2025 09:00, accepted 11:00 (2 h); H2 sent 09:00, accepted 15:00 (6 h);
    H3 sent 09:00, refused 3 Jun; H4 sent 09:00, open; H5 sent 1 Jan 2025 05:00 (still
    31 Dec in UTC), open; H6 sent 31 Dec 2024 20:00, open."""
    out: dict[str, Any] = {}
    for n, when in enumerate(["2025-06-02T08:00"] * 4 + ["2025-01-01T04:00",
                                                           "2024-12-31T19:00"], start=1):
        out[f"C{n}"] = transfer(app, at, when, n)
        sent_when = when[:11] + f"{int(when[11:13]) + 1:02d}:00"
        out[f"H{n}"] = send_at(at, sent_when, out[f"C{n}"], n)
    a1 = handoffs.accept(at("2025-06-02T11:00")(), out["H1"].id, actor="he.police")
    a2 = handoffs.accept(at("2025-06-02T15:00")(), out["H2"].id, actor="he.police")
    handoffs.reject(at("2025-06-03T09:00")(), out["H3"].id, actor="he.police",
                    reason="证据不足，不符合立案追诉标准")
    out["L1"], out["L2"] = a1.linked_case_id, a2.linked_case_id
    return out


def test_handoffs_open_accepted_refused_and_hours_to_accept(app, sent):
    for who in (SUP, "he.police", ADMIN):
        table = [(r["kind"], r["sent"], r["open"], r["accepted"], r["refused"], r["hours"])
                 for r in rows(fig(app, "handoffs", who, 2025, 2025))]
        # H1–H5 (H5 on 1 Jan Beijing time); H4, H5 open; H1, H2 accepted; H3 refused;
        # hours to accept (2 + 6) / 2 = 4.0
        # the kind by its title in the sending workflow
        assert table == [("涉嫌犯罪案件移送", 5, 2, 2, 1, 4.0)], who
    assert [(r["year"] if "year" in r else None, r["sent"])
            for r in rows(fig(app, "handoffs", SUP, 2024, 2024))] == [(None, 1)]  # H6
    refusals = rows(fig(app, "handoff_refusals", SUP, 2025, 2025))
    assert [(r["outcome"], r["reason"], r["on"]) for r in refusals] == [
        ("拒收", "证据不足，不符合立案追诉标准", "2025-06-03")]
    # the cases behind the row: the five cases sent (the sender's and the city's view)
    five = {sent[f"C{n}"] for n in range(1, 6)}
    for who in (SUP, ADMIN):
        assert_drills(app, who, ReportFilters(2025, 2025), "handoffs", "sent", [five])
    # each count lists its own: open H4, H5; accepted H1, H2; refused H3
    for part, cases in (("open", {"C4", "C5"}), ("accepted", {"C1", "C2"}), ("refused", {"C3"}),
                        ("sent", {f"C{n}" for n in range(1, 6)})):
        assert drilled(app, SUP, ReportFilters(2025, 2025),
                       {"figure": "handoff", "kind": "criminal_transfer", "part": part}
                       ) == {sent[c] for c in cases}, part
    # the police see the cases they opened from the two they accepted
    assert drilled(app, "he.police", ReportFilters(2025, 2025),
                   {"figure": "handoff", "kind": "criminal_transfer"}) == {sent["L1"], sent["L2"]}
    # a case type or officer: of the sending case
    assert rows(fig(app, "handoffs", SUP, 2025, 2025, case_type="timed")) == []
    assert [r["sent"] for r in rows(fig(app, "handoffs", SUP, 2025, 2025,
                                        case_type="transfer_src", officer="li.officer"))] == [5]


# --- fast track --------------------------------------------------------------------------------

def fast_track(app, at, n: int, requested: str, passed: str, filed: str, granted: str) -> int:
    case = open_at(at, f"{requested}T09:00", "fast_track_preexam", actor="qian.ippc",
                   assignee="qian.ippc", title=f"一种空气炸锅的温控装置（{n}）预审",
                   parties=[{"role": "applicant", "name": "宁波方太厨具有限公司"}]).id
    step(app, at, f"{requested}T09:00", case, "confirm_record", "qian.ippc")
    step(app, at, f"{requested}T10:00", case, "submit_preexam_request", "qian.ippc",
         patent_kind="invention")
    step(app, at, f"{requested}T11:00", case, "start_preexamination", "qian.ippc")
    step(app, at, f"{passed}T10:00", case, "pass_preexamination", "qian.ippc")
    step(app, at, f"{filed}T10:00", case, "file_invention_fast", "qian.ippc", filing_date=filed)
    step(app, at, f"{granted}T10:00", case, "record_grant", "qian.ippc",
         grant_notice_on=granted)
    return case


def test_fast_track_stages_and_grant_time(app, at, ippc):
    # requested Mon 6 Jan 2025; pre-examination target 5 working days (→ 13 Jan)
    one = fast_track(app, at, 1, "2025-01-06", "2025-01-08", "2025-01-09", "2025-05-09")
    two = fast_track(app, at, 2, "2025-01-06", "2025-01-20", "2025-01-09", "2025-06-08")
    figure = fig(app, "fast_track", "lin.ippc", 2025, 2025)
    table = [(r["cases"], r["met"], r["rate"], r["mean_months"], r["median_months"])
             for r in rows(figure)]
    stages = [d.get("clock") for d in figure.drill]
    assert stages == ["invention_grant_target", "invention_grant_target_best",
                      "preexamination_target", None]
    assert table == [
        (2, 2, 1.0, None, None),  # within 6 months of filing: both (120 and 150 days)
        (2, 0, 0.0, None, None),  # within 3 months: neither
        (2, 1, 0.5, None, None),  # pre-examination: one passed on day 2, one on day 10
        # grant time: 9 Jan → 9 May = 22 + 28 + 31 + 30 + 9 = 120 days, → 8 Jun = 150 days;
        # mean 135 / 30.4375 = 4.4 months, median (120 + 150) / 2 = 135 → 4.4
        (2, None, None, round(135 / 30.4375, 1), round(135 / 30.4375, 1)),
    ]
    assert_drills(app, "lin.ippc", ReportFilters(2025, 2025), "fast_track", "cases",
                  [{one, two}] * 4)


# --- group infringement ------------------------------------------------------------------------

RIGHT = {"kind": "trademark", "number": "G7654321", "title": "海曙"}


def asserted(at, when: str, respondents: list[str], *, actor: str = "li.officer",
             holder_name: str = "宁波海曙服饰有限公司", right: dict | None = None) -> int:
    parties = [holder(holder_name, "local")] + [
        {"role": "alleged_infringer", "name": r, "kind": "enterprise"} for r in respondents]
    return open_at(at, when, "inspection", actor=actor, assignee=actor, parties=parties,
                   ip_rights=[right or RIGHT]).id


PATENT = {"kind": "utility_model", "number": "ZL202420123456.7", "title": "一种电热水壶的防干烧结构"}
OTHER_PATENT = {"kind": "design_patent", "number": "ZL202530765432.1", "title": "汽车脚垫"}


def test_the_share_of_patent_cases_in_groups(app, at, people):
    # nb-amr: the kettle patent against 甲, 乙, 丙 in three cases; the mat design against 丁
    # in one; the trademark against 甲, 乙, 丙 (flagged too, but not a patent)
    for n, firm in enumerate(["慈溪市甲电器厂", "慈溪市乙电器厂", "慈溪市丙电器厂"], start=1):
        asserted(at, f"2025-05-0{n}T09:00", [firm], right=PATENT, holder_name=f"权利人{n}")
        asserted(at, f"2025-05-0{n}T10:00", [firm], holder_name=f"商标权利人{n}")
    asserted(at, "2025-05-05T09:00", ["北仑区丁汽配店"], right=OTHER_PATENT, holder_name="权利人4")

    def share(who):
        return rows(fig(app, "group_share", who, 2025, 2025))[0]
    set_group_threshold(app.uow(), 3, actor=ADMIN, reason="试点：三家即预警")
    # flagged patents: the kettle (3 respondents); its 3 cases of the 4 patent cases: 3 / 4
    assert share(SUP) == {"groups": 1, "in_groups": 3, "patent_cases": 4, "share": 0.75}
    set_group_threshold(app.uow(), 4, actor=ADMIN, reason="四家")
    assert share(SUP) == {"groups": 0, "in_groups": 0, "patent_cases": 4, "share": 0.0}
    # another agency: no patent cases, no share
    assert share("xu.customs") == {"groups": 0, "in_groups": 0, "patent_cases": 0,
                                   "share": None}


def test_group_infringement_at_the_threshold(app, at, people):
    k1 = asserted(at, "2025-03-02T09:00", ["宁海县甲服装厂", "宁海县乙服装厂"])
    k2 = asserted(at, "2025-03-03T09:00", ["宁海县乙服装厂", "宁海县丙服装厂"])  # 乙 again
    k3 = asserted(at, "2025-03-04T09:00", ["鄞州区丁服装店"], actor=YZ, holder_name="另一权利人")

    def groups(who):
        return [(r["by"], r["respondents"], r["cases"])
                for r in rows(fig(app, "groups", who, 2025, 2025))]
    # nb-amr: the right and its holder against 甲, 乙, 丙 = 3 respondents, in 2 cases
    assert groups(SUP) == []  # the default threshold, 5
    set_group_threshold(app.uow(), 3, actor=ADMIN, reason="试点：三家即预警")
    assert groups(SUP) == [("权利人", 3, 2), ("知识产权", 3, 2)]  # flagged at 3 (n ≥ 3)
    # city-wide the right also names 丁 (Yinzhou): 4 respondents in 3 cases
    assert groups(ADMIN) == [("知识产权", 4, 3), ("权利人", 3, 2)]
    assert_drills(app, SUP, ReportFilters(2025, 2025), "groups", "cases", [{k1, k2}] * 2)
    assert_drills(app, ADMIN, ReportFilters(2025, 2025), "groups", "cases",
                  [{k1, k2, k3}, {k1, k2}])
    # the groups are over every year, type and officer: a filter changes neither the
    # figure nor the cases behind a row
    narrowed = ReportFilters(2024, 2024, case_type="timed", officer="zhang.officer")
    assert [(r["respondents"], r["cases"]) for r in rows(
        FIGURES["groups"](app.uow(), SUP, narrowed))] == [(3, 2), (3, 2)]
    assert_drills(app, SUP, narrowed, "groups", "cases", [{k1, k2}] * 2)
    set_group_threshold(app.uow(), 4, actor=ADMIN, reason="恢复为四家")
    assert groups(SUP) == []  # 3 respondents: not at 4
    assert groups(ADMIN) == [("知识产权", 4, 3)]
    # another agency's supervisor sees none of it
    assert groups("xu.customs") == []


# --- scope and filters -------------------------------------------------------------------------

def test_a_supervisor_sees_only_their_agency(app, timed_cases):
    assert rows(fig(app, "closure_year", "xu.customs", 2025, 2025, case_type="timed")) == []
    assert rows(fig(app, "clocks", "xu.customs", 2025, 2025)) == []
    assert drilled(app, "xu.customs", ReportFilters(2025, 2025),
                   {"figure": "closed", "year": 2025}) == set()
    with pytest.raises(ValidationFailed) as refused:
        fig(app, "closure_year", "xu.customs", 2025, 2025, agency="nb-amr")
    assert refused.value.field == "agency"
    # Yinzhou's own supervisor: G only
    assert closure(rows(fig(app, "closure_year", YZ, 2025, 2025, case_type="timed"))) == {
        2025: (1, 1, 0, 1.0)}


@pytest.mark.parametrize("filters, field", [
    (dict(from_year=1999, to_year=2025), "from_year"),      # before FIRST_YEAR
    (dict(from_year=2025, to_year=2099), "to_year"),        # a year not yet come
    (dict(from_year=2025, to_year=2024), "to_year"),        # from after to
    (dict(from_year=2015, to_year=2025), "to_year"),        # 11 years > MAX_YEARS
    (dict(from_year=2025, to_year=2025, agency="nb-nowhere"), "agency"),
    (dict(from_year=2025, to_year=2025, case_type="no_such_type"), "case_type"),
    (dict(from_year=2025, to_year=2025, officer="nobody"), "officer"),
    (dict(from_year=2025, to_year=2025, officer="gao.police"), "officer"),  # not nb-amr's
])
def test_impossible_filters_are_refused_naming_the_field(app, people, filters, field):
    for key in ("volume", "closure_officer", "groups"):
        with pytest.raises(ValidationFailed) as refused:
            FIGURES[key](app.uow(), SUP, ReportFilters(**filters))
        assert refused.value.field == field, (key, filters)
    with pytest.raises(ValidationFailed) as refused:
        drill_cases(app.uow(), SUP, ReportFilters(**filters), {"figure": "opened"})
    assert refused.value.field == field
    # ten years is the most, and is fine
    FIGURES["volume"](app.uow(), SUP, ReportFilters(2016, 2025))
