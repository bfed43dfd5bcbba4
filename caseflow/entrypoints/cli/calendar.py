"""caseflow calendar: the official working-day calendar."""

from __future__ import annotations

import json
from pathlib import Path

import click

from caseflow.entrypoints.cli.common import (
    Context,
    _fail,
    handles_errors,
    main,
    pass_ctx,
)


@main.group()
def calendar() -> None:
    """The official working-day calendar."""


@calendar.command("load")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--as", "actor", required=True)
@pass_ctx
@handles_errors
def calendar_load(ctx: Context, path: Path, actor: str) -> None:
    """Load a year's official schedule (YAML or JSON) and recompute open clocks."""
    from caseflow.services.calendar import load_schedule

    if not path.exists():
        _fail(f"{path}: no such file")
    result = load_schedule(ctx.app.uow("cli"), path.read_text(encoding="utf-8"), actor=actor,
                           source=str(path))
    click.echo(f"loaded {result.year}; {result.clocks_recomputed} clock(s) recomputed")


@calendar.command("override")
@click.argument("day", type=click.DateTime(formats=["%Y-%m-%d"]))
@click.option("--kind", type=click.Choice(["rest", "work"]), default="rest")
@click.option("--reason", required=True)
@click.option("--as", "actor", required=True)
@pass_ctx
@handles_errors
def calendar_override(ctx: Context, day, kind: str, reason: str, actor: str) -> None:  # type: ignore[no-untyped-def]
    """Declare a local extra rest day (or working day)."""
    from caseflow.services.calendar import set_override

    result = set_override(ctx.app.uow("cli"), day.date(), kind, actor=actor, reason=reason)
    click.echo(f"{result.day} is a {kind} day; {result.clocks_recomputed} clock(s) recomputed")


@calendar.command("status")
@pass_ctx
@handles_errors
def calendar_status(ctx: Context) -> None:
    """Official years, loaded years, provisional due dates, and whether next year is missing."""
    from caseflow.views.calendar import calendar_status as status

    click.echo(json.dumps(status(ctx.app.uow("cli")).to_dict(), ensure_ascii=False))
