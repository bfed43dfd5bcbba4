"""Tests for caseflow.periods: every due-date rule, checked by hand and by properties."""

from __future__ import annotations

import json
import statistics
import time
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from caseflow.domain.calendar import TZ, WorkCalendar
from caseflow.domain.periods import (
    PAUSE_CONVENTION,
    DueDate,
    DueLeg,
    Period,
    calculate,
    compute_due,
    parse_local_datetime,
    pause_interval,
)
from caseflow.domain.schedules import parse_schedule

CAL = WorkCalendar.default()


def d(text: str) -> date:
    return date.fromisoformat(text)


def at(text: str) -> datetime:
    """A Shanghai wall-clock time."""
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


def due(start: str, period: str, pauses=(), cal: WorkCalendar = CAL) -> DueDate:
    return compute_due(at(start), Period.parse(period), cal, pauses)


def day_pause(first: str, last: str) -> tuple[datetime, datetime]:
    """Whole days first..last inclusive as a half-open [first 00:00, last+1 00:00) pause."""
    return at(first), at(last) + timedelta(days=1)


# --------------------------------------------------------------------------- Period


@pytest.mark.parametrize(
    "text, amount, unit",
    [
        ("3 working_days", 3, "working_days"),
        ("24 hours", 24, "hours"),
        ("15 days", 15, "days"),
        ("3 months", 3, "months"),
        ("1 day", 1, "days"),
        ("  7 Working Days ", 7, "working_days"),
        ("1 month", 1, "months"),
    ],
)
def test_period_parse(text: str, amount: int, unit: str) -> None:
    p = Period.parse(text)
    assert (p.amount, p.unit) == (amount, unit)
    assert Period.parse(str(p)) == p


def test_period_str() -> None:
    assert str(Period(3, "working_days")) == "3 working_days"
    assert str(Period(1, "months")) == "1 months"


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("", "expected '<whole number> <unit>'"),
        ("3", "expected '<whole number> <unit>'"),
        ("three days", "expected '<whole number> <unit>'"),
        ("3.5 days", "expected '<whole number> <unit>'"),
        ("days 3", "expected '<whole number> <unit>'"),
        ("3 weeks", "unknown unit 'weeks'"),
        ("3 days extra", "unknown unit"),
        ("0 days", "positive"),
        ("-2 days", "positive"),
        ("1000000 days", "larger than"),
    ],
)
def test_period_parse_errors(text: str, fragment: str) -> None:
    with pytest.raises(ValueError) as info:
        Period.parse(text)
    assert fragment in str(info.value)


def test_period_constructor_validates() -> None:
    with pytest.raises(ValueError):
        Period(0, "days")
    with pytest.raises(ValueError):
        Period(True, "days")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Period(3, "weeks")


# --------------------------------------------------------------------------- hand-checked


def test_three_working_days_from_friday_before_mid_autumn() -> None:
    # Start Fri 2026-09-18 (not counted). Sat 9/19 rest; Sun 9/20 is a make-up workday: WD1;
    # Mon 9/21 WD2; Tue 9/22 WD3. Ends 24:00 on 9/22.
    r = due("2026-09-18T10:00", "3 working_days")
    assert r.last_day == d("2026-09-22")
    assert r.due == at("2026-09-23T00:00")
    assert r.due.isoformat() == "2026-09-23T00:00:00+08:00"
    assert not r.provisional and r.provisional_years == ()
    assert r.rolled_from is None


def test_fifteen_working_days_across_national_day() -> None:
    # Start Wed 9/23. Thu 9/24 WD1; 9/25-27 Mid-Autumn rest; Mon-Wed 9/28-30 WD2-4;
    # 10/1-10/7 rest; Thu 10/8 WD5; Fri 10/9 WD6; Sat 10/10 make-up WD7; Sun 10/11 rest;
    # Mon-Fri 10/12-16 WD8-12; Mon-Wed 10/19-21 WD13-15.
    r = due("2026-09-23T10:00", "15 working_days")
    assert r.last_day == d("2026-10-21")


