"""caseflow agency: the agencies' own settings (their close of office hours)."""

from __future__ import annotations

import click

from caseflow.entrypoints.cli.common import (
    Context,
    _fail,
    handles_errors,
    main,
    pass_ctx,
)


@main.group()
def agency() -> None:
    """The agencies' own settings."""


@agency.command("office-hours")
@click.argument("code")
@click.argument("closes_at", metavar="[HH:MM]", required=False)
@click.option("--as", "actor", default=None, help="The admin setting it (required to set).")
@click.option("--reason", default=None, help="Why it changes (required to set).")
@pass_ctx
@handles_errors
def agency_office_hours(ctx: Context, code: str, closes_at: str | None, actor: str | None,
                        reason: str | None) -> None:
    """Print when agency CODE's office closes, or set it to HH:MM (an admin, with a reason).

    Counter submissions are due by then on a period's last day (实施办法 art. 41(2))."""
    from caseflow.services.directory import office_hours, set_office_hours

    if closes_at is None:
        if reason is not None:
            _fail("--reason: only when setting office hours (give HH:MM)")
        click.echo(office_hours(ctx.app.uow("cli"), code))
        return
    if actor is None:
        _fail("--as: setting office hours needs the admin's username")
    value = set_office_hours(ctx.app.uow("cli"), code, closes_at, actor=actor,
                             reason=reason or "")
    click.echo(f"{code}: office hours close at {value}")
