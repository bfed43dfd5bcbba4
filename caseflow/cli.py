"""The ``caseflow`` command: a thin adapter that parses words and calls the service layer.

Every expected failure prints one line (``error: …``) on stderr and exits non-zero.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import replace
from functools import wraps
from pathlib import Path
from typing import Any

import click

from caseflow import __version__
from caseflow.config import Settings
from caseflow.errors import CaseflowError


def _fail(message: str, code: int = 1) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def handles_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Expected failures become one line and a non-zero exit, never a traceback."""
    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from sqlalchemy.exc import OperationalError, ProgrammingError

        try:
            return fn(*args, **kwargs)
        except CaseflowError as exc:
            _fail(exc.message)
        except (OperationalError, ProgrammingError) as exc:
            text = str(exc.orig or exc).strip().splitlines()[0]
            if "no such table" in text or "does not exist" in text:
                _fail("the database is not initialised: run `caseflow db upgrade`")
            _fail(f"database error: {text}")
        except UnicodeDecodeError as exc:
            _fail(f"the file is not UTF-8 text ({exc.reason} at byte {exc.start})")
        except OSError as exc:
            _fail(f"{exc.filename or 'file'}: {exc.strerror or exc}")
    return wrapper


class Context:
    def __init__(self, database_url: str | None) -> None:
        settings = Settings.from_env()
        if database_url:
            settings = replace(settings, database_url=database_url)
        self.settings = settings
        self._app = None

    @property
    def app(self):  # type: ignore[no-untyped-def]
        if self._app is None:
            from caseflow.bootstrap import bootstrap

            self._app = bootstrap(self.settings)
        return self._app


pass_ctx = click.make_pass_decorator(Context)


@click.group()
@click.option("--database-url", envvar="CASEFLOW_DATABASE_URL", default=None,
              help="SQLAlchemy URL (default: sqlite:///var/caseflow.db).")
@click.version_option(__version__, prog_name="caseflow")
@click.pass_context
def main(ctx: click.Context, database_url: str | None) -> None:
    """caseflow — IP enforcement and mediation case engine."""
    ctx.obj = Context(database_url)


# --- db ------------------------------------------------------------------------------------------

@main.group()
def db() -> None:
    """Database schema (Alembic)."""


@db.command("upgrade")
@click.option("--revision", default="head")
@pass_ctx
@handles_errors
def db_upgrade(ctx: Context, revision: str) -> None:
    """Create or migrate the schema, then load the workflow definitions."""
    from caseflow import schema

    ctx.app  # noqa: B018 - connect first: a bad URL fails here in one line
    schema.upgrade(ctx.settings.database_url, revision)
    added = ctx.app.load_workflows()
    click.echo(f"schema at {revision}; workflows added: {', '.join(added) or 'none'}")


@db.command("check")
@pass_ctx
@handles_errors
def db_check(ctx: Context) -> None:
    """Fail if the models and the migrations differ."""
    from alembic.util.exc import CommandError

    from caseflow import schema

    ctx.app  # noqa: B018
    try:
        schema.check(ctx.settings.database_url)
    except CommandError as exc:
        _fail(str(exc))
    click.echo("models and migrations agree")


# --- workflows -------------------------------------------------------------------------------------

@main.group()
def workflows() -> None:
    """Workflow definitions."""


@workflows.command("validate")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@pass_ctx
@handles_errors
def workflows_validate(ctx: Context, paths: tuple[Path, ...]) -> None:
    """Validate workflow files (default: the whole workflows directory)."""
    from caseflow.definitions import load_directory, parse_definition

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
    from caseflow.queries import workflow_versions

    ctx.app.load_workflows()
    with ctx.app.session_factory() as session:
        for row in workflow_versions(session):
            since = row["effective_from"] or "always"
            click.echo(f"{row['key']:<22} v{row['version']}  from {since:<10}  "
                       f"open {row['open_cases']:>5}  {row['title_zh']} / {row['title_en']}")


