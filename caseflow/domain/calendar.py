"""The working-day calendar every legal clock counts on (DESIGN.md section 4).

Why this module exists: a due date is only as right as the calendar behind it. China's working
days are not "Monday to Friday": the State Council publishes each year's holidays with 调休
(weekday rest days paid back by weekend make-up workdays), usually in November for the next year.

Data sources, in order of precedence for one date:

1. Admin overrides (``extra_workdays`` / ``extra_rest_days``): local changes, e.g. a city's
   extra rest day.
2. An official schedule for the date's year: either built from ``chinese_calendar`` (2004 to
   the last year that package knows) or loaded by an admin from a schedule file
   (:func:`parse_schedule`, :meth:`WorkCalendar.with_schedule`); a loaded schedule replaces the
   built-in one for its year.
3. The **provisional** rule for a year with no official schedule: Monday–Friday work, Saturday
   and Sunday rest, plus the fixed statutory holidays from ``holidays.China`` (no 调休 swaps,
   no make-up workdays, because those are only known once published). Anything computed on a
   provisional year is flagged so it can be recomputed when the real schedule is loaded.

Every calendar has a :attr:`WorkCalendar.version` string that changes whenever data that could
move a date changes, so a stored due date can say which calendar produced it.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache, cached_property, lru_cache
from types import MappingProxyType
from typing import Any

import chinese_calendar
import holidays as holidays_lib
import yaml

from caseflow.domain.errors import CaseflowError
from caseflow.domain.moments import TZ  # noqa: F401 - re-exported: calendars count in it

__all__ = [
    "TZ",
    "CalendarFileError",
    "WorkCalendar",
    "YearSchedule",
    "builtin_schedules",
    "parse_schedule",
    "schedule_to_text",
]


_ONE_DAY = timedelta(days=1)
_WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# A search for the next working day gives up after this many days: only a corrupt calendar
# (every day a rest day) gets that far, and an endless loop would hang a request or the sweep.
_MAX_SEARCH_DAYS = 3700


class CalendarFileError(CaseflowError, ValueError):
    """An admin's schedule file is wrong. The message names the problem and offending value."""

    def __init__(self, problem: str, source: str = "") -> None:
        message = f"{source}: {problem}" if source else problem
        super().__init__(message)
        self.problem = problem
        self.source = source


@dataclass(frozen=True)
class YearSchedule:
    """One year's official schedule, as published by the State Council.

    ``rest_days`` holds every official rest day the notice lists (holidays, 调休 rest days that
    fall on weekdays, and the weekend days inside holiday blocks); ``workdays`` the make-up
    workdays (weekend days that are working). Days in neither follow the weekday rule.
    """

    year: int
    rest_days: frozenset[date]
    workdays: frozenset[date] = field(default_factory=frozenset)
    source: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "rest_days", frozenset(self.rest_days))
        object.__setattr__(self, "workdays", frozenset(self.workdays))
        if isinstance(self.year, bool) or not isinstance(self.year, int):
            raise ValueError(f"year must be an int, got {self.year!r}")
        for label, days in (("rest_days", self.rest_days), ("workdays", self.workdays)):
            for d in days:
                # datetime is a subclass of date but never equal to one: it would never match.
                if type(d) is not date:
                    raise ValueError(f"{label}: {d!r} is not a datetime.date")
                if d.year != self.year:
                    raise ValueError(f"{label}: {d.isoformat()} is outside year {self.year}")
        both = self.rest_days & self.workdays
        if both:
            raise ValueError(
                f"{min(both).isoformat()} is both a rest day and a workday in {self.year}"
            )

    @property
    def digest(self) -> str:
        """Eight hex digits identifying the dates (not the source label) of this schedule."""
        return hashlib.sha256(_canonical_text(self).encode()).hexdigest()[:8]


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


# --------------------------------------------------------------------------- schedule files


class _NoTimestampLoader(yaml.SafeLoader):
    """SafeLoader that leaves dates as strings, so we validate them with our own messages.

    (PyYAML would turn ``2027-02-30`` into a bare ValueError from inside the parser.)
    """


_NoTimestampLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}

_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_KNOWN_KEYS = ("year", "rest", "workdays", "source", "notes")


def _show(value: Any) -> str:
    return f"'{value}'" if isinstance(value, str) else repr(value)


def _parse_day(text: str, where: str) -> date:
    if not _DATE_RE.match(text):
        raise CalendarFileError(f"{where}: '{text}' is not a valid date (expected YYYY-MM-DD)")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CalendarFileError(f"{where}: '{text}' is not a valid date") from None


