"""Alembic environment: batch mode on SQLite, an advisory lock on PostgreSQL.

The lock keeps two nodes that start at once from migrating the same database twice.
"""

from alembic import context
from sqlalchemy import text

from caseflow.adapters.database import make_engine, normalise_url
from caseflow.adapters.orm import Base
from caseflow.config import Settings

config = context.config
target_metadata = Base.metadata
MIGRATION_LOCK = 7_420_001


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
    engine = make_engine(_url())
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
            connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": MIGRATION_LOCK})
            connection.execute(text("SET LOCAL lock_timeout = '30s'"))
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
