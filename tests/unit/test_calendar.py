"""Tests for caseflow.calendar: official data, the provisional rule, loading schedules."""

from __future__ import annotations

import time
from datetime import UTC, date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from caseflow.domain.calendar import TZ, WorkCalendar, builtin_schedules
from caseflow.domain.schedules import (
    CalendarFileError,
    YearSchedule,
    parse_schedule,
    schedule_to_text,
)


def d(text: str) -> date:
    return date.fromisoformat(text)


def span(first: str, last: str) -> set[date]:
    a, b = d(first), d(last)
    return {a + timedelta(days=i) for i in range((b - a).days + 1)}


# legal-deadlines.md, "Official calendar 2026" (国务院办公厅, 2025-11-04), typed from the notice.
REST_2026 = (
    span("2026-01-01", "2026-01-03")
    | span("2026-02-15", "2026-02-23")
    | span("2026-04-04", "2026-04-06")
    | span("2026-05-01", "2026-05-05")
    | span("2026-06-19", "2026-06-21")
    | span("2026-09-25", "2026-09-27")
    | span("2026-10-01", "2026-10-07")
)
WORK_2026 = {
    d(x)
    for x in ("2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10")
}

# An illustrative 2027 file (NOT the real 2027 notice, which is not published yet).
TEXT_2027 = """\
year: 2027
rest:        # official rest periods, inclusive ranges or single dates
  - 2027-01-01
  - 2027-02-05/2027-02-13
  - 2027-10-01/2027-10-07
workdays:    # official make-up workdays
  - 2027-02-14
  - 2027-10-09
"""


@pytest.fixture(scope="module")
def cal() -> WorkCalendar:
    return WorkCalendar.default()


# --------------------------------------------------------------------------- 2026 official


def test_timezone_is_shanghai() -> None:
    assert str(TZ) == "Asia/Shanghai"


def test_2026_is_official(cal: WorkCalendar) -> None:
    assert cal.is_official(2026)
    assert not cal.is_provisional(d("2026-06-01"))
    assert 2004 in cal.official_years and 2026 in cal.official_years


@pytest.mark.parametrize(
    "day, working",
    [
        ("2026-10-10", True),  # Saturday, make-up workday
        ("2026-10-01", False),
        ("2026-10-07", False),  # Wednesday, 调休 rest day
        ("2026-10-08", True),  # Thursday after National Day
        ("2026-02-14", True),  # Saturday, make-up workday
        ("2026-02-28", True),  # Saturday, make-up workday
        ("2026-02-15", False),
        ("2026-02-23", False),  # Monday, 调休 rest day
        ("2026-02-24", True),
        ("2026-09-20", True),  # Sunday, make-up workday
        ("2026-09-25", False),  # Friday, Mid-Autumn
        ("2026-03-07", False),  # ordinary Saturday
        ("2026-03-06", True),  # ordinary Friday
    ],
)
def test_2026_spot_checks(cal: WorkCalendar, day: str, working: bool) -> None:
    assert cal.is_working_day(d(day)) is working
    assert cal.is_rest_day(d(day)) is (not working)


def test_2026_every_day_matches_the_published_notice(cal: WorkCalendar) -> None:
    day = d("2026-01-01")
    mismatches = []
    while day.year == 2026:
        expected = day in WORK_2026 or (day.weekday() < 5 and day not in REST_2026)
        if cal.is_working_day(day) is not expected:
            mismatches.append(day.isoformat())
        day += timedelta(days=1)
    assert mismatches == []


def test_2026_schedule_derived_from_chinese_calendar_equals_notice() -> None:
    s = builtin_schedules()[2026]
    assert s.rest_days == REST_2026
    assert s.workdays == WORK_2026
    assert s.source.startswith("chinese_calendar")


def test_first_working_day(cal: WorkCalendar) -> None:
    assert cal.first_working_day_on_or_after(d("2026-10-01")) == d("2026-10-08")
    assert cal.first_working_day_on_or_after(d("2026-10-08")) == d("2026-10-08")
    # Friday 10-09 -> the next working day is the make-up Saturday 10-10.
    assert cal.first_working_day_after(d("2026-10-09")) == d("2026-10-10")
    assert cal.first_working_day_after(d("2026-10-10")) == d("2026-10-12")


# --------------------------------------------------------------------------- provisional


@pytest.mark.parametrize(
    "day, working",
    [
        ("2027-01-01", False),  # New Year, Friday
        ("2027-10-01", False),  # National Day, Friday
        ("2027-10-02", False),  # Saturday
        ("2027-02-05", False),  # Chinese New Year's Eve (Friday), statutory since 2025
        ("2027-02-08", False),  # Spring Festival day 3, Monday
        ("2027-02-09", True),  # no guessed 调休: Tuesday stays working
        ("2027-05-03", True),  # no guessed substitute for Labour Day on a weekend
        ("2027-03-03", True),  # ordinary Wednesday
        ("2027-03-06", False),  # ordinary Saturday
        ("2027-03-07", False),  # ordinary Sunday
    ],
)
def test_2027_is_provisional(cal: WorkCalendar, day: str, working: bool) -> None:
    assert not cal.is_official(2027)
    assert cal.is_provisional(d(day))
    assert cal.is_working_day(d(day)) is working


