"""One code path for every due-date calculation (DESIGN.md section 4, legal-deadlines.md).

Counting rules
--------------
* Everything is in Asia/Shanghai. ``start`` must be timezone-aware.
* ``hours``: exact elapsed time; due = start + N hours (+ paused time). The calendar is not
  consulted, so an hour clock is never provisional and never rolls (民法典 art. 201(2): hour
  periods run from the stated moment).
* ``days`` (日): the start day is not counted; the Nth day after it is the last day. If that is
  a rest day (weekend, official holiday or 调休 rest day; provisional rule for years with no
  official schedule) the period ends on the next working day instead. A last day that is an
  official make-up workday (调休上班) is a working day and does not roll.
* ``working_days`` (工作日): the start day is not counted; the Nth working day after it is the
  last day, which is therefore always a working day.
* ``months`` (月): the last day is the same day of the month N months later, or that month's
  last day if it has no such day (民法典 art. 202); it then rolls like calendar days. Rolling
  applies to every day-based period because 民法典 art. 203 / 民事诉讼法 art. 85 say "the last day
  of a period" without limiting it to periods in days.
* A period ends at 24:00 of its last day. ``DueDate.due`` is that instant, represented as 00:00
  of the following day, and ``DueDate.last_day`` is the last day itself, for display
  ("due by end of 2026-03-05"). For hour clocks ``last_day`` is the day containing the instant
  just before ``due``.

Pauses (time excluded by law, 不计入)
------------------------------------
A pause is a half-open interval ``[a, b)`` of aware datetimes; parts before ``start`` are
clipped off. Overlapping pauses count once.

* ``hours``: the clock does not run inside a pause. Walking forward from ``start``, each pause
  that begins before the (so far extended) due instant pushes it back by its length, so a pause
  beginning at or after the due instant changes nothing.
* day-based clocks: a pause excludes the whole calendar days ``date(a) .. date(b) - 1`` (a pause
  from 2026-06-01T00:00 to 2026-06-06T00:00 excludes 1–5 June; a pause that starts and ends on
  the same date excludes nothing). Counting *skips* excluded days: an excluded day is never
  counted and is never the last day, so a rolled last day also moves past a pause. A pause whose
  first excluded day comes after the last day the period would otherwise have changes nothing.
  ``months`` clocks first turn N months into the number of calendar days to the corresponding
  day, then count those days skipping excluded ones.
* ``DueDate.paused`` is the exact time added back (hour clocks; zero otherwise);
  ``DueDate.paused_days`` the excluded days up to the last day in the clock's own unit (calendar
  days for ``days``/``months``, working days for ``working_days``; zero for hour clocks).

One pause convention: A/B excludes A .. B-1
-------------------------------------------
The engine and the calculator read a pause between two dates the same way. A pause written
``A/B`` means *paused from day A, counting resumes on day B*: it excludes the whole days
A .. B−1, which is B−A days. :func:`pause_interval` turns it into ``[A 00:00, B 00:00)``
Asia/Shanghai, the same half-open interval the engine records when a case enters a
not-counted state on day A and leaves it on day B (or when a pause is recorded from its legal
dates); :func:`calculate` (``caseflow deadline --pause A/B``) goes through that function too, so
the two cannot drift apart. A single date ``A`` means that one day (``A/A+1``); ``A/A``
excludes nothing; B before A is an error.

Why: the stretch from A to B is B−A days, measured like every period in this code (民法典
art. 201): the day the paused stretch begins is the first day not counted, and counting resumes
on the day its cause ends — the result received, the suspension lifted. So no whole day is
both counted and excluded, and a pause that starts and ends on the same day excludes nothing.

Extensions
----------
An extended period continues from the end of the period it extends (民法典 arts. 200–204), and a
period whose last day is a rest day ends on the next working day (art. 203), so the period being
extended legally ends on its *rolled* last day and the extension counts on from there
(``clocks.due_of``). Each step is a :class:`DueLeg` in ``DueDate.legs``: the base period is
leg 0, then one leg per extension; a day-based extension takes the previous leg's last day as
its not-counted start day, an hour extension runs from the previous due instant, and the pauses
apply to every leg. ``compute_due`` alone returns one leg. Working-day periods never roll, so
15 working days + 15 working days is still 30 working days from the start; 90 days ending on a
rest day + 30 days is *not* 120 days from the start.

Provisional dates
-----------------
``DueDate.provisional`` is True when a day whose working/rest status the computation consulted
(every day counted for working days; the last day and any roll for calendar days and months)
lies in a year without an official schedule. Such dates must be recomputed once the year's
official schedule is loaded; ``calendar_version`` records which data produced the date.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from caseflow.domain.calendar import TZ, WorkCalendar

__all__ = [
    "MAX_AMOUNT",
    "PAUSE_CONVENTION",
    "UNITS",
    "DueDate",
    "DueLeg",
    "Period",
    "calculate",
    "day_start",
    "compute_due",
    "parse_local_datetime",
    "pause_interval",
    "period_zh",
]

UNITS = ("hours", "days", "working_days", "months")
# Larger amounts are typos, and would make a working-day count loop for a long time.
MAX_AMOUNT = 100_000

_UNIT_ALIASES = {
    "hour": "hours",
    "hours": "hours",
    "day": "days",
    "days": "days",
    "working_day": "working_days",
    "working_days": "working_days",
    "month": "months",
    "months": "months",
}
_PERIOD_RE = re.compile(r"^([+-]?\d+)\s+([A-Za-z][A-Za-z_ -]*)$")
_ONE_DAY = timedelta(days=1)
_ONE_MICROSECOND = timedelta(microseconds=1)
# Guard for the roll to a working day that is neither rest nor paused (see WorkCalendar).
_MAX_ROLL_DAYS = 3700
# How the calculator states the pause convention in its output (module docstring).
PAUSE_CONVENTION = "each pause A/B excludes A..B-1 (counting resumes on B)"


@dataclass(frozen=True)
class Period:
    """A legal time limit: a positive whole amount of one unit."""

    amount: int
    unit: str

    def __post_init__(self) -> None:
        if isinstance(self.amount, bool) or not isinstance(self.amount, int):
            raise ValueError(f"period amount must be a whole number, got {self.amount!r}")
        if self.amount <= 0:
            raise ValueError(f"period amount must be positive, got {self.amount}")
        if self.amount > MAX_AMOUNT:
            raise ValueError(f"period amount {self.amount} is larger than {MAX_AMOUNT}")
        if self.unit not in UNITS:
            raise ValueError(
                f"unknown period unit {self.unit!r}; expected one of {', '.join(UNITS)}"
            )

    @classmethod
    def parse(cls, text: str) -> Period:
        """Read '3 working_days', '24 hours', '15 days', '3 months' (singular and 'working days'
        accepted too); the inverse of ``str(period)``."""
        if not isinstance(text, str):
            raise ValueError(f"period must be text like '15 days', got {text!r}")
        m = _PERIOD_RE.match(text.strip())
        if not m:
            raise ValueError(
                f"cannot read period {text!r}: expected '<whole number> <unit>', "
                f"e.g. '3 working_days', with unit one of {', '.join(UNITS)}"
            )
        unit_text = re.sub(r"[\s-]+", "_", m.group(2).strip().lower())
        unit = _UNIT_ALIASES.get(unit_text)
        if unit is None:
            raise ValueError(
                f"cannot read period {text!r}: unknown unit {m.group(2).strip()!r}; "
                f"expected one of {', '.join(UNITS)}"
            )
        amount = int(m.group(1))
        if amount <= 0:
            raise ValueError(f"cannot read period {text!r}: the amount must be positive")
        return cls(amount, unit)

    def __str__(self) -> str:
        return f"{self.amount} {self.unit}"


_UNIT_ZH = {"hours": "小时", "days": "日", "working_days": "个工作日", "months": "个月"}


def period_zh(period: Period | str) -> str:
    """A period as a Chinese reader writes it (15个工作日, 90日, 24小时, 3个月), so the pages do not
    show the YAML's unit names; text that is not a period is returned as it was."""
    if not isinstance(period, Period):
        try:
            period = Period.parse(period)
        except ValueError:
            return str(period)
    return f"{period.amount}{_UNIT_ZH[period.unit]}"


