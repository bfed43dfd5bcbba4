"""The scheduled sweep: an APScheduler job that runs every minute, in its own process
(`caseflow scheduler`) or inside the web process when configured.

Jobs are defined in code with an in-memory job store (LIBRARY-NOTES: several schedulers
sharing a job store run jobs twice); the job body itself is safe to run on several nodes at
once, because the sweep claims clocks with SKIP LOCKED and raises alerts idempotently. On
start the job runs at once, which catches up on everything missed while no scheduler ran.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from caseflow.bootstrap import App
from caseflow.domain.calendar import TZ

log = logging.getLogger("caseflow.scheduler")
JOB_ID = "deadline-sweep"
CHECKPOINT_JOB_ID = "audit-checkpoint"
CHECKPOINT_EVERY_S = 3600


def checkpoint(app: App) -> str | None:
    """The hourly audit checkpoint (written only when some case's head moved since the
    last one); a failure is logged, the next hour tries again."""
    from caseflow.services.checkpoints import write_checkpoint

    try:
        record = write_checkpoint(app.uow("scheduler"), app.checkpoints, skip_unchanged=True)
    except Exception:  # noqa: BLE001 - the scheduler must survive a bad run
        log.exception("audit checkpoint failed")
        return None
    log.info("audit checkpoint %s: %s cases, root %s", record.number, record.cases, record.root)
    return record.root


def tick(app: App) -> dict[str, Any]:
    """One scheduler tick: sweep clocks, check the calendar, deliver queued alerts.

    Each part is its own transaction; a failing part is logged and the others still run.
    """
    from caseflow.adapters.channels import channels_from_settings
    from caseflow.services.delivery import deliver_pending
    from caseflow.services.sweep import check_calendar, sweep

    result: dict[str, Any] = {}
    channels = channels_from_settings(app.settings)
    try:
        from caseflow.services.clocks import recompute_stale

        result["recomputed"] = recompute_stale(app.uow("scheduler"))
    except Exception:  # noqa: BLE001
        log.exception("calendar reconciliation failed")
    try:
        report = sweep(app.uow_factory("scheduler"), webhook="webhook" in channels)
        result["sweep"] = str(report)
    except Exception:  # noqa: BLE001 - the scheduler must survive a bad tick
        log.exception("deadline sweep failed")
    try:
        from caseflow.services.handoffs import dispatch

        result["handoffs_dispatched"] = dispatch(app.uow("scheduler"))
    except Exception:  # noqa: BLE001
        log.exception("handoff dispatch failed")
    try:
        missing = check_calendar(app.uow("scheduler"))
        result["calendar_missing"] = missing
    except Exception:  # noqa: BLE001
        log.exception("calendar check failed")
    try:
        result["delivery"] = str(deliver_pending(app.uow_factory("scheduler"), channels))
    except Exception:  # noqa: BLE001
        log.exception("alert delivery failed")
    log.info("tick: %s", result)
    return result


def build_scheduler(app: App, *, background: bool = False,
                    interval_seconds: int = 60) -> BaseScheduler:
    scheduler_class = BackgroundScheduler if background else BlockingScheduler
    scheduler = scheduler_class(
        timezone=TZ,
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300},
    )
    scheduler.add_job(tick, "interval", seconds=interval_seconds, id=JOB_ID, args=[app],
                      next_run_time=datetime.now(TZ), replace_existing=True)
    scheduler.add_job(checkpoint, "interval", seconds=CHECKPOINT_EVERY_S, id=CHECKPOINT_JOB_ID,
                      args=[app], next_run_time=datetime.now(TZ), replace_existing=True)
    return scheduler