def test_provisional_years_before_chinese_calendar_data(cal: WorkCalendar) -> None:
    assert not cal.is_official(2003)
    assert cal.is_rest_day(d("2003-10-01"))
    # holidays.China lists 2003-02-06 as a 调休 day off; without its make-up workday it is
    # not used by the provisional rule.
    assert cal.is_working_day(d("2003-02-06"))


def test_every_year_1990_2100_answers(cal: WorkCalendar) -> None:
    for year in range(1990, 2101):
        day = date(year, 1, 1)
        working = 0
        while day.year == year:
            working += cal.is_working_day(day)
            day += timedelta(days=1)
        # A Chinese year has roughly 240-262 working days; the rule must never crash or go wild.
        assert 230 <= working <= 262, (year, working)


@settings(max_examples=200, deadline=None)
@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31)))
def test_first_working_day_is_working_and_not_before(day: date) -> None:
    cal = WorkCalendar.default()
    found = cal.first_working_day_on_or_after(day)
    assert found >= day
    assert cal.is_working_day(found)
    assert all(cal.is_rest_day(day + timedelta(days=i)) for i in range((found - day).days))


# --------------------------------------------------------------------------- loading a year


def test_with_schedule_makes_2027_official_and_honours_make_up_days(cal: WorkCalendar) -> None:
    schedule = parse_schedule(TEXT_2027, "gov.cn 2027 notice")
    loaded = cal.with_schedule(schedule)
    assert loaded.is_official(2027)
    assert not loaded.is_provisional(d("2027-02-14"))
    assert loaded.is_working_day(d("2027-02-14"))  # Sunday, make-up workday
    assert loaded.is_working_day(d("2027-10-09"))  # Saturday, make-up workday
    assert loaded.is_rest_day(d("2027-02-10"))  # Wednesday inside the festival block
    assert loaded.is_rest_day(d("2027-10-07"))  # Thursday
    assert loaded.version != cal.version
    assert "loaded:2027@" in loaded.version
    # Immutable: the original calendar is unchanged.
    assert not cal.is_official(2027)
    assert cal.is_rest_day(d("2027-02-14"))


def test_version_is_stable_and_tracks_data(cal: WorkCalendar) -> None:
    assert WorkCalendar.default().version == cal.version
    assert cal.version.startswith("cc")
    assert "official:2004-2026" in cal.version
    s27 = parse_schedule(TEXT_2027, "a")
    v1 = cal.with_schedule(s27).version
    # Same dates, different label: same version (the label cannot move a date).
    assert cal.with_schedule(parse_schedule(TEXT_2027, "b")).version == v1
    # One more rest day: different version.
    other = parse_schedule(
        TEXT_2027.replace("  - 2027-01-01\n", "  - 2027-01-01/2027-01-02\n"), "a"
    )
    assert cal.with_schedule(other).version != v1
    # Re-loading 2026 with exactly chinese_calendar's dates changes nothing.
    same_2026 = YearSchedule(2026, REST_2026, WORK_2026, "typed by hand")
    assert cal.with_schedule(same_2026).version == cal.version
    # A corrected 2026 is recorded.
    fixed = YearSchedule(2026, REST_2026 | {d("2026-03-02")}, WORK_2026, "correction")
    assert "loaded:2026@" in cal.with_schedule(fixed).version


def test_overrides_apply_and_change_version(cal: WorkCalendar) -> None:
    local = WorkCalendar.default(
        extra_rest_days={d("2026-03-04")}, extra_workdays={d("2026-03-07")}
    )
    assert local.is_rest_day(d("2026-03-04"))  # Wednesday made a local rest day
    assert local.is_working_day(d("2026-03-07"))  # Saturday made a working day
    assert cal.is_working_day(d("2026-03-04"))
    assert "overrides:" in local.version and local.version != cal.version
    other = WorkCalendar.default(
        extra_rest_days={d("2026-03-05")}, extra_workdays={d("2026-03-07")}
    )
    assert other.version != local.version
    assert local.with_overrides().version == cal.version
    # Overrides also apply on provisional years.
    assert WorkCalendar.default(extra_rest_days={d("2027-03-03")}).is_rest_day(d("2027-03-03"))


def test_conflicting_overrides_refused() -> None:
    with pytest.raises(ValueError, match="2026-03-04"):
        WorkCalendar.default(extra_rest_days={d("2026-03-04")}, extra_workdays={d("2026-03-04")})


def test_default_is_cheap() -> None:
    assert WorkCalendar.default() is WorkCalendar.default()
    t0 = time.perf_counter()
    for _ in range(100):
        WorkCalendar.default(extra_rest_days={d("2026-03-04")})
    assert (time.perf_counter() - t0) / 100 < 0.002