@dataclass(frozen=True)
class DueLeg:
    """One step of a due date: the base period (leg 0) or one extension, counted on its own.

    ``start`` is the moment this leg counts from: the clock's start for leg 0; for an extension,
    the previous leg's due instant (hour extensions) or 00:00 of the previous leg's last day,
    which is the extension's not-counted start day (day-based extensions).
    """

    period: Period
    start: datetime
    last_day: date
    rolled_from: date | None  # this leg's un-rolled last day, when a rest day moved it
    paused_days: int  # excluded days in this leg, in its own unit
    paused: timedelta  # exact time added back in this leg (hour legs)
    provisional: bool


@dataclass(frozen=True)
class DueDate:
    """The result of one due-date computation, with what is needed to explain and re-check it."""

    start: datetime
    period: Period
    due: datetime  # the end instant (24:00 of last_day = 00:00 of the next day), Asia/Shanghai
    last_day: date  # the last day of the period, for "due by end of <last_day>"
    provisional: bool
    provisional_years: tuple[int, ...]
    calendar_version: str
    paused: timedelta = timedelta(0)  # exact time added back (hour clocks)
    paused_days: int = 0  # excluded days up to last_day, in the clock's unit (day clocks)
    rolled_from: date | None = None  # the un-rolled last day, when a rest day moved it
    legs: tuple[DueLeg, ...] = ()  # how it was reached: base period, then each extension


