"""The period rules alone (domain.requirements): after / within, dates judged as whole days,
counter submissions ending at office close, the exceptions and overrides."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from caseflow.domain.definitions import parse_definition
from caseflow.domain.errors import WorkflowDefinitionError
from caseflow.domain.moments import TZ
from caseflow.domain.requirements import ClockFacts, Exception_, Override, PeriodRequirement, check

LAST = date(2026, 10, 9)
CLOCK = ClockFacts("answer", "陈述申辩期", "Answer period", "程序规定 第五十七条", "running",
                   datetime(2026, 9, 29, tzinfo=TZ), datetime(2026, 10, 10, tzinfo=TZ), LAST,
                   False)
AFTER = PeriodRequirement("after", ("answer",), "程序规定 第五十七条", on="closed_on")
WITHIN = PeriodRequirement("within", ("answer",), "条例 第十六条", on="received_at",
                           in_person="how")
NOW = datetime(2026, 10, 20, 10, tzinfo=TZ)


def judge(req, payload, override=None, now=NOW):
    return check([req], [CLOCK], payload, now=now, office_close=time(17), override=override)


@pytest.mark.parametrize("day, ok", [("2026-10-09", False), ("2026-10-10", True),
                                     ("2026-09-30", False)])
def test_after_needs_a_day_after_the_last_day(day, ok):
    refusals, _ = judge(AFTER, {"closed_on": day})
    assert (not refusals) == ok
    if refusals:
        assert "2026-10-09" in refusals[0].message and "2026-10-10" in refusals[0].message
        assert "第五十七条" in refusals[0].message


def test_without_a_recorded_date_the_moment_keyed_in_is_judged():
    req = PeriodRequirement("after", ("answer",), "s")
    assert judge(req, {}, now=datetime(2026, 10, 9, 23, 59, tzinfo=TZ))[0]
    assert not judge(req, {}, now=datetime(2026, 10, 10, 0, 0, tzinfo=TZ))[0]


@pytest.mark.parametrize("at, how, ok", [
    ("2026-10-09T16:59:00", "in_person", True), ("2026-10-09T17:00:00", "in_person", False),
    ("2026-10-09T23:00:00", "post", True), ("2026-10-10T00:00:00", "post", False),
])
def test_within_ends_at_office_close_for_counter_submissions(at, how, ok):
    refusals, _ = judge(WITHIN, {"received_at": at, "how": how})
    assert (not refusals) == ok


def test_a_period_the_case_never_started_refuses():
    req = PeriodRequirement("after", ("other",), "s")
    refusals, _ = judge(req, {})
    assert "has not started" in refusals[0].message


def test_exceptions_and_overrides():
    waiver = Exception_("field", field="waived_on", title_en="a written waiver")
    boss = Exception_("override", role="supervisor", title_en="an override")
    req = PeriodRequirement("after", ("answer",), "s", on="closed_on", unless=(waiver, boss))
    early = {"closed_on": "2026-10-01"}
    refusals, _ = judge(req, early)
    assert "unless a written waiver or an override" in refusals[0].message
    _, passed = judge(req, {**early, "waived_on": "2026-10-01"})
    assert passed[0].exception is waiver and passed[0].payload()["field"] == "waived_on"
    ok = Override("当事人已当场陈述", frozenset({"supervisor"}), actor_is_assignee=False)
    _, passed = judge(req, early, override=ok)
    assert passed[0].exception is boss and passed[0].detail == "当事人已当场陈述"
    for bad, why in [(Override(" ", frozenset({"supervisor"}), False), "needs a reason"),
                     (Override("因故", frozenset({"officer"}), False), "only a supervisor"),
                     (Override("因故", frozenset({"supervisor"}), True), "own assignee")]:
        refusals, passed = judge(req, early, override=bad)
        assert not passed and why in refusals[0].message


BASE = """
key: t
version: 1
title: {zh: 测试, en: Test}
agency_kind: market_supervision
initial: a
states:
  a: {zh: 甲, en: A}
  b: {zh: 乙, en: B, final: true}
transitions:
  - trigger: go
    source: a
    dest: b
    roles: [officer]
    title: {zh: 走, en: Go}
    fields:
      done_on: {type: date}
      waived_on: {type: date, required: false}
      note: {type: string}
    requires:
%s
clocks:
  p:
    title: {zh: 期, en: P}
    period: 5 working_days
    source: 第一条
    start: {states: [a]}
    stop: {states: [b]}
