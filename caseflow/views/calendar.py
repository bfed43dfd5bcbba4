"""Read side of the calendar: which years are official, which were loaded, how many due dates
are still provisional, and whether next year's schedule is missing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from caseflow.adapters.calendar_store import current_calendar
from caseflow.adapters.orm import CalendarYear, Clock
from caseflow.domain.calendar import WorkCalendar, next_year_missing
from caseflow.domain.moments import aware
from caseflow.services.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class CalendarStatus:
    """``official_years`` is the first and last year with an official schedule (empty when
    there is none); ``next_year_missing`` is the year whose schedule is overdue, or ``None``."""

    official_years: tuple[int, ...]
    loaded_years: tuple[int, ...]
    calendar_version: str
    provisional_due_dates: int
    next_year_missing: int | None

    def to_dict(self) -> dict[str, Any]:
        return {"official_years": list(self.official_years),
                "loaded_years": list(self.loaded_years),
                "calendar_version": self.calendar_version,
                "provisional_due_dates": self.provisional_due_dates,
                "next_year_missing": self.next_year_missing}


def calendar_status(uow: UnitOfWork, actor: str | None = None) -> CalendarStatus:
    """How the calendar stands; with ``actor``, only for an admin (PermissionDenied)."""
    with uow:
        if actor is not None:
            from caseflow.domain.errors import PermissionDenied
            from caseflow.services.access import get_user

            if "admin" not in get_user(uow, actor).roles:
                raise PermissionDenied("only an admin sees the calendar's status")
        conn = uow.connection
        cal = current_calendar(conn)
        loaded = tuple(r.year for r in conn.execute(select(CalendarYear.year)))
        provisional = conn.scalar(select(func.count()).select_from(Clock).where(
            Clock.provisional.is_(True), Clock.status != "stopped"))
        years = cal.official_years
        return CalendarStatus(
            official_years=(years[0], years[-1]) if years else (), loaded_years=loaded,
            calendar_version=cal.version, provisional_due_dates=provisional,
            next_year_missing=next_year_missing(cal, aware(uow.now()).date()),
        )


def counting_calendar(uow: UnitOfWork) -> WorkCalendar:
    """The calendar every clock counts on now: official data, loaded years and overrides."""
    with uow:
        return current_calendar(uow.connection)
