"""caseflow demo and serve: realistic cases advanced, and the web app."""

from __future__ import annotations

import click

from caseflow.entrypoints.cli.common import (
    Context,
    handles_errors,
    main,
    pass_ctx,
)


class _Count(click.IntRange):
    """An integer in a range; a non-integer is refused as by ``int`` ("not a valid
    integer"), not as "not a valid integer range"."""

    name = "integer"


@main.command()
@click.option("--cases", "per_type", type=_Count(1, 1000), default=5,
              help="Cases per workflow type (1 to 1000).")
@click.option("--seed", type=int, default=2026)
@click.option("--serve/--no-serve", default=False, help="Start the web app afterwards.")
@click.option("--port", type=int, default=5000)
@pass_ctx
@handles_errors
def demo(ctx: Context, per_type: int, seed: int, serve: bool, port: int) -> None:
    """Create agencies, users and realistic cases of every type, and advance them."""
    from caseflow.adapters import schema
    from caseflow.entrypoints.demo import demo_sign_ins, run_demo

    ctx.creating_app(needs_keys=True)  # the demo makes its database when there is none
    schema.upgrade(ctx.settings.database_url)
    ctx.app.load_workflows()
    summary = run_demo(ctx.app, per_type=per_type, seed=seed, echo=click.echo)
    click.echo(summary)
    sheet = demo_sign_ins(ctx.app, f"http://127.0.0.1:{port}/")
    click.echo(sheet.render(serving=serve, port=port))
    if serve:
        _serve(ctx, "127.0.0.1", port, demo=True)  # demo mode: the password "demo" works


def _serve(ctx: Context, host: str, port: int, demo: bool = False) -> None:
    from dataclasses import replace

    from web import create_app

    app = create_app(settings=replace(ctx.settings, demo=True) if demo else ctx.settings)
    click.echo(f"caseflow web on http://{host}:{port}/  (Ctrl-C stops)")
    app.run(host=host, port=port)


@main.command()
@click.option("--host", default="127.0.0.1")
@click.option("--port", type=int, default=5000)
@pass_ctx
@handles_errors
def serve(ctx: Context, host: str, port: int) -> None:
    """Run the web app (development server)."""
    _serve(ctx, host, port)
