"""The working-day calendar every legal clock counts on (DESIGN.md section 4).

Why this module exists: a due date is only as right as the calendar behind it. China's working
days are not "Monday to Friday": the State Council publishes each year's holidays with 调休
(weekday rest days paid back by weekend make-up workdays), usually in November for the next year.

Data sources, in order of precedence for one date:

1. Admin overrides (``extra_workdays`` / ``extra_rest_days``): local changes, e.g. a city's
   extra rest day.
2. An official schedule for the date's year: either built from ``chinese_calendar`` (2004 to
   the last year that package knows) or loaded by an admin from a schedule file
   (:func:`caseflow.domain.schedules.parse_schedule`, :meth:`WorkCalendar.with_schedule`); a
   loaded schedule replaces the built-in one for its year.
3. The **provisional** rule for a year with no official schedule: Monday–Friday work, Saturday
   and Sunday rest, plus the fixed statutory holidays from ``holidays.China`` (no 调休 swaps,
   no make-up workdays, because those are only known once published). Anything computed on a
   provisional year is flagged so it can be recomputed when the real schedule is loaded.

Every calendar has a :attr:`WorkCalendar.version` string that changes whenever data that could
move a date changes, so a stored due date can say which calendar produced it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from functools import cache, cached_property, lru_cache
from types import MappingProxyType

import chinese_calendar
import holidays as holidays_lib

from caseflow.domain.moments import TZ  # noqa: F401 - re-exported: calendars count in it
from caseflow.domain.schedules import YearSchedule

__all__ = [
    "TZ",
    "WorkCalendar",
    "builtin_schedules",
    "next_year_missing",
]


_ONE_DAY = timedelta(days=1)
# A search for the next working day gives up after this many days: only a corrupt calendar
# (every day a rest day) gets that far, and an endless loop would hang a request or the sweep.
_MAX_SEARCH_DAYS = 3700


# --------------------------------------------------------------------------- built-in data


@lru_cache(maxsize=1)
def builtin_schedules() -> Mapping[int, YearSchedule]:
    """Official schedules derived from ``chinese_calendar``'s data, built once per process.

    chinese_calendar keeps every published rest day in ``constants.holidays`` (which already
    includes the 调休 rest days) and every make-up workday in ``constants.workdays``; the years it
    covers are those between its first and last holiday, the same range its own API accepts.
    """
    from chinese_calendar import constants

    first = min(constants.holidays).year
    last = max(constants.holidays).year
    rest: dict[int, set[date]] = {y: set() for y in range(first, last + 1)}
    work: dict[int, set[date]] = {y: set() for y in range(first, last + 1)}
    for d in constants.holidays:
        rest[d.year].add(_as_date(d))
    for d in constants.workdays:
        if first <= d.year <= last:
            work[d.year].add(_as_date(d))
    source = f"chinese_calendar {chinese_calendar.__version__}"
    return MappingProxyType(
        {
            y: YearSchedule(y, frozenset(rest[y]), frozenset(work[y]), source)
            for y in range(first, last + 1)
        }
    )


def _day(d: date) -> date:
    """A plain date; an aware datetime is first converted to Asia/Shanghai (a datetime never
    equals a date, so it would silently miss every set lookup)."""
    if isinstance(d, datetime):
        return d.astimezone(TZ).date() if d.utcoffset() is not None else d.date()
    if not isinstance(d, date):
        raise TypeError(f"expected a date, got {d!r}")
    return d


def _as_date(d: date) -> date:
    return date(d.year, d.month, d.day)


@cache
def _provisional_rest_days(year: int) -> frozenset[date]:
    """Fixed statutory holidays of a year with no official schedule (weekends handled apart).

    ``observed=False`` drops the library's guessed weekend substitutes, and entries labelled
    "Day off (substituted ...)" are 调休 swaps whose make-up workdays the library does not
    provide, so they are dropped too: the provisional rule is "weekends + statutory holidays".
    Years the library cannot handle give weekends only; this must never crash.
    """
    try:
        table = holidays_lib.China(years=year, observed=False, language="en_US")
        items = list(table.items())
    except Exception:  # noqa: BLE001 - any library failure degrades to weekends only
        return frozenset()
    days = set()
    for d, name in items:
        parts = [p.strip() for p in str(name).split(";")]
        if any(not p.startswith("Day off") for p in parts) and d.year == year:
            days.add(_as_date(d))
    return frozenset(days)


# --------------------------------------------------------------------------- the calendar


class WorkCalendar:
    """Answers "is this a working day?" for any date, and says when it is only guessing.

    Immutable: :meth:`with_schedule` and :meth:`with_overrides` return new calendars, so a
    calendar captured at the start of a computation cannot change under it.
    """

    def __init__(
        self,
        schedules: Mapping[int, YearSchedule] | None = None,
        extra_rest_days: Iterable[date] = (),
        extra_workdays: Iterable[date] = (),
    ) -> None:
        sched = dict(schedules or {})
        for year, s in sched.items():
            if not isinstance(s, YearSchedule):
                raise TypeError(f"schedule for {year} is not a YearSchedule: {s!r}")
            if s.year != year:
                raise ValueError(f"schedule for {s.year} filed under year {year}")
        rest = frozenset(extra_rest_days)
        work = frozenset(extra_workdays)
        for d in rest | work:
            if type(d) is not date:
                raise ValueError(f"override {d!r} is not a datetime.date")
        both = rest & work
        if both:
            raise ValueError(
                f"{min(both).isoformat()} is both an extra rest day and an extra workday"
            )
        self._schedules: Mapping[int, YearSchedule] = MappingProxyType(sched)
        self._extra_rest = rest
        self._extra_work = work

    # -- construction -------------------------------------------------------------------

    @classmethod
    def default(
        cls,
        extra_rest_days: Iterable[date] = (),
        extra_workdays: Iterable[date] = (),
        schedules: Iterable[YearSchedule] = (),
    ) -> WorkCalendar:
        """Official data from chinese_calendar, plus admin-loaded ``schedules`` and overrides.

        Cheap: the built-in schedules are derived once per process, and the calendar without
        overrides is a shared instance.
        """
        rest = frozenset(extra_rest_days)
        work = frozenset(extra_workdays)
        loaded = tuple(schedules)
        if not rest and not work and not loaded:
            return _default_calendar()
        merged = dict(builtin_schedules())
        for s in loaded:
            merged[s.year] = s
        return cls(merged, rest, work)

    def with_schedule(self, schedule: YearSchedule) -> WorkCalendar:
        """A new calendar with ``schedule`` as the official schedule of its year."""
        if not isinstance(schedule, YearSchedule):
            raise TypeError(f"expected a YearSchedule, got {schedule!r}")
        merged = dict(self._schedules)
        merged[schedule.year] = schedule
        return WorkCalendar(merged, self._extra_rest, self._extra_work)

    def with_overrides(
        self, extra_rest_days: Iterable[date] = (), extra_workdays: Iterable[date] = ()
    ) -> WorkCalendar:
        """A new calendar with the same schedules and these overrides (replacing the old ones)."""
        return WorkCalendar(self._schedules, extra_rest_days, extra_workdays)

    # -- queries -------------------------------------------------------------------------

    @property
    def schedules(self) -> Mapping[int, YearSchedule]:
        """Official schedules by year (read-only)."""
        return self._schedules

    @property
    def official_years(self) -> tuple[int, ...]:
        """Years with an official schedule, ascending."""
        return tuple(sorted(self._schedules))

    @property
    def extra_rest_days(self) -> frozenset[date]:
        return self._extra_rest

    @property
    def extra_workdays(self) -> frozenset[date]:
        return self._extra_work

    def is_official(self, year: int) -> bool:
        """True if ``year`` has an official schedule (built-in or loaded)."""
        return year in self._schedules

    def is_provisional(self, d: date) -> bool:
        """True if ``d``'s year has no official schedule, so its status is the provisional rule."""
        return _day(d).year not in self._schedules

    def is_working_day(self, d: date) -> bool:
        """Working day: overrides first, then the year's official schedule, else provisional."""
        if type(d) is not date:
            d = _day(d)
        if d in self._extra_work:
            return True
        if d in self._extra_rest:
            return False
        s = self._schedules.get(d.year)
        if s is None:
            return d.weekday() < 5 and d not in _provisional_rest_days(d.year)
        if d in s.workdays:
            return True
        if d in s.rest_days:
            return False
        return d.weekday() < 5

    def is_rest_day(self, d: date) -> bool:
        """Rest day: weekend (unless a make-up workday), holiday, 调休 rest day or extra rest day."""
        return not self.is_working_day(d)

    def first_working_day_on_or_after(self, d: date) -> date:
        """``d`` itself if it is a working day, else the next working day after it."""
        d = _day(d)
        for _ in range(_MAX_SEARCH_DAYS):
            if self.is_working_day(d):
                return d
            d += _ONE_DAY
        raise ValueError(f"no working day within {_MAX_SEARCH_DAYS} days of {d.isoformat()}")

    def first_working_day_after(self, d: date) -> date:
        """The first working day strictly after ``d``."""
        return self.first_working_day_on_or_after(_day(d) + _ONE_DAY)

    # -- identity ------------------------------------------------------------------------

    @cached_property
    def version(self) -> str:
        """Names the data behind this calendar; changes whenever a date's status could change.

        ``cc<ver>+official:<years>`` are schedules identical to chinese_calendar's data;
        ``loaded:<year>@<digest>`` are schedules that differ from (or are missing in) it;
        ``prov:holidays<ver>`` the library behind the provisional rule; ``overrides:<digest>``
        the admin's extra rest days and workdays.
        """
        builtin = builtin_schedules()
        official: list[int] = []
        loaded: list[str] = []
        for year in sorted(self._schedules):
            s = self._schedules[year]
            b = builtin.get(year)
            if b is not None and b.rest_days == s.rest_days and b.workdays == s.workdays:
                official.append(year)
            else:
                loaded.append(f"{year}@{s.digest}")
        parts = [f"cc{chinese_calendar.__version__}"]
        if official:
            parts.append("official:" + _compress_years(official))
        if loaded:
            parts.append("loaded:" + ",".join(loaded))
        parts.append(f"prov:holidays{holidays_lib.__version__}")
        if self._extra_rest or self._extra_work:
            text = "rest:{};work:{}".format(
                ",".join(sorted(d.isoformat() for d in self._extra_rest)),
                ",".join(sorted(d.isoformat() for d in self._extra_work)),
            )
            parts.append("overrides:" + hashlib.sha256(text.encode()).hexdigest()[:8])
        return "+".join(parts)

    def __repr__(self) -> str:
        return f"WorkCalendar({self.version!r})"


@lru_cache(maxsize=1)
def _default_calendar() -> WorkCalendar:
    return WorkCalendar(builtin_schedules())


def _compress_years(years: list[int]) -> str:
    """[2004, 2005, 2006, 2010] -> '2004-2006,2010'."""
    out: list[str] = []
    start = prev = years[0]
    for y in years[1:] + [None]:  # type: ignore[list-item]
        if y is not None and y == prev + 1:
            prev = y
            continue
        out.append(str(start) if start == prev else f"{start}-{prev}")
        if y is not None:
            start = prev = y
    return ",".join(out)


def next_year_missing(calendar: WorkCalendar, today: date) -> int | None:
    """From 1 November, the coming year when its official schedule is not loaded yet."""
    if today.month < 11:
        return None
    year = today.year + 1
    return None if calendar.is_official(year) else year