@workflows.command("show")
@click.argument("key")
@click.option("--version", "version", type=int, default=None, help="Default: the newest.")
@click.option("--format", "fmt", type=click.Choice(["text", "svg", "yaml"]), default="text")
@click.option("--case", "case_id", type=int, default=None, help="Highlight this case's state.")
@click.option("--output", "-o", type=click.Path(path_type=Path), default=None)
@pass_ctx
@handles_errors
def workflows_show(ctx: Context, key: str, version: int | None, fmt: str, case_id: int | None,
                   output: Path | None) -> None:
    """Show a workflow: states and transitions, its YAML, or an SVG diagram."""
    from caseflow.errors import NotFound
    from caseflow.models import Case
    from caseflow.registry import REGISTRY

    ctx.app.load_workflows()
    with ctx.app.session_factory() as session:
        current = None
        if case_id is not None:
            case = session.get(Case, case_id)
            if case is None:
                raise NotFound(f"unknown case id {case_id}")
            if case.workflow_key != key:
                raise NotFound(f"case {case_id} runs workflow {case.workflow_key}, not {key}")
            version = version or case.workflow_version
            current = case.status
        if version is None:
            from caseflow.queries import newest_version

            version = newest_version(session, key)
        definition = REGISTRY.definition(session, key, version)
    if fmt == "yaml":
        out: str | bytes = definition.source_text
    elif fmt == "svg":
        from caseflow.diagram import draw_svg

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
    from caseflow.workflow_migration import migrate_cases

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


# --- cases ------------------------------------------------------------------------------------

@main.group()
def case() -> None:
    """Work a case from the command line."""


@case.command("show")
@click.argument("case_id", type=int)
@pass_ctx
@handles_errors
def case_show(ctx: Context, case_id: int) -> None:
    from caseflow.queries import case_detail

    with ctx.app.session_factory() as session:
        click.echo(json.dumps(case_detail(session, case_id), ensure_ascii=False, indent=2,
                              default=str))


@case.command("triggers")
@click.argument("case_id", type=int)
@click.option("--as", "actor", required=True)
@pass_ctx
@handles_errors
def case_triggers(ctx: Context, case_id: int, actor: str) -> None:
    from caseflow import services

    for t in services.available_triggers(ctx.app.uow("cli"), case_id, actor):
        blocked = f"  (blocked: {'; '.join(t.blocked_by)})" if t.blocked_by else ""
        click.echo(f"{t.trigger:<28} -> {t.dest:<24} {t.title_zh}{blocked}")


@case.command("fire")
@click.argument("case_id", type=int)
@click.argument("trigger")
@click.option("--as", "actor", required=True)
@click.option("--reason", default=None)
@click.option("--data", "data", default=None, help="Payload as a JSON object.")
@click.option("--expect-version", type=int, default=None)
@pass_ctx
@handles_errors
def case_fire(ctx: Context, case_id: int, trigger: str, actor: str, reason: str | None,
              data: str | None, expect_version: int | None) -> None:
    from caseflow import services

    payload = None
    if data:
        try:
            payload = json.loads(data)
        except json.JSONDecodeError as exc:
            _fail(f"--data is not valid JSON: {exc.msg} at column {exc.colno}")
    view = services.fire(ctx.app.uow("cli"), case_id, trigger, actor=actor, payload=payload,
                         reason=reason, expected_version=expect_version)
    click.echo(f"{view.number}: now {view.status} (version {view.version})")


@case.command("view")
@click.argument("case_id", type=int)
@click.option("--as", "actor", required=True)
@pass_ctx
@handles_errors
def case_view(ctx: Context, case_id: int, actor: str) -> None:
    """The case as USER may see it (own agency, handed to it, or only its outcome)."""
    from caseflow.visibility import case_for

    click.echo(json.dumps(case_for(ctx.app.uow("cli"), case_id, actor), ensure_ascii=False,
                          indent=2, default=str))


@main.group()
def handoff() -> None:
    """Cases crossing between agencies."""


@handoff.command("send")
@click.argument("case_id", type=int)
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
    from caseflow.handoffs import hand_off

    payload = None
    if data:
        try:
            payload = json.loads(data)
        except json.JSONDecodeError as exc:
            _fail(f"--data is not valid JSON: {exc.msg} at column {exc.colno}")
    result = hand_off(ctx.app.uow("cli"), case_id, kind, actor=actor, to_agency=to_agency,
                      reason=reason, idempotency_key=idempotency_key, to_user=to_user,
                      payload=payload)
    click.echo(f"handoff {result['id']} ({kind}) to {result['to']}: {result['status']}")


