"""What every page shares: who is signed in, the unit of work for their request, the role
check, rendering with the navigation, and the engine's refusals in the user's language.

Pages call the same services as the API, with the same rules and the same errors; an entry
point only translates. A refusal is shown, never a stack trace: field errors next to their
fields (in the page's language, ``web.pages.messages``), the rest as a message on the page
with the status the API would answer.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Response, abort, current_app, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from caseflow.bootstrap import App
from caseflow.domain.errors import CaseflowError
from caseflow.services.signin import SessionUser
from web.i18n import N_
from web.pages.messages import field_errors, message_of

F = TypeVar("F", bound=Callable[..., Any])


def engine() -> App:
    return current_app.extensions["caseflow"]


def me() -> SessionUser | None:
    """The signed-in person (None on the sign-in page)."""
    user = current_user
    if user is None or not user.is_authenticated:
        return None
    return user.user  # type: ignore[no-any-return]


def actor() -> str:
    user = me()
    if user is None:
        abort(401)
    return user.username


def page_uow():  # type: ignore[no-untyped-def] - a UnitOfWork (App.uow's)
    """A unit of work for this request; the audit trail's channel names the session."""
    user = me()
    return engine().uow(f"web:s{user.session_id}" if user else "web")


def roles_required(*roles: str) -> Callable[[F], F]:
    """Only for users holding one of ``roles`` (403 page otherwise); sign-in first."""
    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            user = me()
            if user is None:
                return current_app.login_manager.unauthorized()  # type: ignore[attr-defined]
            if not set(roles) & set(user.roles):
                return render("pages/refused.html", 403, title=_("Not allowed"),
                              message=_("This page is for: %(roles)s",
                                        roles=", ".join(role_title(r) for r in roles)))
            return view(*args, **kwargs)
        return wrapper  # type: ignore[return-value]
    return decorate


ROLE_TITLES = {
    "officer": N_("Enforcement officer"),
    "mediator": N_("Mediator"),
    "supervisor": N_("Supervisor"),
    "admin": N_("Administrator"),
}


def role_title(role: str) -> str:
    return _(ROLE_TITLES[role]) if role in ROLE_TITLES else role


# the navigation: (endpoint, label, roles that see it); an area registers its entries here
NAV: list[tuple[str, str, frozenset[str]]] = []


def nav_entry(endpoint: str, label: str, *roles: str) -> None:
    """Add a link to the top navigation for users holding one of ``roles`` (mark ``label``
    with ``N_`` so the catalog has it)."""
    NAV.append((endpoint, label, frozenset(roles)))


def navigation(user: SessionUser | None) -> list[dict[str, Any]]:
    if user is None:
        return []
    items = []
    for endpoint, label, roles in NAV:
        if roles & set(user.roles) and endpoint in current_app.view_functions:
            url = url_for(endpoint)
            items.append({"url": url, "label": _(label), "current": request.path == url})
    return items


def render(template: str, status: int = 200, **context: Any) -> Response:
    """A page in the layout, with the signed-in user and their navigation."""
    user = me()
    html = render_template(template, me=user, nav=navigation(user), **context)
    return Response(html, status=status, mimetype="text/html")


def refusal(exc: CaseflowError) -> tuple[int, str, dict[str, str]]:
    """The status, the page message and the field errors for an engine refusal."""
    return exc.http_status, message_of(exc), field_errors(exc)


def posted_version(text: str) -> int | None:
    """The case version a form carried (its hidden ``version``), or None when it carried
    none a person could have sent: the service then checks nothing against it."""
    return int(text) if text.isdigit() else None
