"""`caseflow demo` ends by printing the address, one demo sign-in per agency and role (the
shared password `demo`, demo mode only) and a fresh API token with a curl example: run as a
process on a new SQLite database, and what it prints works."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import text

from caseflow.adapters.registry import REGISTRY
from caseflow.bootstrap import bootstrap
from caseflow.config import PROJECT_ROOT, Settings
from caseflow.domain.errors import Unauthenticated
from caseflow.entrypoints.demo import SYSTEM_ACCOUNT
from caseflow.services import signin
from caseflow.views.directory import staff_members
from tests.e2e.http import call

ROW = re.compile(r"^  (?P<username>[a-z][a-z0-9._-]*)\s+(?P<name>\S+)\s+(?P<agency>nb-[a-z-]+)"
                 r"\s+(?P<roles>[a-z]+(?:, [a-z]+)*)$")
TOKEN = re.compile(r"^  (cf_[A-Za-z0-9_-]{40,})$")
CURL = re.compile(r'^  curl -H "Authorization: Bearer (cf_[A-Za-z0-9_-]+)" '
                  r"http://127\.0\.0\.1:(\d+)(/api/v1/\S*)$")


def run_demo(tmp_path: Path, url: str, *args: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT),
           "CASEFLOW_EVIDENCE_DIR": str(tmp_path / "evidence")}
    env.pop("CASEFLOW_DEMO", None)
    proc = subprocess.run(
        [sys.executable, "-m", "caseflow.entrypoints.cli", "--database-url", url, "demo",
         "--cases", "1", *args], capture_output=True, text=True, cwd=tmp_path, env=env,
        timeout=600)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def parse(out: str) -> dict:
    tail = out[out.index("demo ready"):].splitlines()
    people = [m.groupdict() for m in map(ROW.match, tail) if m]
    tokens = [m.group(1) for m in map(TOKEN.match, tail) if m]
    curls = [m.groups() for m in map(CURL.match, tail) if m]
    assert len(tokens) == 1 and len(curls) == 1, tail
    assert curls[0][0] == tokens[0]
    return {"people": people, "token": tokens[0], "port": curls[0][1], "path": curls[0][2]}


@pytest.fixture
def demo_db(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    out = run_demo(tmp_path, url, "--port", "5077")
    REGISTRY.clear()
    settings = replace(Settings.from_env(), database_url=url,
                       evidence_dir=tmp_path / "evidence", secret_key="demo-signin-test",
                       demo=True)
    app = bootstrap(settings)
    app.load_workflows()
    yield out, app, settings, url
    app.engine.dispose()


def test_the_demo_prints_working_sign_ins_and_a_working_token(demo_db, tmp_path):
    out, app, settings, url = demo_db
    assert "http://127.0.0.1:5077/" in out
    assert "CASEFLOW_DEMO=1 caseflow serve --port 5077" in out  # not serving: how to start
    assert "password: demo" in out and "demo mode only" in out and "仅演示模式" in out
    sheet = parse(out)
    assert sheet["port"] == "5077"

    # one sign-in for every role of every agency, each an active user as printed
    staff = {m.username: m for m in staff_members(app.uow("test"))}
    wanted = {(m.agency, r) for m in staff.values() if m.active
              and m.username != SYSTEM_ACCOUNT[0] for r in m.roles}
    printed = set()
    for row in sheet["people"]:
        member = staff[row["username"]]
        assert member.active and member.name == row["name"] and member.agency == row["agency"]
        assert set(row["roles"].split(", ")) == member.roles
        printed |= {(row["agency"], r) for r in member.roles}
    assert printed == wanted
    assert len(sheet["people"]) == len({p["username"] for p in sheet["people"]})
    assert {"admin", "li.ming", "zhou.qiang", "jiang.min"} <= {p["username"]
                                                                for p in sheet["people"]}

    # each signs in with the shared password in demo mode, and only in demo mode
    for row in sheet["people"]:
        signed = signin.sign_in(app.uow("test"), row["username"], "demo",
                                address="127.0.0.1", demo_mode=True)
        assert signed.user.username == row["username"]
    with pytest.raises(Unauthenticated):
        signin.sign_in(app.uow("test"), "li.ming", "demo", address="127.0.0.1",
                       demo_mode=False)
    with pytest.raises(Unauthenticated):  # the system account has no password
        signin.sign_in(app.uow("test"), SYSTEM_ACCOUNT[0], "demo", address="127.0.0.1",
                       demo_mode=True)

    # the token answers on the API: the curl example's path and the agencies — in demo
    # mode only, like the shared password
    from web import create_app

    auth = {"Authorization": f"Bearer {sheet['token']}"}
    served = create_app(replace(settings, demo=False, secret_key="not-the-demo-" * 3),
                        {"TESTING": True})
    assert served.test_client().get(sheet["path"], headers=auth).status_code == 401
    served.extensions["caseflow"].engine.dispose()
    web = create_app(settings, {"TESTING": True})
    client = web.test_client()
    answer = client.get(sheet["path"], headers=auth)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    agencies = client.get("/api/v1/agencies", headers=auth)
    assert agencies.status_code == 200 and len(agencies.get_json()) == 8
    assert client.get(sheet["path"]).status_code == 401
    with app.engine.connect() as conn:
        stored = [tuple(r) for r in conn.execute(text(
            "SELECT t.secret_sha256, u.username FROM api_tokens t JOIN users u "
            "ON u.id = t.user_id"))]
    assert len(stored) == 1 and stored[0][1] == SYSTEM_ACCOUNT[0]
    assert sheet["token"] not in stored[0][0]  # only its hash is kept
    web.extensions["caseflow"].engine.dispose()


def test_demo_serve_again_prints_a_new_token_and_its_sign_ins_work_over_http(demo_db,
                                                                            tmp_path):
    """README's first command, a second time on the same database: the same sign-ins, a new
    token; the server it starts is in demo mode, so the shared password signs in."""
    out, app, _settings, url = demo_db
    first = parse(out)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT),
           "CASEFLOW_EVIDENCE_DIR": str(tmp_path / "evidence")}
    env.pop("CASEFLOW_DEMO", None)
    env.pop("CASEFLOW_SECRET_KEY", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "caseflow.entrypoints.cli", "--database-url", url, "demo",
         "--cases", "1", "--serve", "--port", str(port)], stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, cwd=tmp_path, env=env)
    try:
        lines: list[str] = []
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            assert line or proc.poll() is None, "".join(lines)
            lines.append(line)
            if "caseflow web on" in line:
                break
        again = parse("".join(lines))
        assert again["people"] == first["people"] and again["port"] == str(port)
        assert again["token"] != first["token"]
        assert "start it" not in "".join(lines)  # it is serving
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                status, _h, _b = call(base, "GET", "/health")
                break
            except OSError:
                time.sleep(0.1)
        status, _h, body = call(base, "GET", again["path"], again["token"])
        assert status == 200, body
        assert call(base, "GET", again["path"], first["token"])[0] == 200  # still valid
        status, _h, body = call(base, "POST", "/api/v1/session", None,
                                {"username": "li.ming", "password": "demo"})
        assert status in (200, 201) and body["username"] == "li.ming", body
        status, _h, body = call(base, "POST", "/api/v1/session", None,
                                {"username": SYSTEM_ACCOUNT[0], "password": "demo"})
        assert status == 401, body
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        proc.stdout.close()
    with app.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM users WHERE username = :u"),
                            {"u": SYSTEM_ACCOUNT[0]}).scalar_one() == 1
