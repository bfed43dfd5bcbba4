"""caseflow case: show, triggers, fire, view — a case worked from the command line."""

from __future__ import annotations

import click

from caseflow.entrypoints.cli.common import (
    CASE_ID,
    Context,
    echo_json,
    handles_errors,
    main,
    parse_json,
    pass_ctx,
)


@main.group()
def case() -> None:
    """Work a case from the command line."""


@case.command("show")
@click.argument("case_id", type=CASE_ID)
@click.option("--as", "actor", required=True)
@pass_ctx
@handles_errors
def case_show(ctx: Context, case_id: int, actor: str) -> None:
    """The case as USER may see it: everything for its own agency, less for others."""
    from caseflow.views.cases import case_for

    echo_json(case_for(ctx.app.uow("cli"), case_id, actor).to_dict())


@case.command("triggers")
@click.argument("case_id", type=CASE_ID)
@click.option("--as", "actor", required=True)
@pass_ctx
@handles_errors
def case_triggers(ctx: Context, case_id: int, actor: str) -> None:
    from caseflow import services

    for t in services.available_triggers(ctx.app.uow("cli"), case_id, actor):
        blocked = f"  (blocked: {'; '.join(t.blocked_by)})" if t.blocked_by else ""
        click.echo(f"{t.trigger:<28} -> {t.dest:<24} {t.title_zh}{blocked}")
        for p in t.periods:  # the periods the step depends on, as of now
            word = "after" if p.kind == "after" else "within"
            state = "met" if p.met else f"not met: {p.detail}"
            click.echo(f"    {word} {' / '.join(p.clocks)}: {state}")


@case.command("fire")
@click.argument("case_id", type=CASE_ID)
@click.argument("trigger")
@click.option("--as", "actor", required=True)
@click.option("--reason", default=None)
@click.option("--data", "data", default=None, help="Payload as a JSON object.")
@click.option("--expect-version", type=int, default=None)
@click.option("--override", default=None, metavar="REASON",
              help="Set aside a period the workflow lets your role override, with the reason "
                   "(audited; never by the case's own assignee).")
@pass_ctx
@handles_errors
def case_fire(ctx: Context, case_id: int, trigger: str, actor: str, reason: str | None,
              data: str | None, expect_version: int | None, override: str | None) -> None:
    from caseflow import services

    payload = parse_json(data)
    view = services.fire(ctx.app.uow("cli"), case_id, trigger, actor=actor, payload=payload,
                         reason=reason, expected_version=expect_version, override=override)
    click.echo(f"{view.number}: now {view.status} (version {view.version})")


@case.command("view")
@click.argument("case_id", type=CASE_ID)
@click.option("--as", "actor", required=True)
@pass_ctx
@handles_errors
def case_view(ctx: Context, case_id: int, actor: str) -> None:
    """The case as USER may see it (own agency, handed to it, or only its outcome)."""
    from caseflow.views.cases import case_for

    echo_json(case_for(ctx.app.uow("cli"), case_id, actor).to_dict())
