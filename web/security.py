"""What keeps the web app safe whatever the page: the secret key, the session cookie's flags,
CSRF (Flask-WTF) and the security headers on every response.

- **Secret key** (``CASEFLOW_SECRET_KEY``): signs the session cookie and the CSRF tokens.
  Outside demo mode the app refuses to start without one (a message naming the variable);
  demo mode makes one on first start and keeps it in ``var/secret-key``
  (``CASEFLOW_SECRET_KEY_FILE``), so demo sessions survive a restart.
- **Cookie**: ``HttpOnly``, ``SameSite=Lax``, and ``Secure`` unless ``CASEFLOW_COOKIE_SECURE=0``
  (off by default in demo mode only, which is served on http://127.0.0.1). A deployment is
  served over https — usually TLS ends at a reverse proxy, which passes the flag on; a
  browser drops a Secure cookie over plain http, so signing in over http needs the 0.
- **CSRF** on every unsafe request a session cookie authenticates, pages and API alike:
  pages here (``protect_pages``), the API after it has authenticated the caller (a bearer
  token's request carries no cookie authority and needs none). Tokens are read from the
  form's ``csrf_token`` or the ``X-CSRFToken`` header, and are good for the session's life.
- **Behind reverse proxies** set ``CASEFLOW_PROXY_HOPS`` to their number: the address
  lock-out counts and the sign-in records are then the client's, not the proxy's.
- **Headers** on every response, HTML, JSON and errors alike: a Content-Security-Policy with
  no inline script, nosniff, frame denial and a strict referrer policy.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask, Response, request
from flask_wtf.csrf import CSRFProtect

from caseflow.config import Settings
from caseflow.domain.errors import CaseflowError

CSP = ("default-src 'self'; script-src 'self'; object-src 'none'; frame-ancestors 'none'; "
       "base-uri 'self'; form-action 'self'")
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
SECRET_KEY_MIN = 16
COOKIE_NAME = "caseflow_session"

csrf = CSRFProtect()


class ConfigurationError(CaseflowError):
    """The app cannot start as configured (the message names the setting)."""

    http_status = 500


def secret_key(settings: Settings) -> str:
    """The key that signs sessions: CASEFLOW_SECRET_KEY, or in demo mode the demo's own."""
    if settings.secret_key:
        if len(settings.secret_key) < SECRET_KEY_MIN:
            raise ConfigurationError(
                f"CASEFLOW_SECRET_KEY is too short ({len(settings.secret_key)} characters): "
                f"use at least {SECRET_KEY_MIN} random characters, e.g. the output of "
                "python -c 'import secrets; print(secrets.token_urlsafe(32))'")
        return settings.secret_key
    if settings.demo:
        return demo_secret_key(settings.secret_key_file)
    raise ConfigurationError(
        "CASEFLOW_SECRET_KEY is not set: the web app signs its session cookies with it and "
        "does not start without one outside demo mode. Set it to a long random string, "
        "e.g. the output of python -c 'import secrets; print(secrets.token_urlsafe(32))' "
        "(`caseflow demo --serve` makes its own)")


def demo_secret_key(path: Path) -> str:
    """The demo's key from ``path``, made (owner-only) on first use."""
    try:
        key = path.read_text(encoding="utf-8").strip()
        if len(key) >= SECRET_KEY_MIN:
            return key
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(32)
    fresh = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(fresh, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(key + "\n")
    os.replace(fresh, path)
    return key


def init_security(app: Flask, settings: Settings) -> None:
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = secret_key(settings)
    app.config.update(
        SESSION_COOKIE_NAME=COOKIE_NAME,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.secure_cookies,
        SESSION_REFRESH_EACH_REQUEST=False,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=settings.secure_cookies,
        # checked where the caller is known (below, and in the API), not by Flask-WTF's hook
        WTF_CSRF_CHECK_DEFAULT=False,
        WTF_CSRF_TIME_LIMIT=None,  # a token lives as long as the session it belongs to
    )
    app.jinja_env.autoescape = True
    if settings.proxy_hops:  # the client's address and scheme, as the proxies saw them
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = settings.proxy_hops
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops,  # type: ignore[method-assign]
                                x_host=hops)
    csrf.init_app(app)
    app.before_request(protect_pages)
    app.after_request(security_headers)


def protect_pages() -> None:
    """CSRF on every unsafe request outside the API (the API checks its own, knowing by
    then whether a token or a session cookie authenticated the request); a request no page
    answers gets its 404 or 405 as usual."""
    if (request.method in SAFE_METHODS or request.path.startswith("/api/")
            or request.endpoint is None):
        return
    csrf.protect()


def security_headers(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if request.path.startswith(("/signin", "/account", "/api/v1/session")):
        response.headers["Cache-Control"] = "no-store"
    return response
