"""Official year schedule files: the format an admin loads a year's working days from.

Why apart from :mod:`caseflow.domain.calendar`: the file format (YAML/JSON parsing, strict
validation, canonical text) changes for different reasons than the working-day arithmetic.
:class:`YearSchedule` lives here because its digest is the schedule's canonical text; the
calendar imports it from here, never the other way round.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import yaml

from caseflow.domain.errors import N_, CaseflowError
from caseflow.domain.said import Said

__all__ = [
    "CalendarFileError",
    "YearSchedule",
    "parse_schedule",
    "schedule_to_text",
]


_ONE_DAY = timedelta(days=1)
_WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class CalendarFileError(CaseflowError, ValueError):
    """An admin's schedule file is wrong. The message names the problem and offending value."""

    def __init__(self, problem: str, source: str = "") -> None:
        # ``problem`` may be a ``said.Said``: the pages translate it (``messages.say``)
        if source:
            super().__init__(N_("%(source)s: %(problem)s"),
                             params={"source": source, "problem": problem})
        else:
            super().__init__(problem)
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


# --------------------------------------------------------------------------- parsing and writing


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
        raise CalendarFileError(Said(N_("%(where)s: '%(text)s' is not a valid date (expected "
                                        "YYYY-MM-DD)"), {"where": where, "text": text}))
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CalendarFileError(Said(N_("%(where)s: '%(text)s' is not a valid date"),
                                     {"where": where, "text": text})) from None


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
                raise CalendarFileError(Said(N_("%(where)s: range '%(text)s' ends before it "
                                                "starts"), {"where": where, "text": text}))
        else:
            first = last = _parse_day(text, where)
        for d in (first, last):
            if d.year != year:
                raise CalendarFileError(Said(N_("%(where)s: '%(day)s' is outside year %(year)s"),
                                             {"where": where, "day": d.isoformat(),
                                              "year": year}))
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
            raise CalendarFileError(_yaml_problem(yaml_err), source) from None
    try:
        return _build_schedule(data, source)
    except CalendarFileError as err:
        raise CalendarFileError(err.problem, source) from None


def _yaml_problem(err: yaml.YAMLError) -> str:
    """PyYAML's several-line report as one line: where (line, column) and what is wrong."""
    mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
    problem = getattr(err, "problem", None) or str(err).strip().splitlines()[0]
    context = getattr(err, "context", None)
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
    return f"{where}not valid YAML: {problem}" + (f" ({context})" if context else "")


def _build_schedule(data: Any, source: str) -> YearSchedule:
    if not isinstance(data, dict):
        raise CalendarFileError(Said(
            N_("expected a mapping with year, rest and workdays, got %(got)s"),
            {"got": _show(data)}))
    for key in data:
        if key not in _KNOWN_KEYS:
            raise CalendarFileError(Said(N_("unknown key %(key)s (expected year, rest, workdays)"),
                                         {"key": _show(key)}))
    if "year" not in data:
        raise CalendarFileError(Said(N_("missing 'year'")))
    year = data["year"]
    if isinstance(year, str) and year.strip().isdigit():
        year = int(year.strip())
    if isinstance(year, bool) or not isinstance(year, int) or not 1900 <= year <= 2999:
        raise CalendarFileError(f"year: {_show(data['year'])} is not a year between 1900 and 2999")
    if "rest" not in data:
        raise CalendarFileError(Said(N_("missing 'rest' (the official rest days)")))
    rest = _parse_entries(data["rest"], "rest", year)
    if not rest:
        raise CalendarFileError(Said(N_("rest: an official schedule lists at least one rest "
                                        "day")))
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
