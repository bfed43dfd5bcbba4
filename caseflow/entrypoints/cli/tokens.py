"""caseflow token: API tokens for other systems (an admin issues, lists and revokes them)."""

from __future__ import annotations

import click

from caseflow.entrypoints.cli.common import Context, echo_json, handles_errors, main, pass_ctx


@main.group()
def token() -> None:
    """API tokens: each acts as its user (a service account) until it expires or is revoked."""


@token.command("create")
@click.argument("username")
@click.option("--name", required=True, help="What the token is for (e.g. 浙江知识产权在线).")
@click.option("--days", type=click.IntRange(1, 366), default=90, show_default=True)
@click.option("--as", "actor", required=True)
@click.option("--reason", required=True)
@pass_ctx
@handles_errors
def token_create(ctx: Context, username: str, name: str, days: int, actor: str,
                 reason: str) -> None:
    """Issue a token for USERNAME; the secret is printed once and never again."""
    from caseflow.services.tokens import create_token

    record, secret = create_token(ctx.app.uow("cli"), for_user=username, name=name,
                                  actor=actor, days=days, reason=reason)
    echo_json({**record.to_dict(), "secret": secret})
    click.echo("keep the secret now: only its SHA-256 is stored", err=True)


@token.command("list")
@click.option("--as", "actor", required=True)
@pass_ctx
@handles_errors
def token_list(ctx: Context, actor: str) -> None:
    from caseflow.services.tokens import list_tokens

    echo_json([t.to_dict() for t in list_tokens(ctx.app.uow("cli"), actor=actor)])


@token.command("revoke")
@click.argument("token_id", type=click.IntRange(min=1))
@click.option("--as", "actor", required=True)
@click.option("--reason", required=True)
@pass_ctx
@handles_errors
def token_revoke(ctx: Context, token_id: int, actor: str, reason: str) -> None:
    from caseflow.services.tokens import revoke_token

    record = revoke_token(ctx.app.uow("cli"), token_id, actor=actor, reason=reason)
    click.echo(f"token {record.id} ({record.name}) revoked at {record.revoked_at}")
