"""Flask app factory: health, version, sign-in (``web.signin``), the REST API (``/api/v1``),
the pages (``web.pages``) and the security every response gets (``web.security``)."""

from __future__ import annotations

import atexit
import os
from typing import Any

from flask import Flask, jsonify
from sqlalchemy import text

from caseflow import __version__
from caseflow.bootstrap import bootstrap
from caseflow.config import Settings


def create_app(settings: Settings | None = None, test_config: dict[str, Any] | None = None) -> Flask:
    """The web app. Outside demo mode it refuses to start without CASEFLOW_SECRET_KEY
    (``web.security.ConfigurationError`` naming the variable)."""
    from web.security import init_security
    from web.signin import init_signin

    settings = settings or Settings.from_env()
    app = Flask(__name__)
    app.config.update(test_config or {})
    init_security(app, settings)  # first: no engine is made for an app that cannot start
    engine_app = bootstrap(settings)
    app.extensions["caseflow"] = engine_app

    if os.environ.get("CASEFLOW_SCHEDULER_IN_WEB", "").lower() in ("1", "true", "yes"):
        # one process per deployment should set this (see LIBRARY-NOTES on APScheduler);
        # the sweep itself is safe even if two do
        from caseflow.entrypoints.scheduler import build_scheduler

        scheduler = build_scheduler(engine_app, background=True)
        scheduler.start()
        app.extensions["caseflow.scheduler"] = scheduler
        atexit.register(lambda: scheduler.shutdown(wait=False))

    from web.api import init_api
    from web.pages import init_pages

    init_signin(app, settings)  # before the API: its authentication resumes sessions
    init_api(app)
    init_pages(app)  # "/" and the role areas (web.pages)

    @app.get("/health")
    def health():  # type: ignore[no-untyped-def]
        try:
            with engine_app.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception as exc:  # noqa: BLE001 - health reports any failure
            return jsonify(status="unavailable", database=str(exc).splitlines()[0]), 503
        return jsonify(status="ok", database=engine_app.engine.dialect.name)

    @app.get("/version")
    def version():  # type: ignore[no-untyped-def]
        return jsonify(name="caseflow", version=__version__)

    return app
