"""Properties of clock arithmetic (start, pauses, extensions) over many generated cases."""

from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from caseflow.domain.calendar import TZ, WorkCalendar
from caseflow.domain.clocks import ClockRecord, due_of
from caseflow.domain.periods import Period

CAL = WorkCalendar.default()
starts = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2026, 11, 30)).map(
    lambda d: d.replace(tzinfo=TZ))
periods = st.builds(Period, st.integers(1, 60),
                    st.sampled_from(["hours", "days", "working_days", "months"]))
offsets = st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=40))


@settings(max_examples=200, deadline=None)
@given(starts, periods, offsets)
def test_zero_length_pause_changes_nothing(start, period, offset):
    moment = start + offset
    plain = due_of(period, ClockRecord(start), CAL, moment)
    paused = due_of(period, ClockRecord(start, pauses=((moment, moment),)), CAL, moment)
    assert paused.due == plain.due


@settings(max_examples=200, deadline=None)
@given(starts, periods, offsets, offsets)
def test_a_pause_never_brings_the_due_date_forward(start, period, offset, length):
    a = start + offset
    plain = due_of(period, ClockRecord(start), CAL, a)
    paused = due_of(period, ClockRecord(start, pauses=((a, a + length),)), CAL, a + length)
    assert paused.due >= plain.due


@settings(max_examples=200, deadline=None)
@given(starts, periods, st.integers(1, 30))
def test_an_extension_never_brings_the_due_date_forward(start, period, extra):
    plain = due_of(period, ClockRecord(start), CAL, start)
    extended = due_of(period, ClockRecord(start, extensions=(Period(extra, period.unit),)), CAL,
                      start)
    # Every extension counts on from the (rolled) last day or the due instant, so it always
    # ends later (under the old convention a same-unit calendar-day extension could roll back
    # onto the same working day, so only >= held for days and months).
    assert extended.due > plain.due
    assert [leg.period for leg in extended.legs] == [period, Period(extra, period.unit)]
    assert extended.legs[0].last_day == plain.last_day


@settings(max_examples=200, deadline=None)
@given(starts, st.integers(1, 60), st.integers(1, 30), offsets, offsets)
def test_working_day_extensions_still_add_up(start, n, extra, off, length):
    # Working-day periods never roll, so N WD + M WD is N + M WD from the start, pauses or not.
    a = start + off
    pauses = ((a, a + length),)
    extended = due_of(Period(n, "working_days"),
                      ClockRecord(start, pauses=pauses, extensions=(Period(extra, "working_days"),)),
                      CAL, a + length)
    summed = due_of(Period(n + extra, "working_days"), ClockRecord(start, pauses=pauses), CAL,
                    a + length)
    assert extended.due == summed.due
    assert extended.paused_days == summed.paused_days


@settings(max_examples=100, deadline=None)
@given(starts, st.integers(1, 40), offsets, offsets, st.integers(0, 20))
def test_working_day_clocks_end_on_working_days_whatever_happened(start, n, off, length, extra):
    a = start + off
    record = ClockRecord(start, pauses=((a, a + length),),
                         extensions=(Period(extra, "working_days"),) if extra else ())
    due = due_of(Period(n, "working_days"), record, CAL, a + length)
    assert CAL.is_working_day(due.last_day)
    assert due.due == datetime.combine(due.last_day + timedelta(days=1), datetime.min.time(), TZ)
