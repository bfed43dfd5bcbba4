"""gunicorn settings for caseflow in production (README, "Running in production").

    CASEFLOW_DATABASE_URL=postgresql://caseflow@db.internal/caseflow \
    CASEFLOW_SECRET_KEY=... gunicorn -c deploy/gunicorn.conf.py web.wsgi:app

Each value can be changed from the environment without editing this file:
CASEFLOW_BIND (default 127.0.0.1:8000), CASEFLOW_WEB_WORKERS (default 2),
CASEFLOW_WEB_THREADS (default 4), CASEFLOW_WEB_TIMEOUT (seconds, default 30).

Run the deadline sweep beside it as its own process (``caseflow scheduler``, one or more per
deployment: the sweep is safe when several run at once), not in every worker.
"""

import os

bind = os.environ.get("CASEFLOW_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("CASEFLOW_WEB_WORKERS", "2"))
# threads per worker: a request waiting on the database leaves the others served; keep-alive
# connections work with gthread (the sync worker closes every connection)
worker_class = "gthread"
threads = int(os.environ.get("CASEFLOW_WEB_THREADS", "4"))
timeout = int(os.environ.get("CASEFLOW_WEB_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
# each worker builds its own engine after the fork: a pool shared across a fork corrupts
# connections, so the app is not preloaded in the master
preload_app = False
# a worker is replaced after this many requests (with jitter, so not all at once)
max_requests = 10000
max_requests_jitter = 1000
# bodies: the API refuses what it does not accept itself (413); these bound the headers
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190
# the app's files are not changed behind a running server; no reload
reload = False
# the access log on stdout; CASEFLOW_ACCESS_LOG names a file instead, or is empty for none
accesslog = os.environ.get("CASEFLOW_ACCESS_LOG", "-") or None
errorlog = "-"
loglevel = os.environ.get("CASEFLOW_LOG_LEVEL", "info")
proc_name = "caseflow-web"
# behind a reverse proxy that terminates https: trust its X-Forwarded-* from these addresses
forwarded_allow_ips = os.environ.get("CASEFLOW_FORWARDED_ALLOW_IPS", "127.0.0.1")
