"""Schema management through Alembic, callable from the CLI and from tests."""

from __future__ import annotations

from alembic import command
from alembic.config import Config

from caseflow.adapters.database import normalise_url
from caseflow.config import PROJECT_ROOT


def alembic_config(database_url: str) -> Config:
    cfg = Config(str(PROJECT_ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    cfg.set_main_option("sqlalchemy.url", normalise_url(database_url).replace("%", "%%"))
    return cfg


def check_revision(revision: str) -> None:
    """Refuse a revision the migrations do not have, before any database is opened or made
    (DatabaseUnavailable-free: a ``ValidationFailed`` naming the revision, in one line)."""
    from alembic.script import ScriptDirectory
    from alembic.util.exc import CommandError

    from caseflow.domain.errors import ValidationFailed

    script = ScriptDirectory(str(PROJECT_ROOT / "migrations"))
    try:
        script.get_revisions(revision)
    except CommandError as exc:
        first = str(exc).strip().splitlines()[0]
        raise ValidationFailed(f"--revision: {first}", field="revision") from None
    except Exception as exc:  # noqa: BLE001 - alembic raises several kinds for a bad spec
        raise ValidationFailed(f"--revision: {revision!r} is not a revision of the migrations "
                               f"({type(exc).__name__})", field="revision") from None


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


def check(database_url: str) -> None:
    """Raise if the models and the migrations differ (alembic's autogenerate comparison)."""
    command.check(alembic_config(database_url))