def test_seven_days_ending_on_national_day_rolls() -> None:
    # Start Sat 9/26; days 9/27..10/3 are 1..7, so the last day is Sat 10/3, a holiday.
    # 10/4-10/7 are rest too; Thu 10/8 is the first working day.
    r = due("2026-09-26T10:00", "7 days")
    assert r.rolled_from == d("2026-10-03")
    assert r.last_day == d("2026-10-08")
    assert r.due == at("2026-10-09T00:00")


def test_days_ending_on_make_up_workday_do_not_roll() -> None:
    # Start 10/3; 10/4..10/10 are days 1..7; Sat 10/10 is a make-up workday: no roll.
    r = due("2026-10-03T09:00", "7 days")
    assert r.last_day == d("2026-10-10")
    assert r.rolled_from is None


def test_days_ending_on_ordinary_sunday_roll_to_monday() -> None:
    # Fri 3/6 + 2 days = Sun 3/8 -> Mon 3/9.
    r = due("2026-03-06T16:00", "2 days")
    assert (r.rolled_from, r.last_day) == (d("2026-03-08"), d("2026-03-09"))


def test_fifteen_days_into_spring_festival() -> None:
    # 2/5 + 15 days = Fri 2/20 (festival); 2/21-2/23 rest (2/23 a 调休 Monday); Tue 2/24.
    r = due("2026-02-05T10:00", "15 days")
    assert (r.rolled_from, r.last_day) == (d("2026-02-20"), d("2026-02-24"))


def test_ninety_days() -> None:
    # From 3/2: 3/31 is day 29, 4/30 day 59, 5/31 day 90 = Sunday -> Mon 6/1.
    r = due("2026-03-02T10:00", "90 days")
    assert (r.rolled_from, r.last_day) == (d("2026-05-31"), d("2026-06-01"))


def test_start_on_a_holiday_counts_from_the_next_day() -> None:
    # 10/1 + 5 days = 10/6 (rest) -> 10/8.
    assert due("2026-10-01T10:00", "5 days").last_day == d("2026-10-08")


def test_twenty_four_hours_across_midnight() -> None:
    r = due("2026-03-02T22:30", "24 hours")
    assert r.due == at("2026-03-03T22:30")
    assert r.last_day == d("2026-03-03")
    assert not r.provisional


def test_hours_ending_exactly_at_midnight_belong_to_the_previous_day() -> None:
    r = due("2026-03-02T00:00", "24 hours")
    assert r.due == at("2026-03-03T00:00")
    assert r.last_day == d("2026-03-02")


def test_hours_do_not_roll_over_holidays() -> None:
    assert due("2026-09-30T12:00", "24 hours").due == at("2026-10-01T12:00")


def test_hours_are_exact_across_summer_time() -> None:
    # China kept summer time 1986-1991; 1990-04-15 02:00 became 03:00.
    r = due("1990-04-14T12:00", "24 hours")
    elapsed = r.due.astimezone(UTC) - at("1990-04-14T12:00").astimezone(UTC)
    assert elapsed == timedelta(hours=24)
    assert r.due.isoformat() == "1990-04-15T13:00:00+09:00"


def test_one_month_from_january_31() -> None:
    # February 2026 has no 31st: the last day is 2/28, a Saturday that is a make-up workday,
    # so it does not roll. Ends 24:00 2/28 = 3/1 00:00.
    r = due("2026-01-31T10:00", "1 months")
    assert r.last_day == d("2026-02-28")
    assert r.rolled_from is None
    assert r.due == at("2026-03-01T00:00")


