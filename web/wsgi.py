"""The WSGI entry point for production: ``gunicorn -c deploy/gunicorn.conf.py web.wsgi:app``.

Settings come from the environment (``CASEFLOW_DATABASE_URL``, ``CASEFLOW_SECRET_KEY``, …);
each gunicorn worker imports this module after the fork, so each builds its own engine and
connection pool.
"""

from __future__ import annotations

from web import create_app

app = create_app()
