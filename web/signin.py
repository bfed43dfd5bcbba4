"""Sign-in for people (Flask-Login on the service layer's sessions): ``GET/POST /signin``,
``POST /signout``, ``GET /account`` and ``GET/POST /account/password``; the minimal pages
are server-rendered with autoescaped templates and no script.

The cookie keeps only the session's random secret (Flask's signed session cookie); the
service layer keeps its SHA-256, when it began and was last seen. Each request resumes the
session through ``caseflow.services.signin.resume_session``: idle for 30 minutes, older than
12 hours, signed out, the password changed or the user deactivated — and it is gone (the API
answers 401, pages redirect to ``/signin?next=…``).
"""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    flash,
    g,
    redirect,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import LoginManager, UserMixin, current_user, login_required, login_user
from flask_login import logout_user as _logout_user
from flask_wtf.csrf import generate_csrf
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

from caseflow.config import Settings
from caseflow.domain.errors import TooManyAttempts, Unauthenticated, ValidationFailed
from caseflow.domain.passwords import MIN_LENGTH
from caseflow.services import signin as service
from caseflow.services.signin import SessionUser, SignedIn
from web.i18n import N_

bp = Blueprint("signin", __name__)
login_manager = LoginManager()


class WebUser(UserMixin):
    """A signed-in person for Flask-Login; its id is the session's secret (what the cookie
    keeps), so the loader resumes the session, not merely the user."""

    def __init__(self, user: SessionUser, secret: str) -> None:
        self.user = user
        self.secret = secret

    def get_id(self) -> str:
        return self.secret

    @property
    def username(self) -> str:
        return self.user.username


def init_signin(app: Flask, settings: Settings) -> None:
    app.config.setdefault("CASEFLOW_DEMO", settings.demo)
    app.config.setdefault("CASEFLOW_SESSION_IDLE", timedelta(minutes=settings.session_idle_minutes))
    app.config.setdefault("CASEFLOW_SESSION_MAX", timedelta(hours=settings.session_max_hours))
    # the browser forgets the cookie when the session could not last any longer anyway
    # (Flask's config always holds PERMANENT_SESSION_LIFETIME, 31 days: set it, not a default)
    app.config["PERMANENT_SESSION_LIFETIME"] = app.config["CASEFLOW_SESSION_MAX"]
    login_manager.init_app(app)
    login_manager.session_protection = "basic"
    app.register_blueprint(bp)


def _engine() -> Any:
    return current_app.extensions["caseflow"]


def _demo() -> bool:
    return bool(current_app.config.get("CASEFLOW_DEMO"))


@login_manager.user_loader
def _resume(secret: str) -> WebUser | None:
    try:
        user = service.resume_session(
            _engine().uow("web"), secret, demo_mode=_demo(),
            idle=current_app.config["CASEFLOW_SESSION_IDLE"],
            absolute=current_app.config["CASEFLOW_SESSION_MAX"])
    except Unauthenticated as exc:
        g.caseflow_session_ended = exc.message
        session.clear()  # the cookie is dropped: the next request does not ask again
        return None
    g.caseflow_locale = user.locale  # the pages' language (web.i18n)
    return WebUser(user, secret)


@login_manager.unauthorized_handler
def _unauthorized() -> Response:
    return redirect(url_for("signin.form", next=_return_to()))


def _return_to() -> str:
    """Where to come back after signing in: this page for a GET; for a form's POST (its
    address takes no GET: signing in would land on a 405) the page the form was on — the
    Referer when it is this site's — else the nearest page above the form's address."""
    if request.method in ("GET", "HEAD"):
        return _here()
    referer = urlsplit(request.referrer or "")
    if referer.netloc == request.host and referer.scheme in ("http", "https"):
        target = referer.path + (f"?{referer.query}" if referer.query else "")
        if _opens(referer.path):
            return target
    return _page_above(request.path)


def _opens(path: str) -> bool:
    """Whether ``path`` is an address this site answers a GET on (a page, not a form's
    POST-only address)."""
    adapter = current_app.url_map.bind("localhost")
    try:
        adapter.match(path, method="GET")
    except RequestRedirect:
        return True
    except HTTPException:
        return False
    return True


def _page_above(path: str) -> str:
    """The nearest address above ``path`` that opens as a page (``/cases/39/evidence`` →
    ``/cases/39``); the user's home when there is none."""
    parts = [p for p in path.split("/") if p]
    while parts:
        parts.pop()
        for candidate in ("/" + "/".join(parts) + "/", "/" + "/".join(parts)):
            if parts and _opens(candidate):
                return candidate
    return url_for("pages.home")


def session_ended() -> str | None:
    """Why this request's session cookie no longer signs anyone in (expired, signed out …),
    or None when it brought no session."""
    return g.get("caseflow_session_ended")


def session_user() -> WebUser | None:
    """The person this request's session cookie signs in, or None."""
    user = current_user
    return user if user and user.is_authenticated else None  # type: ignore[return-value]