@pytest.mark.parametrize(
    "start, period, last_day, rolled_from",
    [
        # 7/3 + 3 months = Sat 10/3 (National Day) -> Thu 10/8.
        ("2026-07-03T10:00", "3 months", "2026-10-08", "2026-10-03"),
        # 11/30 + 3 months: February has no 30th -> 2/28 (make-up Saturday), no roll.
        ("2025-11-30T10:00", "3 months", "2026-02-28", None),
        # 3/31 + 3 months -> Tue 6/30, working.
        ("2026-03-31T10:00", "3 months", "2026-06-30", None),
        # 4/4 + 1 month -> Mon 5/4 (Labour Day block 5/1-5/5) -> Wed 5/6.
        ("2026-04-04T10:00", "1 months", "2026-05-06", "2026-05-04"),
        # 2/28 + 1 month -> the same day number, 3/28 (Saturday) -> Mon 3/30; not 3/31.
        ("2026-02-28T10:00", "1 months", "2026-03-30", "2026-03-28"),
    ],
)
def test_months(start: str, period: str, last_day: str, rolled_from: str | None) -> None:
    r = due(start, period)
    assert r.last_day == d(last_day)
    assert r.rolled_from == (d(rolled_from) if rolled_from else None)


def test_start_converted_to_shanghai() -> None:
    # 2026-03-01T20:00Z is 2026-03-02 04:00 in Shanghai: the start day is 3/2, not 3/1.
    r = compute_due(datetime(2026, 3, 1, 20, tzinfo=UTC), Period(1, "days"), CAL)
    assert r.start.tzinfo is TZ or str(r.start.tzinfo) == "Asia/Shanghai"
    assert r.last_day == d("2026-03-03")
    assert str(r.due.tzinfo) == "Asia/Shanghai"


def test_naive_start_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        compute_due(datetime(2026, 3, 2, 10), Period(1, "days"), CAL)


def test_beyond_year_9999_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="supported date range"):
        compute_due(datetime(9999, 12, 20, tzinfo=TZ), Period(30, "days"), CAL)
    with pytest.raises(ValueError, match="supported date range"):
        compute_due(datetime(9999, 12, 20, tzinfo=TZ), Period(2, "months"), CAL)


# --------------------------------------------------------------------------- 2027


TEXT_2027 = """\
year: 2027
rest:
  - 2027-01-01
workdays:
  - 2027-01-02
"""  # illustrative, not the real 2027 notice


def test_2027_due_dates_are_provisional_until_loaded() -> None:
    # Mon 2026-12-28 + 5 WD: 12/29, 12/30, 12/31 (WD1-3); Fri 1/1 New Year (provisional
    # rest); Sat 1/2, Sun 1/3 weekend; Mon 1/4 WD4; Tue 1/5 WD5.
    r = due("2026-12-28T10:00", "5 working_days")
    assert r.last_day == d("2027-01-05")
    assert r.provisional and r.provisional_years == (2027,)
    assert r.calendar_version == CAL.version

    loaded = CAL.with_schedule(parse_schedule(TEXT_2027, "test"))
    # With a (hypothetical) make-up Saturday 1/2: 12/29-31 WD1-3, Sat 1/2 WD4, Mon 1/4 WD5.
    r2 = due("2026-12-28T10:00", "5 working_days", cal=loaded)
    assert r2.last_day == d("2027-01-04")
    assert not r2.provisional and r2.provisional_years == ()
    assert r2.calendar_version == loaded.version != r.calendar_version


def test_calendar_days_provisional_only_if_the_last_day_is_unofficial() -> None:
    # 12/27 + 7 days = Sun 2027-01-03 -> provisional roll to Mon 1/4.
    r = due("2026-12-27T10:00", "7 days")
    assert r.last_day == d("2027-01-04") and r.provisional
    # 12/1 + 7 days = 12/8: nothing in 2027 was looked at.
    assert not due("2026-12-01T10:00", "7 days").provisional
    # Hours never consult the calendar.
    assert not due("2026-12-31T10:00", "48 hours").provisional


def test_provisional_years_lists_every_unofficial_year() -> None:
    r = due("2026-12-30T10:00", "600 working_days")
    assert r.provisional_years == (2027, 2028, 2029)


# --------------------------------------------------------------------------- pauses


