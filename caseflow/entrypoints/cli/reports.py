"""caseflow reports: the supervisor's report data — generated at province scale for
measuring and demonstrating the dashboard; the kept facts and tallies verified against the
cases and rebuilt from them; a dashboard figure printed as a table."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import click

from caseflow.entrypoints.cli.common import (
    Context,
    _fail,
    echo_json,
    handles_errors,
    main,
    pass_ctx,
)


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


# --- verify, rebuild, show (the kept report data, and a figure as a table) ------------------

@reports.command("verify")
@pass_ctx
@handles_errors
def reports_verify(ctx: Context) -> None:
    """Compare the kept report facts and tallies with what the cases say now; print every
    finding, and exit 1 if there is any (repair with `caseflow reports rebuild`)."""
    from caseflow.services.report_data import verify

    with ctx.app.engine.connect() as conn:
        findings = verify(conn)
    for finding in findings:
        click.echo(finding)
    if findings:
        _fail(f"report data drifted from the cases: {len(findings)} finding(s); run "
              "`caseflow reports rebuild`")
    click.echo("report facts and tallies match the cases")


@reports.command("rebuild")
@click.option("--as", "actor", required=True, help="An admin.")
@click.option("--reason", required=True, help="Why (recorded with the counts).")
@pass_ctx
@handles_errors
def reports_rebuild(ctx: Context, actor: str, reason: str) -> None:
    """Derive every case's report facts and every tally afresh from the cases, in one
    transaction (an admin's repair; writes wait for it); print the counts."""
    from caseflow.services.report_data import rebuild_report_data

    cases, rows = rebuild_report_data(ctx.app.uow("cli"), actor=actor, reason=reason)
    click.echo(f"report data rebuilt: facts of {cases} case(s), {rows} tally row(s)")


def _cell(value: Any, kind: str) -> str:
    """A figure's value as the dashboard shows it: rates and changes as percentages."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if kind == "rate" and isinstance(value, int | float):
        return f"{value * 100:.1f}%"
    if kind == "change" and isinstance(value, int | float):
        return f"{value * 100:+.1f}%"
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def _width(text: str) -> int:
    """Columns on a terminal: Chinese characters take two."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int, right: bool) -> str:
    gap = " " * (width - _width(text))
    return gap + text if right else text + gap


def figure_table(columns: Sequence[Any], rows: Sequence[Sequence[Any]]) -> list[str]:
    """The figure's rows under its Chinese column titles, numbers aligned right."""
    cells = [[_cell(v, c.kind) for v, c in zip(row, columns, strict=True)] for row in rows]
    widths = [max([_width(c.zh)] + [_width(r[i]) for r in cells])
              for i, c in enumerate(columns)]
    numeric = [c.kind != "text" for c in columns]
    lines = ["  ".join(_pad(c.zh, w, n) for c, w, n in zip(columns, widths, numeric,
                                                           strict=True)).rstrip(),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(_pad(v, w, n) for v, w, n in zip(r, widths, numeric,
                                                         strict=True)).rstrip()
              for r in cells]
    return lines


@reports.command("show")
@click.argument("figure")
@click.option("--as", "actor", required=True, help="A supervisor (their agency) or an admin.")
@click.option("--from-year", type=int, default=None,
              help="The first year (default: four years before --to-year).")
@click.option("--to-year", type=int, default=None, help="The last year (default: this year).")
@click.option("--agency", default=None, help="An agency code (default: the user's own, or "
                                             "for an admin every agency).")
@click.option("--case-type", default=None, help="A case type (workflow key).")
@click.option("--officer", default=None, help="An officer's username.")
@click.option("--json", "as_json", is_flag=True, help="The figure as JSON instead.")
@pass_ctx
@handles_errors
def reports_show(ctx: Context, figure: str, actor: str, from_year: int | None,
                 to_year: int | None, agency: str | None, case_type: str | None,
                 officer: str | None, as_json: bool) -> None:
    """Print one dashboard FIGURE (closure_year, volume, groups, …) as a table with Chinese
    headers, with its definition and goal."""
    from caseflow.domain.moments import aware
    from caseflow.views import dashboard

    if figure not in dashboard.FIGURES:
        _fail(f"unknown figure {figure!r}; the figures are {', '.join(dashboard.FIGURES)}")
    app = ctx.app
    if to_year is None:
        to_year = aware(app.uow("cli").now()).year
    if from_year is None:
        from_year = max(to_year - 4, dashboard.FIRST_YEAR)
    filters = dashboard.ReportFilters(from_year, to_year, agency, case_type, officer)
    fig = dashboard.FIGURES[figure](app.uow("cli"), actor, filters)
    if as_json:
        echo_json(fig.to_dict())
        return
    click.echo(f"{fig.title_zh}（{from_year}–{to_year}）")
    click.echo(fig.definition_zh)
    if fig.goal is not None:
        click.echo(fig.goal.zh)
    click.echo("")
    if not fig.rows:
        click.echo("（无数据）")
        return
    for line in figure_table(fig.columns, fig.rows):
        click.echo(line)
