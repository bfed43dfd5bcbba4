"""The APScheduler job: catches up at once on start, then sweeps on its interval."""

from __future__ import annotations

import time

from sqlalchemy import func, select

from caseflow import services
from caseflow.adapters.orm import Alert
from caseflow.entrypoints.scheduler import JOB_ID, build_scheduler, tick
from tests.integration.test_clocks import open_timed


def _alerts(app) -> int:
    with app.session_factory() as s:
        return s.scalar(select(func.count()).select_from(Alert).where(Alert.clock_id.is_not(None)))


def test_scheduler_catches_up_on_start(at, people, app):
    open_timed(at, "2026-09-18T10:00")  # long overdue by the real clock: all four thresholds
    scheduler = build_scheduler(app, background=True, interval_seconds=3600)
    job = scheduler.get_job(JOB_ID)
    assert job.trigger.interval.total_seconds() == 3600
    scheduler.start()
    try:
        deadline = time.monotonic() + 30
        while _alerts(app) < 4 and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        scheduler.shutdown(wait=True)
    assert _alerts(app) == 4
    options = scheduler._job_defaults  # noqa: SLF001 - the settings LIBRARY-NOTES asks for
    assert options["coalesce"] is True and options["max_instances"] == 1
    assert options["misfire_grace_time"] >= 60


def test_tick_survives_and_is_idempotent(at, people, app):
    open_timed(at, "2026-09-18T10:00")
    first = tick(app)
    second = tick(app)
    assert "4 alert(s) raised" in first["sweep"]
    assert "0 alert(s) raised" in second["sweep"]
    assert _alerts(app) == 4


def test_the_hourly_checkpoint_is_written_only_when_a_head_moved(at, people, app):
    from caseflow.entrypoints.scheduler import CHECKPOINT_JOB_ID, checkpoint
    from tests.integration.test_engine import open_inspection

    scheduler = build_scheduler(app, background=True, interval_seconds=3600)
    assert scheduler.get_job(CHECKPOINT_JOB_ID) is not None
    case = open_inspection(lambda channel="test": app.uow(channel))
    first = checkpoint(app)
    assert checkpoint(app) == first and app.checkpoints.numbers() == [1]
    services.fire(app.uow("test"), case.id, "start_check", actor="li.officer")
    assert checkpoint(app) != first and app.checkpoints.numbers() == [1, 2]
