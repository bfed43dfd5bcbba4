"""Waits are bounded and said plainly: a lock held, a statement or an idle transaction past its
limit is ``Busy`` (503, retry) — at begin, at a statement, at flush and at commit, on both
databases — and nothing of the change is written."""

from __future__ import annotations

import sqlite3
import threading
import time
from dataclasses import replace

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from caseflow import services
from caseflow.adapters.orm import Case, Event
from caseflow.bootstrap import bootstrap
from caseflow.config import Settings
from caseflow.domain.errors import Busy, CaseflowError, ConflictError
from tests.integration.test_engine import open_inspection

FAST = {"lock_timeout_s": 0.5, "statement_timeout_s": 1.0, "idle_in_transaction_timeout_s": 1.0}


@pytest.fixture
def fast(settings, app):
    """A second engine on the same database whose waits are short."""
    other = bootstrap(replace(settings, **FAST))
    yield other
    other.engine.dispose()


def _state(app, case_id: int) -> tuple[int, int, str]:
    with app.session_factory() as s:
        case = s.get(Case, case_id)
        events = s.scalar(select(func.count()).select_from(Event).where(Event.case_id == case_id))
        return case.version, events, case.status


class _Holder:
    """Another writer holding the lock: SQLite's write lock, or PostgreSQL's row lock on a
    case, in its own connection, until ``release``."""

    def __init__(self, database_url: str, case_id: int) -> None:
        url = make_url(database_url)
        if url.get_backend_name() == "sqlite":
            self.raw = sqlite3.connect(url.database, isolation_level=None)
            self.raw.execute("BEGIN IMMEDIATE")
            self.engine = None
        else:
            self.raw = None
            self.engine = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://"))
            self.conn = self.engine.connect()
            self.conn.execute(text("SELECT id FROM cases WHERE id = :id FOR UPDATE"), {"id": case_id})

    def release(self) -> None:
        if self.raw is not None:
            self.raw.rollback()
            self.raw.close()
        else:
            self.conn.rollback()
            self.conn.close()
            self.engine.dispose()


def test_a_held_lock_makes_a_transition_busy_within_the_bound(uow, people, app, fast, database_url,
                                                              is_postgres):
    case = open_inspection(uow)
    before = _state(app, case.id)
    holder = _Holder(database_url, case.id)
    try:
        started = time.monotonic()
        with pytest.raises(Busy) as info:
            services.fire(fast.uow(), case.id, "start_check", actor="li.officer")
        waited = time.monotonic() - started
    finally:
        holder.release()
    assert 0.4 <= waited < 5, waited  # waited for the lock, then gave up: not 30 s, not for ever
    busy = info.value
    assert busy.http_status == 503 and busy.retry_after >= 1
    assert str(busy).startswith("busy: ") and "retry" in str(busy) and "\n" not in str(busy)
    assert (f"case {case.id}" in str(busy)) if is_postgres else ("database" in str(busy))
    assert _state(app, case.id) == before  # nothing written
    after = services.fire(fast.uow(), case.id, "start_check", actor="li.officer")
    assert after.version == before[0] + 1


def test_busy_at_flush_through_the_orm(uow, people, app, fast, database_url):
    """``assign`` writes through the ORM: the wait ends at the flush (PostgreSQL) or at the
    first write of a deferred transaction (SQLite)."""
    case = open_inspection(uow)
    before = _state(app, case.id)
    holder = _Holder(database_url, case.id)
    try:
        if database_url.startswith("sqlite"):
            # a plain session begins DEFERRED; its first write waits for the lock, at flush
            with pytest.raises(Busy), fast.session_factory() as s, s.begin():
                s.get(Case, case.id).title = "changed"
                s.flush()
        with pytest.raises(Busy):
            services.assign(fast.uow(), case.id, "zhang.officer", actor="chen.sup")
    finally:
        holder.release()
    assert _state(app, case.id) == before
    services.assign(fast.uow(), case.id, "zhang.officer", actor="chen.sup")


def test_busy_at_commit(uow, people, app, fast, database_url, is_postgres, monkeypatch):
    case = open_inspection(uow)
    before = _state(app, case.id)
    if is_postgres:
        # a deferred foreign key is checked at COMMIT: it waits there for the row lock
        with app.engine.begin() as conn:
            conn.execute(text("CREATE TABLE probe_deferred (case_id INTEGER REFERENCES cases(id)"
                              " DEFERRABLE INITIALLY DEFERRED)"))
        holder = _Holder(database_url, case.id)
        try:
            unit = fast.uow()
            with pytest.raises(Busy), unit:
                unit.connection.execute(text("INSERT INTO probe_deferred VALUES (:id)"),
                                        {"id": case.id})
                unit.commit()
        finally:
            holder.release()
            with app.engine.begin() as conn:
                conn.execute(text("DROP TABLE probe_deferred"))
    else:
        # SQLite in WAL mode takes its lock at BEGIN IMMEDIATE; make COMMIT report it instead
        def locked(_dbapi_conn):  # noqa: ANN001
            raise sqlite3.OperationalError("database is locked")

        monkeypatch.setattr(fast.engine.dialect, "do_commit", locked)
        with pytest.raises(Busy):
            services.fire(fast.uow(), case.id, "start_check", actor="li.officer")
        monkeypatch.undo()
    assert _state(app, case.id) == before
    services.fire(fast.uow(), case.id, "start_check", actor="li.officer")


