"""caseflow audit: verify the keyed chains, seals and checkpoints; write and export
checkpoints; prove one case's head; rotate the key."""

from __future__ import annotations

from pathlib import Path

import click

from caseflow.entrypoints.cli.common import (
    CASE_ID,
    Context,
    _fail,
    echo_json,
    handles_errors,
    main,
    pass_ctx,
)


@main.group()
def audit() -> None:
    """The audit chain, the seals over each case's rows, and the checkpoints."""


def _store(ctx: Context, directory: str | None):  # type: ignore[no-untyped-def]
    from caseflow.adapters.checkpoint_store import CheckpointStore

    return CheckpointStore(Path(directory)) if directory else ctx.app.checkpoints


_CHECKPOINTS = click.option("--checkpoints", "checkpoint_dir", default=None, metavar="DIR",
                            help="The checkpoint store (default: CASEFLOW_CHECKPOINT_DIR, or "
                                 "var/checkpoints/<database>).")


@audit.command("verify")
@click.option("--case", "case_ids", type=CASE_ID, multiple=True)
@click.option("--evidence", is_flag=True,
              help="Also rehash every evidence file against the digest its row records.")
@_CHECKPOINTS
@pass_ctx
@handles_errors
def audit_verify(ctx: Context, case_ids: tuple[int, ...], evidence: bool,
                 checkpoint_dir: str | None) -> None:
    """Check every case's keyed chain and the seal over its rows, and compare the database
    with the last checkpoint; print every finding (case, row, what differs)."""
    from caseflow.services.checkpoints import verify

    store = _store(ctx, checkpoint_dir)
    report = verify(ctx.app.uow("cli"), store, list(case_ids) or None, evidence=evidence)
    if report.problems:
        for problem in report.problems:
            click.echo(str(problem))
        _fail(f"audit chain broken: {len(report.problems)} finding(s); first: "
              f"{report.first_problem}", code=2)
    click.echo(f"audit chain intact: {report.events} events in {report.cases} cases")
    if report.checkpoint is not None:
        click.echo(f"every case matches checkpoint {report.checkpoint} or has moved on from it")
    else:
        click.echo(f"note: no checkpoint in {store.directory} to compare with: a case deleted "
                   "whole, or the database restored from an older copy, would not be seen "
                   "(run `caseflow audit checkpoint`, and lodge `caseflow audit export`)")


@audit.command("checkpoint")
@_CHECKPOINTS
@pass_ctx
@handles_errors
def audit_checkpoint(ctx: Context, checkpoint_dir: str | None) -> None:
    """Write a checkpoint of every case's chain head (a Merkle root) to the store."""
    from caseflow.services.checkpoints import write_checkpoint

    echo_json(write_checkpoint(ctx.app.uow("cli"), _store(ctx, checkpoint_dir)).to_dict())


@audit.command("checkpoints")
@_CHECKPOINTS
@pass_ctx
@handles_errors
def audit_checkpoints(ctx: Context, checkpoint_dir: str | None) -> None:
    """List the checkpoints written so far."""
    from caseflow.services.checkpoints import list_checkpoints

    echo_json(list_checkpoints(_store(ctx, checkpoint_dir)))


@audit.command("export")
@click.option("--checkpoint", "number", type=click.IntRange(min=1), default=None)
@click.option("--out", type=click.Path(dir_okay=False, writable=True), default=None)
@_CHECKPOINTS
@pass_ctx
@handles_errors
def audit_export(ctx: Context, number: int | None, out: str | None,
                 checkpoint_dir: str | None) -> None:
    """What to lodge with a timestamping or notarisation service (区块链存证) for a
    checkpoint: its file's SHA-256 and Merkle root."""
    import json

    from caseflow.services.checkpoints import export_manifest

    manifest = export_manifest(_store(ctx, checkpoint_dir), number)
    if out:
        Path(out).write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n",
                             encoding="utf-8")
        click.echo(f"wrote {out}: checkpoint {manifest['checkpoint']}, root "
                   f"{manifest['merkle_root']}")
    else:
        echo_json(manifest)


@audit.command("prove")
@click.argument("case_id", type=CASE_ID)
@click.option("--as", "actor", required=True)
@click.option("--checkpoint", "number", type=click.IntRange(min=1), default=None)
@_CHECKPOINTS
@pass_ctx
@handles_errors
def audit_prove(ctx: Context, case_id: int, actor: str, number: int | None,
                checkpoint_dir: str | None) -> None:
    """A case's Merkle inclusion proof in a checkpoint (the last by default), for an admin
    or the case's own agency."""
    from caseflow.services.checkpoints import prove

    echo_json(prove(ctx.app.uow("cli"), _store(ctx, checkpoint_dir), case_id, actor=actor,
                    number=number))


@audit.command("rotate-key")
@click.option("--as", "actor", required=True)
@click.option("--reason", required=True)
@pass_ctx
@handles_errors
def audit_rotate_key(ctx: Context, actor: str, reason: str) -> None:
    """Make a fresh audit key current; old keys stay to verify what they signed."""
    from caseflow.adapters.audit_keys import rotate_keyring
    from caseflow.services.audit import rotate_key

    app = ctx.app
    path = app.settings.audit_keys_path

    def rotate():  # type: ignore[no-untyped-def]
        app.keyring()  # made first if it is the embedded default
        rotate_keyring(path)
        return app.reload_keyring()

    new = rotate_key(app.uow("cli"), rotate, actor=actor, reason=reason)
    click.echo(f"audit key {new} is now current ({path}); earlier keys still verify")
