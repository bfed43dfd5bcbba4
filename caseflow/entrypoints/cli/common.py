"""What every command group shares: the root group, its context, one-line failures."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from functools import wraps
from typing import Any

import click

from caseflow import __version__
from caseflow.config import Settings
from caseflow.domain.errors import Busy, CaseflowError


def _fail(message: str, code: int = 1) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def handles_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Expected failures become one line and a non-zero exit, never a traceback."""
    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from alembic.util.exc import CommandError
        from sqlalchemy.exc import DataError, OperationalError, ProgrammingError

        try:
            return fn(*args, **kwargs)
        except Busy as exc:  # a wait ran past its bound: EX_TEMPFAIL, try again later
            _fail(exc.message, Busy.exit_code)
        except CaseflowError as exc:
            _fail(exc.message)
        except (OperationalError, ProgrammingError) as exc:
            text = str(exc.orig or exc).strip().splitlines()[0]
            if "no such table" in text or "does not exist" in text:
                _fail("the database is not initialised: run `caseflow db upgrade`")
            _fail(f"database error: {text}")
        except (OverflowError, DataError):
            _fail("a number given is out of range (at most 9223372036854775807)")
        except CommandError as exc:  # Alembic: an unknown revision, a broken history
            _fail(str(exc).strip().splitlines()[0])
        except UnicodeDecodeError as exc:
            _fail(f"the file is not UTF-8 text ({exc.reason} at byte {exc.start})")
        except OSError as exc:
            _fail(f"{exc.filename or 'file'}: {exc.strerror or exc}")
    return wrapper


class Context:
    def __init__(self, database_url: str | None) -> None:
        try:
            settings = Settings.from_env()
        except ValueError as exc:  # a setting in the environment is malformed
            _fail(str(exc))
        if database_url:
            settings = replace(settings, database_url=database_url)
        self.settings = settings
        self._app = None
        self.create_database = False  # only db upgrade and demo make a missing SQLite file

    @property
    def app(self):  # type: ignore[no-untyped-def]
        if self._app is None:
            from caseflow.bootstrap import bootstrap

            self._app = bootstrap(self.settings, create=self.create_database)
        return self._app

    def creating_app(self, *, needs_keys: bool = False):  # type: ignore[no-untyped-def]
        """The app of a command whose job is to make the database (created if missing).

        With ``needs_keys`` (a command that writes audited records, such as ``demo``) a
        configured audit keyring must be readable first: a missing or malformed key file is
        refused before the database, or its directory, is made or half-filled."""
        if needs_keys and self._app is None and self.settings.audit_keys_configured:
            from caseflow.adapters.audit_keys import load_keyring

            load_keyring(self.settings.audit_keys_path, create=False)  # AuditKeyError
        self.create_database = True
        return self.app


pass_ctx = click.make_pass_decorator(Context)


class RecordId(click.ParamType):
    """The id of a stored record. An integer no row can have (beyond the database's integer
    columns) gets the domain's answer for a missing id, ``unknown <noun> <id>``, before any
    driver sees it and overflows."""

    name = "integer"

    def __init__(self, noun: str) -> None:
        self.noun = noun

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> int:
        from caseflow.domain.limits import check_id

        number = click.INT.convert(value, param, ctx)
        try:
            return check_id(number, self.noun)
        except CaseflowError as exc:
            _fail(exc.message)
            raise  # unreachable: _fail exits


CASE_ID = RecordId("case id")


class _OneLineUsageError(click.UsageError):
    """A usage error shown like every other failure: ``error: <message>`` on one line."""

    def show(self, file: Any = None) -> None:
        message = " ".join(line.strip() for line in self.format_message().splitlines())
        click.echo(f"error: {message.strip()}", file=file, err=file is None)


@contextmanager
def _one_line_usage_errors() -> Iterator[None]:
    try:
        yield
    except (_OneLineUsageError, click.exceptions.NoArgsIsHelpError):
        raise  # already one line / a bare group asked for its help: click shows the help
    except click.UsageError as exc:
        raise _OneLineUsageError(exc.format_message(), exc.ctx) from exc


class _Root(click.Group):
    """The root group. Every usage error of every command is raised while the root parses its
    own arguments or invokes a subcommand, so catching it here gives one line for all of them
    (click's default is four: usage, a hint and the error); exit code stays 2."""

    def make_context(self, *args: Any, **kwargs: Any) -> click.Context:
        with _one_line_usage_errors():
            return super().make_context(*args, **kwargs)

    def invoke(self, ctx: click.Context) -> Any:
        with _one_line_usage_errors():
            return super().invoke(ctx)


@click.group(cls=_Root)
@click.option("--database-url", envvar="CASEFLOW_DATABASE_URL", default=None,
              help="SQLAlchemy URL (default: sqlite:///var/caseflow.db).")
@click.version_option(__version__, prog_name="caseflow")
@click.pass_context
def main(ctx: click.Context, database_url: str | None) -> None:
    """caseflow — IP enforcement and mediation case engine."""
    ctx.obj = Context(database_url)


def parse_json(value: str | None, option: str = "--data") -> Any:
    """A JSON option's value, or a one-line refusal."""
    if not value:
        return None
    try:
        return json.loads(value)
    except json.JSONDecodeError as exc:
        _fail(f"{option} is not valid JSON: {exc.msg} at column {exc.colno}")


def echo_json(value: Any) -> None:
    click.echo(json.dumps(value, ensure_ascii=False, indent=2, default=str))


def parse_at(value: str | None):  # type: ignore[no-untyped-def]
    """--at in Beijing time (naive is read as +08:00) → naive UTC, or None for now."""
    if value is None:
        return None
    from caseflow.domain.moments import naive_utc
    from caseflow.domain.periods import parse_local_datetime

    try:
        return naive_utc(parse_local_datetime(value))
    except ValueError as exc:
        _fail(f"--at: {exc}")
    except OverflowError:  # 0001-01-01T00:00 Beijing time is before the first UTC day
        _fail(f"--at: {value.strip()!r} is out of range")


def parse_day(option: str, value: str | None):  # type: ignore[no-untyped-def]
    """A YYYY-MM-DD option → a date, or None; a one-line usage error otherwise."""
    if value is None:
        return None
    from datetime import date

    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        _fail(f"{option}: {value!r} is not a date (YYYY-MM-DD)")
