"""Engine creation: SQLite tuned for durability (WAL, synchronous=FULL, FKs), PostgreSQL as is;
on both, waits bounded (lock, statement, idle transaction) and turned into ``Busy``."""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DatabaseError, NoSuchModuleError
from sqlalchemy.orm import Session, sessionmaker

from caseflow.config import (
    DEFAULT_IDLE_IN_TRANSACTION_TIMEOUT_S,
    DEFAULT_LOCK_TIMEOUT_S,
    DEFAULT_STATEMENT_TIMEOUT_S,
)
from caseflow.domain.errors import Busy, CaseflowError, ConflictError, DatabaseUnavailable


def normalise_url(url: str) -> str:
    """Accept plain ``postgresql://`` URLs and run them on psycopg 3."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def make_engine(url: str, *, check: bool = True, create: bool = False,
                lock_timeout_s: float = DEFAULT_LOCK_TIMEOUT_S,
                statement_timeout_s: float = DEFAULT_STATEMENT_TIMEOUT_S,
                idle_in_transaction_timeout_s: float = DEFAULT_IDLE_IN_TRANSACTION_TIMEOUT_S,
                **kwargs) -> Engine:
    """Create an engine; with ``check`` connect once so a bad URL fails here, in one line.

    The timeouts bound every wait (see ``caseflow.config``): SQLite's busy timeout is the
    lock timeout; PostgreSQL gets ``lock_timeout``, ``statement_timeout`` and
    ``idle_in_transaction_session_timeout`` on each connection. Running past one raises
    ``Busy``, wherever it happens (begin, statement, flush, commit).

    A SQLite file that does not exist is refused in one line, and nothing is created (no
    directory, no empty database), unless ``create``: only the commands whose job is to make
    the database (``db upgrade``, ``demo``) create it and its directory."""
    try:
        parsed = make_url(normalise_url(url))
        parsed.get_dialect()
    except (ArgumentError, NoSuchModuleError) as exc:
        raise DatabaseUnavailable(f"invalid database URL {url!r}: {exc}") from None
    if parsed.get_backend_name() == "sqlite":
        _sqlite_file(parsed.database, parsed.query, create=create)
        engine = create_engine(parsed, **kwargs)
        _tune_sqlite(engine)
    else:
        kwargs.setdefault("pool_pre_ping", True)
        engine = create_engine(parsed, **kwargs)
    _bound_waits(engine, _Waits(lock_timeout_s, statement_timeout_s,
                                idle_in_transaction_timeout_s))
    if check:
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except DatabaseError as exc:  # OperationalError, or a file that is not a database
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
            engine.dispose()
            raise DatabaseUnavailable(
                f"cannot connect to {parsed.render_as_string(hide_password=True)}: {reason}"
            ) from None
    return engine


def _sqlite_file(database: str | None, query: Any, *, create: bool) -> None:
    """Make sure a SQLite URL names a database that exists, or (``create``) may be made."""
    if not database or database == ":memory:" or query.get("mode") == "memory":
        return
    if database.startswith("file:"):  # a URI filename: sqlite3 itself decides
        return
    path = Path(database)
    if create:
        path.parent.mkdir(parents=True, exist_ok=True)
        return
    if path.is_file():
        return
    if path.exists():
        raise DatabaseUnavailable(f"cannot open the SQLite database {database}: not a file")
    where = ("its directory does not exist either" if not path.parent.is_dir()
             else "create it with `caseflow db upgrade` (or `caseflow demo`)")
    raise DatabaseUnavailable(f"the SQLite database {database} does not exist; {where}")


def _tune_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):  # type: ignore[no-untyped-def]
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves, below
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # type: ignore[no-untyped-def]
        # A unit of work (marked ``caseflow_write``) begins IMMEDIATE: it takes the write lock
        # up front, so writers queue instead of failing half-way through on a lock upgrade.
        # Plain reads begin DEFERRED and never hold writers up.
        write = conn.get_execution_options().get("caseflow_write", False)
        try:
            conn.connection.driver_connection.execute("BEGIN IMMEDIATE" if write else "BEGIN")
        except sqlite3.OperationalError as exc:  # raised outside SQLAlchemy's error handling
            found = _translate(exc, None, None, conn.engine.dialect.name,
                               getattr(conn.engine, "caseflow_waits", None))
            if found is None:
                raise
            raise found from None


@dataclass(frozen=True)
class _Waits:
    lock_s: float
    statement_s: float
    idle_s: float

    @staticmethod
    def ms(seconds: float) -> int:
        return max(0, round(seconds * 1000))

    @staticmethod
    def text(seconds: float) -> str:
        return f"{seconds:g} s"


def _bound_waits(engine: Engine, waits: _Waits) -> None:
    """Per connection: SQLite's busy timeout, PostgreSQL's three timeouts; and one
    ``handle_error`` hook that turns running past any of them into ``Busy``."""
    engine.caseflow_waits = waits  # type: ignore[attr-defined]
    if engine.dialect.name == "sqlite":
        @event.listens_for(engine, "connect")
        def _busy_timeout(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            dbapi_conn.execute(f"PRAGMA busy_timeout={waits.ms(waits.lock_s)}")
    elif engine.dialect.name == "postgresql":
        @event.listens_for(engine, "connect")
        def _timeouts(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            # session-wide (is_local false), outside any transaction so a rollback keeps them
            autocommit = dbapi_conn.autocommit
            dbapi_conn.autocommit = True
            try:
                with dbapi_conn.cursor() as cur:
                    cur.execute(
                        "SELECT set_config('lock_timeout', %s, false),"
                        " set_config('statement_timeout', %s, false),"
                        " set_config('idle_in_transaction_session_timeout', %s, false)",
                        (f"{waits.ms(waits.lock_s)}ms", f"{waits.ms(waits.statement_s)}ms",
                         f"{waits.ms(waits.idle_s)}ms"))
            finally:
                dbapi_conn.autocommit = autocommit

    @event.listens_for(engine, "handle_error")
    def _busy(ctx):  # type: ignore[no-untyped-def]
        found = _translate(ctx.original_exception, ctx.statement, ctx.parameters,
                           ctx.dialect.name, waits)
        if found is not None and ctx.is_disconnect:
            ctx.invalidate_pool_on_disconnect = False  # only this connection was ended
        if isinstance(found, Busy) and ctx.dialect.name == "sqlite" and ctx.connection is not None:
            # A COMMIT that found the database busy leaves SQLite's transaction open, and
            # SQLAlchemy, taking the transaction for ended, would pool the connection so:
            # end it here, so the next unit of work does not begin inside it.
            raw = ctx.connection.connection.driver_connection
            if raw is not None and raw.in_transaction:
                raw.rollback()
        return found


_SQLITE_BUSY = {5, 6}  # SQLITE_BUSY, SQLITE_LOCKED (low byte of the extended code)
_CASE_KEYS = ("b_id", "pk_cases_id", "cases_id", "case_id")


def _case_in(statement: str | None, parameters: Any) -> int | None:
    """The case a statement that waited was about, when its parameters name one."""
    if not statement or not re.search(r"\b(cases|events|clocks)\b", statement):
        return None
    if isinstance(parameters, (list, tuple)) and parameters and isinstance(parameters[0], dict):
        parameters = parameters[0]
    if isinstance(parameters, dict):
        for key in _CASE_KEYS:
            value = parameters.get(key)
            if isinstance(value, int) and not isinstance(value, bool):
                return value
    return None


def _translate(orig: BaseException | None, statement: str | None, parameters: Any,
               dialect: str, waits: _Waits | None) -> CaseflowError | None:
    """``Busy`` for a wait past its bound, ``ConflictError`` for a lost race the database
    detected (deadlock, serialization failure); ``None`` for anything else."""
    lock = f" (waited {waits.text(waits.lock_s)})" if waits else ""
    if dialect == "sqlite" and isinstance(orig, sqlite3.OperationalError):
        code = getattr(orig, "sqlite_errorcode", None)
        text = str(orig)
        if (code is not None and code & 0xFF in _SQLITE_BUSY) or (
                code is None and ("database is locked" in text or "is busy" in text)):
            return Busy(f"busy: another writer holds the database{lock}; retry in a moment")
        return None
    state = getattr(orig, "sqlstate", None)
    if state is None or dialect != "postgresql":
        return None
    if state == "55P03":  # lock_not_available: lock_timeout, or NOWAIT
        case = _case_in(statement, parameters)
        what = f"case {case}" if case is not None else "a row this change needs"
        return Busy(f"busy: another change holds {what}{lock}; retry in a moment")
    if state == "57014" and "statement timeout" in str(orig):
        limit = f" {waits.text(waits.statement_s)}" if waits else ""
        return Busy(f"busy: the database took longer than{limit} on one statement; "
                    "nothing was written, retry in a moment", retry_after=5)
    if state == "25P03":  # idle_in_transaction_session_timeout ended the session
        limit = f" {waits.text(waits.idle_s)}" if waits else ""
        return Busy(f"busy: the transaction sat idle longer than{limit} and the database "
                    "ended it; nothing of it was written, retry")
    if state in ("40001", "40P01"):  # serialization failure, deadlock detected
        first = str(orig).strip().splitlines()[0]
        return ConflictError(f"concurrent change: {first}; reload and retry")
    return None


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


def insert_ignore(conn: Connection, model: Any):  # type: ignore[no-untyped-def]
    """INSERT … ON CONFLICT DO NOTHING on either database."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(model).on_conflict_do_nothing()
