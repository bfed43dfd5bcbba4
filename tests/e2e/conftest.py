"""The live API server: the app on a free port over real HTTP, sharing the test's engine
(one database, one keyring) so the test can look behind it."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from werkzeug.serving import make_server

from web import create_app


@pytest.fixture
def server(app, people) -> Iterator[str]:
    web = create_app(app.settings, {"TESTING": True})
    web.extensions["caseflow"].engine.dispose()
    web.extensions["caseflow"] = app
    httpd = make_server("127.0.0.1", 0, web, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    thread.join(timeout=10)