# --------------------------------------------------------------------------- helpers


def _require_aware(value: datetime, what: str) -> datetime:
    if not isinstance(value, datetime):
        raise ValueError(f"{what} must be a datetime, got {value!r}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware, got naive {value.isoformat()}")
    return value.astimezone(TZ)


def _clip_pauses(
    pauses: Iterable[tuple[datetime, datetime]], start: datetime
) -> list[tuple[datetime, datetime]]:
    """Validate, clip to ``start`` and drop empty pauses; returns aware Asia/Shanghai pairs."""
    out = []
    for i, pair in enumerate(pauses):
        try:
            a, b = pair
        except (TypeError, ValueError):
            raise ValueError(f"pause {i}: expected a (begin, end) pair, got {pair!r}") from None
        a = _require_aware(a, f"pause {i} begin")
        b = _require_aware(b, f"pause {i} end")
        if b < a:
            raise ValueError(
                f"pause {i}: ends ({b.isoformat()}) before it begins ({a.isoformat()})"
            )
        a = max(a, start)
        if b > a:
            out.append((a, b))
    return out


def _excluded_ranges(pauses: list[tuple[datetime, datetime]]) -> list[tuple[date, date]]:
    """Whole calendar days excluded by the pauses: date(a) .. date(b)-1, merged and sorted."""
    ranges = []
    for a, b in pauses:
        first = a.date()
        last = b.date() - _ONE_DAY
        if last >= first:
            ranges.append((first, last))
    ranges.sort()
    merged: list[tuple[date, date]] = []
    for first, last in ranges:
        if merged and first <= merged[-1][1] + _ONE_DAY:
            if last > merged[-1][1]:
                merged[-1] = (merged[-1][0], last)
        else:
            merged.append((first, last))
    return merged