def test_pause_on_working_day_clock_adds_the_working_days_in_it() -> None:
    # Fri 5/29 + 10 WD: 6/1-6/5, 6/8-6/12 -> 6/12. June 1-5 (Mon-Fri) are all working days,
    # so pausing them adds 5 WD: 6/15-6/18 and (6/19 Dragon Boat, weekend) Mon 6/22.
    plain = due("2026-05-29T10:00", "10 working_days")
    paused = due("2026-05-29T10:00", "10 working_days", [day_pause("2026-06-01", "2026-06-05")])
    assert plain.last_day == d("2026-06-12")
    assert paused.last_day == d("2026-06-22")
    assert paused.paused_days == 5
    after = plain.last_day
    for _ in range(5):
        after = CAL.first_working_day_after(after)
    assert paused.last_day == after


def test_pause_over_a_holiday_adds_only_its_working_days() -> None:
    # A pause over 10/1-10/9 contains two working days (10/8, 10/9).
    plain = due("2026-09-28T10:00", "5 working_days")
    # 9/29 WD1, 9/30 WD2, 10/8 WD3, 10/9 WD4, 10/10 (make-up) WD5
    assert plain.last_day == d("2026-10-10")
    paused = due("2026-09-28T10:00", "5 working_days", [day_pause("2026-10-01", "2026-10-09")])
    # 9/29, 9/30, then 10/10, 10/12, 10/13
    assert paused.last_day == d("2026-10-13")
    assert paused.paused_days == 2


def test_zero_length_pause_changes_nothing() -> None:
    moment = at("2026-06-02T09:00")
    for period in ("24 hours", "10 days", "10 working_days", "1 months"):
        assert (
            due("2026-06-01T10:00", period, [(moment, moment)]).due
            == due("2026-06-01T10:00", period).due
        )


def test_same_day_pause_excludes_no_day_but_counts_hours() -> None:
    pause = [(at("2026-06-02T10:00"), at("2026-06-02T15:00"))]
    assert (
        due("2026-06-01T10:00", "10 days", pause).last_day
        == due("2026-06-01T10:00", "10 days").last_day
    )
    r = due("2026-06-01T10:00", "48 hours", pause)
    assert r.due == at("2026-06-03T15:00")
    assert r.paused == timedelta(hours=5)


def test_pause_after_due_date_changes_nothing() -> None:
    late = [day_pause("2026-07-02", "2026-07-10")]  # all four end by 2026-07-01
    for period in ("24 hours", "10 days", "10 working_days", "1 months"):
        plain = due("2026-06-01T10:00", period)
        paused = due("2026-06-01T10:00", period, late)
        assert paused.due == plain.due
        assert paused.paused_days == 0 and paused.paused == timedelta(0)


def test_pause_starting_at_the_due_instant_changes_nothing() -> None:
    plain = due("2026-06-01T10:00", "3 working_days")
    pause = [(plain.due, plain.due + timedelta(days=3))]
    assert due("2026-06-01T10:00", "3 working_days", pause).due == plain.due


def test_overlapping_pauses_counted_once() -> None:
    one = [day_pause("2026-06-01", "2026-06-05")]
    two = [day_pause("2026-06-01", "2026-06-03"), day_pause("2026-06-02", "2026-06-05")]
    for period in ("10 days", "10 working_days", "1 months"):
        assert due("2026-05-29T10:00", period, two) == due("2026-05-29T10:00", period, one)
    hours_two = [
        (at("2026-06-01T10:00"), at("2026-06-01T14:00")),
        (at("2026-06-01T12:00"), at("2026-06-01T16:00")),
    ]
    r = due("2026-06-01T08:00", "24 hours", hours_two)
    assert r.paused == timedelta(hours=6)
    assert r.due == at("2026-06-02T14:00")


def test_hours_pause_is_exact() -> None:
    # 48 h from 3/2 10:00 is 3/4 10:00; a 3.5 h pause on 3/2 moves it to 13:30.
    r = due("2026-03-02T10:00", "48 hours", [(at("2026-03-02T12:00"), at("2026-03-02T15:30"))])
    assert r.due == at("2026-03-04T13:30")
    assert r.paused == timedelta(hours=3, minutes=30)


