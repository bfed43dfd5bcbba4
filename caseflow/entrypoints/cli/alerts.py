"""caseflow inbox, sweep and scheduler: alerts raised, delivered and read."""

from __future__ import annotations

import click

from caseflow.entrypoints.cli.common import (
    Context,
    RecordId,
    handles_errors,
    main,
    parse_at,
    pass_ctx,
)


@main.command("inbox")
@click.option("--as", "actor", required=True)
@click.option("--unread", is_flag=True)
@click.option("--ack", "ack_id", type=RecordId("notification"), default=None,
              help="Acknowledge this notification.")
@pass_ctx
@handles_errors
def inbox_command(ctx: Context, actor: str, unread: bool, ack_id: int | None) -> None:
    """A user's alerts: warnings, overdue alerts, escalations, handoffs received."""
    from caseflow.services.alerts import acknowledge, inbox

    if ack_id is not None:
        acknowledge(ctx.app.uow("cli"), actor, ack_id)
    for n in inbox(ctx.app.uow("cli"), actor, unread_only=unread):
        mark = " " if n.read else "*"
        click.echo(f"{mark} {n.id:>5} {n.kind:<18} {n.case or '-':<20} {n.message}")



@main.command("sweep")
@click.option("--at", "at", default=None, help="Sweep as of this Beijing time (default now).")
@click.option("--batch", type=int, default=1000, help="Clocks claimed per transaction.")
@pass_ctx
@handles_errors
def sweep_command(ctx: Context, at: str | None, batch: int) -> None:
    """Raise due warnings, overdue alerts and escalations once; deliver queued alerts."""
    from caseflow.adapters.channels import channels_from_settings
    from caseflow.services.delivery import deliver_pending
    from caseflow.services.sweep import check_calendar, sweep

    now = parse_at(at)
    channels = channels_from_settings(ctx.settings)
    report = sweep(ctx.app.uow_factory("cli"), now=now, batch=batch,
                   webhook="webhook" in channels)
    click.echo(str(report))
    from caseflow.services.handoffs import dispatch

    click.echo(f"handoffs dispatched: {dispatch(ctx.app.uow('cli'))}")
    missing = check_calendar(ctx.app.uow("cli"), now=now)
    if missing:
        click.echo(f"calendar: the official {missing} schedule is not loaded")
    click.echo(str(deliver_pending(ctx.app.uow_factory("cli"), channels, now=now)))


@main.command("scheduler")
@click.option("--interval", type=int, default=60, help="Seconds between sweeps.")
@pass_ctx
@handles_errors
def scheduler_command(ctx: Context, interval: int) -> None:
    """Run the sweep every minute until stopped (catches up at once on start)."""
    import logging

    from caseflow.entrypoints.scheduler import build_scheduler

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    click.echo(f"caseflow scheduler: sweeping every {interval}s (Ctrl-C stops)")
    try:
        build_scheduler(ctx.app, interval_seconds=interval).start()
    except (KeyboardInterrupt, SystemExit):
        pass
