"""Read side of the calendar: which years are official, which were loaded, how many due dates
are still provisional, and whether next year's schedule is missing."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from caseflow.adapters.calendar_store import current_calendar
from caseflow.adapters.orm import CalendarYear, Clock
from caseflow.domain.calendar import next_year_missing
from caseflow.domain.moments import aware
from caseflow.services.unit_of_work import UnitOfWork


def calendar_status(uow: UnitOfWork) -> dict[str, Any]:
    with uow:
        conn = uow.connection
        cal = current_calendar(conn)
        loaded = [r.year for r in conn.execute(select(CalendarYear.year))]
        provisional = conn.scalar(select(func.count()).select_from(Clock).where(
            Clock.provisional.is_(True), Clock.status != "stopped"))
        years = cal.official_years
        return {
            "official_years": [years[0], years[-1]] if years else [], "loaded_years": loaded,
            "calendar_version": cal.version, "provisional_due_dates": provisional,
            "next_year_missing": next_year_missing(cal, aware(uow.now()).date()),
        }
