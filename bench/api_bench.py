"""Transitions fired over HTTP against gunicorn, next to the in-process engine, per database.

For each database a fresh one gets the ``bench_loop`` workflow, one officer and ``--cases``
cases (as ``transitions_bench.py`` prepares it). The engine figure is measured first, as
``transitions_bench.py`` measures it: ``services.fire`` called in this process, one after
another, best of three. Then gunicorn serves the app as production runs it
(``deploy/gunicorn.conf.py``, 2 workers, no access log) and 8 clients, each on its own
keep-alive connection and its own cases, fire ``POST /api/v1/cases/{id}/fire/{trigger}``
with a bearer token and ``If-Match`` (the version the previous answer's ETag gave), as fast
as the server answers. Every request is timed; a non-200 answer fails the run.

    http_tps  the fires answered 200 per second of wall time, all clients together
    ratio     http_tps / engine_tps
    p99_ms    the 99th percentile of one fire's round trip, in milliseconds

Target on PostgreSQL: ratio >= 0.5 and p99 < 50 ms. ``--profile`` prints where a worker's
time goes (cProfile of the app handling fires in this process, through Flask's test client).

Last lines, one per database:
    api sqlite http_tps=N engine_tps=N ratio=0.NN p99_ms=N
    api postgresql http_tps=N engine_tps=N ratio=0.NN p99_ms=N
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from sqlalchemy import create_engine, text  # noqa: E402
from transitions_bench import PG_ADMIN, ROUNDS, engine_tps, prepare  # noqa: E402

from caseflow.adapters.audit_keys import load_keyring  # noqa: E402
from caseflow.services.tokens import create_token  # noqa: E402

PG_DB = f"caseflow_api_bench_{os.getpid()}"  # own name: runs in parallel never collide
CLIENTS = 8
WORKERS = 2
TRIGGERS = {"investigating": "submit_review", "reviewing": "return_for_more"}


def say(line: str) -> None:
    print(line, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(url: str, evidence: Path, log: Path) -> tuple[subprocess.Popen, int]:
    port = free_port()
    env = {**os.environ, "CASEFLOW_DATABASE_URL": url, "CASEFLOW_EVIDENCE_DIR": str(evidence),
           "CASEFLOW_BIND": f"127.0.0.1:{port}", "CASEFLOW_WEB_WORKERS": str(WORKERS),
           "CASEFLOW_ACCESS_LOG": "", "CASEFLOW_LOG_LEVEL": "warning",
           "CASEFLOW_SECRET_KEY": os.environ["CASEFLOW_SECRET_KEY"],
           "CASEFLOW_SCHEDULER_IN_WEB": ""}
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c",
                             str(ROOT / "deploy" / "gunicorn.conf.py"), "web.wsgi:app"],
                            env=env, cwd=ROOT, stdout=log.open("w"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn exited: {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2):
                return proc, port
        except OSError:
            time.sleep(0.2)
    proc.terminate()
    raise SystemExit("gunicorn did not answer /health within 60 s")


class Client(threading.Thread):
    """One caller: its own connection, its own cases, each fire against the last ETag."""

    def __init__(self, port: int, token: str, cases: dict[int, list], n: int,
                 start: threading.Barrier) -> None:
        super().__init__(daemon=True)
        self.port, self.token, self.cases, self.n, self.start_line = port, token, cases, n, start
        self.latencies: list[float] = []
        self.error: str | None = None

    def run(self) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        ids = list(self.cases)
        self.start_line.wait()
        try:
            for i in range(self.n):
                case_id = ids[i % len(ids)]
                state = self.cases[case_id]
                body = json.dumps({"payload": {"note": f"第{i}次流转"}}, ensure_ascii=False)
                t0 = time.perf_counter()
                conn.request("POST", f"/api/v1/cases/{case_id}/fire/{TRIGGERS[state[1]]}",
                             body=body.encode(),
                             headers={"Authorization": f"Bearer {self.token}",
                                      "Content-Type": "application/json",
                                      "If-Match": f'"{state[0]}"'})
                resp = conn.getresponse()
                answer = resp.read()
                self.latencies.append(time.perf_counter() - t0)
                if resp.status != 200:
                    self.error = f"{resp.status} {answer[:300]!r}"
                    return
                view = json.loads(answer)
                state[0], state[1] = view["version"], view["status"]
        finally:
            conn.close()


def http_round(port: int, token: str, states: dict[int, list], per_client: int
               ) -> tuple[float, list[float]]:
    ids = sorted(states)
    barrier = threading.Barrier(CLIENTS + 1)
    clients = [Client(port, token, {c: states[c] for c in ids[i::CLIENTS]}, per_client,
                      barrier) for i in range(CLIENTS)]
    for c in clients:
        c.start()
    barrier.wait()
    t0 = time.perf_counter()
    for c in clients:
        c.join()
    wall = time.perf_counter() - t0
    errors = [c.error for c in clients if c.error]
    if errors:
        raise SystemExit(f"a fire was refused: {errors[0]}")
    latencies = [x for c in clients for x in c.latencies]
    return len(latencies) / wall, latencies


def p99(latencies: list[float]) -> float:
    ordered = sorted(latencies)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000


def measure(db: str, url: str, tmp: Path, n_engine: int, n_http: int, cases: int,
            profile: bool) -> str:
    app, ids = prepare(url, tmp / "evidence", cases)
    # engine_tps fires each case in turn and flips the trigger each pass over them: whole
    # pairs of passes leave every case where it started
    n_engine = max(1, round(n_engine / (2 * len(ids)))) * 2 * len(ids)
    engine_tps(app, ids, 2 * len(ids))  # warm up
    e = max(engine_tps(app, ids, n_engine) for _ in range(ROUNDS))
    say(f"{db}: engine {e:.0f} transitions/s in-process ({n_engine} fires, best of {ROUNDS})")
    _record, token = _token(app)
    states = _states(app, ids)
    if profile:
        _profile(app, token, states)
        states = _states(app, ids)
    app.engine.dispose()
    proc, port = start_gunicorn(url, tmp / "evidence", tmp / f"gunicorn-{db}.log")
    try:
        per_client = max(1, n_http // CLIENTS)
        http_round(port, token, states, max(5, per_client // 10))  # warm up both workers
        best_tps, best_lat = 0.0, []
        for _ in range(ROUNDS):
            tps, lat = http_round(port, token, states, per_client)
            if tps > best_tps:
                best_tps, best_lat = tps, lat
        say(f"{db}: http {best_tps:.0f} fires/s with {CLIENTS} clients on {WORKERS} gunicorn "
            f"workers ({per_client * CLIENTS} fires, best of {ROUNDS}); "
            f"p50 {sorted(best_lat)[len(best_lat) // 2] * 1000:.1f} ms")
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return (f"api {db} http_tps={best_tps:.0f} engine_tps={e:.0f} ratio={best_tps / e:.2f} "
            f"p99_ms={p99(best_lat):.0f}")


def _token(app) -> tuple[object, str]:  # type: ignore[no-untyped-def]
    """An admin issues the officer's token (the bench's own admin, made here)."""
    from caseflow.services.directory import create_user

    create_user(app.uow(), "bench.admin", "基准管理员", "nb-amr", ["admin"])
    return create_token(app.uow(), for_user="li.ming", name="基准测试", actor="bench.admin",
                        days=1, reason="API 基准测试")


def _states(app, ids: list[int]) -> dict[int, list]:  # type: ignore[no-untyped-def]
    with app.engine.connect() as conn:
        rows = conn.execute(text("SELECT id, version, status FROM cases WHERE id IN "
                                 f"({', '.join(str(i) for i in ids)})")).all()
    return {r.id: [r.version, r.status] for r in rows}


def _profile(app, token: str, states: dict[int, list]) -> None:  # type: ignore[no-untyped-def]
    """Where one worker's time goes: the app in this process, fires through the test client."""
    import cProfile
    import io
    import pstats

    from web import create_app

    web = create_app(app.settings)
    web.extensions["caseflow"].engine.dispose()
    web.extensions["caseflow"] = app
    client = web.test_client()
    headers = {"Authorization": f"Bearer {token}"}

    def fire_all(rounds: int) -> None:
        for _ in range(rounds):
            for case_id, state in states.items():
                resp = client.post(f"/api/v1/cases/{case_id}/fire/{TRIGGERS[state[1]]}",
                                   json={"payload": {"note": "剖析"}},
                                   headers={**headers, "If-Match": f'"{state[0]}"'})
                view = resp.get_json()
                state[0], state[1] = view["version"], view["status"]

    fire_all(1)
    profiler = cProfile.Profile()
    profiler.enable()
    fire_all(4)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(45)
    say(out.getvalue())


