"""caseflow clocks and deadline: a case's legal clocks, and the period calculator."""

from __future__ import annotations

import json

import click

from caseflow.domain.errors import CaseflowError
from caseflow.entrypoints.cli.common import (
    CASE_ID,
    Context,
    _fail,
    handles_errors,
    main,
    parse_day,
    pass_ctx,
)


@main.group()
def clocks() -> None:
    """A case's legal clocks."""


@clocks.command("show")
@click.argument("case_id", type=CASE_ID)
@click.option("--as", "actor", required=True)
@pass_ctx
@handles_errors
def clocks_show(ctx: Context, case_id: int, actor: str) -> None:
    """The case's clocks USER may see, each with its due date and explanation."""
    from caseflow.views.clocks import case_clocks

    click.echo(json.dumps([v.to_dict() for v in case_clocks(ctx.app.uow("cli"), case_id, actor)],
                          ensure_ascii=False, indent=2))


@clocks.command("pause")
@click.argument("case_id", type=CASE_ID)
@click.argument("clock")
@click.option("--as", "actor", required=True)
@click.option("--reason", required=True, help="One of the clock's pause reasons.")
@click.option("--note", default=None)
@click.option("--on", "on", default=None, metavar="YYYY-MM-DD",
              help="The legal date the cause began (e.g. appraisal commissioned); default now.")
@pass_ctx
@handles_errors
def clocks_pause(ctx: Context, case_id: int, clock: str, actor: str, reason: str,
                 note: str | None, on: str | None) -> None:
    from caseflow.services.clocks import pause_clock

    view = pause_clock(ctx.app.uow("cli"), case_id, clock, actor=actor, reason=reason, note=note,
                       on=parse_day("--on", on))
    click.echo(f"{clock}: paused (due so far {view.due})")


@clocks.command("resume")
@click.argument("case_id", type=CASE_ID)
@click.argument("clock")
@click.option("--as", "actor", required=True)
@click.option("--note", default=None)
@click.option("--on", "on", default=None, metavar="YYYY-MM-DD",
              help="The legal date the cause ended (e.g. result received): counting resumes "
                   "that day; default now.")
@pass_ctx
@handles_errors
def clocks_resume(ctx: Context, case_id: int, clock: str, actor: str, note: str | None,
                  on: str | None) -> None:
    from caseflow.services.clocks import resume_clock

    view = resume_clock(ctx.app.uow("cli"), case_id, clock, actor=actor, note=note,
                        on=parse_day("--on", on))
    click.echo(f"{clock}: {view.status}" + (" (another cause still pauses it)"
                                            if view.status == "paused" else "")
               + f", due {view.due}")


@clocks.command("extend")
@click.argument("case_id", type=CASE_ID)
@click.argument("clock")
@click.option("--as", "actor", required=True)
@click.option("--reason", required=True)
@click.option("--by", default=None, help="e.g. '30 days'; needed for an open-ended extension.")
@click.option("--decided-on", default=None, metavar="YYYY-MM-DD",
              help="A collective decision: the date the heads decided.")
@click.option("--participant", "participants", multiple=True,
              help="A collective decision: one participant (repeat for each).")
@pass_ctx
@handles_errors
def clocks_extend(ctx: Context, case_id: int, clock: str, actor: str, reason: str,
                  by: str | None, decided_on: str | None, participants: tuple[str, ...]) -> None:
    from caseflow.services.clocks import extend_clock

    view = extend_clock(ctx.app.uow("cli"), case_id, clock, actor=actor, reason=reason, by=by,
                        decided_on=parse_day("--decided-on", decided_on),
                        participants=participants)
    click.echo(f"{clock}: extended, due {view.due}"
               + (" (provisional)" if view.provisional else ""))


@main.command("deadline")
@click.option("--from", "start", required=True, help="Start, e.g. 2026-03-02T10:00 (Beijing).")
@click.option("--period", required=True, help='e.g. "3 working_days", "24 hours", "3 months"')
@click.option("--pause", "pauses", multiple=True,
              help="A/B: paused from day A, counting resumes on day B, so A..B-1 are not "
                   "counted (B-A days), as the engine counts a pause; a single date A is that "
                   "one day (A/A+1); A/A excludes nothing. Repeatable.")
@pass_ctx
def deadline_command(ctx: Context, start: str, period: str, pauses: tuple[str, ...]) -> None:
    """Print the due time of a period as JSON, counted exactly as clocks count."""
    from caseflow.domain.limits import planned_deadline

    calendar = _stored_calendar(ctx)
    try:
        result = planned_deadline(start, period, list(pauses), calendar)
    except (ValueError, OverflowError, CaseflowError) as exc:
        _fail(str(exc))
    click.echo(json.dumps(result, ensure_ascii=False))


def _stored_calendar(ctx: Context):  # type: ignore[no-untyped-def]
    """The database's calendar (loaded years, overrides); the built-in one without a database."""
    from sqlalchemy.exc import OperationalError, ProgrammingError

    from caseflow.domain.calendar import WorkCalendar
    from caseflow.views.calendar import counting_calendar

    try:
        return counting_calendar(ctx.app.uow("cli"))
    except (CaseflowError, OperationalError, ProgrammingError):
        return WorkCalendar.default()
