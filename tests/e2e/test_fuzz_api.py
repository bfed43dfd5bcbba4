"""The API fuzzed by the schemathesis CLI over real HTTP, on both databases: every operation
the served document lists, authenticated, with positive and negative data, a fixed seed and a
bounded number of examples each. The run must end with 0 server errors, 0 responses that
break their declared schema or content type, no unauthenticated request let through and no
"missing auth" warning (``tests/e2e/schemathesis-cli.toml``); afterwards every chain and seal
the fuzzing touched still verifies (the ``app`` fixture checks that on teardown).

The database is the demo's (``caseflow demo --cases 1``), so ids and usernames the fuzzer
meets in responses are real ones — and it feeds what it saw back into writes. Left alone it
revokes the very token it runs with (it read its id from ``GET /tokens``) or deactivates its
user, and every later request is a 401 that says nothing of the API. So the operations that
can take the fuzzer's own identity away are fuzzed in a second run of their own, which has
read no ids or usernames; the fuzzer's token does not carry a small id (the coverage phase
tries 0, 1, 2…); and the stateful phase, which chains such writes on purpose, is left out.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from werkzeug.serving import WSGIRequestHandler, make_server

from caseflow.services.directory import register_user
from caseflow.services.tokens import create_token
from tests.e2e.http import call
from web import create_app

CONFIG = Path(__file__).with_name("schemathesis-cli.toml")
SEED = 2026
EXAMPLES = 10  # per operation and phase: both databases together stay under 4 minutes
FUZZ_TOKEN_ID = 70001
METHODS = {"get", "put", "post", "patch", "delete"}


class Quiet(WSGIRequestHandler):
    """Thousands of requests: no line per request (errors are still logged by the app)."""

    def log_request(self, *args: object, **kwargs: object) -> None:
        pass


@pytest.fixture
def demo_server(app, database_url: str, tmp_path: Path) -> Iterator[str]:
    """The demo's data in the test's database, served over HTTP on a free port."""
    env = {**os.environ, "CASEFLOW_DATABASE_URL": database_url,
           "CASEFLOW_EVIDENCE_DIR": str(app.settings.evidence_dir)}
    demo = subprocess.run([sys.executable, "-m", "caseflow.entrypoints.cli", "demo",
                           "--cases", "1"], env=env, capture_output=True, text=True,
                          timeout=300, cwd=tmp_path)
    assert demo.returncode == 0, demo.stderr
    web = create_app(app.settings)  # not TESTING: an unexpected error is a 500 problem, logged
    web.extensions["caseflow"].engine.dispose()
    web.extensions["caseflow"] = app
    httpd = make_server("127.0.0.1", 0, web, threaded=True, request_handler=Quiet)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    thread.join(timeout=10)


def fuzz_token(app) -> str:
    """A token for an account with every role (so no operation is refused to it for its role
    alone, which the fuzzer would take for broken authentication), at an id the fuzzer will
    not guess."""
    register_user(app.uow(), "svc.platform", "浙江知识产权在线对接账号", "nb-amr",
                  ["admin", "officer", "supervisor", "mediator"], actor="admin",
                  reason="省平台接口对接与 CI 模糊测试")
    record, secret = create_token(app.uow(), for_user="svc.platform", name="接口模糊测试",
                                  actor="admin", days=2, reason="CI 接口模糊测试")
    with app.engine.begin() as conn:
        conn.execute(text("UPDATE api_tokens SET id = :new WHERE id = :old"),
                     {"new": FUZZ_TOKEN_ID, "old": record.id})
    return secret


def operations(base: str) -> list[str]:
    with urllib.request.urlopen(f"{base}/api/v1/openapi.json", timeout=30) as resp:
        doc = json.load(resp)
    return sorted(f"{method.upper()} {path}" for path, item in doc["paths"].items()
                  for method in item if method in METHODS)


# the operations that can take away the identity the fuzzer runs with (see the docstring)
SELF_HARM = r"^/api/v1/(tokens/\{token_id\}/revoke|users/\{username\}(/deactivate)?)$"


def schemathesis(base: str, token: str, junit: Path, cwd: Path, *select: str
                 ) -> tuple[int, str]:
    cmd = [sys.executable, "-m", "schemathesis.cli", "--no-color", "--config-file",
           str(CONFIG), "run", f"{base}/api/v1/openapi.json", "--url", base,
           "-H", f"Authorization: Bearer {token}", "--seed", str(SEED),
           "-n", str(EXAMPLES), "--mode", "all", "--phases", "examples,coverage,fuzzing",
           "--workers", "2", "--request-timeout", "30", "--generation-database", "none",
           "--report", "junit", "--report-junit-path", str(junit), *select]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=400, cwd=cwd)
    return proc.returncode, proc.stdout + proc.stderr


def operations_passed(junit: Path, out: str) -> list[str]:
    """The operations a run tested, each with no failure and no error."""
    cases = ET.parse(junit).getroot().findall(".//testcase")
    bad = [c.get("name") for c in cases
           if c.find("failure") is not None or c.find("error") is not None]
    assert bad == [], out[-20000:]
    return [c.get("name", "") for c in cases]


def test_schemathesis_finds_nothing(demo_server, app, tmp_path: Path):
    token = fuzz_token(app)
    ops = operations(demo_server)
    assert len(ops) >= 3, ops
    seen: list[str] = []
    for name, select in (("main", ["--exclude-path-regex", SELF_HARM]),
                         ("self", ["--include-path-regex", SELF_HARM])):
        junit = tmp_path / f"schemathesis-{name}.xml"
        code, out = schemathesis(demo_server, token, junit, tmp_path, *select)
        assert code == 0, out[-20000:]
        assert "Authentication failed" not in out, out[-5000:]
        run = operations_passed(junit, out)
        assert f"Tested: {len(run)}" in out, out[-3000:]
        seen += run
    assert sorted(seen) == ops, f"schemathesis tested {sorted(seen)}, the document lists {ops}"

    # the fuzzer's identity survived its own requests: the runs meant what they said
    with app.engine.connect() as conn:
        revoked = conn.execute(text("SELECT revoked_at FROM api_tokens WHERE id = :i"),
                               {"i": FUZZ_TOKEN_ID}).scalar_one()
    assert revoked is None


# --- the document itself, and its reference page ------------------------------------------

def test_the_document_says_problem_json_and_401_for_every_operation(server):
    status, _h, doc = call(server, "GET", "/api/v1/openapi.json")
    assert status == 200
    problem = doc["components"]["schemas"]["Problem"]["properties"]
    assert set(problem) == {"type", "title", "status", "detail", "errors"}
    for name in ("DEFAULT_ERROR", "UNAUTHORIZED"):
        content = doc["components"]["responses"][name]["content"]
        assert list(content) == ["application/problem+json"], name
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            if method not in METHODS:
                continue
            where = f"{method.upper()} {path}"
            assert operation["responses"]["401"] == \
                {"$ref": "#/components/responses/UNAUTHORIZED"}, where
            assert operation["responses"]["default"] == \
                {"$ref": "#/components/responses/DEFAULT_ERROR"}, where
            assert operation.get("summary"), f"{where} has no summary (docstring)"
            for code, answer in operation["responses"].items():
                if code != "default" and int(code) < 400:
                    continue
                if "$ref" in answer:
                    answer = doc["components"]["responses"][answer["$ref"].rsplit("/", 1)[1]]
                assert list(answer.get("content", {})) in ([], ["application/problem+json"]), \
                    f"{where} {code}: {answer}"
    # and the server does send what it says
    status, headers, body = call(server, "GET", "/api/v1/cases/1")
    assert status == 401 and headers["Content-Type"] == "application/problem+json"
    assert set(body) <= set(problem)


def test_the_reference_page_needs_no_token_and_runs_no_inline_script(server):
    status, headers, page = call(server, "GET", "/api/v1/docs")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    html = page.decode()
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    assert len(scripts) == 2 and all(body.strip() == "" for _attrs, body in scripts)
    assert "style=" not in html and "<style" not in html and "on" + "load=" not in html
    assert 'data-spec="/api/v1/openapi.json"' in html
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sorted(a.rsplit("/", 1)[-1] for a in assets) == \
        ["init.js", "swagger-ui-bundle.js", "swagger-ui.css"]
    for asset in assets:
        assert asset.startswith("/api/v1/docs/assets/"), asset  # served here: no CDN
        status, headers, content = call(server, "GET", asset)
        assert status == 200 and len(content) > 100, asset
    init = call(server, "GET", "/api/v1/docs/assets/init.js")[2].decode()
    assert "SwaggerUIBundle(" in init and "data-spec" in init and "://" not in init
    # the document needs no token either; everything else under the API does
    assert call(server, "GET", "/api/v1/openapi.json")[0] == 200
    assert call(server, "GET", "/api/v1/docs/assets/nothing-here.js")[0] == 404
    assert call(server, "GET", "/api/v1/docsx")[0] == 401
