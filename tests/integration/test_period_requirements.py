"""Periods that bind, through the service layer on a small test workflow (period_gate):
steps refused outside their periods, the named exceptions, a clock that runs from the end of
another, pauses from recorded dates and collective extensions."""

from __future__ import annotations

from datetime import date

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from caseflow import services
from caseflow.adapters.orm import Case, Clock, ClockExtension, Event
from caseflow.domain.errors import PayloadError, PeriodNotMet, ValidationFailed
from caseflow.entrypoints.cli import main
from caseflow.services.clocks import extend_clock, pause_clock, resume_clock
from caseflow.views.clocks import case_clocks

FIRM = "宁波市海曙区锦绣服饰有限公司"


def open_gate(at, when="2026-11-02T09:00"):
    return services.open_case(
        at(when)(), actor="li.officer", case_type="period_gate", assignee="li.officer",
        title=f"{FIRM}涉嫌销售假冒注册商标服装",
        parties=[{"role": "alleged_infringer", "name": FIRM}])


def served(at, when="2026-11-02T10:00", on="2026-11-02"):
    case = open_gate(at)
    services.fire(at(when)(), case.id, "serve_notice", actor="li.officer",
                  payload={"served_on": on})
    return case


def state(app, case_id):
    with app.session_factory() as s:
        case = s.get(Case, case_id)
        events = s.scalar(select(func.count()).select_from(Event).where(Event.case_id == case_id))
        return case.status, case.version, events


def clock(app, case_id, name):
    with app.session_factory() as s:
        return s.scalar(select(Clock).where(Clock.case_id == case_id, Clock.name == name)
                        .order_by(Clock.id.desc()))


def test_a_step_before_its_period_ends_is_refused_and_writes_nothing(at, people, app):
    # served Mon 2 Nov: 5 working days are 3, 4, 5, 6, 9 Nov
    case = served(at)
    before = state(app, case.id)
    with pytest.raises(PeriodNotMet) as err:
        services.fire(at("2026-11-03T10:00")(), case.id, "close_answer_period",
                      actor="li.officer", payload={"closed_on": "2026-11-03"})
    message = str(err.value)
    assert "answer_period" in message and "2026-11-09" in message
    assert "测试 第二条" in message and "earliest day is 2026-11-10" in message
    assert "remain" in message
    assert err.value.http_status == 409 and err.value.clocks == ["answer_period"]
    assert state(app, case.id) == before
    # the last day itself is still inside the period
    with pytest.raises(PeriodNotMet):
        services.fire(at("2026-11-09T18:00")(), case.id, "close_answer_period",
                      actor="li.officer", payload={"closed_on": "2026-11-09"})
    view = services.fire(at("2026-11-10T09:00")(), case.id, "close_answer_period",
                         actor="li.officer", payload={"closed_on": "2026-11-10"})
    assert view.status == "answered"


def test_the_step_is_judged_on_the_date_it_records_not_when_it_is_keyed(at, people, app):
    case = served(at)
    # keyed in on the 12th, but the record says the period was closed on the 9th: refused
    with pytest.raises(PeriodNotMet, match="2026-11-09"):
        services.fire(at("2026-11-12T09:00")(), case.id, "close_answer_period",
                      actor="li.officer", payload={"closed_on": "2026-11-09"})


def test_a_written_waiver_lets_the_step_through_and_is_audited(at, people, app):
    case = served(at)
    services.fire(at("2026-11-04T10:00")(), case.id, "close_answer_period", actor="li.officer",
                  payload={"closed_on": "2026-11-04", "waived_on": "2026-11-04"})
    with app.session_factory() as s:
        excepted = s.scalar(select(Event).where(Event.case_id == case.id,
                                                Event.kind == "period_excepted"))
    assert excepted.actor == "li.officer"
    assert excepted.payload["clock"] == "answer_period"
    assert excepted.payload["exception"] == "field" and excepted.payload["field"] == "waived_on"
    assert excepted.payload["last_day"] == "2026-11-09"


@pytest.mark.parametrize("actor, override, expected", [
    ("chen.sup", "   ", "override needs a reason"),
    ("li.officer", "当事人已到场陈述", "only a supervisor may override"),
])
def test_a_bad_override_is_refused_and_writes_nothing(at, people, app, actor, override,
                                                      expected):
    case = served(at)
    before = state(app, case.id)
    with pytest.raises((PeriodNotMet, ValidationFailed), match=expected):
        services.fire(at("2026-11-04T10:00")(), case.id, "close_answer_period", actor=actor,
                      payload={"closed_on": "2026-11-04"}, override=override)
    assert state(app, case.id) == before


