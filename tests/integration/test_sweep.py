"""The deadline sweep: warnings, overdue alerts and escalations, exactly once, caught up."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from caseflow import services
from caseflow.adapters.orm import Alert, Clock, Event
from caseflow.domain.errors import NotFound, PermissionDenied
from caseflow.entrypoints.cli import main
from caseflow.services.alerts import acknowledge, inbox, mark_read
from caseflow.services.calendar import load_schedule
from caseflow.services.sweep import check_calendar, sweep
from tests.integration.test_clocks import clocks, open_timed, utc


def run_sweep(at, when):
    return sweep(at(when), now=utc(when))


def alerts(app):
    with app.session_factory() as s:
        return [(a.kind, a.key.split(":", 2)[2].split("@")[0]) for a in
                s.scalars(select(Alert).where(Alert.clock_id.is_not(None)).order_by(Alert.id))]


def who(at, user, when="2026-12-01T00:00"):
    return [(n.kind, n.case) for n in inbox(at(when)(), user)]


def test_warning_overdue_and_escalations_each_raised_once(at, people, app):
    case = open_timed(at)
    assert run_sweep(at, "2026-10-12T12:00").alerts_raised == 0
    first = run_sweep(at, "2026-10-13T01:00")  # "3 working days left" from 13 Oct
    assert first.alerts_raised == 1
    assert run_sweep(at, "2026-10-13T02:00").alerts_raised == 0
    assert who(at, "li.officer") == [("warning", case.number)]
    due = run_sweep(at, "2026-10-16T08:00")
    assert due.alerts_raised == 2 and due.expired == 1
    assert who(at, "chen.sup") == [("escalation", case.number)]
    assert run_sweep(at, "2026-10-19T08:00").alerts_raised == 0
    late = run_sweep(at, "2026-10-20T09:00")  # two working days past the due date
    assert late.alerts_raised == 1
    assert who(at, "wang.director") == [("escalation", case.number)]
    assert alerts(app) == [("warning", "warn:3 working_days"), ("overdue", "overdue"),
                           ("escalation", "escalate:0:supervisor"),
                           ("escalation", "escalate:1:supervisor_of_supervisor")]
    assert run_sweep(at, "2026-12-20T09:00").clocks_checked == 0  # nothing left to look at
    with app.session_factory() as s:
        expired = s.scalars(select(Event).where(Event.kind == "clock_expired")).all()
        assert [(e.case_id, e.payload["clock"], e.actor) for e in expired] == [
            (case.id, "filing", "system:sweep")]
    verify = CliRunner().invoke(main, ["--database-url", str(app.engine.url.render_as_string(
        hide_password=False)), "audit", "verify"])
    assert verify.exit_code == 0, verify.output


def test_a_sweep_after_downtime_catches_up_on_everything(at, people, app):
    open_timed(at)
    report = run_sweep(at, "2026-10-25T09:00")
    assert report.alerts_raised == 4 and report.expired == 1
    assert {k for k, _ in alerts(app)} == {"warning", "overdue", "escalation"}


def test_paused_clock_is_silent_and_resumed_clock_keeps_its_remaining_time(at, people, app):
    case = open_timed(at)
    services.fire(at("2026-09-18T11:00")(), case.id, "start_check", actor="li.officer")
    run_sweep(at, "2026-09-19T12:00")  # the 24-hour handover clock is overdue by now
    handover_alerts = len(alerts(app))
    services.fire(at("2026-10-12T10:00")(), case.id, "send_for_appraisal", actor="li.officer")
    assert run_sweep(at, "2026-10-30T09:00").alerts_raised == 0  # paused: silent
    services.fire(at("2026-11-02T10:00")(), case.id, "appraisal_done", actor="li.officer")
    filing = clocks(at, case.id, "2026-11-02T10:00")["filing"]
    # at the pause (12 Oct) 4 working days were left (12–15 Oct); they run from 2 Nov: 2–5 Nov
    assert filing.due == "2026-11-06T00:00:00+08:00"
    assert run_sweep(at, "2026-11-03T01:00").alerts_raised == 1  # 3 working days left again
    assert len(alerts(app)) == handover_alerts + 1


def test_inbox_read_and_acknowledge(at, people, app):
    open_timed(at)
    run_sweep(at, "2026-10-25T09:00")
    items = inbox(at("2026-10-25T10:00")(), "li.officer")
    assert [i.kind for i in items] and not any(i.read for i in items)
    mark_read(at("2026-10-25T10:00")(), "li.officer", items[0].id)
    acknowledge(at("2026-10-25T10:00")(), "li.officer", items[-1].id)
    unread = inbox(at("2026-10-25T10:00")(), "li.officer", unread_only=True)
    assert len(unread) == len(items) - 2
    # another user's notification is answered like a missing one
    with pytest.raises(NotFound, match=f"^unknown notification {items[0].id}$"):
        mark_read(at("2026-10-25T10:00")(), "chen.sup", items[0].id)
    with pytest.raises(NotFound, match=f"^unknown notification {items[0].id}$"):
        acknowledge(at("2026-10-25T10:00")(), "chen.sup", items[0].id)
    with pytest.raises(NotFound, match="^unknown notification 99999999999$"):
        acknowledge(at("2026-10-25T10:00")(), "li.officer", 99_999_999_999)


CAL_2027 = """\
# test data, not the real 2027 notice (it is not published yet)
year: 2027
rest:
  - 2027-01-01/2027-01-04
  - 2027-02-06/2027-02-14