def _handoff_decision(ctx: Context, action: str, handoff_id: int, actor: str,
                      reason: str | None) -> None:
    from caseflow import handoffs

    uow = ctx.app.uow("cli")
    if action == "accept":
        result = handoffs.accept(uow, handoff_id, actor=actor, reason=reason)
    elif action == "reject":
        result = handoffs.reject(uow, handoff_id, actor=actor, reason=reason or "")
    else:
        result = handoffs.return_materials(uow, handoff_id, actor=actor, reason=reason or "")
    linked = f"; linked case {result['linked_case']}" if result.get("linked_case") else ""
    click.echo(f"handoff {handoff_id}: {result['status']}{linked}")


@handoff.command("accept")
@click.argument("handoff_id", type=int)
@click.option("--as", "actor", required=True)
@click.option("--reason", default=None)
@pass_ctx
@handles_errors
def handoff_accept(ctx: Context, handoff_id: int, actor: str, reason: str | None) -> None:
    _handoff_decision(ctx, "accept", handoff_id, actor, reason)


def _declining(action: str, help_text: str) -> None:
    @handoff.command(action, help=help_text)
    @click.argument("handoff_id", type=int)
    @click.option("--as", "actor", required=True)
    @click.option("--reason", required=True)
    @pass_ctx
    @handles_errors
    def command(ctx: Context, handoff_id: int, actor: str, reason: str) -> None:
        _handoff_decision(ctx, action, handoff_id, actor, reason)


_declining("reject", "Refuse a handoff, with reasons.")
_declining("return", "Send a handoff back with its materials, with reasons.")


@handoff.command("list")
@click.option("--as", "actor", required=True)
@click.option("--outgoing", is_flag=True, help="Sent by the user's agency instead of to it.")
@pass_ctx
@handles_errors
def handoff_list(ctx: Context, actor: str, outgoing: bool) -> None:
    from caseflow.handoffs import list_for_agency

    for h in list_for_agency(ctx.app.uow("cli"), actor, incoming=not outgoing):
        click.echo(f"{h['id']:>5} {h['kind']:<26} {h['from']} -> {h['to']}  {h['status']}")


@main.command("inbox")
@click.option("--as", "actor", required=True)
@click.option("--unread", is_flag=True)
@click.option("--ack", "ack_id", type=int, default=None, help="Acknowledge this notification.")
@pass_ctx
@handles_errors
def inbox_command(ctx: Context, actor: str, unread: bool, ack_id: int | None) -> None:
    """A user's alerts: warnings, overdue alerts, escalations, handoffs received."""
    from caseflow.inbox import acknowledge, inbox

    if ack_id is not None:
        acknowledge(ctx.app.uow("cli"), actor, ack_id)
    for n in inbox(ctx.app.uow("cli"), actor, unread_only=unread):
        mark = " " if n["read"] else "*"
        click.echo(f"{mark} {n['id']:>5} {n['kind']:<18} {n['case'] or '-':<20} {n['message']}")


# --- audit --------------------------------------------------------------------------------------

@main.group()
def audit() -> None:
    """The audit chain."""


@audit.command("verify")
@click.option("--case", "case_ids", type=int, multiple=True)
@pass_ctx
@handles_errors
def audit_verify(ctx: Context, case_ids: tuple[int, ...]) -> None:
    """Check every case's hash chain; report the first altered, inserted or missing event."""
    from sqlalchemy import func, select

    from caseflow.audit import verify_all
    from caseflow.models import Case, Event

    with ctx.app.session_factory() as session:
        first = next(verify_all(session, list(case_ids) or None), None)
        if first is not None:
            _fail(f"audit chain broken: {first}", code=2)
        cases = session.scalar(select(func.count()).select_from(Case))
        events = session.scalar(select(func.count()).select_from(Event))
    click.echo(f"audit chain intact: {events} events in {cases} cases")


# --- clocks, sweep, scheduler, deadline, calendar ------------------------------------------------

def _parse_at(value: str | None):  # type: ignore[no-untyped-def]
    """--at in Beijing time (naive is read as +08:00) → naive UTC, or None for now."""
    if value is None:
        return None
    from caseflow.clocks import naive_utc
    from caseflow.periods import parse_local_datetime

    try:
        return naive_utc(parse_local_datetime(value))
    except ValueError as exc:
        _fail(f"--at: {exc}")


@main.group()
def clocks() -> None:
    """A case's legal clocks."""