def test_the_assignee_may_not_override_the_periods_of_their_own_case(at, people, app):
    case = served(at)
    services.assign(at("2026-11-02T11:00")(), case.id, "chen.sup", actor="chen.sup")
    before = state(app, case.id)
    with pytest.raises(PeriodNotMet, match="own assignee"):
        services.fire(at("2026-11-04T10:00")(), case.id, "close_answer_period",
                      actor="chen.sup", payload={"closed_on": "2026-11-04"},
                      override="当事人当场表示放弃")
    assert state(app, case.id) == before


def test_a_supervisors_override_with_a_reason_is_audited(at, people, app):
    case = served(at)
    services.fire(at("2026-11-04T10:00")(), case.id, "close_answer_period", actor="chen.sup",
                  payload={"closed_on": "2026-11-04"}, override="当事人已当面陈述申辩，记录在卷")
    with app.session_factory() as s:
        excepted = s.scalar(select(Event).where(Event.case_id == case.id,
                                                Event.kind == "period_excepted"))
    assert excepted.actor == "chen.sup"
    assert excepted.payload["exception"] == "override"
    assert excepted.payload["role"] == "supervisor"
    assert excepted.reason == "当事人已当面陈述申辩，记录在卷"


def test_an_override_where_no_period_may_be_overridden_is_refused(at, people, app):
    case = served(at)
    with pytest.raises(ValidationFailed, match="may be overridden"):
        services.fire(at("2026-11-04T10:00")(), case.id, "file_answer", actor="li.officer",
                      payload={"answer_received_at": "2026-11-04T10:00", "handed_in": "post"},
                      override="因故")


@pytest.mark.parametrize("received_at, how, allowed", [
    ("2026-11-09T16:59", "in_person", True),
    ("2026-11-09T17:30", "in_person", False),   # after the close of office hours
    ("2026-11-09T17:30", "post", True),          # posted before 24:00 of the last day
    ("2026-11-09T23:59", "electronic", True),
    ("2026-11-10T00:00", "electronic", False),
])
def test_within_a_period_counter_submissions_end_at_office_close(at, people, app,
                                                                  received_at, how, allowed):
    case = served(at)
    before = state(app, case.id)
    call = lambda: services.fire(  # noqa: E731
        at("2026-11-11T09:00")(), case.id, "file_answer", actor="li.officer",
        payload={"answer_received_at": received_at, "handed_in": how})
    if allowed:
        assert call().status == "answered"
    else:
        with pytest.raises(PeriodNotMet, match="only within the period") as err:
            call()
        assert ("17:00" in str(err.value)) == (how == "in_person")
        assert state(app, case.id) == before


def test_a_clock_that_runs_from_the_end_of_another(at, people, app):
    case = served(at)
    services.fire(at("2026-11-10T09:00")(), case.id, "close_answer_period", actor="li.officer",
                  payload={"closed_on": "2026-11-10"})
    services.fire(at("2026-12-01T09:00")(), case.id, "decide", actor="chen.sup",
                  payload={"decision_served_on": "2026-12-01"})
    remedy = clock(app, case.id, "remedy")
    window = clock(app, case.id, "application_window")
    # 6 months from 1 Dec 2026 end on 1 Jun 2027 (provisional year); the window counts 3
    # months on from that last day
    assert remedy.due_last_day.isoformat() == "2027-06-01"
    assert window.start_basis == "after:remedy"
    assert window.due_last_day.isoformat() == "2027-09-01"
    # too early: the party's time to seek review and to sue has not run out
    with pytest.raises(PeriodNotMet, match="not before the period") as err:
        services.fire(at("2027-01-05T09:00")(), case.id, "apply_to_court", actor="chen.sup",
                      payload={"applied_on": "2027-01-05"})
    assert "2027-06-01" in str(err.value)
    # too late: after the 3 months
    with pytest.raises(PeriodNotMet, match="only within the period"):
        services.fire(at("2027-09-03T09:00")(), case.id, "apply_to_court", actor="chen.sup",
                      payload={"applied_on": "2027-09-03"})
    view = services.fire(at("2027-06-02T09:00")(), case.id, "apply_to_court", actor="chen.sup",
                         payload={"applied_on": "2027-06-02"})
    assert view.closed


