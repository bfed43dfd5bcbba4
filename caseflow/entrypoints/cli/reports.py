"""caseflow reports: the supervisor's report data — generated at province scale for
measuring and demonstrating the dashboard (more report commands join this group)."""

from __future__ import annotations

import re

import click

from caseflow.entrypoints.cli.common import Context, _fail, handles_errors, main, pass_ctx


@main.group()
def reports() -> None:
    """The supervisor's report data."""


def _years(value: str) -> tuple[int, int]:
    match = re.fullmatch(r"\s*(\d{4})\s*-\s*(\d{4})\s*", value)
    if not match or int(match[1]) > int(match[2]):
        _fail(f"--years: {value!r} is not a span of years such as 2022-2026")
    return int(match[1]), int(match[2])


@reports.command("generate")
@click.option("--cases", type=click.IntRange(1, 10_000_000), required=True,
              help="How many cases to add (1 to 10,000,000).")
@click.option("--seed", type=int, default=2026, show_default=True,
              help="The same seed and database give the same cases.")
@click.option("--years", default="2022-2026", show_default=True,
              help="The years the cases are received in, FIRST-LAST (up to this year).")
@click.option("--seal/--no-seal", default=None,
              help="Seal each case as the engine would (default: for loads up to 20,000).")
@pass_ctx
@handles_errors
def reports_generate(ctx: Context, cases: int, seed: int, years: str,
                     seal: bool | None) -> None:
    """Add CASES generated cases — parties, IP rights, events and clocks, with the seeds'
    shares — to the database, then rebuild the report facts and tallies. PostgreSQL loads a
    million in minutes (COPY); SQLite suits small loads."""
    from caseflow.services.province_data import generate

    span = _years(years)
    app = ctx.app
    app.load_workflows()
    try:
        report = generate(app.engine, app.uow_factory("cli"), app.keyring().current, cases,
                          seed=seed, years=span, seal=seal, echo=click.echo)
    except ValueError as exc:
        _fail(str(exc))
    for line in report.lines():
        click.echo(line)
