"""Legal clocks through the service layer: start, state pauses, manual pauses, extensions, stop."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from caseflow import services
from caseflow.adapters.orm import Event
from caseflow.domain.errors import InvalidTrigger, NotFound, PermissionDenied, ValidationFailed
from caseflow.services.clocks import extend_clock, pause_clock, resume_clock
from caseflow.views.clocks import case_clocks
from tests.conftest import utc  # noqa: F401 - re-exported for other tests


def open_timed(at, when="2026-09-18T10:00"):
    return services.open_case(
        at(when)(), actor="li.officer", case_type="timed", title="慈溪市宏利家电有限公司涉嫌专利侵权",
        assignee="li.officer",
        parties=[{"role": "alleged_infringer", "name": "慈溪市宏利家电有限公司"}])


def clocks(at, case_id, when):
    return {c.clock: c for c in case_clocks(at(when)(), case_id, "li.officer")}


def test_clock_starts_on_open_with_due_date_and_source(at, people, app):
    case = open_timed(at)
    filing = clocks(at, case.id, "2026-09-18T12:00")["filing"]
    # Fri 18 Sep; Sun 20 Sep is a make-up workday; 25–27 Sep and 1–7 Oct rest; Sat 10 Oct works.
    assert filing.due == "2026-10-16T00:00:00+08:00"
    assert filing.last_day == "2026-10-15"
    assert filing.provisional is False
    assert filing.source == "《市场监督管理行政处罚程序规定》第十八条"
    assert filing.status == "running" and not filing.overdue
    with app.session_factory() as s:
        started = s.scalar(select(Event).where(Event.case_id == case.id,
                                               Event.kind == "clock_started"))
    assert started.payload["due"] == "2026-10-16T00:00:00+08:00"
    assert started.actor == "li.officer"


def test_time_in_a_not_counted_state_is_added_back_in_working_days(at, people):
    case = open_timed(at)
    services.fire(at("2026-09-18T11:00")(), case.id, "start_check", actor="li.officer")
    services.fire(at("2026-09-21T10:00")(), case.id, "send_for_appraisal", actor="li.officer")
    paused = clocks(at, case.id, "2026-09-22T10:00")["filing"]
    assert paused.status == "paused"
    services.fire(at("2026-09-24T15:00")(), case.id, "appraisal_done", actor="li.officer")
    filing = clocks(at, case.id, "2026-09-24T16:00")["filing"]
    # 21, 22, 23 Sep (three working days) are excluded: 15 working days end on 20 Oct
    assert filing.status == "running"
    assert filing.due == "2026-10-21T00:00:00+08:00"
    assert filing.paused_seconds == (3 * 24 + 5) * 3600
    kinds = [seg.kind for seg in filing.timeline]
    assert kinds == ["running", "paused", "running"]
    # the 24-hour handover clock has no not-counted state: untouched
    assert clocks(at, case.id, "2026-09-24T16:00")["handover"].due == "2026-09-19T11:00:00+08:00"


def test_pause_then_resume_at_once_changes_nothing(at, people):
    case = open_timed(at)
    before = clocks(at, case.id, "2026-09-22T09:00")["filing"].due
    pause_clock(at("2026-09-22T09:00")(), case.id, "filing", actor="li.officer", reason="testing",
                note="送检")
    resume_clock(at("2026-09-22T09:00")(), case.id, "filing", actor="li.officer")
    assert clocks(at, case.id, "2026-09-22T09:00")["filing"].due == before


def test_manual_pause_refusals_change_nothing(at, people, app):
    case = open_timed(at)
    services.fire(at("2026-09-18T11:00")(), case.id, "start_check", actor="li.officer")
    with pytest.raises(ValidationFailed, match="cannot be paused"):
        pause_clock(at("2026-09-18T12:00")(), case.id, "handover", actor="li.officer",
                    reason="testing")
    with pytest.raises(ValidationFailed, match="not one of testing, appraisal") as info:
        pause_clock(at("2026-09-18T12:00")(), case.id, "filing", actor="li.officer",
                    reason="holiday")
    assert info.value.field == "reason"
    with pytest.raises(NotFound):
        pause_clock(at("2026-09-18T12:00")(), case.id, "nope", actor="li.officer", reason="testing")
    with pytest.raises(NotFound):
        pause_clock(at("2026-09-18T12:00")(), case.id, "filing", actor="zhou.customs",
                    reason="testing")
    services.fire(at("2026-09-21T10:00")(), case.id, "send_for_appraisal", actor="li.officer")
    with pytest.raises(ValidationFailed, match="resumes when the case moves on"):
        resume_clock(at("2026-09-21T11:00")(), case.id, "filing", actor="li.officer")
    services.fire(at("2026-09-22T10:00")(), case.id, "appraisal_done", actor="li.officer")
    services.fire(at("2026-09-22T11:00")(), case.id, "decide", actor="chen.sup")
    before = clocks(at, case.id, "2026-09-23T10:00")
    with pytest.raises(ValidationFailed, match="has stopped"):
        pause_clock(at("2026-09-23T10:00")(), case.id, "filing", actor="li.officer",
                    reason="testing")
    with pytest.raises(ValidationFailed, match="has stopped"):
        extend_clock(at("2026-09-23T10:00")(), case.id, "filing", actor="chen.sup", reason="x")
    assert clocks(at, case.id, "2026-09-23T10:00") == before


def test_extensions_follow_the_rule(at, people, app):
    case = open_timed(at)
    with pytest.raises(PermissionDenied, match="supervisor"):
        extend_clock(at("2026-10-09T10:00")(), case.id, "filing", actor="li.officer",
                     reason="案情复杂")
    with pytest.raises(ValidationFailed, match="reason"):
        extend_clock(at("2026-10-09T10:00")(), case.id, "filing", actor="chen.sup", reason=" ")
    view = extend_clock(at("2026-10-09T10:00")(), case.id, "filing", actor="chen.sup",
                        reason="需权利人辨认，经负责人批准延长")
    # 15 more working days after 15 Oct end on 5 Nov
    assert view.due == "2026-11-06T00:00:00+08:00"
    with pytest.raises(ValidationFailed, match="needs its length"):
        extend_clock(at("2026-10-20T10:00")(), case.id, "filing", actor="chen.sup", reason="集体讨论")
    view = extend_clock(at("2026-10-20T10:00")(), case.id, "filing", actor="chen.sup",
                        reason="集体讨论决定继续延期", by="10 working_days")
    assert view.due == "2026-11-20T00:00:00+08:00"
    with pytest.raises(ValidationFailed, match="no extension is left"):
        extend_clock(at("2026-10-21T10:00")(), case.id, "filing", actor="chen.sup", reason="再延")
    services.fire(at("2026-10-21T10:00")(), case.id, "start_check", actor="li.officer")
    with pytest.raises(ValidationFailed, match="at most 12 hours"):
        extend_clock(at("2026-10-21T12:00")(), case.id, "handover", actor="chen.sup",
                     reason="材料未齐", by="24 hours")
    view = extend_clock(at("2026-10-21T12:00")(), case.id, "handover", actor="chen.sup",
                        reason="材料未齐")
    assert view.due == "2026-10-22T22:00:00+08:00"
    with app.session_factory() as s:
        extended = s.scalars(select(Event).where(Event.case_id == case.id,
                                                 Event.kind == "clock_extended")
                             .order_by(Event.seq)).all()
    assert [(e.actor, e.payload["by"]) for e in extended] == [
        ("chen.sup", "15 working_days"), ("chen.sup", "10 working_days"), ("chen.sup", "12 hours")]
    assert extended[0].reason == "需权利人辨认，经负责人批准延长"
    assert extended[0].payload["previous_due"] == "2026-10-16T00:00:00+08:00"


def test_stop_on_decision_and_closing_stops_every_clock(at, people, app):
    case = open_timed(at)
    services.fire(at("2026-09-18T11:00")(), case.id, "start_check", actor="li.officer")
    services.fire(at("2026-09-25T11:00")(), case.id, "decide", actor="chen.sup")
    final = clocks(at, case.id, "2026-09-26T10:00")
    assert {c.status for c in final.values()} == {"stopped"}
    with app.session_factory() as s:
        stopped = s.scalars(select(Event).where(Event.case_id == case.id,
                                                Event.kind == "clock_stopped")).all()
    by_clock = {e.payload["clock"]: e.payload["on_time"] for e in stopped}
    assert by_clock == {"filing": True, "handover": False}  # handover was due 19 Sep 11:00


def test_due_dates_in_2027_are_provisional(at, people):
    case = open_timed(at, "2026-12-18T10:00")
    filing = clocks(at, case.id, "2026-12-18T12:00")["filing"]
    assert filing.provisional is True
    assert "2027" not in filing.calendar_version.split("official:")[1].split("+")[0]


def test_each_cause_of_a_pause_ends_on_its_own(at, people, app):
    """A legal pause (testing) outlives the appraisal state that overlapped it."""
    case = open_timed(at)
    services.fire(at("2026-09-18T11:00")(), case.id, "start_check", actor="li.officer")
    pause_clock(at("2026-09-21T09:00")(), case.id, "filing", actor="li.officer", reason="testing",
                note="委托检测")
    with pytest.raises(InvalidTrigger, match="already paused for testing"):  # 409
        pause_clock(at("2026-09-21T10:00")(), case.id, "filing", actor="li.officer",
                    reason="testing")
    services.fire(at("2026-09-22T10:00")(), case.id, "send_for_appraisal", actor="li.officer")
    services.fire(at("2026-09-23T10:00")(), case.id, "appraisal_done", actor="li.officer")
    assert clocks(at, case.id, "2026-09-24T10:00")["filing"].status == "paused"  # testing
    resume_clock(at("2026-09-24T15:00")(), case.id, "filing", actor="li.officer")
    filing = clocks(at, case.id, "2026-09-24T16:00")["filing"]
    # 21–23 Sep excluded once, though two causes overlapped: as in the single-pause test
    assert filing.status == "running" and filing.due == "2026-10-21T00:00:00+08:00"


def test_a_period_starts_on_the_legal_date_the_step_records(at, people, app):
    """A clock whose rule says ``start: {from: field}`` counts from that date, not from the
    moment the step was keyed in; a future date is refused."""
    from caseflow.domain.definitions import ClockRule
    from caseflow.domain.periods import Period
    from caseflow.services.clocks import _start_time

    rule = ClockRule(name="x", title_zh="x", title_en="x", period=Period(3, "days"), source="s",
                     start_from="notice_received_on")
    now = utc("2026-03-04T16:00")
    assert _start_time(rule, {"notice_received_on": "2026-03-02"}, now) == utc("2026-03-02T00:00")
    assert _start_time(rule, {}, now) == now
    with pytest.raises(ValidationFailed, match="in the future") as info:
        _start_time(rule, {"notice_received_on": "2026-03-05"}, now)
    assert info.value.field == "notice_received_on"


def test_an_extension_after_the_period_ran_out_is_refused(at, people, app):
    case = open_timed(at)
    before = clocks(at, case.id, "2026-10-20T10:00")
    with pytest.raises(ValidationFailed, match="must be approved before the period ends"):
        extend_clock(at("2026-10-20T10:00")(), case.id, "filing", actor="chen.sup",
                     reason="补批延期")
    assert clocks(at, case.id, "2026-10-20T10:00") == before


def test_clocks_on_other_calendar_data_are_reconciled(at, people, app):
    """A new calendar release (or an override made elsewhere) recomputes open clocks once."""
    from datetime import date

    from caseflow.adapters.orm import CalendarOverride
    from caseflow.services.clocks import recompute_stale

    case = open_timed(at)
    assert recompute_stale(at("2026-09-19T10:00")()) == 0  # nothing stale
    with app.session_factory() as s, s.begin():  # another node's change, seen only in the data
        s.add(CalendarOverride(day=date(2026, 10, 12), kind="rest", reason="台风停工",
                               created_by="zhao.admin", created_at=utc("2026-09-19T10:00")))
    assert recompute_stale(at("2026-09-19T11:00")()) == 1
    assert clocks(at, case.id, "2026-09-19T12:00")["filing"].due == "2026-10-17T00:00:00+08:00"
    assert recompute_stale(at("2026-09-19T12:00")()) == 0  # reconciled once