"""


@pytest.mark.parametrize("block, problem", [
    ("      - {after: q}", "unknown clock 'q'"),
    ("      - {after: p, within: p}", "exactly one of"),
    ("      - {after: p, as_of: note}", "not a date or datetime field"),
    ("      - {after: p, on: done_on}", "unknown key True"),
    ("      - {after: p, unless: [{field: done_on}]}", "must be optional"),
    ("      - {after: p, unless: [{override: boss}]}", "unknown role 'boss'"),
    ("      - {after: p, unless: [{field: nope}]}", "not a field of the step"),
    ("      - {after: p, in_person: note}", "in_person"),
])
def test_bad_requirements_are_refused_when_the_workflow_loads(block, problem):
    with pytest.raises(WorkflowDefinitionError, match=problem):
        parse_definition(BASE % block)


def test_a_good_requirement_loads():
    d = parse_definition(BASE % "      - {after: p, as_of: done_on, unless: [{field: waived_on}]}")
    (req,) = d.transitions[0].requires
    assert (req.kind, req.clocks, req.on, req.source) == ("after", ("p",), "done_on", "第一条")


def test_a_recorded_date_in_the_future_is_refused():
    refusals, _ = judge(AFTER, {"closed_on": "2026-10-21"})
    assert "in the future" in refusals[0].message


def test_within_a_period_that_has_not_begun_is_refused():
    later = ClockFacts("window", "申请期", "Window", "行政强制法 第五十三条", "running",
                       datetime(2027, 6, 1, tzinfo=TZ), datetime(2027, 9, 2, tzinfo=TZ),
                       date(2027, 9, 1), True)
    req = PeriodRequirement("within", ("window",), "s", on="applied_on")
    refusals, _ = check([req], [later], {"applied_on": "2027-05-20"},
                        now=datetime(2027, 5, 21, tzinfo=TZ))
    assert "has not begun" in refusals[0].message and "2027-06-01" in refusals[0].message
    ok, _ = check([req], [later], {"applied_on": "2027-06-02"},
                  now=datetime(2027, 6, 3, tzinfo=TZ))
    assert ok == []


def test_after_a_period_that_stopped_before_it_ran_out_is_refused():
    # the suit was filed within the 30 days: the preservation may not be lifted as lapsed
    stopped = ClockFacts("suit", "起诉期限", "Suit", "民诉法 第一百零四条", "stopped",
                         datetime(2026, 9, 10, tzinfo=TZ), datetime(2026, 10, 11, tzinfo=TZ),
                         date(2026, 10, 10), False, stopped_at=datetime(2026, 9, 30, tzinfo=TZ))
    req = PeriodRequirement("after", ("suit",), "s", on="released_on", lapsed=True)
    refusals, _ = check([req], [stopped], {"released_on": "2026-10-12"},
                        now=datetime(2026, 10, 12, 12, tzinfo=TZ))
    assert "did not run out" in refusals[0].message and "2026-09-30" in refusals[0].message
    # without lapsed, the period's end date is judged however the clock stopped
    plain = PeriodRequirement("after", ("suit",), "s", on="released_on")
    assert check([plain], [stopped], {"released_on": "2026-10-12"},
                 now=datetime(2026, 10, 12, 12, tzinfo=TZ)) == ([], [])
    assert check([plain], [stopped], {"released_on": "2026-10-01"},
                 now=datetime(2026, 10, 12, 12, tzinfo=TZ))[0]


@pytest.mark.parametrize("block, problem", [
    ("      - {after: p, lapsed: 'false'}", "lapsed must be true or false"),
    ("      - {within: p, lapsed: true}", "applies only to after"),
    ("      - {after: p, inclusive: true}", "inclusive needs as_of"),
])
def test_bad_flags_are_refused(block, problem):
    with pytest.raises(WorkflowDefinitionError, match=problem):
        parse_definition(BASE % block)


def test_inclusive_allows_the_last_day_itself():
    req = PeriodRequirement("after", ("answer",), "s", on="closed_on", inclusive=True)
    assert judge(req, {"closed_on": "2026-10-09"}) == ([], [])
    refusals, _ = judge(req, {"closed_on": "2026-10-08"})
    assert "not before the last day of the period" in refusals[0].message
    assert "2026-10-09" in refusals[0].message