def address() -> str:
    return request.remote_addr or "-"


def start_session(signed: SignedIn) -> str:
    """Sign ``signed`` in on this response's cookie (a fresh session: nothing of the one
    before sign-in carries over); returns the new CSRF token."""
    session.clear()
    login_user(WebUser(signed.user, signed.secret))
    session.permanent = True
    return generate_csrf()


def end_session() -> str | None:
    """Sign this request's session out (recorded); the username, or None."""
    user = session_user()
    username = service.sign_out(_engine().uow("web"), user.secret) if user else None
    _logout_user()
    session.clear()
    return username


def sign_in(username: str, password: str) -> SignedIn:
    return service.sign_in(_engine().uow("web"), username, password, address=address(),
                           demo_mode=_demo())


def _here() -> str:
    return request.full_path.rstrip("?") if request.query_string else request.path


def _safe_next(target: str | None) -> str:
    """Where to go after signing in: a path on this site only (no open redirect), one that
    opens as a page (a form's POST-only address would answer 405: the page above it);
    without one, the user's home by role (``pages.home``: 待办 for an officer)."""
    if not target or len(target) > 2000:
        return url_for("pages.home")
    parts = urlsplit(target)
    if (parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//")
            or "\\" in target or any(ord(c) < 32 for c in target)):
        return url_for("pages.home")
    if not _opens(parts.path):
        return _page_above(parts.path)
    return target


def _page(template: str, title: str, status: int = 200, message: str | None = None,
          headers: dict[str, str] | None = None, **context: Any) -> Response:
    from web.pages.common import render

    response = render(template, status, title=title, message=message, **context)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _signin_page(status: int = 200, message: str | None = None, username: str = "",
                 headers: dict[str, str] | None = None) -> Response:
    return _page("signin/signin.html", _("Sign in"), status, message, headers,
                 next=_safe_next(request.values.get("next")), username=username)


def _too_many(exc: TooManyAttempts) -> str:
    return _("Too many failed attempts: try again in %(minutes)s minutes.",
             minutes=max(1, math.ceil(exc.retry_after / 60)))


@bp.get("/signin")
def form() -> Response:
    """The sign-in form."""
    if session_user() is not None:
        return redirect(_safe_next(request.args.get("next")))
    ended = session_ended()
    message = (_("Your session has ended; please sign in again.") if ended
               else _("Please sign in first.") if request.args.get("next") else None)
    return _signin_page(message=message)


@bp.post("/signin")
def submit() -> Response:
    """Sign in with username and password (a form with its CSRF token)."""
    username = request.form.get("username", "")
    try:
        signed = sign_in(username, request.form.get("password", ""))
    except TooManyAttempts as exc:
        return _signin_page(429, _too_many(exc), username[:64],
                            headers={"Retry-After": str(exc.retry_after)})
    except Unauthenticated:
        return _signin_page(401, _("Wrong username or password."), username[:64])
    start_session(signed)
    return redirect(_safe_next(request.form.get("next")), code=303)


@bp.post("/signout")
def signout() -> Response:
    """Sign out (a form with its CSRF token)."""
    end_session()
    return redirect(url_for("signin.form"), code=303)


@bp.get("/account")
@login_required
def account() -> Response:
    """Who is signed in, with sign-out and change-password."""
    from web.formatting import titled
    from web.pages.common import role_title

    user = session_user().user  # type: ignore[union-attr]
    agency = titled({"name_zh": user.agency_name_zh, "name_en": user.agency_name_en}, "name")
    return _page("signin/account.html", _("My account"), user=user,
                 agency=agency or user.agency,
                 roles="、".join(role_title(r) for r in sorted(user.roles)))


@bp.get("/account/password")
@login_required
def password() -> Response:
    """The change-password form."""
    return _page("signin/password.html", _("Change password"), min_length=MIN_LENGTH)


@bp.post("/account/password")
@login_required
def change_password() -> Response:
    """Change one's own password: the current one, the new one twice."""
    user = session_user()
    assert user is not None
    new = request.form.get("new_password", "")
    try:
        if new != request.form.get("confirm", ""):
            raise ValidationFailed(N_("the two new passwords differ"), field="confirm")
        service.change_password(_engine().uow("web"), user.username,
                                request.form.get("old_password", ""), new,
                                keep_session=user.secret, address=address())
    except TooManyAttempts as exc:
        return _page("signin/password.html", _("Change password"), 429, _too_many(exc),
                     {"Retry-After": str(exc.retry_after)}, min_length=MIN_LENGTH)
    except ValidationFailed as exc:
        from web.pages.messages import message_of

        return _page("signin/password.html", _("Change password"), 422, message_of(exc),
                     min_length=MIN_LENGTH)
    flash(_("Password changed."), "success")
    return _page("signin/password.html", _("Change password"), done=True)
