"""caseflow db: the schema (Alembic) and the workflows loaded with it."""

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
def db() -> None:
    """Database schema (Alembic)."""


@db.command("upgrade")
@click.option("--revision", default="head")
@pass_ctx
@handles_errors
def db_upgrade(ctx: Context, revision: str) -> None:
    """Create or migrate the schema, then load the workflow definitions."""
    from caseflow.adapters import schema

    schema.check_revision(revision)  # an unknown revision creates and writes nothing
    ctx.creating_app()  # connect first: a bad URL fails here in one line
    schema.upgrade(ctx.settings.database_url, revision)
    added = ctx.app.load_workflows()
    click.echo(f"schema at {revision}; workflows added: {', '.join(added) or 'none'}")


@db.command("check")
@pass_ctx
@handles_errors
def db_check(ctx: Context) -> None:
    """Fail if the models and the migrations differ."""
    from alembic.util.exc import CommandError

    from caseflow.adapters import schema

    ctx.app  # noqa: B018
    try:
        schema.check(ctx.settings.database_url)
    except CommandError as exc:
        _fail(str(exc))
    click.echo("models and migrations agree")