def test_pause_beginning_before_start_is_clipped() -> None:
    # Pause [2/25, 3/4 00:00) from Mon 3/2 10:00: only 3/3 lies in the counted range.
    # 3 days: 3/4, 3/5, 3/6 -> Fri 3/6 (unpaused: Thu 3/5).
    r = due("2026-03-02T10:00", "3 days", [(at("2026-02-25T00:00"), at("2026-03-04T00:00"))])
    assert r.last_day == d("2026-03-06")
    assert r.paused_days == 1
    # Hours: only 10:00-12:00 of the pause lies after the start.
    h = due("2026-03-02T10:00", "24 hours", [(at("2026-03-01T00:00"), at("2026-03-02T12:00"))])
    assert h.due == at("2026-03-03T12:00")
    assert h.paused == timedelta(hours=2)


def test_pause_on_rolled_day_moves_it_past_the_pause() -> None:
    # 9/26 + 7 days -> 10/3 -> rolls to 10/8; with 10/8 paused the first unpaused working day
    # is Fri 10/9.
    r = due("2026-09-26T10:00", "7 days", [day_pause("2026-10-08", "2026-10-08")])
    assert r.last_day == d("2026-10-09")


def test_month_clock_pause_adds_calendar_days() -> None:
    # 1/31 + 1 month = 2/28 (28 days); pausing 2/1-2/3 adds 3 days: Tue 3/3.
    r = due("2026-01-31T10:00", "1 months", [day_pause("2026-02-01", "2026-02-03")])
    assert r.last_day == d("2026-03-03")
    assert r.paused_days == 3


def test_bad_pauses_refused() -> None:
    with pytest.raises(ValueError, match="before it begins"):
        due("2026-03-02T10:00", "3 days", [(at("2026-03-05T00:00"), at("2026-03-04T00:00"))])
    with pytest.raises(ValueError, match="timezone-aware"):
        due("2026-03-02T10:00", "3 days", [(datetime(2026, 3, 4), at("2026-03-05T00:00"))])
    with pytest.raises(ValueError, match="pair"):
        due("2026-03-02T10:00", "3 days", [(at("2026-03-04T00:00"),)])


# --------------------------------------------------------------------------- properties


UNITS_DAY_BASED = ("days", "working_days", "months")
starts = st.datetimes(
    min_value=datetime(2004, 1, 1), max_value=datetime(2031, 12, 31), timezones=st.just(TZ)
)


@st.composite
def periods(draw: st.DrawFn, units: tuple[str, ...] = ("hours", *UNITS_DAY_BASED)) -> Period:
    unit = draw(st.sampled_from(units))
    top = {"hours": 2000, "days": 400, "working_days": 120, "months": 36}[unit]
    return Period(draw(st.integers(1, top)), unit)


@st.composite
def pause_lists(draw: st.DrawFn, start: datetime) -> list[tuple[datetime, datetime]]:
    out = []
    for _ in range(draw(st.integers(0, 3))):
        a = start + timedelta(hours=draw(st.integers(-48, 24 * 120)))
        out.append((a, a + timedelta(hours=draw(st.integers(0, 24 * 30)))))
    return out


