"""The calendar the system counts on: built-in official data + admin-loaded years + overrides.

Loaded schedules and overrides live in the database so every node and process counts on the
same days; a process keeps one ``WorkCalendar`` per distinct set of stored data.
"""

from __future__ import annotations

import threading

from sqlalchemy import Connection, select

from caseflow.adapters.orm import CalendarOverride, CalendarYear
from caseflow.domain.calendar import WorkCalendar
from caseflow.domain.schedules import parse_schedule

_lock = threading.Lock()
_cache: dict[tuple, WorkCalendar] = {}


def current_calendar(conn: Connection) -> WorkCalendar:
    """The calendar as stored now (two small reads; texts are parsed once per process)."""
    years = tuple(conn.execute(select(CalendarYear.year, CalendarYear.digest)
                               .order_by(CalendarYear.year)).all())
    overrides = tuple(conn.execute(select(CalendarOverride.day, CalendarOverride.kind)
                                   .order_by(CalendarOverride.day)).all())
    key = (years, overrides)
    cached = _cache.get(key)
    if cached is not None:
        return cached
    texts = conn.execute(select(CalendarYear.year, CalendarYear.text)).all()
    schedules = [parse_schedule(text, f"stored calendar {year}") for year, text in texts]
    calendar = WorkCalendar.default(
        extra_rest_days=[d for d, kind in overrides if kind == "rest"],
        extra_workdays=[d for d, kind in overrides if kind == "work"],
        schedules=schedules,
    )
    with _lock:
        if len(_cache) > 32:
            _cache.clear()
        _cache[key] = calendar
    return calendar