def test_triggers_show_the_periods_a_step_depends_on(at, people, app):
    case = served(at)
    options = {o.trigger: o for o in services.available_triggers(
        at("2026-11-03T10:00")(), case.id, "li.officer")}
    close = options["close_answer_period"]
    assert [p.kind for p in close.periods] == ["after"] and not close.periods[0].met
    assert "2026-11-09" in close.periods[0].detail
    assert "The party waived in writing" in close.periods[0].unless
    assert close.blocked_by == ()  # a waiver may still let it through
    answer = options["file_answer"]
    assert answer.periods[0].met and answer.periods[0].kind == "within"
    later = {o.trigger: o for o in services.available_triggers(
        at("2026-11-10T10:00")(), case.id, "li.officer")}
    assert later["close_answer_period"].periods[0].met
    assert not later["file_answer"].periods[0].met


def test_a_state_pause_runs_between_the_dates_the_steps_record(at, people, app):
    keyed = open_gate(at, "2026-10-08T09:00")
    legal = open_gate(at, "2026-10-08T09:00")
    base = clock(app, keyed.id, "handling").due_last_day
    # keyed in 20 Oct → 2 Nov with no dates: 13 days paused (A..B-1)
    services.fire(at("2026-10-20T09:00")(), keyed.id, "commission_appraisal",
                  actor="li.officer", payload={"commissioned_on": "2026-10-20"})
    services.fire(at("2026-11-02T09:00")(), keyed.id, "receive_result", actor="li.officer",
                  payload={"result_received_on": "2026-11-02"})
    # recorded 19 Oct → 30 Oct, keyed a day and three days later: 11 days paused
    services.fire(at("2026-10-20T09:00")(), legal.id, "commission_appraisal",
                  actor="li.officer", payload={"commissioned_on": "2026-10-19"})
    services.fire(at("2026-11-02T09:00")(), legal.id, "receive_result", actor="li.officer",
                  payload={"result_received_on": "2026-10-30"})
    # 90 days from Thu 8 Oct end on Wed 6 Jan 2027; 13 days later is Tue 19 Jan; 11 days later
    # is Sun 17 Jan, a rest day, so the period ends on Mon 18 Jan
    assert base.isoformat() == "2027-01-06"
    assert clock(app, keyed.id, "handling").due_last_day.isoformat() == "2027-01-19"
    assert clock(app, legal.id, "handling").due_last_day.isoformat() == "2027-01-18"
    with app.session_factory() as s:
        resumed = s.scalar(select(Event).where(Event.case_id == legal.id,
                                               Event.kind == "clock_resumed"))
    assert resumed.payload["paused_from"].startswith("2026-10-19T00:00")
    assert resumed.payload["paused_until"].startswith("2026-10-30T00:00")
    assert resumed.payload["recorded_as"] == "result_received_on"


def test_a_pause_ending_before_it_began_or_in_the_future_is_refused(at, people, app):
    case = open_gate(at, "2026-10-08T09:00")
    with pytest.raises(ValidationFailed, match="in the future"):
        services.fire(at("2026-10-20T09:00")(), case.id, "commission_appraisal",
                      actor="li.officer", payload={"commissioned_on": "2026-10-21"})
    services.fire(at("2026-10-20T09:00")(), case.id, "commission_appraisal",
                  actor="li.officer", payload={"commissioned_on": "2026-10-19"})
    before = state(app, case.id)
    with pytest.raises(ValidationFailed, match="before the pause"):
        services.fire(at("2026-11-02T09:00")(), case.id, "receive_result", actor="li.officer",
                      payload={"result_received_on": "2026-10-18"})
    assert state(app, case.id) == before


def test_a_manual_pause_from_and_to_legal_dates(at, people, app):
    case = open_gate(at, "2026-10-08T09:00")
    base = clock(app, case.id, "handling").due_last_day
    pause_clock(at("2026-10-14T09:00")(), case.id, "handling", actor="li.officer",
                reason="testing", on=date(2026, 10, 12))
    resume_clock(at("2026-10-20T09:00")(), case.id, "handling", actor="li.officer",
                 on=date(2026, 10, 16))
    # 12..15 Oct excluded: four days, 6 Jan 2027 → 10 Jan (Sun) → rolls to Mon 11 Jan
    assert base.isoformat() == "2027-01-06"
    assert clock(app, case.id, "handling").due_last_day.isoformat() == "2027-01-11"
    with app.session_factory() as s:
        seg = s.scalar(select(Clock).where(Clock.case_id == case.id)).segments[0]
    assert seg.started_at.date().isoformat() == "2026-10-11"  # 00:00 Beijing is 16:00 UTC
    assert seg.ended_at.date().isoformat() == "2026-10-15"