def excluded_days(pauses: list[tuple[datetime, datetime]], start: datetime) -> set[date]:
    """Brute-force reference for the days a list of pauses excludes."""
    days: set[date] = set()
    for a, b in pauses:
        a = max(a, start)
        day = a.date()
        while day < b.astimezone(TZ).date():
            days.add(day)
            day += timedelta(days=1)
    return days


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_day_based_results_match_a_brute_force_count(data: st.DataObject) -> None:
    start = data.draw(starts)
    period = data.draw(periods(UNITS_DAY_BASED))
    pauses = data.draw(pause_lists(start))
    r = compute_due(start, period, CAL, pauses)
    excl = excluded_days(pauses, start)
    day = start.date()
    if period.unit == "working_days":
        counted = 0
        while counted < period.amount:
            day += timedelta(days=1)
            counted += CAL.is_working_day(day) and day not in excl
    else:
        if period.unit == "days":
            n = period.amount
        else:
            m = start.month - 1 + period.amount
            y, m = start.year + m // 12, m % 12 + 1
            for last in (31, 30, 29, 28):
                try:
                    target = date(y, m, min(start.day, last))
                    break
                except ValueError:
                    continue
            n = (target - start.date()).days
        counted = 0
        while counted < n:
            day += timedelta(days=1)
            counted += day not in excl
        while CAL.is_rest_day(day) or day in excl:
            day += timedelta(days=1)
    assert r.last_day == day
    assert r.due == datetime.combine(day + timedelta(days=1), datetime.min.time(), TZ)


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_last_day_is_a_working_day_after_the_start(data: st.DataObject) -> None:
    start = data.draw(starts)
    period = data.draw(periods(UNITS_DAY_BASED))
    pauses = data.draw(pause_lists(start))
    r = compute_due(start, period, CAL, pauses)
    # Working-day clocks end on a working day; calendar-day and month clocks never on a rest day.
    assert CAL.is_working_day(r.last_day)
    assert r.last_day > start.date()
    assert r.due > start
    assert r.provisional == (r.last_day.year >= 2027)


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_due_is_monotonic_in_amount(data: st.DataObject) -> None:
    start = data.draw(starts)
    period = data.draw(periods())
    pauses = data.draw(pause_lists(start))
    longer = Period(period.amount + 1, period.unit)
    assert (
        compute_due(start, longer, CAL, pauses).due >= compute_due(start, period, CAL, pauses).due
    )


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_longer_pause_never_gives_earlier_due(data: st.DataObject) -> None:
    start = data.draw(starts)
    period = data.draw(periods())
    pauses = data.draw(pause_lists(start))
    a = start + timedelta(hours=data.draw(st.integers(-24, 24 * 60)))
    b = a + timedelta(hours=data.draw(st.integers(0, 24 * 20)))
    extra = timedelta(hours=data.draw(st.integers(0, 24 * 20)))
    shorter = compute_due(start, period, CAL, [*pauses, (a, b)])
    longer = compute_due(start, period, CAL, [*pauses, (a, b + extra)])
    earlier_start = compute_due(start, period, CAL, [*pauses, (a - extra, b)])
    assert longer.due >= shorter.due
    assert earlier_start.due >= shorter.due
    assert compute_due(start, period, CAL, pauses).due <= shorter.due


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_pause_resume_with_no_gap_changes_nothing(data: st.DataObject) -> None:
    start = data.draw(starts)
    period = data.draw(periods())
    pauses = data.draw(pause_lists(start))
    a = start + timedelta(hours=data.draw(st.integers(0, 24 * 60)))
    m = a + timedelta(minutes=data.draw(st.integers(0, 60 * 24 * 10)))
    b = m + timedelta(minutes=data.draw(st.integers(0, 60 * 24 * 10)))
    base = compute_due(start, period, CAL, pauses)
    # A pause of no length is no pause.
    assert compute_due(start, period, CAL, [*pauses, (m, m)]).due == base.due
    # Pausing, resuming and pausing again at the same instant = one pause.
    split = compute_due(start, period, CAL, [*pauses, (a, m), (m, b)])
    whole = compute_due(start, period, CAL, [*pauses, (a, b)])
    assert split.due == whole.due


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_hours_are_exact(data: st.DataObject) -> None:
    start = data.draw(starts)
    period = data.draw(periods(("hours",)))
    pauses = data.draw(pause_lists(start))
    r = compute_due(start, period, CAL, pauses)
    elapsed = r.due.astimezone(UTC) - start.astimezone(UTC)
    assert elapsed == timedelta(hours=period.amount) + r.paused
    assert r.paused <= sum((b - a for a, b in pauses), timedelta(0))
    assert not r.provisional