def run_sqlite(args: argparse.Namespace) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        return measure("sqlite", url, Path(tmp), args.n_engine, args.n_http, args.cases,
                       args.profile)


def run_postgres(args: argparse.Namespace) -> str:
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{PG_DB}"'))
    url = PG_ADMIN.rsplit("/", 1)[0] + "/" + PG_DB
    try:
        with tempfile.TemporaryDirectory() as tmp:
            return measure("postgresql", url, Path(tmp), args.n_engine, args.n_http,
                           args.cases, args.profile)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short run (tests use it)")
    parser.add_argument("--transitions", type=int, default=2000,
                        help="fires per measured round, over HTTP and in-process")
    parser.add_argument("--cases", type=int, default=48)
    parser.add_argument("--profile", action="store_true",
                        help="print where the app's time goes for a fire")
    parser.add_argument("--db", choices=("both", "sqlite", "postgresql"), default="both",
                        help="one database only (for exploring; the report wants both)")
    args = parser.parse_args()
    args.n_engine = 100 if args.quick else args.transitions
    args.n_http = 160 if args.quick else args.transitions
    args.cases = 16 if args.quick else args.cases
    with tempfile.TemporaryDirectory() as keys:
        # one audit keyring for this process and the gunicorn workers, outside the database
        if "CASEFLOW_AUDIT_KEYS" not in os.environ:
            path = Path(keys) / "audit-keys.json"
            load_keyring(path, create=True)
            os.environ["CASEFLOW_AUDIT_KEYS"] = str(path)
        os.environ.setdefault("CASEFLOW_CHECKPOINT_DIR", str(Path(keys) / "checkpoints"))
        # the web app does not start without a secret key outside demo mode
        os.environ.setdefault("CASEFLOW_SECRET_KEY", "bench-only-" + os.urandom(16).hex())
        lines = [run(args) for db, run in (("sqlite", run_sqlite), ("postgresql", run_postgres))
                 if args.db in ("both", db)]
    print("\n".join(lines))


if __name__ == "__main__":
    main()
