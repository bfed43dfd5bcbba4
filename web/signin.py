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

from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    g,
    redirect,
    render_template_string,
    request,
    session,
    url_for,
)
from flask_login import LoginManager, UserMixin, current_user, login_required, login_user
from flask_login import logout_user as _logout_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from caseflow.config import Settings
from caseflow.domain.errors import TooManyAttempts, Unauthenticated, ValidationFailed
from caseflow.domain.moments import aware
from caseflow.domain.passwords import MIN_LENGTH
from caseflow.services import signin as service
from caseflow.services.signin import SessionUser, SignedIn

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
    return WebUser(user, secret)


@login_manager.unauthorized_handler
def _unauthorized() -> Response:
    return redirect(url_for("signin.form", next=_here()))


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
    """Where to go after signing in: a path on this site only (no open redirect)."""
    if not target or len(target) > 2000:
        return url_for("signin.account")
    parts = urlsplit(target)
    if (parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//")
            or "\\" in target or any(ord(c) < 32 for c in target)):
        return url_for("signin.account")
    return target


_LAYOUT = """<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }} · caseflow</title>
</head>
<body>
<main>
<h1>{{ title }}</h1>
{% if message %}<p role="alert">{{ message }}</p>{% endif %}
{{ body }}
</main>
</body>
</html>
"""

_SIGNIN = """
<form method="post" action="{{ url_for('signin.form') }}">
<input type="hidden" name="csrf_token" value="{{ csrf_token() }}">
<input type="hidden" name="next" value="{{ next }}">
<p><label for="username">用户名 / Username</label><br>
<input id="username" name="username" value="{{ username }}" autocomplete="username"
 maxlength="64" required autofocus></p>
<p><label for="password">密码 / Password</label><br>
<input id="password" name="password" type="password" autocomplete="current-password"
 maxlength="1024" required></p>
<p><button type="submit">登录 / Sign in</button></p>
</form>
"""

_ACCOUNT = """
<p>{{ user.name }}（{{ user.username }}）· {{ user.agency }} · {{ roles }}</p>
<p>登录于 / Signed in at {{ signed_in }}（北京时间 / Beijing time）</p>
<p><a href="{{ url_for('signin.password') }}">修改密码 / Change password</a></p>
<form method="post" action="{{ url_for('signin.signout') }}">
<input type="hidden" name="csrf_token" value="{{ csrf_token() }}">
<button type="submit">退出登录 / Sign out</button>
</form>
"""

_PASSWORD = """
<form method="post" action="{{ url_for('signin.password') }}">
<input type="hidden" name="csrf_token" value="{{ csrf_token() }}">
<p><label for="old_password">当前密码 / Current password</label><br>
<input id="old_password" name="old_password" type="password"
 autocomplete="current-password" maxlength="1024" required></p>
<p><label for="new_password">新密码 / New password</label><br>
<input id="new_password" name="new_password" type="password" autocomplete="new-password"
 minlength="{{ min_length }}" maxlength="256" required></p>
<p><label for="confirm">再次输入新密码 / New password again</label><br>
<input id="confirm" name="confirm" type="password" autocomplete="new-password"
 maxlength="256" required></p>
<p>至少 {{ min_length }} 个字符，混合两类以上字符，不得包含用户名。/ At least {{ min_length }}
characters of two kinds or more, not containing the username.</p>
<p><button type="submit">修改密码 / Change password</button></p>
</form>
<p><a href="{{ url_for('signin.account') }}">返回 / Back</a></p>
"""


def _page(title: str, body: str, status: int = 200, message: str | None = None,
          headers: dict[str, str] | None = None, **context: Any) -> Response:
    inner = render_template_string(body, **context)
    html = render_template_string(_LAYOUT, title=title, body=Markup(inner),  # escaped above
                                  message=message)
    response = Response(html, status=status, mimetype="text/html")
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _signin_page(status: int = 200, message: str | None = None, username: str = "",
                 headers: dict[str, str] | None = None) -> Response:
    return _page("登录 / Sign in", _SIGNIN, status, message, headers,
                 next=_safe_next(request.values.get("next")), username=username)


@bp.get("/signin")
def form() -> Response:
    """The sign-in form."""
    if session_user() is not None:
        return redirect(_safe_next(request.args.get("next")))
    message = "请先登录 / Please sign in" if request.args.get("next") else None
    return _signin_page(message=message)


@bp.post("/signin")
def submit() -> Response:
    """Sign in with username and password (a form with its CSRF token)."""
    username = request.form.get("username", "")
    try:
        signed = sign_in(username, request.form.get("password", ""))
    except TooManyAttempts as exc:
        return _signin_page(429, f"登录失败次数过多，请稍后再试 / {exc.message}", username[:64],
                            headers={"Retry-After": str(exc.retry_after)})
    except Unauthenticated:
        return _signin_page(401, "用户名或密码错误 / Wrong username or password",
                            username[:64])
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
    user = session_user().user  # type: ignore[union-attr]
    return _page("我的账户 / My account", _ACCOUNT, user=user,
                 roles=", ".join(sorted(user.roles)),
                 signed_in=aware(user.signed_in_at).strftime("%Y-%m-%d %H:%M"))


@bp.get("/account/password")
@login_required
def password() -> Response:
    """The change-password form."""
    return _page("修改密码 / Change password", _PASSWORD, min_length=MIN_LENGTH)


@bp.post("/account/password")
@login_required
def change_password() -> Response:
    """Change one's own password: the current one, the new one twice."""
    user = session_user()
    assert user is not None
    new = request.form.get("new_password", "")
    try:
        if new != request.form.get("confirm", ""):
            raise ValidationFailed("confirm: the two new passwords differ", field="confirm")
        service.change_password(_engine().uow("web"), user.username,
                                request.form.get("old_password", ""), new,
                                keep_session=user.secret, address=address())
    except TooManyAttempts as exc:
        return _page("修改密码 / Change password", _PASSWORD, 429, exc.message,
                     {"Retry-After": str(exc.retry_after)}, min_length=MIN_LENGTH)
    except ValidationFailed as exc:
        return _page("修改密码 / Change password", _PASSWORD, 422, exc.message,
                     min_length=MIN_LENGTH)
    return _page("修改密码 / Change password", "<p><a href=\"{{ url_for('signin.account') }}\">"
                 "返回 / Back</a></p>", 200, "密码已修改 / Password changed")
