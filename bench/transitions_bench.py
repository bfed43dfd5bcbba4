"""Persisted, audited transitions per second: the engine against raw DB-API on each database.

The baseline does what a transition must do at the least — one UPDATE of the case row (with
the version check) and one INSERT of an event, in one transaction — with the raw driver
(sqlite3 with the same WAL/synchronous=FULL pragmas; psycopg). The engine does the whole
service call: load case and user, check role, payload and guards, fire the shared Machine,
hash-chain the audit event, commit. Target: engine >= 25% of raw on SQLite.

Last lines, one per database:
    sqlite engine_tps=N raw_tps=N ratio=0.NN
    postgresql engine_tps=N raw_tps=N ratio=0.NN
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sqlite3
import sys
import tempfile
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, text  # noqa: E402

from caseflow import services  # noqa: E402
from caseflow.adapters import schema  # noqa: E402
from caseflow.adapters.registry import REGISTRY, sync_definitions  # noqa: E402
from caseflow.bootstrap import bootstrap  # noqa: E402
from caseflow.config import Settings  # noqa: E402
from caseflow.domain.definitions import load_directory  # noqa: E402
from caseflow.services.directory import create_user, ensure_agency  # noqa: E402

HERE = Path(__file__).resolve().parent
PG_ADMIN = os.environ.get("CASEFLOW_BENCH_PG_ADMIN_URL",
                          "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
PG_DB = "caseflow_bench"
ROUNDS = 3  # best of three for both sides: the least disturbed run of each


def prepare(url: str, evidence: Path, cases: int):
    schema.upgrade(url)
    REGISTRY.clear()
    app = bootstrap(replace(Settings.from_env(), database_url=url, evidence_dir=evidence))
    with app.session_factory() as s, s.begin():
        sync_definitions(s, load_directory(HERE / "data"))
    ensure_agency(app.uow(), "nb-amr", "market_supervision", "宁波市市场监督管理局", "Ningbo AMR")
    create_user(app.uow(), "li.ming", "李明", "nb-amr", ["officer"])
    ids = [services.open_case(app.uow("bench"), actor="li.ming", case_type="bench_loop",
                              title=f"宁波某服饰商行商标侵权案 {i}", received_on=date(2026, 6, 1)).id
           for i in range(cases)]
    return app, ids


def engine_tps(app, ids: list[int], n: int) -> float:
    triggers = ("submit_review", "return_for_more")
    start = time.perf_counter()
    for i in range(n):
        case_id = ids[i % len(ids)]
        trigger = triggers[(i // len(ids)) % 2]
        services.fire(app.uow("bench"), case_id, trigger, actor="li.ming",
                      payload={"note": f"第{i}次流转"})
    return n / (time.perf_counter() - start)


_START = 1_000_000
_rounds = iter(range(1, 1000))


def _next_round() -> int:
    """Raw rounds write events at fresh sequence numbers so they never collide."""
    return next(_rounds) * 1_000_000


def _raw_rows(conn_exec, ids, n, placeholder, commit) -> float:
    update = (f"UPDATE cases SET status = {placeholder}, version = version + 1 "
              f"WHERE id = {placeholder} AND version = {placeholder}")
    insert = (f"INSERT INTO events (case_id, seq, kind, actor, channel, at, source_state, "
              f"target_state, trigger, payload, prev_hash, hash) VALUES "
              f"({', '.join([placeholder] * 12)})")
    versions = {cid: _START for cid in ids}
    seqs = {cid: _START + _next_round() for cid in ids}
    prev = "0" * 64
    start = time.perf_counter()
    for i in range(n):
        cid = ids[i % len(ids)]
        state = ("reviewing", "investigating")[(i // len(ids)) % 2]
        conn_exec(update, (state, cid, versions[cid]))
        versions[cid] += 1
        seqs[cid] += 1
        payload = json.dumps({"note": f"第{i}次流转"}, ensure_ascii=False)
        digest = hashlib.sha256(f"{cid}{seqs[cid]}{payload}{prev}".encode()).hexdigest()
        conn_exec(insert, (cid, seqs[cid], "transition", "li.ming", "bench",
                           "2026-06-01 10:00:00.000000", "investigating", state, "x", payload,
                           prev, digest))
        commit()
        prev = digest
    return n / (time.perf_counter() - start)


def raw_sqlite_tps(path: str, ids: list[int], n: int) -> float:
    conn = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON"):
        conn.execute(f"PRAGMA {pragma}")
    conn.execute(f"UPDATE cases SET version = {_START}")

    def execute(sql, params):
        if not conn.in_transaction:
            conn.execute("BEGIN IMMEDIATE")
        conn.execute(sql, params)

    tps = _raw_rows(execute, ids, n, "?", lambda: conn.execute("COMMIT"))
    conn.close()
    return tps


def raw_pg_tps(url: str, ids: list[int], n: int) -> float:
    import psycopg

    conn = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"))
    conn.execute(f"UPDATE cases SET version = {_START}")
    conn.commit()
    tps = _raw_rows(lambda sql, p: conn.execute(sql, p), ids, n, "%s", conn.commit)
    conn.close()
    return tps


def run_sqlite(n: int, cases: int) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "bench.db")
        app, ids = prepare(f"sqlite:///{path}", Path(tmp) / "evidence", cases)
        engine_tps(app, ids, max(10, n // 10))  # warm up
        e = max(engine_tps(app, ids, n) for _ in range(ROUNDS))
        app.engine.dispose()
        r = max(raw_sqlite_tps(path, ids, n) for _ in range(ROUNDS))
    return f"sqlite engine_tps={e:.0f} raw_tps={r:.0f} ratio={e / r:.2f}"


def run_postgres(n: int, cases: int) -> str:
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{PG_DB}"'))
    url = PG_ADMIN.rsplit("/", 1)[0] + "/" + PG_DB
    try:
        with tempfile.TemporaryDirectory() as tmp:
            app, ids = prepare(url, Path(tmp) / "evidence", cases)
            engine_tps(app, ids, max(10, n // 10))
            e = max(engine_tps(app, ids, n) for _ in range(ROUNDS))
            app.engine.dispose()
            r = max(raw_pg_tps(url, ids, n) for _ in range(ROUNDS))
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)'))
        admin.dispose()
    return f"postgresql engine_tps={e:.0f} raw_tps={r:.0f} ratio={e / r:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short run (tests use it)")
    parser.add_argument("--transitions", type=int, default=3000)
    parser.add_argument("--cases", type=int, default=50)
    args = parser.parse_args()
    n = 200 if args.quick else args.transitions
    cases = 10 if args.quick else args.cases
    lines = [run_sqlite(n, cases), run_postgres(n, cases)]
    print("\n".join(lines))


if __name__ == "__main__":
    main()