@settings(max_examples=150, deadline=None)
@given(
    st.datetimes(
        min_value=datetime(1990, 1, 1), max_value=datetime(2100, 12, 31), timezones=st.just(TZ)
    ),
    periods(),
)
def test_never_crashes_1990_to_2100(start: datetime, period: Period) -> None:
    r = compute_due(start, period, CAL)
    assert r.due > start
    assert r.provisional == any(not CAL.is_official(y) for y in r.provisional_years)


# --------------------------------------------------------------------------- speed


@pytest.mark.parametrize("period", ["90 days", "30 working_days", "3 months", "72 hours"])
def test_computation_is_fast(period: str) -> None:
    start = at("2026-03-02T10:00")
    p = Period.parse(period)
    compute_due(start, p, CAL)
    samples = []
    for _ in range(200):
        t0 = time.perf_counter()
        compute_due(start, p, CAL)
        samples.append(time.perf_counter() - t0)
    assert statistics.median(samples) < 0.001


# --------------------------------------------------------------------------- calculate / CLI


def test_calculate_returns_json_ready_dict() -> None:
    # New convention (issue 8 point 3): the pair is (first paused day, day counting resumes),
    # so 3/3-3/5 excludes 3/3 and 3/4 (it read 3/3-3/4 inclusive before).
    out = calculate("2026-03-02T10:00", "3 working_days", [("2026-03-03", "2026-03-05")], CAL)
    # 3/3, 3/4 paused; 3/5 WD1, 3/6 WD2, (weekend) Mon 3/9 WD3.
    assert out == {
        "start": "2026-03-02T10:00:00+08:00",
        "period": "3 working_days",
        "due": "2026-03-10T00:00:00+08:00",
        "last_day": "2026-03-09",
        "rolled_from": None,
        "provisional": False,
        "provisional_years": [],
        "calendar_version": CAL.version,
        "pauses": ["2026-03-03/2026-03-05"],
        "pause_convention": "each pause A/B excludes A..B-1 (counting resumes on B)",
        "paused_days": 2,
    }
    json.dumps(out)


def test_calculate_hours_and_pause_forms() -> None:
    out = calculate("2026-03-02T10:00", "48 hours", ["2026-03-03"])
    assert out["paused_hours"] == 24.0
    assert out["due"] == "2026-03-05T10:00:00+08:00"
    assert "paused_days" not in out
    # 'A/B' excludes A..B-1: 6/1-6/6 excludes 1-5 June (the old reading was 6/1-6/5 inclusive)
    slash = calculate("2026-05-29T10:00", "10 working_days", ["2026-06-01/2026-06-06"])
    pair = calculate("2026-05-29T10:00", "10 working_days", [(d("2026-06-01"), d("2026-06-06"))])
    assert slash == pair
    assert slash["pauses"] == ["2026-06-01/2026-06-06"]
    assert slash["last_day"] == "2026-06-22" and slash["paused_days"] == 5


def test_calculate_reads_naive_start_as_shanghai_and_converts_offsets() -> None:
    assert calculate("2026-03-02T10:00", "1 days")["start"] == "2026-03-02T10:00:00+08:00"
    assert calculate("2026-03-02T02:00Z", "1 days")["start"] == "2026-03-02T10:00:00+08:00"
    assert calculate(datetime(2026, 3, 2, 10), "1 days")["start"] == "2026-03-02T10:00:00+08:00"
    provisional = calculate("2026-12-28T10:00", "5 working_days")
    assert provisional["provisional"] is True and provisional["provisional_years"] == [2027]


@pytest.mark.parametrize(
    "pause, fragment",
    [
        (("2026-06-05", "2026-06-01"), "before the pause begins"),
        ("2026-06-05/2026-06-04", "B may not be before A"),
        ("2026-06-31", "not a date"),
        ((datetime(2026, 6, 1, tzinfo=TZ), "2026-06-02"), "whole days"),
        (42, "expected"),
    ],
)
def test_calculate_bad_pauses(pause: object, fragment: str) -> None:
    with pytest.raises(ValueError) as info:
        calculate("2026-03-02T10:00", "3 days", [pause])
    assert fragment in str(info.value)