def _add_months(d: date, months: int) -> date:
    """Same day of the month ``months`` later, or that month's last day (民法典 art. 202)."""
    index = d.year * 12 + (d.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    if year > 9999:
        raise OverflowError("date out of range")
    if month == 12:
        month_len = 31
    else:
        month_len = (date(year, month + 1, 1) - date(year, month, 1)).days
    return date(year, month, min(d.day, month_len))


def _end_of(day: date) -> datetime:
    """24:00 of ``day`` in Asia/Shanghai, i.e. 00:00 of the next day."""
    return datetime.combine(day + _ONE_DAY, time(0), TZ)


# --------------------------------------------------------------------------- computation


def compute_due(
    start: datetime,
    period: Period,
    calendar: WorkCalendar,
    pauses: Sequence[tuple[datetime, datetime]] = (),
) -> DueDate:
    """When does ``period`` counted from ``start`` end? (See the module docstring for the rules.)

    Every clock in caseflow goes through here, so the counting rules exist exactly once.
    Raises ValueError for a naive ``start``, a bad pause, or a due date past year 9999.
    """
    if not isinstance(period, Period):
        raise ValueError(f"period must be a Period, got {period!r}")
    start = _require_aware(start, "start")
    clipped = _clip_pauses(pauses, start)
    try:
        if period.unit == "hours":
            result = _due_hours(start, period, calendar, clipped)
        else:
            result = _due_days(start, period, calendar, clipped)
    except OverflowError:
        raise ValueError(
            f"{period} from {start.isoformat()} ends beyond the supported date range"
        ) from None
    return replace(result, legs=(_as_leg(result),))


def _as_leg(result: DueDate) -> DueLeg:
    """A single computation's result as one leg (its ``start`` is where it counted from)."""
    return DueLeg(
        period=result.period,
        start=result.start,
        last_day=result.last_day,
        rolled_from=result.rolled_from,
        paused_days=result.paused_days,
        paused=result.paused,
        provisional=result.provisional,
    )


def _due_hours(
    start: datetime,
    period: Period,
    calendar: WorkCalendar,
    pauses: list[tuple[datetime, datetime]],
) -> DueDate:
    # Arithmetic in UTC: aware-datetime arithmetic in one zone is wall-clock arithmetic, which
    # would be wrong across the 1986-1991 Chinese summer-time changes.
    due = start.astimezone(UTC) + timedelta(hours=period.amount)
    intervals = sorted((a.astimezone(UTC), b.astimezone(UTC)) for a, b in pauses)
    paused = timedelta(0)
    merged: list[tuple[datetime, datetime]] = []
    for a, b in intervals:
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    for a, b in merged:
        if a >= due:
            break
        due += b - a
        paused += b - a
    due_local = due.astimezone(TZ)
    return DueDate(
        start=start,
        period=period,
        due=due_local,
        last_day=(due_local - _ONE_MICROSECOND).date(),
        provisional=False,
        provisional_years=(),
        calendar_version=calendar.version,
        paused=paused,
        paused_days=0,
        rolled_from=None,
    )


def _due_days(
    start: datetime,
    period: Period,
    calendar: WorkCalendar,
    pauses: list[tuple[datetime, datetime]],
) -> DueDate:
    is_working = calendar.is_working_day
    ranges = _excluded_ranges(pauses)
    start_day = start.date()
    rolled_from = None

    if period.unit == "working_days":
        # Walk day by day: a working day inside a pause is skipped, not counted.
        d = start_day
        counted = 0
        paused_days = 0
        idx = 0
        n_ranges = len(ranges)
        while counted < period.amount:
            d += _ONE_DAY
            while idx < n_ranges and ranges[idx][1] < d:
                idx += 1
            if is_working(d):
                if idx < n_ranges and ranges[idx][0] <= d:
                    paused_days += 1
                else:
                    counted += 1
        last_day = d
        first_consulted = start_day + _ONE_DAY
    else:
        if period.unit == "days":
            n_days = period.amount
        else:  # months: calendar days to the corresponding day, then the same counting
            n_days = (_add_months(start_day, period.amount) - start_day).days
        candidate = _skip_count(start_day, n_days, ranges)
        last_day = _roll(candidate, is_working, ranges)
        if last_day != candidate:
            rolled_from = candidate
        paused_days = _days_excluded(ranges, start_day, last_day)
        first_consulted = candidate

    provisional_years = tuple(
        y for y in range(first_consulted.year, last_day.year + 1) if not calendar.is_official(y)
    )
    return DueDate(
        start=start,
        period=period,
        due=_end_of(last_day),
        last_day=last_day,
        provisional=bool(provisional_years),
        provisional_years=provisional_years,
        calendar_version=calendar.version,
        paused=timedelta(0),
        paused_days=paused_days,
        rolled_from=rolled_from,
    )


def _skip_count(start_day: date, n_days: int, ranges: list[tuple[date, date]]) -> date:
    """The ``n_days``-th day after ``start_day`` that is not excluded (arithmetic, no loop)."""
    d = start_day
    remaining = n_days
    for first, last in ranges:
        if last <= d:
            continue
        first = max(first, d + _ONE_DAY)
        gap = (first - d).days - 1  # countable days strictly between d and the range
        if gap >= remaining:
            break
        remaining -= gap
        d = last
    return d + timedelta(days=remaining)


def _roll(day: date, is_working: Any, ranges: list[tuple[date, date]]) -> date:
    """First day on or after ``day`` that is a working day and not excluded by a pause."""
    for _ in range(_MAX_ROLL_DAYS):
        if is_working(day) and not any(first <= day <= last for first, last in ranges):
            return day
        day += _ONE_DAY
    raise ValueError(f"no working day within {_MAX_ROLL_DAYS} days of {day.isoformat()}")


def _days_excluded(ranges: list[tuple[date, date]], after: date, upto: date) -> int:
    """How many excluded days lie in (after, upto]."""
    total = 0
    for first, last in ranges:
        lo = max(first, after + _ONE_DAY)
        hi = min(last, upto)
        if hi >= lo:
            total += (hi - lo).days + 1
    return total


# --------------------------------------------------------------------------- text front end


def parse_local_datetime(text: str) -> datetime:
    """Read an ISO 8601 date/time typed by a person; without an offset it is Asia/Shanghai time.

    Accepts '2026-03-02T10:00', '2026-03-02 10:00:30', '2026-03-02' (00:00) and the same with
    '+08:00' or 'Z'. Returns an aware datetime in Asia/Shanghai.
    """
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"expected a date/time such as 2026-03-02T10:00, got {text!r}")
    cleaned = text.strip()
    try:
        value = datetime.fromisoformat(cleaned)
    except ValueError:
        raise ValueError(
            f"'{cleaned}' is not a date/time: expected ISO 8601 such as 2026-03-02T10:00 "
            "(read as Asia/Shanghai time) or 2026-03-02T10:00+08:00"
        ) from None
    if value.tzinfo is None or value.utcoffset() is None:
        return value.replace(tzinfo=TZ)
    try:
        return value.astimezone(TZ)
    except OverflowError:  # 0001-01-01T00:00+14:00 is before the first day Python counts
        raise ValueError(f"'{cleaned}' is out of range") from None


