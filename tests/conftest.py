"""Shared fixtures: every database test runs on SQLite and on a real PostgreSQL.

The schema is built once per database by Alembic (the real migrations); each test then gets
a clean copy (SQLite: a copied file; PostgreSQL: truncated tables).
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from caseflow.adapters import schema
from caseflow.adapters.orm import Base
from caseflow.adapters.registry import REGISTRY, sync_definitions
from caseflow.bootstrap import App, bootstrap
from caseflow.config import PROJECT_ROOT, Settings
from caseflow.domain.definitions import load_directory
from caseflow.entrypoints.demo import AGENCIES as DEMO_AGENCIES
from caseflow.services.directory import create_user, ensure_agency

TEST_WORKFLOWS = Path(__file__).parent / "data" / "workflows"
PG_ADMIN_URL = os.environ.get("CASEFLOW_TEST_PG_ADMIN_URL",
                              "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
PG_TEST_DB = os.environ.get("CASEFLOW_TEST_PG_DB", f"caseflow_test_{os.getpid()}")

# The audit keyring lives outside every test database, as in production: one file for the
# test run (and the CLI processes tests start, which inherit the environment).
if "CASEFLOW_AUDIT_KEYS" not in os.environ:
    import tempfile

    from caseflow.adapters.audit_keys import load_keyring

    _KEYS = Path(tempfile.mkdtemp(prefix="caseflow-keys-")) / "audit-keys.json"
    load_keyring(_KEYS, create=True)
    os.environ["CASEFLOW_AUDIT_KEYS"] = str(_KEYS)

# The web app will not start without a secret key outside demo mode; the test servers speak
# plain http, so their session cookies are not Secure (tests of either say so themselves).
os.environ.setdefault("CASEFLOW_SECRET_KEY", "caseflow-tests-only-" + uuid.uuid4().hex)
os.environ.setdefault("CASEFLOW_COOKIE_SECURE", "0")
# argon2id at a test's cost (8 MiB, one pass): hundreds of sign-ins stay quick; the default
# cost is RFC 9106's (tests/integration/test_signin.py checks both)
os.environ.setdefault("CASEFLOW_ARGON2_TIME_COST", "1")
os.environ.setdefault("CASEFLOW_ARGON2_MEMORY_KIB", "8192")
os.environ.setdefault("CASEFLOW_ARGON2_PARALLELISM", "1")


@pytest.fixture(autouse=True)
def _checkpoint_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test's checkpoints in its own directory (a test database is made afresh)."""
    directory = tmp_path / "checkpoints"
    monkeypatch.setenv("CASEFLOW_CHECKPOINT_DIR", str(directory))
    return directory


def _pg_url(db: str) -> str:
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + db


def _create_pg_database() -> str:
    try:
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{PG_TEST_DB}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{PG_TEST_DB}"'))
        admin.dispose()
    except Exception as exc:  # noqa: BLE001
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required under CI=true and is not reachable: {exc}")
        pytest.skip(f"PostgreSQL not reachable: {exc}")
    return _pg_url(PG_TEST_DB)


def _drop_pg_database() -> None:
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{PG_TEST_DB}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """A migrated database per backend: its URL and how to reset it between tests."""
    if request.param == "sqlite":
        template = tmp_path_factory.mktemp("sqlite") / "template.db"
        url = f"sqlite:///{template}"
        schema.upgrade(url)
        yield {"name": "sqlite", "template": template, "url": url}
    else:
        url = _create_pg_database()
        schema.upgrade(url)
        yield {"name": "postgresql", "url": url}
        _drop_pg_database()


def _fresh_url(backend: dict, tmp_path: Path) -> str:
    from caseflow.services.report_data import record_layout

    if backend["name"] == "sqlite":
        target = tmp_path / f"caseflow-{uuid.uuid4().hex[:8]}.db"
        shutil.copyfile(backend["template"], target)
        return f"sqlite:///{target}"
    engine = create_engine(backend["url"])
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        record_layout(conn)  # what migration 0011 seeds, as a fresh migrated database holds
    engine.dispose()
    return backend["url"]


