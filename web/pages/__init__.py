"""The pages people work in: server-rendered, Chinese first, one blueprint per role area.

    work         officers: 待办 (mine), the agency queue, 已办, filing a new case
    cases        the case page every role opens: header, clocks, timeline, diagrams
    steps        on the case page: the steps the user may fire (forms from the workflow's
                 field specs) and evidence upload
    handoffs     on the case page: sending a handoff; the handoff inbox (accept / reject /
                 return)
    mediation    mediators: sessions, settlements, instalments, judicial confirmation
    supervision  supervisors: overdue and due soon, alerts, approvals, handoffs, workload
    dashboard    supervisors and admins: the statutory measures, charts, drill-downs, exports
    admin        admins: users, agencies, tokens, calendar, workflow versions

Each area is a module here with a ``bp`` Blueprint, registered from ``AREAS`` (blueprint
names: work, case_page, steps, handoff_pages, mediator, supervisor, administration — the
API's blueprints already use cases, handoffs, mediation and admin); each adds
its navigation entries with ``common.nav_entry``. Pages call the service layer only (the
import-linter contracts hold them to it), exactly as the API does.
"""

from __future__ import annotations

import importlib

from flask import Blueprint, Flask, Response, redirect, request, url_for
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from caseflow.domain.errors import CaseflowError
from caseflow.services import signin as signin_service
from web.formatting import init_formatting
from web.i18n import COOKIE, LOCALES, N_, init_i18n
from web.pages.common import engine, me, render

AREAS = ("work", "cases", "steps", "handoffs", "approval_requests", "mediation", "supervision",
         "dashboard", "admin")

bp = Blueprint("pages", __name__)

# where each role starts, first match wins
HOME_OF = (("officer", "work.mine"), ("mediator", "mediator.index"),
           ("supervisor", "supervisor.index"), ("admin", "administration.index"))


@bp.get("/")
def home() -> Response:
    """Signed in: the user's main page by role; otherwise the sign-in page."""
    user = me()
    if user is None:
        return redirect(url_for("signin.form"))
    from flask import current_app

    for role, endpoint in HOME_OF:
        if role in user.roles and endpoint in current_app.view_functions:
            return redirect(url_for(endpoint))
    return redirect(url_for("signin.account"))


@bp.post("/language")
def language() -> Response:
    """Switch language; saved on the user (remembered next time) and in a cookie."""
    from web.signin import _safe_next

    locale = request.form.get("locale", "")
    target = _safe_next(request.form.get("next"))
    if locale not in LOCALES:
        return render("pages/refused.html", 422, title=_("Language"),
                      message=_("Unknown language: choose Chinese or English."))
    user = me()
    if user is not None:
        try:
            signin_service.set_locale(engine().uow(f"web:s{user.session_id}"),
                                      user.username, locale)
        except CaseflowError:
            pass  # the cookie still carries the choice for this browser
    response = redirect(target, code=303)
    response.set_cookie(COOKIE, locale, max_age=365 * 86400, httponly=True, samesite="Lax",
                        secure=False)
    return response


def _csrf_refused(exc: CSRFError) -> Response:
    """A page's form without its CSRF token (or a stale one): the layout, in the user's
    language; the API keeps its problem+json (Flask-WTF's own 400 there)."""
    if request.path.startswith("/api/"):
        from flask import current_app

        return current_app.extensions["caseflow.api"].handle_http_exception(exc)
    return render("pages/refused.html", 400, title=_("Form refused"),
                  message=_("This form has expired or did not come from this site: reload "
                            "the page and try again. Nothing was changed."))


# an HTTP error on a page: its title and what to do, in the page's language
HTTP_ERRORS = {
    404: (N_("Page not found"),
          N_("There is no such page here, or it has moved. Nothing was changed.")),
    405: (N_("This address is not a page"),
          N_("This address only takes a form's submission and cannot be opened as a page. "
             "Go back to the page the form was on. Nothing was changed.")),
    413: (N_("Too large to send"),
          N_("What was sent is larger than this site takes. Nothing was changed: send a "
             "smaller file.")),
    500: (N_("Server error"),
          N_("Something went wrong on the server. Try again; if it happens again, tell the "
             "administrator.")),
}


def _http_error(exc: HTTPException) -> Response | HTTPException:
    """Flask's own error pages are English and outside the layout: a page's 404, 405, 500
    (or any other HTTP error) is rendered in the layout, in the page's language, with the
    same status and headers (``Allow`` …); the API's paths keep their problem+json."""
    from flask import current_app

    if request.path.startswith("/api/"):
        return current_app.extensions["caseflow.api"].handle_http_exception(exc)
    status = exc.code or 500
    title, message = HTTP_ERRORS.get(status, (N_("Request refused"),
                                              N_("This request could not be handled.")))
    try:
        response = render("pages/refused.html", status, title=_(title), message=_(message))
    except Exception:  # noqa: BLE001 - the page itself failed (the database …): Flask's
        return exc
    for name, value in exc.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def init_pages(app: Flask) -> None:
    init_i18n(app)
    init_formatting(app)
    app.register_error_handler(CSRFError, _csrf_refused)
    # after init_api: replaces flask-smorest's handler, which _http_error calls on API paths
    app.register_error_handler(HTTPException, _http_error)
    app.register_blueprint(bp)
    for name in AREAS:
        try:
            module = importlib.import_module(f"web.pages.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"web.pages.{name}":
                raise
            continue  # an area not built yet
        app.register_blueprint(module.bp)
