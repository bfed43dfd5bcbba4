"""Input bounds: what every entry point refuses the same way, before anything is written.

A number must be finite (NaN compares false with every bound, so ``min: 0`` lets it through;
PostgreSQL's JSON refuses it). An id beyond the database's integer columns is an id nobody
has: the answer is the same "unknown … id" as for a missing one, never a driver's overflow.
Text has a size limit and no control characters (NUL cannot be stored by PostgreSQL; the
others corrupt terminals and exports); a lone surrogate is not text at all. A date has
plausible bounds relative to today (``DateBounds``), so a typo of a year is refused rather
than counted. The REST API maps each refusal to the field it names.
"""

from __future__ import annotations

import calendar as _calendar
import json
import math
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from caseflow.domain.calendar import TZ, WorkCalendar
from caseflow.domain.errors import N_, NotFound, PayloadError, ValidationFailed
from caseflow.domain.periods import calculate, parse_local_datetime

ID_MAX = 2**31 - 1  # the database's integer columns (PostgreSQL ``integer``)

NAME_MAX = 200  # a person's, party's or organisation's name; a title
STRING_MAX = 500  # a ``string`` field of a step: a number, a name, a place
TEXT_MAX = 20_000  # a ``text`` field of a step: claims, measures, a schedule
REASON_MAX = 2_000  # why a step, a pause, an extension or an override is taken
NOTE_MAX = 20_000  # free text: notes, descriptions
KEY_MAX = 200  # an idempotency key, a code
LIST_MAX = 200  # items of a ``list`` field
PAYLOAD_MAX = 64 * 1024  # a step's whole payload, as UTF-8 JSON
NUMBER_MAX = 10**15  # any number a step records (a quadrillion yuan)

_ALLOWED_CONTROLS = frozenset("\n\t\r")


def check_id(value: Any, noun: str) -> int:
    """An id the database can hold; any other integer is unknown, like a missing id."""
    if not id_in_range(value):
        raise NotFound(f"unknown {noun} {value}")
    return value