def day_start(day: date) -> datetime:
    """00:00 of ``day`` in Asia/Shanghai: the instant a recorded legal date stands for — a
    period starting that day (the day itself not counted), a pause beginning that day, or
    counting resuming that day. Every such date in caseflow becomes an instant here."""
    return datetime.combine(day, time(0), TZ)


def pause_interval(first: date, resumed: date) -> tuple[datetime, datetime]:
    """The pause "paused from day ``first``, counting resumes on day ``resumed``" as the
    half-open interval ``[first 00:00, resumed 00:00)`` in Asia/Shanghai.

    It excludes the whole days ``first .. resumed - 1`` (``resumed - first`` days) from a
    day-based clock and that many 24-hour days from an hour clock; ``first == resumed`` excludes
    nothing. The engine and the calculator both build pauses between legal dates through here
    (module docstring, "One pause convention"). Raises ValueError if ``resumed`` is before
    ``first`` or either is not a date.
    """
    for what, value in (("first paused day", first), ("resumption day", resumed)):
        if isinstance(value, datetime) or not isinstance(value, date):
            raise ValueError(f"{what} must be a date (YYYY-MM-DD), got {value!r}")
    if resumed < first:
        raise ValueError(
            f"counting resumes on {resumed.isoformat()}, before the pause begins on "
            f"{first.isoformat()} (a pause A/B excludes A..B-1; B may not be before A)"
        )
    return day_start(first), day_start(resumed)


