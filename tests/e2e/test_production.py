"""Production as the README runs it: two gunicorn processes (two workers each, on their own
ports, ``gunicorn -c deploy/gunicorn.conf.py web.wsgi:app``) and two ``caseflow scheduler``
processes against one fresh PostgreSQL database work together — an overdue clock raises each
of its alerts once, a handoff sent through both servers with one Idempotency-Key exists once,
and concurrent fires through both servers lose no write.

PostgreSQL only: several writing processes are what it is for (SQLite has one writer, no
SKIP LOCKED and no advisory locks; the sweep's claims are tested there in-process).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from caseflow import services
from caseflow.adapters.orm import Alert, Case, Event, Handoff, Notification
from caseflow.adapters.registry import sync_definitions
from caseflow.config import PROJECT_ROOT
from caseflow.domain.definitions import load_directory
from tests.e2e.http import call, issue
from tests.e2e.test_api_handoffs import REASON, approved_case
from tests.integration.test_clocks import open_timed

CONFIG = PROJECT_ROOT / "deploy" / "gunicorn.conf.py"
OVERDUE_CASES = 6
CLIENTS, ATTEMPTS = 8, 12


@pytest.fixture
def pg_only(is_postgres: bool) -> None:
    if not is_postgres:
        pytest.skip("several processes writing one database: PostgreSQL only (SQLite has one "
                    "writer, no SKIP LOCKED, no advisory locks)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def environment(app, tmp_path: Path, **extra: str) -> dict[str, str]:
    return {**os.environ, "CASEFLOW_DATABASE_URL": app.settings.database_url,
            "CASEFLOW_EVIDENCE_DIR": str(app.settings.evidence_dir),
            "CASEFLOW_SECRET_KEY": "production-test-" + "k" * 40,
            "CASEFLOW_SCHEDULER_IN_WEB": "", **extra}


def wait_healthy(base: str, proc: subprocess.Popen, log: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"gunicorn exited with {proc.returncode}: "
                                 f"{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{base}/health", timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"{base} did not become healthy in {seconds}s")


def stop(procs: list[subprocess.Popen]) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
    for proc in procs:
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@pytest.fixture
def servers(pg_only, app, people, tmp_path: Path) -> Iterator[list[str]]:
    """Two gunicorn processes of two workers each, as deploy/gunicorn.conf.py runs them."""
    procs, bases = [], []
    try:
        for i in range(2):
            port = free_port()
            env = environment(app, tmp_path, CASEFLOW_BIND=f"127.0.0.1:{port}",
                              CASEFLOW_WEB_WORKERS="2", CASEFLOW_ACCESS_LOG="")
            log = open(tmp_path / f"gunicorn-{i}.log", "w")  # noqa: SIM115 - closed by exit
            procs.append(subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", str(CONFIG), "web.wsgi:app"],
                env=env, cwd=PROJECT_ROOT, stdout=log, stderr=subprocess.STDOUT))
            bases.append(f"http://127.0.0.1:{port}")
        for i, (base, proc) in enumerate(zip(bases, procs, strict=True)):
            wait_healthy(base, proc, tmp_path / f"gunicorn-{i}.log")
        yield bases
    finally:
        stop(procs)


def schedulers(app, tmp_path: Path, n: int = 2) -> list[subprocess.Popen]:
    cmd = [sys.executable, "-m", "caseflow.entrypoints.cli", "scheduler", "--interval", "2"]
    return [subprocess.Popen(cmd, env=environment(app, tmp_path), cwd=tmp_path,
                             stdout=open(tmp_path / f"scheduler-{i}.log", "w"),  # noqa: SIM115
                             stderr=subprocess.STDOUT) for i in range(n)]


def count(app, model, *where) -> int:
    with app.session_factory() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


def test_two_schedulers_raise_each_overdue_alert_once(servers, app, at, tmp_path):
    cases = [open_timed(at) for _ in range(OVERDUE_CASES)]  # its filing clock is long overdue
    expected = OVERDUE_CASES * 4  # warning, overdue, two escalations per filing clock
    procs = schedulers(app, tmp_path)
    on_clocks = Alert.clock_id.is_not(None)  # a scheduler may also note a missing calendar
    try:
        deadline = time.monotonic() + 90
        while count(app, Alert, on_clocks) < expected and time.monotonic() < deadline:
            time.sleep(0.5)
        time.sleep(6)  # three more ticks of each scheduler: nothing is raised again
    finally:
        stop(procs)
    assert count(app, Alert, on_clocks) == expected
    with app.session_factory() as s:
        assert s.scalar(select(func.count(func.distinct(Alert.key))).where(on_clocks)) == \
            expected
        assert s.scalar(select(func.count()).select_from(Alert)
                        .where(Alert.kind == "calendar_missing")) <= 1
    assert count(app, Event, Event.kind == "clock_expired") == OVERDUE_CASES
    # li.officer: warning + overdue; chen.sup and wang.director: one escalation each
    clock_alerts = select(Alert.id).where(on_clocks)
    assert count(app, Notification, Notification.alert_id.in_(clock_alerts)) == \
        OVERDUE_CASES * 4
    token = issue(app.uow, "li.officer")
    for base in servers:  # both servers show the officer the same inbox, each alert once
        status, _h, inbox = call(base, "GET", "/api/v1/alerts?per_page=200", token)
        assert status == 200, inbox
        mine = [item for item in inbox if item["case"] in {c.number for c in cases}]
        assert len(mine) == OVERDUE_CASES * 2
        assert len({item["id"] for item in mine}) == len(mine)


def test_one_handoff_for_one_key_sent_through_both_servers(servers, app, uow):
    token = issue(uow, "li.officer")
    case = approved_case(uow, title="慈溪市恒润汽配有限公司涉嫌假冒注册商标罪")
    with app.session_factory() as s:
        version = s.get(Case, case.id).version
    headers = {"If-Match": f'"{version}"', "Idempotency-Key": "nb-amr/transfer/2026-117"}
    body = {"kind": "criminal_transfer", "to_agency": "nb-psb", "reason": REASON,
            "documents": ["涉嫌犯罪案件移送书"]}
    answers: list[tuple[int, dict, object]] = []
    barrier = threading.Barrier(4)

    def send(base: str) -> None:
        barrier.wait()
        answers.append(call(base, "POST", f"/api/v1/cases/{case.id}/handoffs", token, body,
                            headers))

    threads = [threading.Thread(target=send, args=(servers[i % 2],)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    statuses = sorted(a[0] for a in answers)
    assert statuses == [200, 200, 200, 201], answers
    assert len({a[2]["id"] for a in answers}) == 1  # type: ignore[index]
    assert count(app, Handoff, Handoff.case_id == case.id) == 1
    assert count(app, Event, Event.case_id == case.id, Event.kind == "handoff_sent") == 1


def test_concurrent_fires_through_both_servers_lose_no_write(servers, app, uow):
    with app.session_factory() as s, s.begin():
        sync_definitions(s, load_directory(PROJECT_ROOT / "bench" / "data"))
    case = services.open_case(uow(), actor="li.officer", case_type="bench_loop",
                              title="宁波市海曙区华美服饰商行涉嫌销售假冒注册商标服装")
    token = issue(uow, "li.officer")
    path = f"/api/v1/cases/{case.id}"
    outcomes: list[tuple[int, int | None]] = []
    lock = threading.Lock()
    barrier = threading.Barrier(CLIENTS)

    def client(i: int) -> None:
        barrier.wait()
        for n in range(ATTEMPTS):
            base = servers[(i + n) % 2]
            status, headers, body = call(base, "GET", path, token)
            assert status == 200, body
            trigger = "submit_review" if body["status"] == "investigating" else \
                "return_for_more"
            status, _h, answer = call(base, "POST", f"{path}/fire/{trigger}", token,
                                      {"payload": {"note": f"第{i}-{n}次流转"}},
                                      {"If-Match": headers["ETag"]})
            with lock:
                outcomes.append((status, answer["version"] if status == 200 else None))

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert len(outcomes) == CLIENTS * ATTEMPTS
    assert {s for s, _v in outcomes} <= {200, 409, 412}, outcomes
    won = sorted(v for s, v in outcomes if s == 200)
    assert won, outcomes
    assert len(won) < len(outcomes)  # the clients did race: some wrote against a stale read
    # every write that was answered 200 is in the trail, once, at its own version
    assert won == list(range(case.version + 1, case.version + 1 + len(won)))
    with app.session_factory() as s:
        assert s.get(Case, case.id).version == case.version + len(won)
        fired = s.scalars(select(Event).where(Event.case_id == case.id,
                                              Event.kind == "transition")).all()
    assert len(fired) == len(won)
    assert all(e.channel.startswith("api:t") for e in fired)
