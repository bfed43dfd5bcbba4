"""caseflow audit: verify the hash chains."""

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
def audit() -> None:
    """The audit chain."""


@audit.command("verify")
@click.option("--case", "case_ids", type=int, multiple=True)
@pass_ctx
@handles_errors
def audit_verify(ctx: Context, case_ids: tuple[int, ...]) -> None:
    """Check every case's hash chain; report the first altered, inserted or missing event."""
    from caseflow.services.audit import verify_chains

    report = verify_chains(ctx.app.uow("cli"), list(case_ids) or None)
    if report.first_problem is not None:
        _fail(f"audit chain broken: {report.first_problem}", code=2)
    click.echo(f"audit chain intact: {report.events} events in {report.cases} cases")
