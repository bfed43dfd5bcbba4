"""Clock reports for supervisors: clocks falling due, overdue work, handling time, on-time rate.

One realistic Ningbo scenario (see ``scenario``) is built through the services at fixed
Beijing times and read back at fixed ``now``; every figure below is worked out by hand from the
2026 calendar (25–27 Sep and 1–7 Oct rest, Sun 20 Sep and Sat 10 Oct work).
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import text

from caseflow import services
from caseflow.domain.errors import NotFound, PermissionDenied, ValidationFailed
from caseflow.services.directory import create_user
from caseflow.views.clocks import (
    CaseHandling,
    OverdueCount,
    TargetsMissed,
    _case_clock_views,
    case_clocks,
    due_within,
    due_within_query,
    handling_time,
    on_time_rate,
    overdue_summary,
)
from tests.conftest import utc

HOUR = 3600
DAY = 24 * HOUR


def open_as(at, when, *, actor="li.officer", assignee="li.officer", case_type="timed",
            title="慈溪市宏利家电有限公司涉嫌专利侵权", parties=None):
    return services.open_case(
        at(when)(), actor=actor, case_type=case_type, title=title, assignee=assignee,
        parties=parties or [{"role": "alleged_infringer", "name": "慈溪市宏利家电有限公司"}]).id


def fire(at, when, case_id, trigger, actor="li.officer", **kw):
    services.fire(at(when)(), case_id, trigger, actor=actor, **kw)


def build(at, app):
    """Cases of three agencies; every action has happened by Thu 24 Sep 15:00.

    nb-amr (timed unless noted; filing = 15 working days, handover = 24 hours):
      A  li     opened Fri 18 Sep 10:00, still received      filing due 16 Oct 00:00
      B  zhang  opened 18 Sep 10:00, checking from 11:00      handover due 19 Sep 11:00
                appraisal Mon 21 Sep 10:00 → Thu 24 Sep 15:00 filing due 21 Oct 00:00
      C  zhang  opened 18 Sep 10:00, checking 14:00, decided by chen.sup Sat 19 Sep 09:00
      G  li     opened 18 Sep 10:00, checking 11:00, decided Mon 21 Sep 09:00 (handover late)
      F  li     opened Mon 21 Sep 10:00                       filing due 20 Oct 00:00
      U  —      opened Wed 23 Sep 10:00, checking 11:00       handover due 24 Sep 11:00,
                                                              filing due 22 Oct 00:00
      E  li     admin_enforcement opened Thu 24 Sep 10:00     filing_decision due 23 Oct 00:00
    nb-amr-yinzhou:
      Y  sun.yz opened 18 Sep 10:00, checking 11:00           handover due 19 Sep 11:00,
                                                              filing due 16 Oct 00:00
    nb-ippc (service target, 5 working days):
      T  qian   pre-examination requested Fri 18 Sep 10:00    target due 25 Sep 00:00
    """
    ids = {}
    ids["A"] = open_as(at, "2026-09-18T10:00")
    ids["B"] = open_as(at, "2026-09-18T10:00", assignee="zhang.officer")
    fire(at, "2026-09-18T11:00", ids["B"], "start_check", "zhang.officer")
    ids["C"] = open_as(at, "2026-09-18T10:00", assignee="zhang.officer")
    fire(at, "2026-09-18T14:00", ids["C"], "start_check", "zhang.officer")
    ids["G"] = open_as(at, "2026-09-18T10:00")
    fire(at, "2026-09-18T11:00", ids["G"], "start_check")
    ids["Y"] = open_as(at, "2026-09-18T10:00", actor="sun.yz", assignee="sun.yz")
    fire(at, "2026-09-18T11:00", ids["Y"], "start_check", "sun.yz")
    create_user(app.uow(), "qian.ippc", "钱芳", "nb-ippc", ["officer"])
    ids["T"] = open_as(at, "2026-09-17T10:00", actor="qian.ippc", assignee="qian.ippc",
                       case_type="fast_track_preexam", title="一种空气炸锅的温控装置预审",
                       parties=[{"role": "applicant", "name": "宁波方太厨具有限公司"}])
    fire(at, "2026-09-17T11:00", ids["T"], "confirm_record", "qian.ippc", payload={
        "record_no": "NBBA-2026-0042", "industry_field": "智能家电", "recorded_on": "2026-09-17"})
    fire(at, "2026-09-18T10:00", ids["T"], "submit_preexam_request", "qian.ippc", payload={
        "patent_kind": "invention", "title_of_invention": "一种空气炸锅的温控装置",
        "requested_on": "2026-09-18"})
    fire(at, "2026-09-19T09:00", ids["C"], "decide", "chen.sup")
    fire(at, "2026-09-21T09:00", ids["G"], "decide", "chen.sup")
    ids["F"] = open_as(at, "2026-09-21T10:00")
    fire(at, "2026-09-21T10:00", ids["B"], "send_for_appraisal", "zhang.officer")
    ids["U"] = open_as(at, "2026-09-23T10:00", assignee=None)
    fire(at, "2026-09-23T11:00", ids["U"], "start_check")
    ids["E"] = open_as(at, "2026-09-24T10:00", case_type="admin_enforcement",
                       title="宁波某贸易公司销售假冒注册商标商品线索")
    fire(at, "2026-09-24T15:00", ids["B"], "appraisal_done", "zhang.officer")
    return ids


@pytest.fixture
def scenario(at, people, app):
    return build(at, app)


@pytest.fixture
def session(app):
    with app.session_factory() as s:
        yield s


def listed(rows):
    return [(r.case_id, r.clock, r.due) for r in rows]


SUP = "chen.sup"         # supervisor of nb-amr
YZ = "sun.yz"            # officer and supervisor of nb-amr-yinzhou
ADMIN = "zhao.admin"     # admin: any agency, or all of them


# --- due within N days ------------------------------------------------------------------------

def test_due_within_lists_running_clocks_in_due_order(scenario, uow):
    ids = scenario
    now = utc("2026-10-09T12:00")
    rows = due_within(uow(), SUP, "nb-amr", 7, now)
    assert listed(rows) == [(ids["A"], "filing", "2026-10-16T00:00:00+08:00")]
    first = rows[0]
    assert first.case_number.startswith("TIME-2026-")
    assert first.case_type == "timed" and first.assignee == "li.officer"
    assert first.period == "15 working_days" and first.last_day == "2026-10-15"
    assert first.remaining_seconds == 6 * DAY + 12 * HOUR
    assert first.provisional is False and first.target is False
    assert first.case_title == "慈溪市宏利家电有限公司涉嫌专利侵权"
    assert first.to_dict() == {
        "case_id": ids["A"], "case_number": first.case_number, "case_title": first.case_title,
        "case_type": "timed", "assignee": "li.officer", "clock_id": first.clock_id,
        "clock": "filing", "period": "15 working_days", "due": "2026-10-16T00:00:00+08:00",
        "last_day": "2026-10-15", "remaining_seconds": 6 * DAY + 12 * HOUR,
        "provisional": False, "target": False}
    # 13 days (to 22 Oct noon): F, the resumed B (its appraisal days added back), then U
    assert listed(due_within(uow(), SUP, "nb-amr", 13, now)) == [
        (ids["A"], "filing", "2026-10-16T00:00:00+08:00"),
        (ids["F"], "filing", "2026-10-20T00:00:00+08:00"),
        (ids["B"], "filing", "2026-10-21T00:00:00+08:00"),
        (ids["U"], "filing", "2026-10-22T00:00:00+08:00"),
    ]
    assert [r.assignee for r in due_within(uow(), SUP, "nb-amr", 13, now)] == [
        "li.officer", "li.officer", "zhang.officer", None]
    # 14 days reach 23 Oct noon: the admin-enforcement case's filing decision comes last
    assert listed(due_within(uow(), SUP, "nb-amr", 14, now))[4:] == [(
        ids["E"], "filing_decision", "2026-10-23T00:00:00+08:00")]
    # other agencies see only their own cases
    assert listed(due_within(uow(), YZ, "nb-amr-yinzhou", 30, now)) == [
        (ids["Y"], "filing", "2026-10-16T00:00:00+08:00")]
    assert due_within(uow(), ADMIN, "nb-customs", 30, now) == ()


def test_due_within_bounds_are_inclusive_and_exclude_overdue_and_stopped(scenario, uow):
    ids = scenario
    # exactly at the due instant: still listed with nothing left; a second later it is overdue
    due_a = utc("2026-10-16T00:00")
    assert [(r.case_id, r.remaining_seconds) for r in
            due_within(uow(), SUP, "nb-amr", 0, due_a)] == [(ids["A"], 0)]
    assert due_within(uow(), SUP, "nb-amr", 0, due_a + timedelta(seconds=1)) == ()
    assert listed(due_within(uow(), SUP, "nb-amr", 1, utc("2026-10-15T00:00"))) == [
        (ids["A"], "filing", "2026-10-16T00:00:00+08:00")]
    assert due_within(uow(), SUP, "nb-amr", 1, utc("2026-10-14T23:59")) == ()
    # early on: U's handover is the next thing due; B's and G's handovers are long overdue or
    # stopped, C and G are decided, and no later due date falls within four days
    rows = due_within(uow(), SUP, "nb-amr", 4, utc("2026-09-24T09:00"))
    assert listed(rows) == [(ids["U"], "handover", "2026-09-24T11:00:00+08:00")]
    assert rows[0].period == "24 hours" and rows[0].remaining_seconds == 2 * HOUR
    everything = due_within(uow(), SUP, "nb-amr", 366, utc("2026-09-24T09:00"))
    assert {r.case_id for r in everything} == {ids[k] for k in "ABFUE"}
    assert len(everything) == 6  # U has two clocks; C's and G's are stopped


def test_due_within_flags_service_targets(scenario, uow):
    rows = due_within(uow(), ADMIN, "nb-ippc", 10, utc("2026-09-20T12:00"))
    assert listed(rows) == [(scenario["T"], "preexamination_target", "2026-09-25T00:00:00+08:00")]
    assert rows[0].target is True and rows[0].assignee == "qian.ippc"
    assert rows[0].case_type == "fast_track_preexam"


def test_a_paused_clock_is_not_due_until_it_runs_again(at, people, uow):
    case = open_as(at, "2026-09-18T10:00", assignee="zhang.officer")
    fire(at, "2026-09-18T11:00", case, "start_check", "zhang.officer")
    fire(at, "2026-09-21T10:00", case, "send_for_appraisal", "zhang.officer")
    assert due_within(uow(), SUP, "nb-amr", 60, utc("2026-09-22T10:00")) == ()
    fire(at, "2026-09-24T15:00", case, "appraisal_done", "zhang.officer")
    assert listed(due_within(uow(), SUP, "nb-amr", 60, utc("2026-09-24T16:00"))) == [
        (case, "filing", "2026-10-21T00:00:00+08:00")]


def test_due_within_refuses_bad_input(scenario, uow):
    now = utc("2026-10-09T12:00")
    with pytest.raises(NotFound, match="nb-nowhere"):
        due_within(uow(), SUP, "nb-nowhere", 7, now)
    for days in (-1, 367, True, 2.5, "7"):
        with pytest.raises(ValidationFailed) as info:
            due_within(uow(), SUP, "nb-amr", days, now)
        assert info.value.field == "days"
    assert len(due_within(uow(), SUP, "nb-amr", 366, now)) == 5  # the upper bound is allowed


def test_due_within_uses_the_open_due_index(scenario, session, is_postgres):
    agency_id = session.execute(text("SELECT id FROM agencies WHERE code = 'nb-amr'")).scalar()
    query = due_within_query(agency_id, utc("2026-10-09T12:00"), utc("2026-10-16T12:00"))
    compiled = query.compile(dialect=session.get_bind().dialect)
    conn = session.connection()
    if is_postgres:
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")  # tiny tables: force the choice
        plan = conn.exec_driver_sql("EXPLAIN " + str(compiled), compiled.params).all()
    else:
        params = tuple(compiled.params[name] for name in compiled.positiontup)
        plan = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + str(compiled), params).all()
    assert "ix_clocks_open_due" in "\n".join(str(row) for row in plan)


# --- overdue ----------------------------------------------------------------------------------

def test_overdue_summary_per_agency_officer_and_type(scenario, uow):
    # 9 Oct: only the 24-hour handovers of B, U (nb-amr) and Y (Yinzhou) are past due
    report = overdue_summary(uow(), ADMIN, utc("2026-10-09T12:00"))
    assert report.total == OverdueCount(cases=3, clocks=3)
    assert report.by_agency == {"nb-amr": OverdueCount(cases=2, clocks=2),
                                "nb-amr-yinzhou": OverdueCount(cases=1, clocks=1)}
    assert report.by_officer == {"sun.yz": OverdueCount(cases=1, clocks=1),
                                 "unassigned": OverdueCount(cases=1, clocks=1),
                                 "zhang.officer": OverdueCount(cases=1, clocks=1)}
    assert report.by_case_type == {"timed": OverdueCount(cases=3, clocks=3)}
    assert report.targets_missed == TargetsMissed(
        cases=1, clocks=1, by_agency={"nb-ippc": OverdueCount(cases=1, clocks=1)})
    assert report.as_of == "2026-10-09T12:00:00+08:00" and report.agency is None
    assert report.to_dict() == {
        "as_of": "2026-10-09T12:00:00+08:00", "agency": None,
        "total": {"cases": 3, "clocks": 3},
        "by_agency": {"nb-amr": {"cases": 2, "clocks": 2},
                      "nb-amr-yinzhou": {"cases": 1, "clocks": 1}},
        "by_officer": {"sun.yz": {"cases": 1, "clocks": 1},
                       "unassigned": {"cases": 1, "clocks": 1},
                       "zhang.officer": {"cases": 1, "clocks": 1}},
        "by_case_type": {"timed": {"cases": 3, "clocks": 3}},
        "targets_missed": {"cases": 1, "clocks": 1,
                           "by_agency": {"nb-ippc": {"cases": 1, "clocks": 1}}}}

    # 22 Oct noon: the filing clocks of A, F, B and U have run out too (E's not until 23 Oct)
    late = overdue_summary(uow(), ADMIN, utc("2026-10-22T12:00"))
    assert late.by_agency == {"nb-amr": OverdueCount(cases=4, clocks=6),
                              "nb-amr-yinzhou": OverdueCount(cases=1, clocks=2)}
    assert late.by_officer == {"li.officer": OverdueCount(cases=2, clocks=2),
                               "sun.yz": OverdueCount(cases=1, clocks=2),
                               "unassigned": OverdueCount(cases=1, clocks=2),
                               "zhang.officer": OverdueCount(cases=1, clocks=2)}
    assert late.by_case_type == {"timed": OverdueCount(cases=5, clocks=8)}
    assert late.total == OverdueCount(cases=5, clocks=8)

    later = overdue_summary(uow(), SUP, utc("2026-10-23T00:01"), agency_code="nb-amr")
    assert later.by_agency == {"nb-amr": OverdueCount(cases=5, clocks=7)}
    assert later.by_case_type == {"admin_enforcement": OverdueCount(cases=1, clocks=1),
                                  "timed": OverdueCount(cases=4, clocks=6)}
    assert later.by_officer["li.officer"] == OverdueCount(cases=3, clocks=3)
    assert later.targets_missed == TargetsMissed(cases=0, clocks=0, by_agency={})


def test_overdue_summary_before_anything_is_late_and_per_agency(scenario, uow):
    early = overdue_summary(uow(), ADMIN, utc("2026-09-19T10:59"))
    assert early.total == OverdueCount(cases=0, clocks=0)
    assert early.by_agency == early.by_officer == early.by_case_type == {}
    # a minute after the 11:00 due time B's and Y's handovers are overdue (C's, G's stopped)
    report = overdue_summary(uow(), YZ, utc("2026-09-19T11:01"), agency_code="nb-amr-yinzhou")
    assert report.by_agency == {"nb-amr-yinzhou": OverdueCount(cases=1, clocks=1)}
    assert report.by_officer == {"sun.yz": OverdueCount(cases=1, clocks=1)}
    ippc = overdue_summary(uow(), ADMIN, utc("2026-09-25T00:01"), agency_code="nb-ippc")
    assert ippc.total == OverdueCount(cases=0, clocks=0)
    assert ippc.targets_missed.cases == 1
    with pytest.raises(NotFound):
        overdue_summary(uow(), SUP, utc("2026-09-25T00:01"), agency_code="nb-nowhere")


# --- handling time ----------------------------------------------------------------------------

def test_handling_time_excludes_the_appraisal_stretch(scenario, uow, session):
    report = handling_time(uow(), SUP, scenario["B"], utc("2026-10-09T12:00"))
    clocks = {c.clock: c for c in report.clocks}
    filing, handover = clocks["filing"], clocks["handover"]
    appraisal = (3 * 24 + 5) * HOUR  # Mon 21 Sep 10:00 → Thu 24 Sep 15:00
    elapsed = 21 * DAY + 2 * HOUR    # Fri 18 Sep 10:00 → Fri 9 Oct 12:00
    assert filing.elapsed_seconds == elapsed
    assert filing.paused_seconds == appraisal
    assert filing.statutory_seconds == elapsed - appraisal
    assert (filing.elapsed_days, filing.paused_days, filing.statutory_days) == (
        21.1, 3.2, 17.9)
    assert handover.paused_seconds == 0  # the handover clock counts appraisal time
    assert handover.elapsed_seconds == handover.statutory_seconds == elapsed - HOUR
    assert filing.status == "running" and filing.on_time is None
    whole = report.case
    assert whole.start == "2026-09-18T10:00:00+08:00" and whole.closed is False
    assert (whole.elapsed_seconds, whole.paused_seconds) == (elapsed, appraisal)
    assert whole.statutory_seconds == elapsed - appraisal
    as_dict = report.to_dict()
    assert as_dict["case"] == {
        "from": "2026-09-18T10:00:00+08:00", "to": None, "closed": False,
        "elapsed_seconds": elapsed, "paused_seconds": appraisal,
        "statutory_seconds": elapsed - appraisal, "elapsed_days": 21.1, "paused_days": 3.2,
        "statutory_days": 17.9}
    assert as_dict["clocks"] == [c.to_dict() for c in report.clocks]
    assert {k: v for k, v in as_dict.items() if k not in ("case", "clocks")} == {
        "case_id": scenario["B"], "case_number": report.case_number,
        "as_of": "2026-10-09T12:00:00+08:00"}
    assert list(as_dict["clocks"][0]) == [
        "clock", "status", "period", "target", "started_at", "stopped_at", "due", "on_time",
        "elapsed_seconds", "paused_seconds", "statutory_seconds", "elapsed_days",
        "paused_days", "statutory_days"]
    # the same paused time the clock view shows
    views = {v.clock: v for v in _case_clock_views(session, scenario["B"],
                                                    utc("2026-10-09T12:00"))}
    assert views["filing"].paused_seconds == appraisal
    assert [s.kind for s in views["filing"].timeline] == ["running", "paused", "running"]


def test_handling_time_while_paused_counts_the_open_pause_until_now(at, people, uow):
    case = open_as(at, "2026-09-18T10:00")
    fire(at, "2026-09-18T11:00", case, "start_check")
    fire(at, "2026-09-21T10:00", case, "send_for_appraisal")
    report = handling_time(uow(), SUP, case, utc("2026-09-22T16:00"))
    filing = next(c for c in report.clocks if c.clock == "filing")
    assert filing.status == "paused"
    assert filing.elapsed_seconds == 4 * DAY + 6 * HOUR
    assert filing.paused_seconds == DAY + 6 * HOUR
    assert filing.statutory_seconds == 3 * DAY
    assert report.case.paused_seconds == DAY + 6 * HOUR


def test_handling_time_of_a_decided_case_stops_at_the_decision(scenario, uow):
    report = handling_time(uow(), SUP, scenario["G"], utc("2026-12-31T12:00"))
    whole = report.case
    assert whole.closed is True and whole.end == "2026-09-21T09:00:00+08:00"
    assert whole.elapsed_seconds == whole.statutory_seconds == 2 * DAY + 23 * HOUR
    assert whole.paused_seconds == 0 and whole.elapsed_days == 3.0
    clocks = {c.clock: c for c in report.clocks}
    assert clocks["handover"].elapsed_seconds == 2 * DAY + 22 * HOUR
    assert clocks["handover"].on_time is False and clocks["filing"].on_time is True
    assert clocks["handover"].stopped_at == "2026-09-21T09:00:00+08:00"
    assert isinstance(whole, CaseHandling) and whole.to_dict()["to"] == whole.end


def test_handling_time_of_a_case_received_before_it_was_keyed_in(at, people, uow):
    case = services.open_case(at("2026-09-22T15:00")(), actor="li.officer", case_type="timed",
                              title="补录案件", received_on=date(2026, 9, 18),
                              assignee="li.officer").id
    report = handling_time(uow(), SUP, case, utc("2026-09-22T15:00"))
    assert report.case.start == "2026-09-18T09:00:00+08:00"
    assert report.case.elapsed_seconds == 4 * DAY + 6 * HOUR
    assert report.clocks[0].started_at == "2026-09-18T09:00:00+08:00"


def test_handling_time_and_views_of_an_unknown_case(scenario, uow, session):
    with pytest.raises(NotFound):
        handling_time(uow(), SUP, 999_999, utc("2026-10-09T12:00"))
    with pytest.raises(NotFound):
        _case_clock_views(session, 999_999, utc("2026-10-09T12:00"))


def test_case_clock_views_match_the_service_view(scenario, at, session):
    when = "2026-10-09T12:00"
    views = _case_clock_views(session, scenario["U"], utc(when))
    session.rollback()
    assert [v.clock for v in views] == ["filing", "handover"]
    assert views == case_clocks(at(when)(), scenario["U"], "li.officer")


# --- on-time rate -----------------------------------------------------------------------------

def test_on_time_rate_counts_stopped_statutory_clocks(scenario, uow):
    # C: both on time; G: filing on time, handover 22 hours late
    report = on_time_rate(uow(), ADMIN, utc("2026-10-09T12:00"))
    assert (report.stopped, report.on_time, report.late) == (4, 3, 1)
    assert report.share == 0.75
    assert report.target_share == 0.95 and report.meets_target is False
    assert report.to_dict() == {
        "as_of": "2026-10-09T12:00:00+08:00", "agency": None, "since": None, "stopped": 4,
        "on_time": 3, "late": 1, "share": 0.75, "target_share": 0.95, "meets_target": False}
    since = on_time_rate(uow(), ADMIN, utc("2026-10-09T12:00"), since=utc("2026-09-20T00:00"))
    assert (since.stopped, since.on_time, since.share) == (2, 1, 0.5)
    assert since.since == "2026-09-20T00:00:00+08:00"
    only_c = on_time_rate(uow(), SUP, utc("2026-09-20T00:00"), agency_code="nb-amr")
    assert (only_c.stopped, only_c.on_time, only_c.share) == (2, 2, 1.0)
    assert only_c.meets_target is True
    none = on_time_rate(uow(), YZ, utc("2026-10-09T12:00"), agency_code="nb-amr-yinzhou")
    assert (none.stopped, none.share, none.meets_target) == (0, None, None)
    with pytest.raises(NotFound):
        on_time_rate(uow(), SUP, utc("2026-10-09T12:00"), agency_code="nb-nowhere")


def test_on_time_rate_leaves_out_service_targets(scenario, at, uow):
    fire(at, "2026-09-28T10:00", scenario["T"], "start_preexamination", "qian.ippc",
         payload={"examiner": "钱芳"})
    fire(at, "2026-09-28T16:00", scenario["T"], "pass_preexamination", "qian.ippc",
         payload={"passed_on": "2026-09-28"})
    report = handling_time(uow(), ADMIN, scenario["T"], utc("2026-10-09T12:00"))
    assert report.clocks[0].target is True and report.clocks[0].on_time is False
    assert on_time_rate(uow(), ADMIN, utc("2026-10-09T12:00"), agency_code="nb-ippc").stopped == 0
    assert on_time_rate(uow(), ADMIN, utc("2026-10-09T12:00")).stopped == 4


# --- who may run the reports ------------------------------------------------------------------

def test_an_officer_may_not_run_the_reports(scenario, uow):
    now = utc("2026-10-09T12:00")
    reports = [
        lambda who: due_within(uow(), who, "nb-amr", 7, now),
        lambda who: overdue_summary(uow(), who, now),
        lambda who: overdue_summary(uow(), who, now, agency_code="nb-amr"),
        lambda who: handling_time(uow(), who, scenario["A"], now),
        lambda who: on_time_rate(uow(), who, now),
    ]
    for report in reports:
        with pytest.raises(PermissionDenied, match="supervisor or admin") as info:
            report("li.officer")
        assert "\n" not in str(info.value)
        report(SUP)  # the same report runs for the agency's supervisor
        report("wang.director")
    with pytest.raises(NotFound, match="nobody"):
        overdue_summary(uow(), "nobody", now)


def test_a_supervisor_sees_only_their_own_agency(scenario, uow):
    now = utc("2026-10-22T12:00")
    reports = (lambda code: due_within(uow(), SUP, code, 30, now),
               lambda code: overdue_summary(uow(), SUP, now, agency_code=code),
               lambda code: on_time_rate(uow(), SUP, now, agency_code=code))
    unknown = []
    for code in ("nb-customs", "nb-amr-yinzhou", "nb-ippc", "nb-nowhere"):
        for report in reports:
            with pytest.raises(NotFound) as info:
                report(code)
            unknown.append(str(info.value))
    # another agency is as unknown as one that does not exist
    assert unknown[:3] == ["unknown agency 'nb-customs'"] * 3
    assert unknown[-1] == "unknown agency 'nb-nowhere'"
    # without an agency, a supervisor's report covers their own agency only
    own = overdue_summary(uow(), SUP, now)
    assert own.agency == "nb-amr"
    assert own.by_agency == {"nb-amr": OverdueCount(cases=4, clocks=6)}
    assert "sun.yz" not in own.by_officer and own.targets_missed.by_agency == {}
    assert own.total == OverdueCount(cases=4, clocks=6)
    yz = overdue_summary(uow(), YZ, now)
    assert yz.agency == "nb-amr-yinzhou" and yz.total == OverdueCount(cases=1, clocks=2)
    rate = on_time_rate(uow(), YZ, utc("2026-10-09T12:00"))
    assert (rate.agency, rate.stopped) == ("nb-amr-yinzhou", 0)
    # another agency's case does not exist for a supervisor (an admin sees it)
    with pytest.raises(NotFound, match=f"unknown case id {scenario['Y']}"):
        handling_time(uow(), SUP, scenario["Y"], now)
    with pytest.raises(NotFound):
        handling_time(uow(), YZ, scenario["A"], now)
    assert handling_time(uow(), YZ, scenario["Y"], now).case_id == scenario["Y"]


def test_an_admin_sees_every_agency(scenario, uow):
    now = utc("2026-10-22T12:00")
    everything = overdue_summary(uow(), ADMIN, now)
    assert everything.agency is None
    assert set(everything.by_agency) == {"nb-amr", "nb-amr-yinzhou"}
    assert set(everything.targets_missed.by_agency) == {"nb-ippc"}
    assert everything.total == OverdueCount(cases=5, clocks=8)
    assert on_time_rate(uow(), ADMIN, now).agency is None
    assert listed(due_within(uow(), ADMIN, "nb-amr-yinzhou", 30, utc("2026-10-09T12:00"))) == [
        (scenario["Y"], "filing", "2026-10-16T00:00:00+08:00")]
    assert handling_time(uow(), ADMIN, scenario["Y"], now).case_id == scenario["Y"]
    with pytest.raises(NotFound, match="nb-nowhere"):
        overdue_summary(uow(), ADMIN, now, agency_code="nb-nowhere")


def test_the_read_models_are_frozen(scenario, uow):
    now = utc("2026-10-09T12:00")
    rows = due_within(uow(), SUP, "nb-amr", 7, now)
    report = overdue_summary(uow(), ADMIN, now)
    timing = handling_time(uow(), SUP, scenario["B"], now)
    assert isinstance(rows, tuple) and isinstance(timing.clocks, tuple)
    with pytest.raises(AttributeError):
        rows[0].due = "later"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        timing.case.paused_seconds = 0  # type: ignore[misc]
    with pytest.raises(TypeError):
        report.by_agency["nb-customs"] = OverdueCount(0, 0)  # type: ignore[index]