@clocks.command("show")
@click.argument("case_id", type=int)
@pass_ctx
@handles_errors
def clocks_show(ctx: Context, case_id: int) -> None:
    from caseflow.clock_services import case_clocks

    click.echo(json.dumps(case_clocks(ctx.app.uow("cli"), case_id), ensure_ascii=False, indent=2))


@clocks.command("pause")
@click.argument("case_id", type=int)
@click.argument("clock")
@click.option("--as", "actor", required=True)
@click.option("--reason", required=True, help="One of the clock's pause reasons.")
@click.option("--note", default=None)
@pass_ctx
@handles_errors
def clocks_pause(ctx: Context, case_id: int, clock: str, actor: str, reason: str,
                 note: str | None) -> None:
    from caseflow.clock_services import pause_clock

    view = pause_clock(ctx.app.uow("cli"), case_id, clock, actor=actor, reason=reason, note=note)
    click.echo(f"{clock}: paused (due so far {view['due']})")


@clocks.command("resume")
@click.argument("case_id", type=int)
@click.argument("clock")
@click.option("--as", "actor", required=True)
@click.option("--note", default=None)
@pass_ctx
@handles_errors
def clocks_resume(ctx: Context, case_id: int, clock: str, actor: str, note: str | None) -> None:
    from caseflow.clock_services import resume_clock

    view = resume_clock(ctx.app.uow("cli"), case_id, clock, actor=actor, note=note)
    click.echo(f"{clock}: running, due {view['due']}")


@clocks.command("extend")
@click.argument("case_id", type=int)
@click.argument("clock")
@click.option("--as", "actor", required=True)
@click.option("--reason", required=True)
@click.option("--by", default=None, help="e.g. '30 days'; needed for an open-ended extension.")
@pass_ctx
@handles_errors
def clocks_extend(ctx: Context, case_id: int, clock: str, actor: str, reason: str,
                  by: str | None) -> None:
    from caseflow.clock_services import extend_clock

    view = extend_clock(ctx.app.uow("cli"), case_id, clock, actor=actor, reason=reason, by=by)
    click.echo(f"{clock}: extended, due {view['due']}"
               + (" (provisional)" if view["provisional"] else ""))


@main.command("sweep")
@click.option("--at", "at", default=None, help="Sweep as of this Beijing time (default now).")
@click.option("--batch", type=int, default=1000, help="Clocks claimed per transaction.")
@pass_ctx
@handles_errors
def sweep_command(ctx: Context, at: str | None, batch: int) -> None:
    """Raise due warnings, overdue alerts and escalations once; deliver queued alerts."""
    from caseflow.delivery import channels_from_settings, deliver_pending
    from caseflow.sweep import check_calendar, sweep

    now = _parse_at(at)
    channels = channels_from_settings(ctx.settings)
    report = sweep(ctx.app.uow_factory("cli"), now=now, batch=batch,
                   webhook="webhook" in channels)
    click.echo(str(report))
    from caseflow.handoffs import dispatch

    click.echo(f"handoffs dispatched: {dispatch(ctx.app.uow('cli'))}")
    missing = check_calendar(ctx.app.uow("cli"), now=now)
    if missing:
        click.echo(f"calendar: the official {missing} schedule is not loaded")
    click.echo(str(deliver_pending(ctx.app.uow_factory("cli"), channels, now=now)))


@main.command("scheduler")
@click.option("--interval", type=int, default=60, help="Seconds between sweeps.")
@pass_ctx
@handles_errors
def scheduler_command(ctx: Context, interval: int) -> None:
    """Run the sweep every minute until stopped (catches up at once on start)."""
    import logging

    from caseflow.scheduler import build_scheduler

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    click.echo(f"caseflow scheduler: sweeping every {interval}s (Ctrl-C stops)")
    try:
        build_scheduler(ctx.app, interval_seconds=interval).start()
    except (KeyboardInterrupt, SystemExit):
        pass


@main.command("deadline")
@click.option("--from", "start", required=True, help="Start, e.g. 2026-03-02T10:00 (Beijing).")
@click.option("--period", required=True, help='e.g. "3 working_days", "24 hours", "3 months"')
@click.option("--pause", "pauses", multiple=True, help="FROM/TO dates not counted (repeatable).")
@pass_ctx
def deadline_command(ctx: Context, start: str, period: str, pauses: tuple[str, ...]) -> None:
    """Print the due time of a period as JSON, counted exactly as clocks count."""
    from caseflow.periods import calculate

    calendar = _stored_calendar(ctx)
    try:
        result = calculate(start, period, list(pauses), calendar)
    except ValueError as exc:
        _fail(str(exc))
    click.echo(json.dumps(result, ensure_ascii=False))