def test_postgres_statement_timeout_is_busy(uow, people, fast, is_postgres):
    if not is_postgres:
        pytest.skip("statement_timeout is PostgreSQL's")
    unit = fast.uow()
    started = time.monotonic()
    with pytest.raises(Busy) as info, unit:
        unit.connection.execute(text("SELECT pg_sleep(5)"))
    assert time.monotonic() - started < 4
    assert "longer than 1 s" in str(info.value) and info.value.retry_after >= 1
    with fast.engine.connect() as conn:
        assert conn.execute(text("SELECT 1")).scalar() == 1


def test_postgres_idle_writer_is_ended_and_its_lock_freed(uow, people, app, fast, is_postgres):
    """The issue's case: a writer stuck in its transaction no longer blocks the case for ever.
    idle_in_transaction_session_timeout ends it, its lock goes, the next writer gets through;
    the stuck writer, when it wakes, is told busy and nothing of it was written."""
    if not is_postgres:
        pytest.skip("idle_in_transaction_session_timeout is PostgreSQL's")
    case = open_inspection(uow)
    before = _state(app, case.id)
    stuck = fast.engine.connect()
    stuck.begin()
    stuck.execute(text("UPDATE cases SET title = 'half-done' WHERE id = :id"), {"id": case.id})
    time.sleep(1.5)  # idle past the 1 s limit: the server ends the session and frees the row
    done = services.fire(fast.uow(), case.id, "start_check", actor="li.officer")
    assert done.version == before[0] + 1
    with pytest.raises(Busy) as info:
        stuck.execute(text("SELECT 1"))
    assert "sat idle" in str(info.value)
    stuck.close()
    with app.session_factory() as s:
        assert s.get(Case, case.id).title != "half-done"
    with fast.engine.connect() as conn:  # the pool hands out a live connection again
        assert conn.execute(text("SELECT 1")).scalar() == 1


def test_timeouts_reach_every_connection(app, fast, is_postgres):
    if is_postgres:
        with app.engine.connect() as conn:
            shown = [conn.execute(text(f"SHOW {name}")).scalar() for name in
                     ("lock_timeout", "statement_timeout", "idle_in_transaction_session_timeout")]
        assert shown == ["5s", "30s", "1min"]  # the defaults
        with fast.engine.connect() as conn:
            assert conn.execute(text("SHOW lock_timeout")).scalar() == "500ms"
            conn.rollback()  # a SET survives the rollback of a transaction: set for the session
            assert conn.execute(text("SHOW idle_in_transaction_session_timeout")).scalar() == "1s"
    else:
        with app.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
        with fast.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 500


def test_a_deadlock_stays_a_conflict(uow, people, app, is_postgres):
    """Two writers locking two cases in opposite order: PostgreSQL kills one as a deadlock,
    which is a lost race (ConflictError, reload and retry), not ``Busy``."""
    if not is_postgres:
        pytest.skip("SQLite has one writer at a time: no deadlocks")
    a, b = open_inspection(uow), open_inspection(uow)
    both = threading.Barrier(2, timeout=10)
    results: list[object] = [None, None]

    def run(i: int, first: int, second: int) -> None:
        unit = app.uow()
        try:
            with unit:
                unit.connection.execute(text("SELECT id FROM cases WHERE id = :id FOR UPDATE"),
                                        {"id": first})
                both.wait()
                unit.connection.execute(text("SELECT id FROM cases WHERE id = :id FOR UPDATE"),
                                        {"id": second})
                unit.commit()
            results[i] = "ok"
        except CaseflowError as exc:
            results[i] = exc

    threads = [threading.Thread(target=run, args=(0, a.id, b.id)),
               threading.Thread(target=run, args=(1, b.id, a.id))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(type(r).__name__ for r in results) == ["ConflictError", "str"], results
    assert any(isinstance(r, ConflictError) and "deadlock" in str(r) for r in results)


def test_malformed_timeouts_are_refused_in_one_line(monkeypatch):
    monkeypatch.setenv("CASEFLOW_LOCK_TIMEOUT_S", "soon")
    with pytest.raises(ValueError, match="CASEFLOW_LOCK_TIMEOUT_S='soon' is not a number"):
        Settings.from_env()
    for bad in ("-1", "nan", "inf", "1e9"):
        monkeypatch.setenv("CASEFLOW_LOCK_TIMEOUT_S", bad)
        with pytest.raises(ValueError, match="between 0 and 86400"):
            Settings.from_env()
    monkeypatch.setenv("CASEFLOW_LOCK_TIMEOUT_S", "1.5")
    monkeypatch.setenv("CASEFLOW_IDLE_IN_TRANSACTION_TIMEOUT_S", "0")
    settings = Settings.from_env()
    assert settings.lock_timeout_s == 1.5 and settings.idle_in_transaction_timeout_s == 0
    assert settings.statement_timeout_s == 30
