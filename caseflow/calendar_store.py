"""The calendar the system counts on: built-in official data + admin-loaded years + overrides.

Loaded schedules and overrides live in the database so every node and process counts on the
same days; a process keeps one ``WorkCalendar`` per distinct set of stored data.
"""

from __future__ import annotations

import hashlib
import threading
from datetime import date

from sqlalchemy import Connection, select

from caseflow.calendar import WorkCalendar, parse_schedule, schedule_to_text
from caseflow.errors import PermissionDenied, ValidationFailed
from caseflow.models import CalendarOverride, CalendarYear, SystemEvent
from caseflow.unit_of_work import UnitOfWork

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


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def next_year_missing(calendar: WorkCalendar, today: date) -> int | None:
    """From 1 November, the coming year when its official schedule is not loaded yet."""
    if today.month < 11:
        return None
    year = today.year + 1
    return None if calendar.is_official(year) else year


def _require_admin(uow: UnitOfWork, actor: str) -> None:
    from caseflow.services import get_user

    if "admin" not in get_user(uow, actor).roles:
        raise PermissionDenied("only an admin changes the calendar")


def load_schedule(uow: UnitOfWork, text: str, *, actor: str, source: str = "upload") -> dict:
    """Store an official year schedule and recompute every open clock on it.

    A malformed file raises CalendarFileError naming the problem; nothing is stored.
    """
    schedule = parse_schedule(text, source)  # raises before anything is written
    with uow:
        _require_admin(uow, actor)
        now = uow.now()
        row = uow.session.get(CalendarYear, schedule.year)
        stored = schedule_to_text(schedule)
        if row is None:
            uow.session.add(CalendarYear(year=schedule.year, text=stored, digest=digest(stored),
                                         loaded_by=actor, loaded_at=now))
        else:
            row.text, row.digest, row.loaded_by, row.loaded_at = stored, digest(stored), actor, now
        uow.session.flush()
        from caseflow.clock_services import recompute_clocks

        changed = recompute_clocks(uow, actor=actor,
                                   reason=f"official {schedule.year} schedule loaded")
        uow.session.add(SystemEvent(kind="calendar_loaded", actor=actor, at=now,
                                    reason=source, payload={
                                        "year": schedule.year, "digest": digest(stored),
                                        "rest_days": len(schedule.rest_days),
                                        "workdays": len(schedule.workdays),
                                        "clocks_recomputed": changed}))
        uow.commit()
        return {"year": schedule.year, "clocks_recomputed": changed}


def set_override(uow: UnitOfWork, day: date, kind: str, *, actor: str, reason: str) -> dict:
    """Declare a local extra rest day (or working day); recompute open clocks."""
    if kind not in ("rest", "work"):
        raise ValidationFailed("kind: must be rest or work", field="kind")
    if not reason or not reason.strip():
        raise ValidationFailed("reason: an override needs a reason", field="reason")
    with uow:
        _require_admin(uow, actor)
        now = uow.now()
        row = uow.session.get(CalendarOverride, day)
        if row is None:
            uow.session.add(CalendarOverride(day=day, kind=kind, reason=reason.strip(),
                                             created_by=actor, created_at=now))
        else:
            row.kind, row.reason, row.created_by, row.created_at = kind, reason.strip(), actor, now
        uow.session.flush()
        from caseflow.clock_services import recompute_clocks

        changed = recompute_clocks(uow, actor=actor, reason=f"calendar override {day}: {kind}")
        uow.session.add(SystemEvent(kind="calendar_override", actor=actor, at=now,
                                    reason=reason.strip(), payload={
                                        "day": day.isoformat(), "kind": kind,
                                        "clocks_recomputed": changed}))
        uow.commit()
        return {"day": day.isoformat(), "kind": kind, "clocks_recomputed": changed}
