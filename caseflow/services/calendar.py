"""The calendar the system counts on, changed by admins: official year schedules loaded and
local overrides declared. Each change is audited as a system event, and open clocks are
recomputed on the new calendar in the same transaction (through ``CalendarChanged``)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from typing import Any

from caseflow.adapters.orm import CalendarOverride, CalendarYear, SystemEvent
from caseflow.domain.errors import N_, ValidationFailed
from caseflow.domain.events import CalendarChanged
from caseflow.domain.limits import CALENDAR, check_day, check_reason, check_text
from caseflow.domain.moments import aware
from caseflow.domain.schedules import parse_schedule, schedule_to_text
from caseflow.services.access import require_admin
from caseflow.services.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class ScheduleLoaded:
    """An official year schedule stored, and how many open clocks moved with it."""

    year: int
    clocks_recomputed: int

    def to_dict(self) -> dict[str, Any]:
        return {"year": self.year, "clocks_recomputed": self.clocks_recomputed}


@dataclass(frozen=True)
class OverrideSet:
    """A local rest (or working) day declared, and how many open clocks moved with it."""

    day: str
    kind: str
    clocks_recomputed: int

    def to_dict(self) -> dict[str, Any]:
        return {"day": self.day, "kind": self.kind, "clocks_recomputed": self.clocks_recomputed}


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _plausible_year(year: int, today: date) -> None:
    """A schedule for a year the calendar's bounds reach (the State Council publishes the
    next year's in November; older years matter for clocks still counting)."""
    first, last = (CALENDAR.not_before.resolve(today).year, CALENDAR.not_after.resolve(today).year)
    if not first <= year <= last:
        raise ValidationFailed(N_("year: %(year)s is outside the years a schedule is loaded "
                                  "for (%(first)s–%(last)s)"), field="year",
                               params={"year": year, "first": first, "last": last})


def load_schedule(uow: UnitOfWork, text: str, *, actor: str, source: str = "upload") -> ScheduleLoaded:
    """Store an official year schedule and recompute every open clock on it.

    A malformed file raises CalendarFileError naming the problem; nothing is stored.
    """
    schedule = parse_schedule(text, source)  # raises before anything is written
    check_text(source, "source", limit=1000, multiline=False)
    with uow:
        require_admin(uow, actor, "changes the calendar")
        now = uow.now()
        _plausible_year(schedule.year, aware(now).date())
        row = uow.session.get(CalendarYear, schedule.year)
        stored = schedule_to_text(schedule)
        if row is None:
            uow.session.add(CalendarYear(year=schedule.year, text=stored, digest=digest(stored),
                                         loaded_by=actor, loaded_at=now))
        else:
            row.text, row.digest, row.loaded_by, row.loaded_at = stored, digest(stored), actor, now
        uow.session.flush()
        changed = sum(n or 0 for n in uow.publish(CalendarChanged(
            actor, f"official {schedule.year} schedule loaded")))
        uow.session.add(SystemEvent(kind="calendar_loaded", actor=actor, at=now,
                                    reason=source, payload={
                                        "year": schedule.year, "digest": digest(stored),
                                        "rest_days": len(schedule.rest_days),
                                        "workdays": len(schedule.workdays),
                                        "clocks_recomputed": changed}))
        uow.commit()
        return ScheduleLoaded(year=schedule.year, clocks_recomputed=changed)


def set_override(uow: UnitOfWork, day: date, kind: str, *, actor: str, reason: str) -> OverrideSet:
    """Declare a local extra rest day (or working day); recompute open clocks."""
    if kind not in ("rest", "work"):
        raise ValidationFailed("kind: must be rest or work", field="kind")
    if not reason or not reason.strip():
        raise ValidationFailed("reason: an override needs a reason", field="reason")
    check_reason(reason)
    with uow:
        require_admin(uow, actor, "changes the calendar")
        now = uow.now()
        check_day(day, "day", aware(now).date(), CALENDAR)
        row = uow.session.get(CalendarOverride, day)
        if row is None:
            uow.session.add(CalendarOverride(day=day, kind=kind, reason=reason.strip(),
                                             created_by=actor, created_at=now))
        else:
            row.kind, row.reason, row.created_by, row.created_at = kind, reason.strip(), actor, now
        uow.session.flush()
        changed = sum(n or 0 for n in uow.publish(
            CalendarChanged(actor, f"calendar override {day}: {kind}")))
        uow.session.add(SystemEvent(kind="calendar_override", actor=actor, at=now,
                                    reason=reason.strip(), payload={
                                        "day": day.isoformat(), "kind": kind,
                                        "clocks_recomputed": changed}))
        uow.commit()
        return OverrideSet(day=day.isoformat(), kind=kind, clocks_recomputed=changed)