def test_a_collective_extension_records_its_date_and_participants(at, people, app):
    case = open_gate(at, "2026-10-08T09:00")
    extend_clock(at("2026-11-02T09:00")(), case.id, "handling", actor="chen.sup",
                 reason="案情复杂，需补充鉴定")  # the first, ordinary extension
    with pytest.raises(ValidationFailed, match="at least 3 participants"):
        extend_clock(at("2026-11-20T09:00")(), case.id, "handling", actor="chen.sup",
                     reason="重大复杂案件", by="60 days")
    with pytest.raises(ValidationFailed, match="at least 3 participants"):
        extend_clock(at("2026-11-20T09:00")(), case.id, "handling", actor="chen.sup",
                     reason="重大复杂案件", by="60 days",
                     decided_on=date(2026, 11, 19),
                     participants=["王建国", "陈晓燕", "王建国"])
    with pytest.raises(ValidationFailed, match="in the future"):
        extend_clock(at("2026-11-20T09:00")(), case.id, "handling", actor="chen.sup",
                     reason="重大复杂案件", by="60 days",
                     decided_on=date(2026, 11, 21),
                     participants=["王建国", "陈晓燕", "刘志强"])
    view = extend_clock(at("2026-11-20T09:00")(), case.id, "handling", actor="chen.sup",
                        reason="重大复杂案件", by="60 days",
                        decided_on=date(2026, 11, 19),
                        participants=["王建国", "陈晓燕", "刘志强"])
    assert len(view.extensions) == 2
    with app.session_factory() as s:
        ext = s.scalars(select(ClockExtension).order_by(ClockExtension.id)).all()[-1]
        event = s.scalars(select(Event).where(Event.case_id == case.id,
                                              Event.kind == "clock_extended")
                          .order_by(Event.seq)).all()[-1]
    assert ext.decision == {"decided_on": "2026-11-19",
                            "participants": ["王建国", "陈晓燕", "刘志强"]}
    assert event.payload["collective_decision"]["participants"] == ["王建国", "陈晓燕", "刘志强"]


def test_the_cli_names_the_period_in_one_line_and_exits_non_zero(database_url, at, people,
                                                                 app):
    case = served(at)
    result = CliRunner().invoke(main, [
        "--database-url", database_url, "case", "fire", str(case.id), "close_answer_period",
        "--as", "li.officer", "--data", '{"closed_on": "2026-11-03"}'])
    assert result.exit_code != 0
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "answer_period" in lines[0] and "2026-11-09" in lines[0]
    assert "Traceback" not in result.output
    refused = CliRunner().invoke(main, [
        "--database-url", database_url, "case", "fire", str(case.id), "close_answer_period",
        "--as", "li.officer", "--data", '{"closed_on": "2026-11-03"}', "--override", "急"])
    assert refused.exit_code != 0 and "only a supervisor" in refused.output
    assert case_clocks(at("2026-11-03T10:00")(), case.id, "li.officer")


def test_every_due_date_explains_itself(at, people, app):
    case = open_gate(at, "2026-10-08T09:00")
    services.fire(at("2026-10-20T09:00")(), case.id, "commission_appraisal",
                  actor="li.officer", payload={"commissioned_on": "2026-10-19"})
    services.fire(at("2026-11-02T09:00")(), case.id, "receive_result", actor="li.officer",
                  payload={"result_received_on": "2026-10-30"})
    extend_clock(at("2026-11-03T09:00")(), case.id, "handling", actor="chen.sup",
                 reason="需补充鉴定")
    view = {c.clock: c for c in case_clocks(at("2026-11-03T10:00")(), case.id,
                                            "li.officer")}["handling"]
    steps = [e.step for e in view.explanation]
    assert steps[:2] == ["start", "period"] and steps[-2:] == ["calendar", "due"]
    text = "\n".join(e.en for e in view.explanation)
    assert "receipt date 2026-10-08" in text
    assert "paused 2026-10-19 to 2026-10-30: 11 day(s) 2026-10-19..2026-10-29 not counted" in text
    assert "extended by 30 days: approved by chen.sup" in text and "需补充鉴定" in text
    # 90 days end on Mon 18 Jan 2027 (rolled from Sun 17 Jan); the 30 days count on from there
    assert "2027-01-17 is a rest day" in text
    assert "provisional" in text and view.provisional
    assert view.explanation[-1].en == f"due by {view.last_day} 24:00"
    assert all(e.zh for e in view.explanation)
    assert view.to_dict()["explanation"][0]["step"] == "start"