workdays:
  - 2027-02-20
"""


def test_calendar_running_out_alerts_admins_daily_until_loaded(at, people, app):
    case = open_timed(at, "2026-12-18T10:00")
    assert check_calendar(at("2026-10-31T09:00")()) is None  # not yet November
    assert check_calendar(at("2026-11-21T09:00")()) == 2027
    assert check_calendar(at("2026-11-21T15:00")()) == 2027  # same day: no second alert
    assert check_calendar(at("2026-11-22T09:00")()) == 2027
    items = inbox(at("2026-11-22T10:00")(), "zhao.admin")
    assert [i.kind for i in items] == ["calendar_missing", "calendar_missing"]
    assert "1 due date(s) are provisional" in items[0].message
    before = clocks(at, case.id, "2026-12-20T10:00")["filing"]
    assert before.provisional is True
    with pytest.raises(PermissionDenied):
        load_schedule(at("2026-11-22T11:00")(), CAL_2027, actor="li.officer")
    result = load_schedule(at("2026-11-22T11:00")(), CAL_2027, actor="zhao.admin",
                           source="国办发明电〔2026〕X号（测试）")
    assert result.to_dict() == {"year": 2027, "clocks_recomputed": 1}
    after = clocks(at, case.id, "2026-12-20T10:00")["filing"]
    assert after.provisional is False
    assert before.due == "2027-01-12T00:00:00+08:00"
    assert after.due == "2027-01-13T00:00:00+08:00"  # Mon 4 Jan 2027 is a rest day now
    assert check_calendar(at("2026-11-23T09:00")()) is None
    with app.session_factory() as s:
        recomputed = s.scalar(select(Event).where(Event.kind == "clock_recomputed"))
        assert recomputed.payload["previous_provisional"] is True
        assert s.scalar(select(func.count()).select_from(Clock)
                        .where(Clock.provisional.is_(True))) == 0


def test_the_sweep_does_not_wait_on_a_case_an_officer_holds(at, people, app, is_postgres):
    """PostgreSQL: a case row locked by another transaction is skipped, never waited on
    (waiting is how sweep and officer deadlock); its expiry comes on the next tick."""
    if not is_postgres:
        pytest.skip("row locks are PostgreSQL's; SQLite has one writer at a time")
    from datetime import timedelta

    from sqlalchemy import text

    case = open_timed(at)
    with app.engine.connect() as officer:
        # the lock an officer's transition takes: UPDATE of non-key columns
        officer.execute(text("SELECT id FROM cases WHERE id = :id FOR NO KEY UPDATE"),
                        {"id": case.id})
        report = run_sweep(at, "2026-10-25T09:00")  # would block forever if it waited
        officer.rollback()
    assert report.alerts_raised == 4 and report.expired == 0
    later = utc("2026-10-25T09:00") + timedelta(minutes=2)
    again = sweep(lambda: app.uow("test", now=lambda: later), now=later)
    assert again.expired == 1 and again.alerts_raised == 0