def _stored_calendar(ctx: Context):  # type: ignore[no-untyped-def]
    """The database's calendar (loaded years, overrides); the built-in one without a database."""
    from sqlalchemy.exc import OperationalError, ProgrammingError

    from caseflow.calendar import WorkCalendar
    from caseflow.calendar_store import current_calendar

    try:
        with ctx.app.engine.connect() as conn:
            return current_calendar(conn)
    except (CaseflowError, OperationalError, ProgrammingError):
        return WorkCalendar.default()


@main.group()
def calendar() -> None:
    """The official working-day calendar."""


@calendar.command("load")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--as", "actor", required=True)
@pass_ctx
@handles_errors
def calendar_load(ctx: Context, path: Path, actor: str) -> None:
    """Load a year's official schedule (YAML or JSON) and recompute open clocks."""
    from caseflow.calendar_store import load_schedule

    if not path.exists():
        _fail(f"{path}: no such file")
    result = load_schedule(ctx.app.uow("cli"), path.read_text(encoding="utf-8"), actor=actor,
                           source=str(path))
    click.echo(f"loaded {result['year']}; {result['clocks_recomputed']} clock(s) recomputed")


@calendar.command("override")
@click.argument("day", type=click.DateTime(formats=["%Y-%m-%d"]))
@click.option("--kind", type=click.Choice(["rest", "work"]), default="rest")
@click.option("--reason", required=True)
@click.option("--as", "actor", required=True)
@pass_ctx
@handles_errors
def calendar_override(ctx: Context, day, kind: str, reason: str, actor: str) -> None:  # type: ignore[no-untyped-def]
    """Declare a local extra rest day (or working day)."""
    from caseflow.calendar_store import set_override

    result = set_override(ctx.app.uow("cli"), day.date(), kind, actor=actor, reason=reason)
    click.echo(f"{result['day']} is a {kind} day; {result['clocks_recomputed']} clock(s) recomputed")


@calendar.command("status")
@pass_ctx
@handles_errors
def calendar_status(ctx: Context) -> None:
    """Official years, loaded years, provisional due dates, and whether next year is missing."""
    from sqlalchemy import func, select

    from caseflow.calendar_store import current_calendar, next_year_missing
    from caseflow.clocks import aware
    from caseflow.models import CalendarYear, Clock, utcnow

    with ctx.app.engine.connect() as conn:
        cal = current_calendar(conn)
        loaded = [r.year for r in conn.execute(select(CalendarYear.year))]
        provisional = conn.scalar(select(func.count()).select_from(Clock).where(
            Clock.provisional.is_(True), Clock.status != "stopped"))
    years = cal.official_years
    click.echo(json.dumps({
        "official_years": [years[0], years[-1]] if years else [], "loaded_years": loaded,
        "calendar_version": cal.version, "provisional_due_dates": provisional,
        "next_year_missing": next_year_missing(cal, aware(utcnow()).date()),
    }, ensure_ascii=False))


# --- demo and web ---------------------------------------------------------------------------------

@main.command()
@click.option("--cases", "per_type", type=int, default=5, help="Cases per workflow type.")
@click.option("--seed", type=int, default=2026)
@click.option("--serve/--no-serve", default=False, help="Start the web app afterwards.")
@click.option("--port", type=int, default=5000)
@pass_ctx
@handles_errors
def demo(ctx: Context, per_type: int, seed: int, serve: bool, port: int) -> None:
    """Create agencies, users and realistic cases of every type, and advance them."""
    from caseflow import schema
    from caseflow.demo import run_demo

    ctx.app  # noqa: B018
    schema.upgrade(ctx.settings.database_url)
    ctx.app.load_workflows()
    summary = run_demo(ctx.app, per_type=per_type, seed=seed, echo=click.echo)
    click.echo(summary)
    if serve:
        _serve(ctx, "127.0.0.1", port)


def _serve(ctx: Context, host: str, port: int) -> None:
    from web import create_app

    app = create_app(settings=ctx.settings)
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


if __name__ == "__main__":  # pragma: no cover
    main()
