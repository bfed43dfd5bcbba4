"""caseflow workflows: validate, load, list, show and migrate workflow definitions."""

from __future__ import annotations

from pathlib import Path

import click

from caseflow.entrypoints.cli.common import (
    CASE_ID,
    Context,
    _fail,
    handles_errors,
    main,
    pass_ctx,
)


@main.group()
def workflows() -> None:
    """Workflow definitions."""


@workflows.command("validate")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@pass_ctx
@handles_errors
def workflows_validate(ctx: Context, paths: tuple[Path, ...]) -> None:
    """Validate workflow files (default: the whole workflows directory)."""
    from caseflow.domain.definitions import load_directory, parse_definition

    if not paths:
        found = load_directory(ctx.settings.workflows_dir)
    else:
        found = []
        for p in paths:
            if not p.exists():
                _fail(f"{p}: no such file")
            found.append(parse_definition(p.read_text(encoding="utf-8"), str(p)))
    for d in found:
        click.echo(f"ok  {d.key} v{d.version}: {len(d.states)} states, "
                   f"{len(d.transitions)} transitions")


@workflows.command("load")
@pass_ctx
@handles_errors
def workflows_load(ctx: Context) -> None:
    """Store new versions from the workflows directory in the database."""
    added = ctx.app.load_workflows()
    click.echo(f"added: {', '.join(added)}" if added else "nothing new")


@workflows.command("list")
@pass_ctx
@handles_errors
def workflows_list(ctx: Context) -> None:
    """Loaded workflow versions, with the date each applies from and running case counts."""
    from caseflow.views.workflows import workflow_versions

    ctx.app.load_workflows()
    for row in workflow_versions(ctx.app.uow("cli")):
        since = row.effective_from or "always"
        click.echo(f"{row.key:<22} v{row.version}  from {since:<10}  "
                   f"open {row.open_cases:>5}  {row.title_zh} / {row.title_en}")


@workflows.command("show")
@click.argument("key")
@click.option("--version", "version", type=int, default=None, help="Default: the newest.")
@click.option("--format", "fmt", type=click.Choice(["text", "svg", "yaml"]), default="text")
@click.option("--case", "case_id", type=CASE_ID, default=None, help="Highlight this case's state.")
@click.option("--as", "actor", default=None, help="The user the case's state is shown to.")
@click.option("--output", "-o", type=click.Path(path_type=Path), default=None)
@pass_ctx
@handles_errors
def workflows_show(ctx: Context, key: str, version: int | None, fmt: str, case_id: int | None,
                   actor: str | None, output: Path | None) -> None:
    """Show a workflow: states and transitions, its YAML, or an SVG diagram."""
    from caseflow.views.workflows import definition_to_show

    ctx.app.load_workflows()
    definition, current = definition_to_show(ctx.app.uow("cli"), key, version, case_id, actor)
    if fmt == "yaml":
        out: str | bytes = definition.source_text
    elif fmt == "svg":
        from caseflow.adapters.diagram import draw_svg

        out = draw_svg(definition, current)
    else:
        lines = [f"{definition.key} v{definition.version}: {definition.title_zh} / "
                 f"{definition.title_en}",
                 f"effective from: {definition.effective_from or 'always'}",
                 f"agencies: {', '.join(definition.agency_kinds)}", "states:"]
        for name, s in definition.states.items():
            mark = "*" if name == current else " "
            lines.append(f" {mark} {name:<28} {s.title_zh} / {s.title_en}"
                         + ("  [final]" if s.final else ""))
        lines.append("transitions:")
        for t in definition.transitions:
            lines.append(f"   {t.trigger:<28} {','.join(t.sources)} -> {t.dest}  "
                         f"roles={','.join(t.roles)}"
                         + (f" guards={','.join(t.guards)}" if t.guards else "")
                         + (" reason" if t.reason_required else ""))
        out = "\n".join(lines) + "\n"
    if output:
        output.write_bytes(out if isinstance(out, bytes) else out.encode("utf-8"))
        click.echo(f"wrote {output}")
    else:
        click.echo(out.decode("utf-8") if isinstance(out, bytes) else out, nl=False)


@workflows.command("migrate")
@click.argument("key")
@click.option("--to", "to_version", type=int, required=True)
@click.option("--from", "from_version", type=int, default=None)
@click.option("--map", "mappings", multiple=True, help="old_state=new_state (repeatable)")
@click.option("--as", "actor", required=True, help="Admin username performing the move.")
@click.option("--reason", required=True)
@click.option("--clocks", type=click.Choice(["keep", "recompute"]), required=True,
              help="Running clocks: keep their rules, or recompute under the new version's.")
@click.option("--dry-run", is_flag=True)
@pass_ctx
@handles_errors
def workflows_migrate(ctx: Context, key: str, to_version: int, from_version: int | None,
                      mappings: tuple[str, ...], actor: str, reason: str, clocks: str,
                      dry_run: bool) -> None:
    """Move running cases of KEY to another version, explicitly and audited."""
    from caseflow.services.workflow_migration import migrate_cases

    state_map: dict[str, str] = {}
    for m in mappings:
        old, sep, new = m.partition("=")
        if not sep or not old or not new:
            _fail(f"--map {m!r}: expected old_state=new_state")
        state_map[old] = new
    ctx.app.load_workflows()
    report = migrate_cases(ctx.app.uow("cli"), key, to_version, state_map, actor=actor,
                           reason=reason, clocks=clocks, dry_run=dry_run,
                           from_version=from_version)
    verb = "would move" if dry_run else "moved"
    click.echo(f"{verb} {len(report.moves)} case(s) of {key} to v{to_version}")
    for move in report.moves:
        click.echo(f"  {move.number}: v{move.from_version} {move.from_state} -> "
                   f"v{to_version} {move.to_state}")