@pytest.fixture
def database_url(backend: dict, tmp_path: Path) -> str:
    return _fresh_url(backend, tmp_path)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return replace(Settings.from_env(), database_url=database_url,
                   evidence_dir=tmp_path / "evidence",
                   workflows_dir=PROJECT_ROOT / "workflows")


@pytest.fixture
def app(settings: Settings, request: pytest.FixtureRequest) -> Iterator[App]:
    """An engine on a clean database with the real workflows and the test ones loaded."""
    REGISTRY.clear()
    application = bootstrap(settings)
    application.load_workflows()
    with application.session_factory() as session, session.begin():
        sync_definitions(session, [d for d in load_directory(TEST_WORKFLOWS) if d.version == 1])
    yield application
    if request.node.get_closest_marker("tampers") is None:
        _assert_chains_and_seals_intact(application)
    application.engine.dispose()


def _assert_chains_and_seals_intact(application: App) -> None:
    """After every test: whatever the engine wrote verifies — each change resealed its case,
    every event is keyed — so no service can write a case's rows behind its seal unnoticed."""
    from caseflow.services.audit import verify_all

    with application.engine.connect() as conn:
        problems = [str(p) for p in verify_all(conn, application.keyring())]
    assert problems == [], f"the engine left records its audit does not vouch for: {problems[:5]}"
    from caseflow.services.report_data import verify

    with application.engine.connect() as conn:
        findings = verify(conn)
    assert findings == [], f"the report facts and tallies drifted from the cases: {findings[:3]}"


@pytest.fixture
def uow(app: App):
    """A factory of units of work: ``uow()`` for each service call."""
    return lambda channel="test": app.uow(channel)


AGENCIES = DEMO_AGENCIES  # the same fictional Ningbo bodies the demo uses

PEOPLE = [
    # username, name, agency, roles, supervisor
    ("wang.director", "王建国", "nb-amr", ["supervisor"], None),
    ("chen.sup", "陈晓燕", "nb-amr", ["supervisor"], "wang.director"),
    ("li.officer", "李明", "nb-amr", ["officer"], "chen.sup"),
    ("zhang.officer", "张伟", "nb-amr", ["officer"], "chen.sup"),
    ("zhao.admin", "赵磊", "nb-amr", ["admin"], None),
    ("sun.yz", "孙丽", "nb-amr-yinzhou", ["officer", "supervisor"], None),
    ("xu.customs", "徐海燕", "nb-customs", ["supervisor"], None),
    ("zhou.customs", "周强", "nb-customs", ["officer"], "xu.customs"),
    ("wu.mediator", "吴芳", "nb-mediation", ["mediator"], None),
    ("he.police", "何军", "nb-psb", ["supervisor"], None),
    ("gao.police", "高鹏", "nb-psb", ["officer"], "he.police"),
    ("zheng.court", "郑慧", "nb-ipcourt", ["supervisor"], None),
    ("qian.court", "钱宇", "nb-ipcourt", ["officer"], "zheng.court"),
]


@pytest.fixture
def people(app: App) -> dict[str, str]:
    """The Ningbo agencies and a handful of users; returns username → agency code."""
    for code, kind, zh, en in AGENCIES:
        ensure_agency(app.uow(), code, kind, zh, en)
    for username, name, agency, roles, boss in PEOPLE:
        create_user(app.uow(), username, name, agency, roles, supervisor=boss)
    return {p[0]: p[2] for p in PEOPLE}


@pytest.fixture
def is_postgres(database_url: str) -> bool:
    return database_url.startswith("postgresql")


def utc(local: str) -> datetime:
    """'2026-09-18T10:00' Beijing time → the naive UTC the engine stores."""
    return datetime.fromisoformat(local + "+08:00").astimezone(UTC).replace(tzinfo=None)


@pytest.fixture
def at(app):
    """``at('2026-09-18T10:00')`` → a unit-of-work factory whose clock reads that time."""
    def factory(local: str):
        moment = utc(local)
        return lambda: app.uow("test", now=lambda: moment)
    return factory
