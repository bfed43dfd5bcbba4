"""The pause convention (A/B excludes A..B-1, one for the engine and the calculator) and the
extension convention (every extension counts on from the previous leg's rolled last day, or
from the due instant for hours), over generated cases and worked examples (issue 8)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from caseflow.domain.calendar import TZ, WorkCalendar
from caseflow.domain.clocks import ClockRecord, due_of
from caseflow.domain.periods import (
    PAUSE_CONVENTION,
    DueDate,
    Period,
    calculate,
    compute_due,
    pause_interval,
)

CAL = WorkCalendar.default()
ONE_DAY = timedelta(days=1)

starts = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(TZ)
)
TOP = {"hours": 96, "days": 120, "working_days": 40, "months": 6}


@st.composite
def periods(draw: st.DrawFn, units: tuple[str, ...]) -> Period:
    unit = draw(st.sampled_from(units))
    return Period(draw(st.integers(1, TOP[unit])), unit)


DAY_UNITS = ("days", "working_days", "months")
ALL_UNITS = ("hours", *DAY_UNITS)


@st.composite
def engine_pauses(draw: st.DrawFn, start: datetime) -> tuple[tuple[datetime, datetime], ...]:
    """Pauses as the engine records them: any instants, around and after the start."""
    out = []
    for _ in range(draw(st.integers(0, 2))):
        a = start + timedelta(minutes=draw(st.integers(-2 * 24 * 60, 200 * 24 * 60)))
        out.append((a, a + timedelta(minutes=draw(st.integers(0, 20 * 24 * 60)))))
    return tuple(out)


def d(text: str) -> date:
    return date.fromisoformat(text)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


def chained(start: datetime, base: Period, extensions: list[Period], pauses, time_of_day: time):
    """The reference: the base period by compute_due, then each extension by compute_due from
    the previous leg's last day (any time on that day: it is the not-counted start day) or,
    for hours, from its due instant; the same pauses on every leg."""
    steps = [compute_due(start, base, CAL, pauses)]
    for ext in extensions:
        prev = steps[-1]
        begin = prev.due if ext.unit == "hours" else datetime.combine(prev.last_day, time_of_day, TZ)
        steps.append(compute_due(begin, ext, CAL, pauses))
    return steps


# --------------------------------------------------------------------------- extensions


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_each_extension_counts_on_from_the_previous_legs_last_day(data: st.DataObject) -> None:
    start = data.draw(starts)
    base = data.draw(periods(DAY_UNITS))
    extensions = data.draw(st.lists(periods(ALL_UNITS), min_size=1, max_size=2))
    pauses = data.draw(engine_pauses(start))
    time_of_day = data.draw(st.times())
    now = start + timedelta(days=400)  # every pause closed
    due = due_of(base, ClockRecord(start, pauses=pauses, extensions=tuple(extensions)), CAL, now)
    steps = chained(start, base, extensions, pauses, time_of_day)

    assert (due.due, due.last_day, due.rolled_from) == (
        steps[-1].due, steps[-1].last_day, steps[-1].rolled_from)
    assert due.provisional == any(s.provisional for s in steps)
    assert due.paused_days == sum(s.paused_days for s in steps)
    assert due.paused == sum((s.paused for s in steps), timedelta(0))
    # One leg per step, explaining it.
    assert [leg.period for leg in due.legs] == [base, *extensions]
    for leg, step in zip(due.legs, steps, strict=True):
        assert (leg.last_day, leg.rolled_from, leg.paused_days, leg.paused, leg.provisional) == (
            step.last_day, step.rolled_from, step.paused_days, step.paused, step.provisional)
    assert due.legs[0].start == start
    for prev, leg in zip(steps, due.legs[1:], strict=False):
        if leg.period.unit == "hours":
            assert leg.start == prev.due  # hours run on from the due instant
        else:  # days count on from the previous last day, itself not counted
            assert leg.start == datetime.combine(prev.last_day, time(0), TZ)

    # An extension never brings the due date forward; each one ends strictly later.
    shorter = due_of(base, ClockRecord(start, pauses=pauses), CAL, now)
    for k in range(1, len(extensions) + 1):
        longer = due_of(base, ClockRecord(start, pauses=pauses,
                                          extensions=tuple(extensions[:k])), CAL, now)
        assert longer.due > shorter.due
        shorter = longer


@settings(max_examples=100, deadline=None)
@given(starts, st.integers(1, 72), st.integers(1, 72), st.data())
def test_hour_extensions_still_add_up(start, n, extra, data) -> None:
    pauses = data.draw(engine_pauses(start))
    now = start + timedelta(days=400)
    extended = due_of(Period(n, "hours"),
                      ClockRecord(start, pauses=pauses, extensions=(Period(extra, "hours"),)),
                      CAL, now)
    summed = compute_due(start, Period(n + extra, "hours"), CAL, pauses)
    assert extended.due == summed.due and extended.paused == summed.paused


def test_90_days_ending_on_a_rest_day_plus_30_days() -> None:
    # 90 days from 3 July 2026 end on 1 Oct, a holiday: the period ends on Thu 8 Oct (art. 203).
    # The 30-day extension counts from 8 Oct: 7 Nov is a Saturday, so it ends on Mon 9 Nov.
    record = ClockRecord(at("2026-07-03T10:00"), extensions=(Period(30, "days"),))
    due = due_of(Period(90, "days"), record, CAL, at("2026-07-03T10:00"))
    assert due.last_day == d("2026-11-09") and due.due == at("2026-11-10T00:00")
    assert due.rolled_from == d("2026-11-07")
    base, ext = due.legs
    assert (base.period, base.last_day, base.rolled_from) == (
        Period(90, "days"), d("2026-10-08"), d("2026-10-01"))
    assert (ext.period, ext.start, ext.last_day, ext.rolled_from) == (
        Period(30, "days"), at("2026-10-08T00:00"), d("2026-11-09"), d("2026-11-07"))
    # The old reading, 120 days from the start, ended a week earlier: 31 Oct (Sat) -> 2 Nov.
    old = compute_due(at("2026-07-03T10:00"), Period(120, "days"), CAL)
    assert old.last_day == d("2026-11-02") and old.rolled_from == d("2026-10-31")
    # A pause that falls in the extension leg moves it: 20-22 Oct excluded (A/B = 10-20/10-23).
    paused = due_of(Period(90, "days"),
                    ClockRecord(at("2026-07-03T10:00"), pauses=(pause_interval(d("2026-10-20"),
                                                                               d("2026-10-23")),),
                                extensions=(Period(30, "days"),)), CAL, at("2026-10-23T10:00"))
    assert paused.last_day == d("2026-11-10")  # 7 Nov + 3 days = Tue 10 Nov, a working day
    assert [leg.paused_days for leg in paused.legs] == [0, 3]
    assert paused.paused_days == 3


def test_months_extension_counts_from_the_rolled_last_day() -> None:
    # 3 months from 4 July 2026 end on 4 Oct (holiday) -> Thu 8 Oct; +1 month -> 8 Nov (Sun)
    # -> Mon 9 Nov. The old reading (4 months from the start) gave Wed 4 Nov.
    record = ClockRecord(at("2026-07-04T09:00"), extensions=(Period(1, "months"),))
    due = due_of(Period(3, "months"), record, CAL, at("2026-07-04T09:00"))
    assert [leg.last_day for leg in due.legs] == [d("2026-10-08"), d("2026-11-09")]
    assert compute_due(at("2026-07-04T09:00"), Period(4, "months"), CAL).last_day == d("2026-11-04")


def test_working_days_extension_equals_the_sum() -> None:
    # 15 WD from Fri 18 Sep 2026 end on 15 Oct; +15 WD from there end on 5 Nov = 30 WD.
    record = ClockRecord(at("2026-09-18T10:00"), extensions=(Period(15, "working_days"),))
    due = due_of(Period(15, "working_days"), record, CAL, at("2026-09-18T10:00"))
    assert [leg.last_day for leg in due.legs] == [d("2026-10-15"), d("2026-11-05")]
    assert compute_due(at("2026-09-18T10:00"), Period(30, "working_days"), CAL).due == due.due


def test_24_hours_plus_24_hours() -> None:
    start = at("2026-03-02T10:00")
    plain = due_of(Period(24, "hours"), ClockRecord(start, extensions=(Period(24, "hours"),)),
                   CAL, start)
    assert plain.due == at("2026-03-04T10:00")
    assert [leg.start for leg in plain.legs] == [start, at("2026-03-03T10:00")]
    # A 3-hour pause inside the extension leg moves only that leg.
    pause = (at("2026-03-03T12:00"), at("2026-03-03T15:00"))
    paused = due_of(Period(24, "hours"), ClockRecord(start, pauses=(pause,),
                                                     extensions=(Period(24, "hours"),)),
                    CAL, at("2026-03-03T16:00"))
    assert paused.due == at("2026-03-04T13:00")
    assert [leg.paused for leg in paused.legs] == [timedelta(0), timedelta(hours=3)]
    assert paused.paused == timedelta(hours=3)
    # A day extension after an hour clock counts from the day the hours ended.
    mixed = due_of(Period(24, "hours"), ClockRecord(start, extensions=(Period(2, "days"),)),
                   CAL, start)
    assert mixed.legs[1].start == at("2026-03-03T00:00")
    assert mixed.last_day == d("2026-03-05")


def test_a_clock_without_extensions_is_one_leg() -> None:
    start = at("2026-09-26T10:00")
    due = due_of(Period(7, "days"), ClockRecord(start), CAL, start)
    assert due == compute_due(start, Period(7, "days"), CAL)
    assert len(due.legs) == 1 and due.legs[0].rolled_from == d("2026-10-03")


# --------------------------------------------------------------------------- pauses


def reference_last_day(start_day: date, period: Period, excluded: set[date]) -> date:
    """Brute force: the earliest last day that leaves ``period`` counted outside ``excluded``."""
    day, counted = start_day, 0
    if period.unit == "working_days":
        while counted < period.amount:
            day += ONE_DAY
            if CAL.is_working_day(day) and day not in excluded:
                counted += 1
        return day
    n = period.amount
    while counted < n:
        day += ONE_DAY
        if day not in excluded:
            counted += 1
    while not CAL.is_working_day(day) or day in excluded:
        day += ONE_DAY
    return day


@st.composite
def date_pauses(draw: st.DrawFn, start: datetime) -> tuple[date, date]:
    first = start.date() + timedelta(days=draw(st.integers(-3, 120)))
    return first, first + timedelta(days=draw(st.integers(0, 30)))


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_a_pause_moves_a_day_clock_no_more_than_needed(data: st.DataObject) -> None:
    start = data.draw(starts)
    period = data.draw(periods(("days", "working_days")))
    first, resumed = data.draw(date_pauses(start))
    plain = compute_due(start, period, CAL)
    paused = compute_due(start, period, CAL, [pause_interval(first, resumed)])
    excluded = {first + timedelta(days=i) for i in range((resumed - first).days)}
    # Exactly as far as needed: the earliest day leaving N counted days outside A..B-1.
    assert paused.last_day == reference_last_day(start.date(), period, excluded)
    assert paused.last_day not in excluded and CAL.is_working_day(paused.last_day)
    assert paused.last_day >= plain.last_day
    in_clock = [x for x in excluded if start.date() < x <= paused.last_day]
    if period.unit == "working_days":
        in_clock = [x for x in in_clock if CAL.is_working_day(x)]
        k = len(in_clock)
        # never further than N + k working days (k = the working days the pause took)
        assert paused.last_day <= compute_due(start, Period(period.amount + k, period.unit),
                                              CAL).last_day
    assert paused.paused_days == len(in_clock)
    if first > plain.last_day or resumed <= start.date() + ONE_DAY:
        # a pause after the last day, or one excluding nothing countable, changes nothing
        assert paused.due == plain.due


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_the_calculator_and_the_engine_use_one_convention(data: st.DataObject) -> None:
    start = data.draw(starts.map(lambda s: s.replace(second=0, microsecond=0)))
    period = data.draw(periods(ALL_UNITS))
    first, resumed = data.draw(date_pauses(start))
    text_start = start.strftime("%Y-%m-%dT%H:%M")
    out = calculate(text_start, str(period), [f"{first}/{resumed}"], CAL)
    engine = compute_due(start, period, CAL, [pause_interval(first, resumed)])
    assert out["due"] == engine.due.isoformat()
    assert out["last_day"] == engine.last_day.isoformat()
    assert out["pauses"] == [f"{first}/{resumed}"]
    assert out["pause_convention"] == PAUSE_CONVENTION
    if period.unit == "hours":
        assert out["paused_hours"] == engine.paused.total_seconds() / 3600
    else:
        assert out["paused_days"] == engine.paused_days
        # A state entered at any time on day A and left at any time on day B (the engine's
        # segment) excludes the same days for a day-based clock.
        entered = datetime.combine(first, data.draw(st.times()), TZ)
        left = datetime.combine(resumed, data.draw(st.times()), TZ)
        if left >= entered:
            state = compute_due(start, period, CAL, [(entered, left)])
            assert state.last_day == engine.last_day
    # A single day A is A/A+1.
    single = calculate(text_start, str(period), [first.isoformat()], CAL)
    assert single == calculate(text_start, str(period), [f"{first}/{first + ONE_DAY}"], CAL)


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_a_pause_from_a_day_to_the_same_day_changes_nothing(data: st.DataObject) -> None:
    start = data.draw(starts.map(lambda s: s.replace(second=0, microsecond=0)))
    period = data.draw(periods(ALL_UNITS))
    first, _ = data.draw(date_pauses(start))
    text_start = start.strftime("%Y-%m-%dT%H:%M")
    plain = calculate(text_start, str(period), [], CAL)
    same = calculate(text_start, str(period), [f"{first}/{first}"], CAL)
    assert same.pop("pauses") == [f"{first}/{first}"] and plain.pop("pauses") == []
    assert same == plain
    assert compute_due(start, period, CAL, [pause_interval(first, first)]).due == \
        compute_due(start, period, CAL).due


def test_worked_pause_example() -> None:
    # 10 WD from Fri 29 May 2026: paused from 1 June, counting resumes on 6 June (1-5 June,
    # five working days, excluded): the last day moves from 12 June to 22 June (19 June is the
    # Dragon Boat holiday).
    out = calculate("2026-05-29T10:00", "10 working_days", ["2026-06-01/2026-06-06"], CAL)
    assert out["last_day"] == "2026-06-22" and out["paused_days"] == 5
    assert calculate("2026-05-29T10:00", "10 working_days", [], CAL)["last_day"] == "2026-06-12"
    # The engine pausing when the case entered appraisal on 1 June 15:20 and resuming when the
    # result was received on 6 June 09:00 gives the same date.
    due: DueDate = due_of(Period(10, "working_days"),
                          ClockRecord(at("2026-05-29T10:00"),
                                      pauses=((at("2026-06-01T15:20"), at("2026-06-06T09:00")),)),
                          CAL, at("2026-06-08T10:00"))
    assert due.last_day == d("2026-06-22") and due.paused_days == 5