def id_in_range(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= ID_MAX


def check_number(value: int | float, field: str) -> int | float:
    """Refuse NaN and ±Infinity, which no amount, count or measure can be, and magnitudes
    beyond ``NUMBER_MAX`` (a float would lose the yuan, a driver would overflow)."""
    if isinstance(value, float) and not math.isfinite(value):
        raise PayloadError(field, N_("must be a finite number, got %(value)s"),
                           {"value": repr(value)})
    if abs(value) > NUMBER_MAX:
        raise PayloadError(field, N_("is out of range: at most %(max)s in magnitude"),
                           {"max": f"{NUMBER_MAX:.0e}"})
    return value


def check_text(value: str, field: str, *, limit: int = TEXT_MAX, multiline: bool = True) -> str:
    """Text within ``limit`` characters, without NUL or other control characters (newline,
    tab and carriage return are allowed where ``multiline``), and valid Unicode."""
    if len(value) > limit:
        raise PayloadError(field, N_("is too long: at most %(max)s characters, got %(length)s"),
                           {"max": str(limit), "length": str(len(value))})
    for i, ch in enumerate(value):
        if ch in _ALLOWED_CONTROLS and multiline:
            continue
        category = unicodedata.category(ch)
        if category == "Cc":
            if ch == "\x00":
                raise PayloadError(field, N_("contains a NUL character at position %(position)s"),
                                   {"position": str(i + 1)})
            raise PayloadError(field, N_("contains a control character %(char)s at position "
                                         "%(position)s"),
                               {"char": repr(ch), "position": str(i + 1)})
        if category == "Cs":
            raise PayloadError(field, N_("is not valid Unicode text (a lone surrogate "
                                         "%(char)s at position %(position)s)"),
                               {"char": repr(ch), "position": str(i + 1)})
    return value


def check_reason(value: str | None, field: str = "reason") -> str | None:
    """A reason (or None): at most ``REASON_MAX`` characters of clean text."""
    if value is None:
        return None
    return check_text(str(value), field, limit=REASON_MAX)


def check_note(value: str | None, field: str = "note") -> str | None:
    if value is None:
        return None
    return check_text(str(value), field, limit=NOTE_MAX)


def check_name(value: str, field: str = "name") -> str:
    """A name or title: one line of at most ``NAME_MAX`` characters."""
    return check_text(value, field, limit=NAME_MAX, multiline=False)


_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_NOT_FINITE = N_("must be a finite number (NaN and Infinity are not JSON)")
_NOT_TEXT = N_("must be text without NUL characters or lone surrogates (no database stores "
               "them)")


def _unstorable(value: Any, path: str, depth: int = 0) -> tuple[str, str] | None:
    """Where (``data.a[0].b``) and why the first value no database stores is in ``value``:
    NaN or ±Infinity, or text (a key too) holding a NUL or a lone surrogate; else None."""
    if isinstance(value, float):
        return None if math.isfinite(value) else (path, _NOT_FINITE)
    if isinstance(value, str):
        return (path, _NOT_TEXT) if _UNSTORABLE.search(value) else None
    if depth > 100:  # json.dumps refuses what nests deeper (RecursionError), below
        return None
    if isinstance(value, Mapping):
        for key, item in value.items():
            if isinstance(key, str) and _UNSTORABLE.search(key):
                return (path, _NOT_TEXT)
            found = _unstorable(item, f"{path}.{key}", depth + 1)
            if found:
                return found
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            found = _unstorable(item, f"{path}[{i}]", depth + 1)
            if found:
                return found
    return None


def check_payload_size(payload: Mapping[str, Any], field: str = "payload") -> None:
    """The whole payload, serialised, within ``PAYLOAD_MAX`` bytes, and JSON: no NaN or
    ±Infinity anywhere in it, nested too (PostgreSQL's JSON refuses them; SQLite would store
    them), refused naming where it is (``data.x``, ``data.a[0].b``)."""
    found = _unstorable(payload, field)
    if found is not None:
        raise PayloadError(*found)
    try:
        size = len(json.dumps(payload, ensure_ascii=False, default=str,
                              allow_nan=False).encode("utf-8", "surrogatepass"))
    except (TypeError, ValueError, RecursionError):
        raise PayloadError(field, N_("must be JSON data")) from None
    if size > PAYLOAD_MAX:
        raise PayloadError(field, N_("is too large: at most %(max)s bytes as JSON, got %(size)s"),
                           {"max": str(PAYLOAD_MAX), "size": str(size)})


# --- plausible dates ---------------------------------------------------------------------------

_OFFSET = re.compile(r"^(?P<sign>[+-])?(?P<n>\d{1,4})(?P<unit>[ymwd])$")


@dataclass(frozen=True)
class DateBound:
    """One end of a date's plausible range: a fixed date, or an offset from today
    (``-10y``, ``+2y``, ``-6m``, ``+30d``, ``0d`` = today)."""

    text: str
    fixed: date | None = None
    amount: int = 0
    unit: str = "d"

    @classmethod
    def parse(cls, raw: Any) -> DateBound:
        """``YYYY-MM-DD``, ``today``, or ``[+|-]N`` with a unit ``y``/``m``/``w``/``d``;
        ValueError otherwise."""
        if isinstance(raw, datetime):
            raise ValueError(f"{raw!r} is a date-time; a bound is a date or an offset")
        if isinstance(raw, date):
            return cls(raw.isoformat(), fixed=raw)
        text = str(raw).strip()
        if text == "today":
            return cls(text)
        match = _OFFSET.match(text)
        if match:
            amount = int(match["n"]) * (-1 if match["sign"] == "-" else 1)
            return cls(text, amount=amount, unit=match["unit"])
        try:
            return cls(text, fixed=date.fromisoformat(text))
        except ValueError:
            raise ValueError(f"{text!r} is not a date bound (YYYY-MM-DD, today, or an "
                             "offset such as -10y, +2y, -6m, +30d, 0d)") from None

    def resolve(self, today: date) -> date:
        if self.fixed is not None:
            return self.fixed
        if self.unit in "dw":
            days = self.amount * (7 if self.unit == "w" else 1)
            try:
                return today + timedelta(days=days)
            except OverflowError:
                return date.min if days < 0 else date.max
        months = self.amount * (12 if self.unit == "y" else 1)
        index = today.year * 12 + today.month - 1 + months
        year, month = divmod(index, 12)
        if year < date.min.year:
            return date.min
        if year > date.max.year:
            return date.max
        day = min(today.day, _calendar.monthrange(year, month + 1)[1])
        return date(year, month + 1, day)


@dataclass(frozen=True)
class DateBounds:
    """A date field's plausible range, inclusive at both ends."""

    not_before: DateBound
    not_after: DateBound

    def check(self, day: date, field: str, today: date) -> date:
        low, high = self.not_before.resolve(today), self.not_after.resolve(today)
        if day < low:
            raise ValidationFailed(N_("%(day)s is implausibly early: not before %(low)s "
                                      "(%(bound)s)"),
                                   params={"day": day.isoformat(), "low": low.isoformat(),
                                           "bound": self.not_before.text},
                                   field=field, prefixed=True)
        if day > high:
            template = (N_("%(day)s is in the future: not after %(high)s (%(bound)s)")
                        if high == today else
                        N_("%(day)s is too far ahead: not after %(high)s (%(bound)s)"))
            raise ValidationFailed(template, params={"day": day.isoformat(),
                                                     "high": high.isoformat(),
                                                     "bound": self.not_after.text},
                                   field=field, prefixed=True)
        return day


RECORDED = DateBounds(DateBound.parse("-20y"), DateBound.parse("0d"))
"""A date something happened on: not in the future, not more than 20 years ago."""

SCHEDULED = DateBounds(DateBound.parse("-20y"), DateBound.parse("+2y"))
"""A date something is due or set for: up to two years ahead."""

CALENDAR = DateBounds(DateBound.parse("-20y"), DateBound.parse("+3y"))
"""A day of the working calendar (an override, a loaded schedule's year)."""

INSTALMENTS = DateBounds(DateBound.parse("-20y"), DateBound.parse("+5y"))
"""When a settlement's instalments may fall due: up to five years ahead."""

PLANNING = DateBounds(DateBound.parse("-20y"), DateBound.parse("+5y"))
"""A date the deadline calculator counts from or pauses on."""


def check_day(day: date, field: str, today: date, bounds: DateBounds = RECORDED) -> date:
    return bounds.check(day.date() if isinstance(day, datetime) else day, field, today)


def planned_deadline(start: str, period: str, pauses: list[str], calendar: WorkCalendar | None,
                     today: date | None = None) -> dict[str, Any]:
    """The deadline calculator's answer (``periods.calculate``), with its dates within
    ``PLANNING`` bounds: the start, every pause and the last day (a period of centuries is a
    typo, not a plan)."""
    today = today or datetime.now(TZ).date()
    try:
        start_at = parse_local_datetime(start)
    except ValueError as exc:  # malformed, or out of range once read as Beijing time
        raise PayloadError("--from", str(exc)) from None
    check_day(start_at.date(), "--from", today, PLANNING)
    for text in pauses:
        for part in str(text).split("/"):
            try:
                day = date.fromisoformat(part.strip())
            except ValueError:
                continue  # calculate names a malformed pause itself
            check_day(day, "--pause", today, PLANNING)
    try:
        result = calculate(start_at, period, pauses, calendar)
    except OverflowError:
        raise PayloadError("--period", N_("%(period)s runs past the calendar"),
                           {"period": repr(period)}) from None
    last = date.fromisoformat(result["last_day"])
    if last > PLANNING.not_after.resolve(today):
        raise PayloadError("--period", N_("%(period)s from %(start)s ends on %(last)s, beyond "
                                          "%(limit)s (%(bound)s)"),
                           {"period": repr(period), "start": f"{start_at:%Y-%m-%d}",
                            "last": last.isoformat(),
                            "limit": PLANNING.not_after.resolve(today).isoformat(),
                            "bound": PLANNING.not_after.text})
    return result
