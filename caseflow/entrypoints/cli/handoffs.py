"""caseflow handoff: cases crossing between agencies."""

from __future__ import annotations

import click

from caseflow.entrypoints.cli.common import (
    CASE_ID,
    Context,
    RecordId,
    echo_json,
    handles_errors,
    main,
    parse_json,
    pass_ctx,
)


@main.group()
def handoff() -> None:
    """Cases crossing between agencies."""


@handoff.command("send")
@click.argument("case_id", type=CASE_ID)
@click.argument("kind")
@click.option("--to", "to_agency", required=True, help="Receiving agency code.")
@click.option("--as", "actor", required=True)
@click.option("--reason", required=True)
@click.option("--key", "idempotency_key", required=True, help="Idempotency key (retry-safe).")
@click.option("--to-user", default=None)
@click.option("--data", default=None, help="Payload for the trigger the handoff fires (JSON).")
@pass_ctx
@handles_errors
def handoff_send(ctx: Context, case_id: int, kind: str, to_agency: str, actor: str, reason: str,
                 idempotency_key: str, to_user: str | None, data: str | None) -> None:
    from caseflow.services.handoffs import hand_off

    payload = parse_json(data)
    result = hand_off(ctx.app.uow("cli"), case_id, kind, actor=actor, to_agency=to_agency,
                      reason=reason, idempotency_key=idempotency_key, to_user=to_user,
                      payload=payload)
    click.echo(f"handoff {result.id} ({kind}) to {result.to_agency}: {result.status}")


def _handoff_decision(ctx: Context, action: str, handoff_id: int, actor: str,
                      reason: str | None) -> None:
    from caseflow.services import handoffs

    uow = ctx.app.uow("cli")
    if action == "accept":
        result = handoffs.accept(uow, handoff_id, actor=actor, reason=reason)
    elif action == "reject":
        result = handoffs.reject(uow, handoff_id, actor=actor, reason=reason or "")
    else:
        result = handoffs.return_materials(uow, handoff_id, actor=actor, reason=reason or "")
    linked = f"; linked case {result.linked_case}" if result.linked_case else ""
    click.echo(f"handoff {handoff_id}: {result.status}{linked}")


@handoff.command("accept")
@click.argument("handoff_id", type=RecordId("handoff"))
@click.option("--as", "actor", required=True)
@click.option("--reason", default=None)
@pass_ctx
@handles_errors
def handoff_accept(ctx: Context, handoff_id: int, actor: str, reason: str | None) -> None:
    _handoff_decision(ctx, "accept", handoff_id, actor, reason)


def _declining(action: str, help_text: str) -> None:
    @handoff.command(action, help=help_text)
    @click.argument("handoff_id", type=RecordId("handoff"))
    @click.option("--as", "actor", required=True)
    @click.option("--reason", required=True)
    @pass_ctx
    @handles_errors
    def command(ctx: Context, handoff_id: int, actor: str, reason: str) -> None:
        _handoff_decision(ctx, action, handoff_id, actor, reason)


_declining("reject", "Refuse a handoff, with reasons.")
_declining("return", "Send a handoff back with its materials, with reasons.")


@handoff.command("show")
@click.argument("handoff_id", type=RecordId("handoff"))
@click.option("--as", "actor", required=True)
@pass_ctx
@handles_errors
def handoff_show(ctx: Context, handoff_id: int, actor: str) -> None:
    """One handoff as JSON, to the agency that sent it or the one it is addressed to."""
    from caseflow.views.handoffs import handoff_for

    echo_json(handoff_for(ctx.app.uow("cli"), handoff_id, actor).to_dict())


@handoff.command("list")
@click.option("--as", "actor", required=True)
@click.option("--outgoing", is_flag=True, help="Sent by the user's agency instead of to it.")
@pass_ctx
@handles_errors
def handoff_list(ctx: Context, actor: str, outgoing: bool) -> None:
    from caseflow.views.handoffs import list_for_agency

    for h in list_for_agency(ctx.app.uow("cli"), actor, incoming=not outgoing):
        click.echo(f"{h.id:>5} {h.kind:<26} {h.from_agency} -> {h.to_agency}  {h.status}")