def test_a_step_judged_on_a_future_date_is_refused(at, people, app):
    case = served(at)
    before = state(app, case.id)
    with pytest.raises(ValidationFailed, match="closed_on: 2026-11-20 is in the future"):
        services.fire(at("2026-11-03T10:00")(), case.id, "close_answer_period",
                      actor="li.officer", payload={"closed_on": "2026-11-20"})
    assert state(app, case.id) == before


@pytest.mark.parametrize("waived_on, problem", [
    ("2026-11-20", "waived_on 2026-11-20 comes after the step it would excuse (2026-11-04)"),
    ("2026-10-30", "waived_on 2026-10-30 is before the period began (2026-11-02)"),
])
def test_a_waiver_dated_in_the_future_or_before_the_period_does_not_count(at, people, app,
                                                                           waived_on, problem):
    case = served(at)
    before = state(app, case.id)
    # keyed in on 25 Nov: a waiver dated after the step (4 Nov) but not after today reaches
    # the period check; one dated after today is refused by the field's own bounds first
    with pytest.raises(PeriodNotMet, match=problem.replace("(", r"\(").replace(")", r"\)")):
        services.fire(at("2026-11-25T10:00")(), case.id, "close_answer_period",
                      actor="li.officer",
                      payload={"closed_on": "2026-11-04", "waived_on": waived_on})
    with pytest.raises(ValidationFailed, match=f"waived_on: {waived_on} is in the future"):
        services.fire(at("2026-10-29T10:00")(), case.id, "close_answer_period",
                      actor="li.officer",
                      payload={"closed_on": "2026-10-29", "waived_on": waived_on})
    assert state(app, case.id) == before


def test_an_override_of_periods_already_met_is_refused(at, people, app):
    case = served(at)
    with pytest.raises(ValidationFailed, match="nothing to override"):
        services.fire(at("2026-11-10T10:00")(), case.id, "close_answer_period",
                      actor="chen.sup", payload={"closed_on": "2026-11-10"}, override="保险起见")


def test_a_counter_submission_needs_its_time(at, people, app):
    case = served(at)
    with pytest.raises(PayloadError, match="answer_received_at: must be a date and time"):
        services.fire(at("2026-11-10T10:00")(), case.id, "file_answer", actor="li.officer",
                      payload={"answer_received_at": "2026-11-09", "handed_in": "in_person"})


def test_a_chained_window_does_not_include_its_predecessors_last_day(at, people, app):
    case = served(at)
    services.fire(at("2026-11-10T09:00")(), case.id, "close_answer_period", actor="li.officer",
                  payload={"closed_on": "2026-11-10"})
    services.fire(at("2026-12-01T09:00")(), case.id, "decide", actor="chen.sup",
                  payload={"decision_served_on": "2026-12-01"})
    with pytest.raises(PeriodNotMet) as err:
        services.fire(at("2027-06-01T18:00")(), case.id, "apply_to_court", actor="chen.sup",
                      payload={"applied_on": "2027-06-01"})
    assert "has not begun: it runs from 2027-06-02" in str(err.value)


def test_collective_extension_only_after_the_ordinary_one(at, people, app):
    case = open_gate(at, "2026-10-08T09:00")
    with pytest.raises(ValidationFailed, match="only for an extension the heads decide"):
        extend_clock(at("2026-11-02T09:00")(), case.id, "handling", actor="chen.sup",
                     reason="重大复杂", by="60 days", decided_on=date(2026, 11, 1),
                     participants=["王建国", "陈晓燕", "刘志强"])
    assert clock(app, case.id, "handling").extensions == []