def _parse_entries(raw: Any, key: str, year: int) -> dict[date, str]:
    """Expand a list of dates and inclusive 'A/B' ranges into {day: where-it-was-listed}."""
    if raw is None:
        return {}
    if not isinstance(raw, list):
        raise CalendarFileError(f"{key}: expected a list of dates or date ranges, got {_show(raw)}")
    days: dict[date, str] = {}
    for i, item in enumerate(raw):
        where = f"{key}[{i}]"
        if not isinstance(item, str):
            raise CalendarFileError(
                f"{where}: {_show(item)} is not a date or range "
                "(expected YYYY-MM-DD or YYYY-MM-DD/YYYY-MM-DD)"
            )
        text = item.strip()
        if "/" in text:
            left, _, right = text.partition("/")
            first = _parse_day(left.strip(), where)
            last = _parse_day(right.strip(), where)
            if last < first:
                raise CalendarFileError(f"{where}: range '{text}' ends before it starts")
        else:
            first = last = _parse_day(text, where)
        for d in (first, last):
            if d.year != year:
                raise CalendarFileError(f"{where}: '{d.isoformat()}' is outside year {year}")
        d = first
        while d <= last:
            days.setdefault(d, where)
            d += _ONE_DAY
    return days


def parse_schedule(text: str, source: str) -> YearSchedule:
    """Parse an official schedule file (YAML or JSON) an admin loads for a year.

    Strict, because a wrong schedule silently moves every due date in that year: unknown keys,
    bad dates, dates outside ``year``, reversed ranges, a day listed as both rest and workday,
    and make-up workdays that are not weekend days are all refused with a message naming the
    offending entry. Pure: nothing is applied, the caller decides what to do with the result.
    """
    try:
        data = yaml.load(text, Loader=_NoTimestampLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as yaml_err:
        try:
            data = json.loads(text)
        except ValueError:
            raise CalendarFileError(f"not valid YAML or JSON: {yaml_err}", source) from None
    try:
        return _build_schedule(data, source)
    except CalendarFileError as err:
        raise CalendarFileError(err.problem, source) from None


def _build_schedule(data: Any, source: str) -> YearSchedule:
    if not isinstance(data, dict):
        raise CalendarFileError(
            f"expected a mapping with year, rest and workdays, got {_show(data)}"
        )
    for key in data:
        if key not in _KNOWN_KEYS:
            raise CalendarFileError(f"unknown key {_show(key)} (expected year, rest, workdays)")
    if "year" not in data:
        raise CalendarFileError("missing 'year'")
    year = data["year"]
    if isinstance(year, str) and year.strip().isdigit():
        year = int(year.strip())
    if isinstance(year, bool) or not isinstance(year, int) or not 1900 <= year <= 2999:
        raise CalendarFileError(f"year: {_show(data['year'])} is not a year between 1900 and 2999")
    if "rest" not in data:
        raise CalendarFileError("missing 'rest' (the official rest days)")
    rest = _parse_entries(data["rest"], "rest", year)
    if not rest:
        raise CalendarFileError("rest: an official schedule lists at least one rest day")
    work = _parse_entries(data.get("workdays"), "workdays", year)
    for d, where in sorted(work.items()):
        if d in rest:
            raise CalendarFileError(
                f"'{d.isoformat()}' is listed both as a rest day ({rest[d]}) "
                f"and as a workday ({where})"
            )
        if d.weekday() < 5:
            raise CalendarFileError(
                f"{where}: '{d.isoformat()}' is a {_WEEKDAY_NAMES[d.weekday()]}; "
                "a make-up workday must be a Saturday or Sunday"
            )
    return YearSchedule(year, frozenset(rest), frozenset(work), source)


def _runs(days: Iterable[date]) -> list[tuple[date, date]]:
    out: list[tuple[date, date]] = []
    for d in sorted(days):
        if out and out[-1][1] + _ONE_DAY == d:
            out[-1] = (out[-1][0], d)
        else:
            out.append((d, d))
    return out


def _canonical_text(schedule: YearSchedule) -> str:
    lines = [f"year: {schedule.year}"]
    for key, days in (("rest", schedule.rest_days), ("workdays", schedule.workdays)):
        runs = _runs(days)
        if not runs:
            lines.append(f"{key}: []")
            continue
        lines.append(f"{key}:")
        for a, b in runs:
            lines.append(
                f"  - {a.isoformat()}" if a == b else f"  - {a.isoformat()}/{b.isoformat()}"
            )
    return "\n".join(lines) + "\n"


def schedule_to_text(schedule: YearSchedule) -> str:
    """The schedule as a file :func:`parse_schedule` reads back to an equal schedule.

    Consecutive days are written as ranges; the source label goes into a comment line.
    """
    label = " ".join(schedule.source.split())
    header = f"# source: {label}\n" if label else ""
    return header + _canonical_text(schedule)


def next_year_missing(calendar: WorkCalendar, today: date) -> int | None:
    """From 1 November, the coming year when its official schedule is not loaded yet."""
    if today.month < 11:
        return None
    year = today.year + 1
    return None if calendar.is_official(year) else year
