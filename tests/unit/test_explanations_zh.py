"""A due date's reasoning reads as Chinese in Chinese and as English in English: periods in
words, fields, clocks and states by their workflow titles, legal pause reasons by the law's
names, the calendar as the State Council's holiday schedules (issue 11). Every expected line
below was worked out by hand from the facts given."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

from caseflow.domain.definitions import ClockRule, load_directory
from caseflow.domain.explanations import (
    PAUSE_REASON_TITLES,
    ExtensionFact,
    PauseFact,
    explain,
    explain_titles,
    period_en,
)
from caseflow.domain.moments import TZ
from caseflow.domain.periods import DueDate, Period, period_zh

WORKFLOWS = Path(__file__).resolve().parents[2] / "workflows"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


def test_periods_in_words():
    assert [period_zh(p) for p in ("15 working_days", "90 days", "24 hours", "3 months")] == [
        "15个工作日", "90日", "24小时", "3个月"]
    assert period_zh(Period(1, "working_days")) == "1个工作日"
    assert [period_en(p) for p in ("15 working_days", "1 days", "24 hours", "1 month")] == [
        "15 working days", "1 day", "24 hours", "1 month"]
    assert period_zh("not a period") == "not a period"


def test_day_clock_lines_name_the_field_the_reason_and_the_calendar():
    rule = ClockRule(name="filing", title_zh="立案期限", title_en="Filing period",
                     period=Period(15, "working_days"), source="《程序规定》第十八条",
                     start_from="clue_found_on", pause_reasons=("public_notice",))
    due = DueDate(start=at("2026-03-02T00:00"), period=Period(15, "working_days"),
                  due=at("2026-03-31T00:00"), last_day=date(2026, 3, 30), provisional=False,
                  provisional_years=(), calendar_version="cc1.0+official:2026+prov:holidays0.1"
                  "+overrides:abcd1234")
    lines = explain(
        rule, period="15 working_days", basis="field:clue_found_on",
        started=at("2026-03-02T00:00"),
        pauses=[PauseFact(at("2026-03-10T00:00"), at("2026-03-13T00:00"),
                          "public_notice: 登报公告")],
        extensions=[ExtensionFact("10 working_days", "chen.sup", at("2026-03-20T09:30"),
                                  "情况复杂")],
        due=due, titles={"field:clue_found_on": ("发现线索日期", "Clue found on")})
    assert [(e.step, e.zh) for e in lines] == [
        ("start", "自步骤记录的法定日期“发现线索日期”（2026-03-02）起算，当日不计入，自次日起算"),
        ("period", "期限 15个工作日（《程序规定》第十八条）"),
        ("pause", "2026-03-10 至 2026-03-13 暂停：2026-03-10…2026-03-12 共 3 日不计入，"
                  "2026-03-13 恢复计算（依法不计入：公告，登报公告）"),
        ("extension", "延长 10个工作日：chen.sup 于 2026-03-20 09:30 批准，理由：情况复杂"),
        ("calendar", "按国务院办公厅公布的节假日安排及管理员登记的休息日、工作日调整计算"
                     "（日历数据版本 cc1.0+official:2026+prov:holidays0.1+overrides:abcd1234）"),
        ("due", "期限届满：2026-03-30 24:00"),
    ]
    assert [e.en for e in lines] == [
        "counted from the legal date the step recorded, Clue found on = 2026-03-02 (that day "
        "not counted; counting begins the next day)",
        "period 15 working days (《程序规定》第十八条)",
        "paused 2026-03-10 to 2026-03-13: 3 day(s) 2026-03-10..2026-03-12 not counted, "
        "counting resumed on 2026-03-13 (not counted by law: public notice, 登报公告)",
        "extended by 10 working days: approved by chen.sup at 2026-03-20 09:30, reason: 情况复杂",
        "counted on the State Council General Office's published holiday schedules and the "
        "rest days and workdays an administrator recorded (calendar data "
        "cc1.0+official:2026+prov:holidays0.1+overrides:abcd1234)",
        "due by 2026-03-30 24:00",
    ]


def test_hour_clock_after_other_clocks_in_a_state_on_a_provisional_calendar():
    rule = ClockRule(name="answer", title_zh="答复期限", title_en="Answer period",
                     period=Period(24, "hours"), source="某规定")
    due = DueDate(start=at("2027-01-04T10:00"), period=Period(24, "hours"),
                  due=at("2027-01-05T12:30"), last_day=date(2027, 1, 5), provisional=True,
                  provisional_years=(2027,), calendar_version="cc1.0+prov:holidays0.1",
                  paused=timedelta(hours=2, minutes=30))
    lines = explain(
        rule, period="24 hours", basis="after:notice,objection", started=at("2027-01-04T10:00"),
        pauses=[PauseFact(at("2027-01-04T12:00"), at("2027-01-04T14:30"), "state:hearing"),
                PauseFact(at("2027-01-05T09:00"), None, "testing")],
        extensions=[], due=due,
        states={"hearing": "听证"},
        titles={"clock:notice": ("告知期限", "Notice period")})
    assert [e.zh for e in lines] == [
        "自期限“告知期限”、“objection”届满之日 2027-01-04 10:00 起算",
        "期限 24小时（某规定）",
        "2027-01-04 12:00 至 2027-01-04 14:30 暂停 2小时30分钟（案件处于“听证”）",
        "自 2027-01-05 起暂停，尚未恢复（依法不计入：检测）",
        "按国务院办公厅公布的节假日安排计算（日历数据版本 cc1.0+prov:holidays0.1）；2027 年官方安排"
        "尚未公布，日期为暂定，公布后重新计算",
        "期限届满：2027-01-05 12:30",
    ]
    assert lines[0].en == ("counted from 2027-01-04 10:00, the day the period(s) Notice period, "
                           "objection ended")
    assert lines[2].en == ("paused 2027-01-04 12:00 to 2027-01-04 14:30, 2 hours 30 minutes "
                           "(the case was in 'hearing')")
    assert lines[3].en == "paused from 2027-01-05, still paused (not counted by law: testing)"
    assert lines[4].en.startswith("counted on the State Council General Office's published "
                                  "holiday schedules (calendar data cc1.0+prov:holidays0.1); "
                                  "provisional: the official schedule for 2027")


def test_every_pause_reason_in_the_workflows_has_a_chinese_name():
    definitions = load_directory(WORKFLOWS)
    used = {r for d in definitions for c in d.clocks.values() for r in c.pause_reasons}
    assert used and used <= set(PAUSE_REASON_TITLES)
    for zh, en in PAUSE_REASON_TITLES.values():
        assert zh and en and not zh.isascii() and en.isascii()


def test_titles_come_from_the_definition():
    definition = next(d for d in load_directory(WORKFLOWS) if d.key == "admin_enforcement")
    titles = explain_titles(definition)
    assert titles["field:clue_received_on"] == ("发现线索/收到材料日期",
                                                "Clue discovered or material received on")
    some_clock = next(iter(definition.clocks.values()))
    assert titles[f"clock:{some_clock.name}"] == (some_clock.title_zh, some_clock.title_en)
    state = definition.states[definition.initial]
    assert titles[f"state:{state.name}"] == (state.title_zh, state.title_en)


def test_a_pause_that_ends_the_day_it_began_leaves_no_day_out():
    rule = ClockRule(name="filing", title_zh="立案期限", title_en="Filing period",
                     period=Period(15, "working_days"), source="某规定")
    due = DueDate(start=at("2026-03-02T09:00"), period=Period(15, "working_days"),
                  due=at("2026-03-24T00:00"), last_day=date(2026, 3, 23), provisional=False,
                  provisional_years=(), calendar_version="cc1.0")
    lines = explain(rule, period="15 working_days", basis="received_on",
                    started=at("2026-03-02T00:00"),
                    pauses=[PauseFact(at("2026-03-05T09:00"), at("2026-03-05T16:00"),
                                      "rights_holder_identification")],
                    extensions=[], due=due)
    pause = next(e for e in lines if e.step == "pause")
    assert pause.zh == "2026-03-05 暂停并于当日恢复计算，不扣除任何一日（依法不计入：权利人辨认或者鉴别）"
    assert pause.en == ("paused and resumed on 2026-03-05: no day left out (not counted by law: "
                        "identification by the rights holder)")
