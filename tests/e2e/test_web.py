"""The web app factory starts and answers over real HTTP."""

from __future__ import annotations

import json
import threading
import urllib.request
from dataclasses import replace

import pytest
from werkzeug.serving import make_server

from web import create_app


@pytest.fixture
def server(settings):
    app = create_app(settings=settings)
    srv = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.server_port}"
    srv.shutdown()


def get(url):
    with urllib.request.urlopen(url, timeout=10) as resp:
        return resp.status, json.loads(resp.read())


def test_health_and_version(server, settings):
    status, body = get(server + "/health")
    assert status == 200 and body["status"] == "ok"
    assert body["database"] == ("postgresql" if "postgresql" in settings.database_url else "sqlite")
    status, body = get(server + "/version")
    assert status == 200 and body == {"name": "caseflow", "version": "0.1.0"}


def test_app_refuses_to_start_on_an_unreachable_database(settings):
    from caseflow.domain.errors import DatabaseUnavailable

    with pytest.raises(DatabaseUnavailable, match="cannot connect"):
        create_app(settings=replace(settings, database_url="postgresql://x@127.0.0.1:1/none"))
