"""Engine creation: SQLite tuned for durability (WAL, synchronous=FULL, FKs), PostgreSQL as is."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from caseflow.domain.errors import DatabaseUnavailable


def normalise_url(url: str) -> str:
    """Accept plain ``postgresql://`` URLs and run them on psycopg 3."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def make_engine(url: str, *, check: bool = True, **kwargs) -> Engine:
    """Create an engine; with ``check`` connect once so a bad URL fails here, in one line."""
    try:
        parsed = make_url(normalise_url(url))
        parsed.get_dialect()
    except (ArgumentError, NoSuchModuleError) as exc:
        raise DatabaseUnavailable(f"invalid database URL {url!r}: {exc}") from None
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, **kwargs)
        _tune_sqlite(engine)
    else:
        kwargs.setdefault("pool_pre_ping", True)
        engine = create_engine(parsed, **kwargs)
    if check:
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except OperationalError as exc:
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
            engine.dispose()
            raise DatabaseUnavailable(
                f"cannot connect to {parsed.render_as_string(hide_password=True)}: {reason}"
            ) from None
    return engine


def _tune_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):  # type: ignore[no-untyped-def]
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves, below
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # type: ignore[no-untyped-def]
        # A unit of work (marked ``caseflow_write``) begins IMMEDIATE: it takes the write lock
        # up front, so writers queue instead of failing half-way through on a lock upgrade.
        # Plain reads begin DEFERRED and never hold writers up.
        write = conn.get_execution_options().get("caseflow_write", False)
        conn.connection.driver_connection.execute("BEGIN IMMEDIATE" if write else "BEGIN")


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


def insert_ignore(conn: Connection, model: Any):  # type: ignore[no-untyped-def]
    """INSERT … ON CONFLICT DO NOTHING on either database."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(model).on_conflict_do_nothing()