def _parse_pause_day(value: Any, what: str) -> date:
    if isinstance(value, datetime):
        raise ValueError(
            f"{what}: {value.isoformat()} has a time; pauses here are whole days (YYYY-MM-DD)"
        )
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"{what}: '{value}' is not a date (expected YYYY-MM-DD)") from None
    raise ValueError(f"{what}: {value!r} is not a date (expected YYYY-MM-DD)")


def _parse_pause(item: Any, i: int) -> tuple[date, date]:
    """A pause as (first paused day, day counting resumes): 'A/B', (A, B), or one day 'A'
    (= A/A+1). Checked by :func:`pause_interval`."""
    what = f"pause {i}"
    if isinstance(item, str):
        first_text, sep, resumed_text = item.partition("/")
        first = _parse_pause_day(first_text, what)
        resumed = _parse_pause_day(resumed_text, what) if sep else first + _ONE_DAY
    elif isinstance(item, (tuple, list)) and len(item) == 2:
        first = _parse_pause_day(item[0], what)
        resumed = _parse_pause_day(item[1], what)
    else:
        raise ValueError(
            f"{what}: expected 'YYYY-MM-DD/YYYY-MM-DD' (paused from / counting resumes on), "
            f"a (first, resumed) pair or one day 'YYYY-MM-DD', got {item!r}"
        )
    try:
        pause_interval(first, resumed)
    except ValueError as exc:
        raise ValueError(f"{what}: {exc}") from None
    return first, resumed


def calculate(
    start: datetime | str,
    period_text: str | Period,
    pauses: Iterable[Any] = (),
    calendar: WorkCalendar | None = None,
) -> dict[str, Any]:
    """Compute a due date from human input and return a JSON-ready dict (the CLI's output).

    ``start`` may be text or a datetime; without an offset it is Asia/Shanghai time. ``pauses``
    follow the engine's convention (module docstring): '2026-06-01/2026-06-06' or
    ('2026-06-01', '2026-06-06') means paused from 1 June, counting resumes on 6 June, so 1–5
    June are excluded (5 days); a single '2026-06-01' is that one day ('2026-06-01/2026-06-02');
    '2026-06-01/2026-06-01' excludes nothing. Each goes through :func:`pause_interval`.
    """
    if isinstance(start, str):
        start_dt = parse_local_datetime(start)
    elif isinstance(start, datetime):
        start_dt = start.replace(tzinfo=TZ) if start.utcoffset() is None else start.astimezone(TZ)
    else:
        raise ValueError(f"start must be a date/time, got {start!r}")
    period = period_text if isinstance(period_text, Period) else Period.parse(period_text)
    day_pauses = [_parse_pause(item, i) for i, item in enumerate(pauses)]
    intervals = [pause_interval(first, resumed) for first, resumed in day_pauses]
    cal = calendar if calendar is not None else WorkCalendar.default()
    result = compute_due(start_dt, period, cal, intervals)
    out: dict[str, Any] = {
        "start": result.start.isoformat(),
        "period": str(period),
        "due": result.due.isoformat(),
        "last_day": result.last_day.isoformat(),
        "rolled_from": result.rolled_from.isoformat() if result.rolled_from else None,
        "provisional": result.provisional,
        "provisional_years": list(result.provisional_years),
        "calendar_version": result.calendar_version,
        "pauses": [f"{a.isoformat()}/{b.isoformat()}" for a, b in day_pauses],
        "pause_convention": PAUSE_CONVENTION,
    }
    if period.unit == "hours":
        out["paused_hours"] = result.paused.total_seconds() / 3600
    else:
        out["paused_days"] = result.paused_days
    return out
