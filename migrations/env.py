"""Alembic environment: batch mode on SQLite, an advisory lock on PostgreSQL.

The lock keeps two nodes that start at once from migrating the same database twice. Every
wait is bounded (after pypa/warehouse's env.py): on PostgreSQL the wait for another node's
migration, each table lock (a DDL statement waiting on a lock queues every reader of the
table behind it, so it gives up instead and the migration is retried), each statement and
idle time inside the migration's transaction; on SQLite the busy timeout of the settings.
Running past one is ``Busy``: `caseflow db upgrade` says so in one line and exits 75.
"""

from alembic import context
from sqlalchemy import text

from caseflow.adapters.database import make_engine, normalise_url
from caseflow.adapters.orm import Base
from caseflow.config import Settings
from caseflow.domain.errors import Busy

config = context.config
target_metadata = Base.metadata
MIGRATION_LOCK = 7_420_001
# PostgreSQL bounds for a migration (SET LOCAL: the migration's transaction only)
MIGRATION_LOCK_WAIT = "120s"  # for another node's migration to finish (the advisory lock)
DDL_LOCK_TIMEOUT = "30s"  # for each table lock a migration statement needs
DDL_STATEMENT_TIMEOUT = "15min"  # for one migration statement (a table rewritten, an index built)
DDL_IDLE_TIMEOUT = "5min"  # between two statements of the migration


def _url() -> str:
    return normalise_url(config.get_main_option("sqlalchemy.url") or Settings.from_env().database_url)


def run_migrations_offline() -> None:
    url = _url()
    context.configure(url=url, target_metadata=target_metadata, literal_binds=True,
                      render_as_batch=url.startswith("sqlite"), compare_server_default=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connectable = config.attributes.get("connection")
    if connectable is not None:
        _run(connectable)
        return
    settings = Settings.from_env()
    engine = make_engine(_url(), create=True, lock_timeout_s=settings.lock_timeout_s,
                         statement_timeout_s=settings.statement_timeout_s,
                         idle_in_transaction_timeout_s=settings.idle_in_transaction_timeout_s)
    try:
        with engine.connect() as connection:
            _run(connection)
    finally:
        engine.dispose()


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    postgres = connection.dialect.name == "postgresql"
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=connection.dialect.name == "sqlite",
                      compare_server_default=True, transaction_per_migration=False)
    with context.begin_transaction():
        if postgres:
            connection.execute(text(f"SET LOCAL lock_timeout = '{MIGRATION_LOCK_WAIT}'"))
            connection.execute(text(f"SET LOCAL statement_timeout = '{DDL_STATEMENT_TIMEOUT}'"))
            connection.execute(text("SET LOCAL idle_in_transaction_session_timeout = "
                                    f"'{DDL_IDLE_TIMEOUT}'"))
            try:
                connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": MIGRATION_LOCK})
            except Busy:
                raise Busy(f"busy: another node is migrating this database (waited "
                           f"{MIGRATION_LOCK_WAIT}); retry when it is done") from None
            connection.execute(text(f"SET LOCAL lock_timeout = '{DDL_LOCK_TIMEOUT}'"))
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