def test_year_schedule_invariants() -> None:
    with pytest.raises(ValueError, match="outside year"):
        YearSchedule(2027, frozenset({d("2026-12-31")}))
    with pytest.raises(ValueError, match="both"):
        YearSchedule(2027, frozenset({d("2027-02-14")}), frozenset({d("2027-02-14")}))


# --------------------------------------------------------------------------- schedule files


def test_parse_schedule_expands_ranges() -> None:
    s = parse_schedule(TEXT_2027, "notice")
    assert s.year == 2027
    assert s.source == "notice"
    assert span("2027-02-05", "2027-02-13") <= s.rest_days
    assert d("2027-01-01") in s.rest_days
    assert len(s.rest_days) == 1 + 9 + 7
    assert s.workdays == {d("2027-02-14"), d("2027-10-09")}


def test_parse_schedule_accepts_json() -> None:
    text = '{"year": 2027, "rest": ["2027-01-01", "2027-02-05/2027-02-13"], "workdays": ["2027-02-14"]}'
    s = parse_schedule(text, "json")
    assert s == parse_schedule(
        "year: 2027\nrest:\n  - 2027-01-01\n  - 2027-02-05/2027-02-13\nworkdays:\n  - 2027-02-14\n",
        "json",
    )


def test_schedule_round_trips() -> None:
    s = parse_schedule(TEXT_2027, "gov.cn notice\nline two")
    text = schedule_to_text(s)
    assert "2027-02-05/2027-02-13" in text
    again = parse_schedule(text, s.source)
    assert again == s


def test_every_builtin_year_round_trips() -> None:
    for year, s in builtin_schedules().items():
        assert parse_schedule(schedule_to_text(s), s.source) == s, year


@pytest.mark.parametrize(
    "text, fragments",
    [
        (
            "year: 2027\nrest:\n  - 2027-01-01\n  - 2027-02-30\n",
            ["rest[1]", "'2027-02-30' is not a valid date"],
        ),
        ("year: 2027\nrest:\n  - 2027-1-5\n", ["rest[0]", "'2027-1-5'", "not a valid date"]),
        ("year: 2027\nrest:\n  - 2026-12-31\n", ["rest[0]", "'2026-12-31'", "outside year 2027"]),
        (
            "year: 2027\nrest:\n  - 2027-12-30/2028-01-02\n",
            ["rest[0]", "'2028-01-02'", "outside year 2027"],
        ),
        (
            "year: 2027\nrest:\n  - 2027-01-01\n  - 2027-02-13/2027-02-05\n",
            ["rest[1]", "'2027-02-13/2027-02-05'", "ends before it starts"],
        ),
        (
            "year: 2027\nrest:\n  - 2027-02-05/2027-02-14\nworkdays:\n  - 2027-02-14\n",
            ["'2027-02-14'", "both", "rest[0]", "workdays[0]"],
        ),
        (
            "year: 2027\nrest:\n  - 2027-01-01\nworkdays:\n  - 2027-02-15\n",
            ["workdays[0]", "'2027-02-15'", "Monday", "Saturday or Sunday"],
        ),
        ("rest:\n  - 2027-01-01\n", ["missing 'year'"]),
        ("year: twenty\nrest:\n  - 2027-01-01\n", ["year", "'twenty'"]),
        ("year: 2027\n", ["missing 'rest'"]),
        ("year: 2027\nrest: 2027-01-01\n", ["rest", "expected a list", "'2027-01-01'"]),
        ("year: 2027\nrest:\n  - 20270101\n", ["rest[0]", "20270101"]),
        ("year: 2027\nrest: []\n", ["rest", "at least one"]),
        (
            "year: 2027\nrest:\n  - 2027-01-01\nworkday:\n  - 2027-02-14\n",
            ["unknown key", "'workday'"],
        ),
        ("year: 2027\nrest: [2027-01-01\n", ["not valid YAML"]),
        ("- 2027-01-01\n", ["expected a mapping"]),
    ],
)
def test_parse_schedule_errors_name_the_problem(text: str, fragments: list[str]) -> None:
    with pytest.raises(CalendarFileError) as info:
        parse_schedule(text, "2027.yaml")
    message = str(info.value)
    assert message.startswith("2027.yaml: ")
    for fragment in fragments:
        assert fragment in message, (fragment, message)


def test_calendar_file_error_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        parse_schedule("year: 2027\nrest:\n  - 2027-02-30\n", "x")


def test_datetimes_are_read_as_shanghai_days(cal: WorkCalendar) -> None:
    from datetime import datetime

    # 2026-09-30T17:00Z is 2026-10-01 01:00 in Shanghai: National Day.
    assert cal.is_rest_day(datetime(2026, 9, 30, 17, tzinfo=UTC))
    assert cal.is_working_day(datetime(2026, 9, 30, 15, tzinfo=UTC))
    assert cal.first_working_day_on_or_after(datetime(2026, 10, 1, 9, tzinfo=TZ)) == d("2026-10-08")