def test_a_partys_period_ends_without_being_overdue_or_escalating(at, people, app):
    from caseflow.adapters.orm import Alert
    from caseflow.services.sweep import sweep_once
    from caseflow.views.clocks import overdue_summary
    from tests.conftest import utc

    case = served(at)
    view = {c.clock: c for c in case_clocks(at("2026-11-20T10:00")(), case.id,
                                            "li.officer")}["answer_period"]
    assert view.party and view.remaining_seconds < 0 and not view.overdue
    assert any("party's period" in e.en for e in view.explanation)
    sweep_once(app.uow("test"), now=utc("2026-11-20T10:00"))
    with app.session_factory() as s:
        kinds = [(a.kind, a.message) for a in s.scalars(select(Alert).where(
            Alert.case_id == case.id))]
    assert [k for k, _ in kinds if k == "escalation"] == []
    assert any(k == "period_ended" and "the party's period has ended" in m for k, m in kinds)
    assert [k for k, _ in kinds if k == "overdue"] == []
    summary = overdue_summary(at("2026-11-20T10:00")(), "chen.sup")
    assert summary.total.clocks == 0


def test_a_paused_clock_says_why_its_due_date_moves(at, people, app):
    case = open_gate(at, "2026-10-08T09:00")
    pause_clock(at("2026-10-14T09:00")(), case.id, "handling", actor="li.officer",
                reason="testing")
    view = {c.clock: c for c in case_clocks(at("2026-10-20T09:00")(), case.id,
                                            "li.officer")}["handling"]
    assert view.explanation[-1].step == "note"
    assert "while paused the due date moves" in view.explanation[-1].en


def test_the_cli_lists_the_periods_each_step_depends_on(database_url, at, people, app):
    from caseflow.domain.moments import TZ, utcnow

    today = utcnow().replace(tzinfo=__import__("datetime").UTC).astimezone(TZ).date()
    # the CLI reads the real time: serve the notice today, so its 5 working days lie ahead
    case = served(at, when=f"{today.isoformat()}T00:01", on=today.isoformat())
    result = CliRunner().invoke(main, ["--database-url", database_url, "case", "triggers",
                                       str(case.id), "--as", "li.officer"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    at_close = lines.index(next(line for line in lines if line.startswith("close_answer_period")))
    assert lines[at_close + 1].strip().startswith("after answer_period: not met")
    assert "unless The party waived in writing" in lines[at_close + 1]


def test_a_waiver_dated_after_the_step_it_excuses_does_not_count(at, people, app):
    case = served(at)
    with pytest.raises(PeriodNotMet, match="comes after the step it would excuse"):
        services.fire(at("2026-11-06T10:00")(), case.id, "close_answer_period",
                      actor="li.officer",
                      payload={"closed_on": "2026-11-04", "waived_on": "2026-11-05"})


def test_overlapping_pauses_count_once(at, people, app):
    case = open_gate(at, "2026-10-08T09:00")
    services.fire(at("2026-10-20T09:00")(), case.id, "commission_appraisal",
                  actor="li.officer", payload={"commissioned_on": "2026-10-19"})
    pause_clock(at("2026-10-26T09:00")(), case.id, "handling", actor="li.officer",
                reason="testing", on=date(2026, 10, 25))
    resume_clock(at("2026-10-28T09:00")(), case.id, "handling", actor="li.officer",
                 on=date(2026, 10, 27))
    services.fire(at("2026-11-02T09:00")(), case.id, "receive_result", actor="li.officer",
                  payload={"result_received_on": "2026-10-30"})
    view = {c.clock: c for c in case_clocks(at("2026-11-02T10:00")(), case.id,
                                            "li.officer")}["handling"]
    assert view.paused_seconds == 11 * 86400  # 10/19..10/29, the test pause inside it
    spans = [t.to_dict() for t in view.timeline if t.kind in ("running", "paused")]
    assert [s["kind"] for s in spans] == ["running", "paused", "running"]
    assert view.last_day == "2027-01-18"  # as with the appraisal alone


def test_the_same_head_twice_is_one_participant(at, people, app):
    case = open_gate(at, "2026-10-08T09:00")
    extend_clock(at("2026-11-02T09:00")(), case.id, "handling", actor="chen.sup",
                 reason="需补充鉴定")
    with pytest.raises(ValidationFailed, match=r"got 2\)"):
        extend_clock(at("2026-11-20T09:00")(), case.id, "handling", actor="chen.sup",
                     reason="重大复杂", by="60 days", decided_on=date(2026, 11, 19),
                     participants=["Wang Jianguo", "wang  jianguo", "陈晓燕"])
    with pytest.raises(ValidationFailed, match="previous extension was approved"):
        extend_clock(at("2026-11-20T09:00")(), case.id, "handling", actor="chen.sup",
                     reason="重大复杂", by="60 days", decided_on=date(2026, 11, 1),
                     participants=["王建国", "陈晓燕", "刘志强"])