def test_pause_interval_is_from_the_first_day_to_the_day_counting_resumes() -> None:
    a, b = pause_interval(d("2026-06-01"), d("2026-06-06"))
    assert (a, b) == (at("2026-06-01T00:00"), at("2026-06-06T00:00"))
    assert str(a.tzinfo) == "Asia/Shanghai"
    # 1-5 June excluded: 5 days = 6 June - 1 June.
    r = due("2026-05-29T10:00", "10 working_days", [(a, b)])
    assert r.paused_days == 5 and r.last_day == d("2026-06-22")
    assert pause_interval(d("2026-06-01"), d("2026-06-01")) == (at("2026-06-01T00:00"),) * 2
    with pytest.raises(ValueError, match="before the pause begins"):
        pause_interval(d("2026-06-06"), d("2026-06-05"))
    with pytest.raises(ValueError, match="must be a date"):
        pause_interval(datetime(2026, 6, 1, tzinfo=TZ), d("2026-06-05"))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="must be a date"):
        pause_interval(d("2026-06-01"), "2026-06-05")  # type: ignore[arg-type]


def test_calculate_pause_forms_follow_the_engine_convention() -> None:
    start, period = "2026-05-29T10:00", "10 working_days"
    plain = calculate(start, period)
    # A/B excludes A..B-1; a single day A is A/A+1; A/A excludes nothing.
    five = calculate(start, period, ["2026-06-01/2026-06-06"])
    assert five["paused_days"] == 5 and five["pause_convention"] == PAUSE_CONVENTION
    one = calculate(start, period, ["2026-06-03"])
    assert one["pauses"] == ["2026-06-03/2026-06-04"] and one["paused_days"] == 1
    assert one == calculate(start, period, ["2026-06-03/2026-06-04"])
    none = calculate(start, period, ["2026-06-03/2026-06-03"])
    assert none["paused_days"] == 0 and none["due"] == plain["due"]
    assert none["pauses"] == ["2026-06-03/2026-06-03"]
    # The engine's record of a state entered on 1 June and left on 6 June gives the same date.
    engine = compute_due(at(start), Period.parse(period), CAL,
                         [(at("2026-06-01T09:30"), at("2026-06-06T16:00"))])
    assert engine.due.isoformat() == five["due"]


def test_compute_due_explains_itself_as_one_leg() -> None:
    r = due("2026-09-26T10:00", "7 days")  # 10/3 rolls to 10/8
    assert r.legs == (DueLeg(period=Period(7, "days"), start=at("2026-09-26T10:00"),
                             last_day=d("2026-10-08"), rolled_from=d("2026-10-03"),
                             paused_days=0, paused=timedelta(0), provisional=False),)
    h = due("2026-03-02T10:00", "48 hours", [(at("2026-03-03T10:00"), at("2026-03-03T12:00"))])
    assert len(h.legs) == 1 and h.legs[0].paused == timedelta(hours=2)
    assert h.legs[0].last_day == h.last_day == d("2026-03-04")
    # DueDate built by hand (older callers) still works: legs default to none.
    assert DueDate(start=r.start, period=r.period, due=r.due, last_day=r.last_day,
                   provisional=False, provisional_years=(), calendar_version="x").legs == ()


def test_parse_local_datetime() -> None:
    assert parse_local_datetime("2026-03-02T10:00") == at("2026-03-02T10:00")
    assert parse_local_datetime(" 2026-03-02 10:00:30 ") == at("2026-03-02T10:00:30")
    assert parse_local_datetime("2026-03-02") == at("2026-03-02T00:00")
    assert parse_local_datetime("2026-03-02T10:00+00:00") == at("2026-03-02T18:00")
    assert str(parse_local_datetime("2026-03-02T10:00+00:00").tzinfo) == "Asia/Shanghai"


@pytest.mark.parametrize("text", ["", "   ", "yesterday", "2026-13-01", "2026-03-02T25:00"])
def test_parse_local_datetime_errors(text: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_local_datetime(text)
    assert "2026-03-02T10:00" in str(info.value)  # the message shows the expected form
