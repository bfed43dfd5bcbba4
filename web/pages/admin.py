"""The admin's pages: users, agencies, API tokens, the working-day calendar and workflow
versions (with a migration dry run).

Every write calls the service the API calls, with the same rules: a reason where the service
asks for one, refusals shown next to their fields in the page's language with what was typed
kept (never a password), success as a flash and a 303. A new token's secret is shown once, on
the page answering the form that issued it (not cached, never in a flash, never in a list).
"""

from __future__ import annotations

import re
import secrets
from typing import Any

from flask import Blueprint, Response, flash, redirect, request, url_for
from flask_babel import gettext as _

from caseflow.domain.errors import CaseflowError, ConflictError, ValidationFailed
from caseflow.domain.passwords import check_password
from caseflow.domain.schedules import CalendarFileError
from caseflow.domain.vocabulary import AGENCY_KINDS, ROLES
from caseflow.services import directory, tokens
from caseflow.services import signin as signin_service
from caseflow.services.calendar import load_schedule, set_override
from caseflow.services.workflow_migration import migrate_cases
from caseflow.views import directory as directory_views
from caseflow.views.calendar import calendar_status
from caseflow.views.calendar_overrides import list_overrides
from caseflow.views.workflows import definition_to_show, workflow_versions
from web.formatting import titled
from web.i18n import N_
from web.pages.common import (
    actor,
    nav_entry,
    page_uow,
    refusal,
    render,
    role_title,
    roles_required,
)
from web.pages.messages import say, typed_date

bp = Blueprint("administration", __name__, url_prefix="/admin")

nav_entry("administration.index", N_("Administration"), "admin")
nav_entry("administration.users", N_("Users"), "admin")
nav_entry("administration.tokens", N_("API tokens"), "admin")
nav_entry("administration.calendar", N_("Calendar"), "admin")
nav_entry("administration.workflows", N_("Workflow versions"), "admin")

MAX_SCHEDULE = 256 * 1024  # bytes, as the API's limit
PER_PAGE = 50

KIND_TITLES = {
    "market_supervision": N_("Market supervision"),
    "customs": N_("Customs"),
    "police": N_("Police"),
    "court": N_("Court"),
    "mediation": N_("Mediation body"),
    "protection_center": N_("IP protection centre"),
}
DAY_KINDS = {"work": N_("Working day"), "rest": N_("Rest day (holiday)")}

def _refused(exc: CaseflowError, rename: dict[str, str] | None = None
             ) -> tuple[int, str, dict[str, str]]:
    """``refusal`` (the field errors already in the page's language, from the refusals'
    templates) with the engine's field names mapped to the form's (``rename``)."""
    status, message, errors = refusal(exc)
    errors = {(rename or {}).get(name, name): text for name, text in errors.items()}
    if errors:
        message = _("Please correct the marked fields.")
    return status, message, errors


def _agencies() -> list[Any]:
    return directory_views.list_agencies(page_uow(), actor=actor())


def _all_users() -> list[Any]:
    users, page = [], 1
    while True:
        batch = directory_views.list_users(page_uow(), actor=actor(), page=page, per_page=200)
        users.extend(batch.items)
        if page * batch.per_page >= batch.total:
            return users
        page += 1


def _supervisors() -> list[Any]:
    return [u for u in _all_users() if "supervisor" in u.roles and u.active]


def _text(name: str) -> str:
    return request.form.get(name, "").strip()


def _optional(name: str) -> str | None:
    return _text(name) or None


# --- the index ----------------------------------------------------------------------------

@bp.get("/")
@roles_required("admin")
def index() -> Response:
    users = directory_views.list_users(page_uow(), actor=actor(), per_page=1).total
    active = directory_views.list_users(page_uow(), actor=actor(), per_page=1,
                                        active=True).total
    agencies = len(_agencies())
    all_tokens = tokens.list_tokens(page_uow(), actor=actor())
    live = sum(1 for t in all_tokens if t.revoked_at is None)
    status = calendar_status(page_uow(), actor())
    versions = workflow_versions(page_uow(), actor())
    return render("admin/index.html", title=_("Administration"), users=users, active=active,
                  agencies=agencies, tokens=len(all_tokens), live_tokens=live,
                  calendar=status, workflows=len({v.key for v in versions}),
                  versions=len(versions))


# --- users --------------------------------------------------------------------------------

def _users_page(status: int = 200, *, form: dict[str, Any] | None = None,
                errors: dict[str, str] | None = None, message: str | None = None) -> Response:
    page = max(1, min(request.args.get("page", 1, type=int) or 1, 10**6))
    listed = directory_views.list_users(page_uow(), actor=actor(), page=page,
                                        per_page=PER_PAGE)
    agencies = _agencies()
    names = {a.code: titled(a, "name") for a in agencies}
    pages = max(1, -(-listed.total // PER_PAGE))
    return render("admin/users.html", status, title=_("Users"), listed=listed,
                  pages=pages, agencies=agencies, agency_names=names,
                  supervisors=_supervisors(), roles=ROLES, role_title=role_title,
                  form=form or {"roles": []}, errors=errors or {}, message=message)


@bp.get("/users")
@roles_required("admin")
def users() -> Response:
    return _users_page()


@bp.post("/users")
@roles_required("admin")
def create_user() -> Response:
    form = {"username": _text("username"), "name": _text("name"),
            "agency": _text("agency"), "roles": request.form.getlist("roles"),
            "supervisor": _text("supervisor"), "email": _text("email"),
            "reason": _text("reason")}
    password = request.form.get("password", "")
    try:
        if not form["username"]:
            raise ValidationFailed(N_("is required"), field="username", prefixed=True)
        # the password first: a refused password must not leave a user without one
        check_password(password, form["username"], field="password")
        directory.register_user(page_uow(), form["username"], form["name"], form["agency"],
                                form["roles"], actor=actor(),
                                supervisor=form["supervisor"] or None,
                                email=form["email"] or None, reason=form["reason"] or None)
    except CaseflowError as exc:
        status, message, errors = _refused(exc)
        return _users_page(status, form=form, errors=errors, message=message)
    try:
        signin_service.set_password(page_uow(), form["username"], password, actor=actor(),
                                    reason=form["reason"] or _("Initial password"))
    except CaseflowError as exc:  # the user exists: say so, and that the password is unset
        status, message, _errors = refusal(exc)
        flash(_("User %(name)s was created, but the initial password was refused: %(why)s",
                name=form["username"], why=message), "error")
        return redirect(url_for(".user", username=form["username"]), code=303)
    flash(_("User %(name)s was created; they can sign in with the initial password.",
            name=form["username"]), "success")
    return redirect(url_for(".users"), code=303)


def _user_page(username: str, status: int = 200, *, form: dict[str, Any] | None = None,
               errors: dict[str, str] | None = None, message: str | None = None,
               which: str = "") -> Response:
    try:
        record = directory_views.user_detail(page_uow(), username, actor=actor())
    except CaseflowError as exc:
        code, text, _errors = refusal(exc)
        return render("pages/refused.html", code, title=_("User"), message=text)
    agencies = {a.code: titled(a, "name") for a in _agencies()}
    supervisors = [u for u in _supervisors()
                   if u.agency == record.agency and u.username != record.username]
    if form is None:
        form = {"name": record.name, "roles": list(record.roles),
                "supervisor": record.supervisor or ""}
    return render("admin/user.html", status, title=_("User %(name)s", name=record.username),
                  user=record, agency_name=agencies.get(record.agency, record.agency),
                  supervisors=supervisors, roles=ROLES, role_title=role_title, form=form,
                  errors=errors or {}, message=message, which=which)


@bp.get("/users/<string(maxlength=64):username>")
@roles_required("admin")
def user(username: str) -> Response:
    return _user_page(username)


@bp.post("/users/<string(maxlength=64):username>/edit")
@roles_required("admin")
def edit_user(username: str) -> Response:
    form = {"name": _text("name"), "roles": request.form.getlist("roles"),
            "supervisor": _text("supervisor"), "reason": _text("reason")}
    try:
        directory.update_user(page_uow(), username, actor=actor(), reason=form["reason"],
                              name=form["name"], roles=form["roles"],
                              supervisor=form["supervisor"] or None)
    except CaseflowError as exc:
        status, message, errors = _refused(exc)
        return _user_page(username, status, form=form, errors=errors, message=message,
                          which="edit")
    flash(_("User %(name)s was changed.", name=username), "success")
    return redirect(url_for(".user", username=username), code=303)


@bp.post("/users/<string(maxlength=64):username>/password")
@roles_required("admin")
def reset_password(username: str) -> Response:
    reason = _text("reason")
    try:
        signin_service.set_password(page_uow(), username, request.form.get("password", ""),
                                    actor=actor(), reason=reason)
    except CaseflowError as exc:
        status, message, errors = _refused(exc, {"new_password": "password"})
        return _user_page(username, status, message=message, which="password",
                          errors={f"pw_{k}": v for k, v in errors.items()})
    flash(_("The password of %(name)s was reset; their sessions were ended.",
            name=username), "success")
    return redirect(url_for(".user", username=username), code=303)


@bp.post("/users/<string(maxlength=64):username>/active")
@roles_required("admin")
def set_active(username: str) -> Response:
    reason = _text("reason")
    action = request.form.get("action", "")
    service = {"deactivate": directory.deactivate_user,
               "reactivate": directory.reactivate_user}.get(action)
    if service is None:
        return _user_page(username, 422, message=_("Choose deactivate or reactivate."))
    try:
        service(page_uow(), username, actor=actor(), reason=reason)
    except CaseflowError as exc:
        status, message, errors = _refused(exc)
        return _user_page(username, status, message=message, which="active",
                          errors={f"act_{k}": v for k, v in errors.items()})
    flash(_("%(name)s was deactivated.", name=username) if action == "deactivate"
          else _("%(name)s was reactivated.", name=username), "success")
    return redirect(url_for(".user", username=username), code=303)


# --- agencies -----------------------------------------------------------------------------

def _agencies_page(status: int = 200, *, form: dict[str, Any] | None = None,
                   errors: dict[str, str] | None = None, message: str | None = None,
                   hours: dict[str, Any] | None = None) -> Response:
    kinds = [(k, _(KIND_TITLES.get(k, k))) for k in AGENCY_KINDS]
    return render("admin/agencies.html", status, title=_("Agencies"), agencies=_agencies(),
                  kinds=kinds, kind_titles={k: t for k, t in kinds},
                  form=form or {"city": "宁波"}, errors=errors or {}, message=message,
                  hours=hours or {})


@bp.get("/agencies")
@roles_required("admin")
def agencies() -> Response:
    return _agencies_page()


@bp.post("/agencies")
@roles_required("admin")
def create_agency() -> Response:
    form = {k: _text(k) for k in ("code", "kind", "name_zh", "name_en", "city", "reason")}
    try:
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,63}", form["code"]):
            raise ValidationFailed(N_("1 to 64 lower-case letters, digits or '-', starting "
                                      "with a letter or digit."), field="code", prefixed=True)
        _record, created = directory.register_agency(
            page_uow(), form["code"], form["kind"], form["name_zh"], form["name_en"],
            form["city"] or "宁波", actor=actor(), reason=form["reason"] or None)
    except CaseflowError as exc:
        status, message, errors = _refused(exc)
        return _agencies_page(status, form=form, errors=errors, message=message)
    flash(_("Agency %(code)s was added.", code=form["code"]) if created
          else _("Agency %(code)s already existed.", code=form["code"]), "success")
    return redirect(url_for(".agencies"), code=303)


@bp.post("/agencies/<string(maxlength=64):code>/hours")
@roles_required("admin")
def office_hours(code: str) -> Response:
    hours = {"code": code, "closes_at": _text("closes_at"), "reason": _text("reason")}
    try:
        directory.set_office_hours(page_uow(), code, hours["closes_at"], actor=actor(),
                                   reason=hours["reason"])
    except CaseflowError as exc:
        status, message, errors = _refused(exc)
        hours["errors"] = errors
        return _agencies_page(status, message=message, hours=hours)
    flash(_("Office hours of %(code)s were set.", code=code), "success")
    return redirect(url_for(".agencies"), code=303)


# --- API tokens ---------------------------------------------------------------------------

def _tokens_page(status: int = 200, *, form: dict[str, Any] | None = None,
                 errors: dict[str, str] | None = None, message: str | None = None,
                 revoke: dict[str, Any] | None = None) -> Response:
    listed = tokens.list_tokens(page_uow(), actor=actor())
    users = [u for u in _all_users() if u.active]
    form = form or {"days": "90"}
    if not form.get("form_key"):
        form["form_key"] = new_form_key()
    return render("admin/tokens.html", status, title=_("API tokens"),
                  tokens=list(reversed(listed)), users=users, form=form,
                  errors=errors or {}, message=message, revoke=revoke or {},
                  max_days=tokens.MAX_DAYS)


def new_form_key() -> str:
    """The issue form's one-time key, made per rendered form (a hidden field)."""
    return f"web-{secrets.token_urlsafe(18)}"


@bp.get("/tokens")
@roles_required("admin")
def tokens_list() -> Response:
    return _tokens_page()


@bp.post("/tokens")
@roles_required("admin")
def create_token() -> Response:
    form = {"user": _text("user"), "name": _text("name"), "days": _text("days"),
            "reason": _text("reason"), "form_key": _text("form_key")}
    try:
        if not re.fullmatch(r"\d{1,4}", form["days"]):
            raise ValidationFailed(N_("between 1 and %(max)s, got %(value)s"), field="days",
                                   params={"max": tokens.MAX_DAYS,
                                           "value": repr(form["days"][:10])}, prefixed=True)
        if not form["user"]:
            raise ValidationFailed(N_("is required"), field="user", prefixed=True)
        record, secret = tokens.create_token(page_uow(), for_user=form["user"],
                                             name=form["name"], actor=actor(),
                                             days=int(form["days"]), reason=form["reason"],
                                             form_key=form["form_key"] or None)
    except ConflictError as exc:  # the form was used already (a double submit, a reload)
        return _tokens_page(409, message=_(exc.template))
    except CaseflowError as exc:
        status, message, errors = _refused(exc)
        if exc.__class__.__name__ == "NotFound":
            status, errors = 422, {"user": _("Unknown or deactivated user.")}
            message = _("Please correct the marked fields.")
        return _tokens_page(status, form=form, errors=errors, message=message)
    response = render("admin/token_created.html", 201, title=_("API token issued"),
                      token=record, secret=secret)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/tokens/<int:token_id>/revoke")
@roles_required("admin")
def revoke_token(token_id: int) -> Response:
    reason = _text("reason")
    try:
        record = tokens.revoke_token(page_uow(), token_id, actor=actor(), reason=reason)
    except CaseflowError as exc:
        status, message, errors = _refused(exc)
        return _tokens_page(status, message=message,
                            revoke={"id": token_id, "reason": reason, "errors": errors})
    flash(_("Token “%(name)s” was revoked: it stops working at once.", name=record.name),
          "success")
    return redirect(url_for(".tokens_list"), code=303)


# --- the calendar -------------------------------------------------------------------------

def _calendar_page(status: int = 200, *, form: dict[str, Any] | None = None,
                   errors: dict[str, str] | None = None, message: str | None = None,
                   upload: dict[str, Any] | None = None) -> Response:
    return render("admin/calendar.html", status, title=_("Calendar"),
                  calendar=calendar_status(page_uow(), actor()),
                  overrides=list_overrides(page_uow(), actor=actor()),
                  day_kinds={k: _(v) for k, v in DAY_KINDS.items()},
                  form=form or {}, errors=errors or {}, message=message,
                  upload=upload or {"source": ""}, max_kb=MAX_SCHEDULE // 1024)


@bp.get("/calendar")
@roles_required("admin")
def calendar() -> Response:
    return _calendar_page()


@bp.post("/calendar/schedule")
@roles_required("admin")
def upload_schedule() -> Response:
    source = _text("source") or _("uploaded on the admin's page")
    upload = {"source": _text("source"), "errors": {}}
    file = request.files.get("schedule")
    if file is None or not file.filename:
        upload["errors"]["schedule"] = _("Choose the schedule file (YAML or JSON).")
        return _calendar_page(422, message=_("Please correct the marked fields."),
                              upload=upload)
    raw = file.stream.read(MAX_SCHEDULE + 1)
    if len(raw) > MAX_SCHEDULE:
        upload["errors"]["schedule"] = _("A schedule is at most %(kb)s KB.",
                                         kb=MAX_SCHEDULE // 1024)
        return _calendar_page(413, message=_("Please correct the marked fields."),
                              upload=upload)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        upload["errors"]["schedule"] = _("A schedule is UTF-8 text (YAML or JSON).")
        return _calendar_page(422, message=_("Please correct the marked fields."),
                              upload=upload)
    try:
        loaded = load_schedule(page_uow(), text, actor=actor(), source=source)
    except CalendarFileError as exc:
        detail = str(say(exc.problem)).encode("utf-8", "backslashreplace").decode("utf-8")
        upload["errors"]["schedule"] = _("The file was refused: %(detail)s", detail=detail)
        return _calendar_page(422, message=_("The schedule was not loaded: nothing changed."),
                              upload=upload)
    except CaseflowError as exc:
        status, message, errors = _refused(exc)
        upload["errors"]["schedule"] = next(iter(errors.values()), message)
        return _calendar_page(status, message=message, upload=upload)
    flash(_("The %(year)s schedule was loaded; %(n)s open clock(s) were recomputed.",
            year=loaded.year, n=loaded.clocks_recomputed), "success")
    return redirect(url_for(".calendar"), code=303)


@bp.post("/calendar/overrides")
@roles_required("admin")
def add_override() -> Response:
    form = {"day": _text("day"), "kind": _text("kind"), "reason": _text("reason")}
    try:
        day = typed_date(form["day"], "day")
        done = set_override(page_uow(), day, form["kind"], actor=actor(),
                            reason=form["reason"])
    except CaseflowError as exc:
        status, message, errors = _refused(exc)
        return _calendar_page(status, form=form, errors=errors, message=message)
    flash(_("%(day)s is now a %(kind)s; %(n)s open clock(s) were recomputed.",
            day=done.day, kind=_(DAY_KINDS[done.kind]), n=done.clocks_recomputed), "success")
    return redirect(url_for(".calendar"), code=303)


# --- workflows ----------------------------------------------------------------------------

def _workflows_page(status: int = 200, *, form: dict[str, Any] | None = None,
                    errors: dict[str, str] | None = None, message: str | None = None,
                    report: Any = None, refused: str | None = None,
                    states: dict[tuple[int, str], str] | None = None) -> Response:
    versions = workflow_versions(page_uow(), actor())
    grouped: dict[str, list[Any]] = {}
    for v in versions:
        grouped.setdefault(v.key, []).append(v)
    return render("admin/workflows.html", status, title=_("Workflow versions"),
                  grouped=grouped, form=form or {"clocks": "keep"}, errors=errors or {},
                  message=message, report=report, refused=refused, states=states or {})


@bp.get("/workflows")
@roles_required("admin")
def workflows() -> Response:
    return _workflows_page()


@bp.post("/workflows/dry-run")
@roles_required("admin")
def dry_run() -> Response:
    """What a migration would move and what it would refuse; nothing changes."""
    form = {k: _text(k) for k in ("key", "to_version", "from_version", "mappings",
                                  "clocks", "reason")}
    form["mappings"] = request.form.get("mappings", "").strip()
    errors: dict[str, str] = {}
    state_map: dict[str, str] = {}
    for line in form["mappings"].splitlines():
        old, sep, new = line.strip().partition("=")
        if not line.strip():
            continue
        if not sep or not old.strip() or not new.strip():
            errors["mappings"] = _("One mapping a line: old_state=new_state (“%(line)s”).",
                                   line=line.strip())
            break
        state_map[old.strip()] = new.strip()
    if not form["key"]:
        errors["key"] = _("Required.")
    to_version = int(form["to_version"]) if re.fullmatch(r"\d{1,6}", form["to_version"]) \
        else None
    if to_version is None:
        errors["to_version"] = _("A version number.")
    from_version = None
    if form["from_version"]:
        if re.fullmatch(r"\d{1,6}", form["from_version"]):
            from_version = int(form["from_version"])
        else:
            errors["from_version"] = _("A version number, or empty for every version.")
    if form["clocks"] not in ("keep", "recompute"):
        errors["clocks"] = _("Choose keep or recompute.")
    if not form["reason"]:
        errors["reason"] = _("A reason is required.")
    target = None
    if not errors:
        try:
            target, _state = definition_to_show(page_uow(), form["key"], to_version)
        except CaseflowError:
            errors["to_version"] = _("%(workflow)s has no version %(v)s.",
                                     workflow=form["key"], v=to_version)
    if target is not None:
        for old, new in state_map.items():
            if new not in target.states:
                errors["mappings"] = _(
                    "“%(new)s” (in “%(old)s=%(new)s”) is not a state of %(workflow)s "
                    "v%(v)s.", new=new, old=old, workflow=titled(target), v=to_version)
                break
    if errors:
        return _workflows_page(422, form=form, errors=errors,
                               message=_("Please correct the marked fields."))
    try:
        report = migrate_cases(page_uow(), form["key"], to_version, state_map, actor=actor(),
                               reason=form["reason"], clocks=form["clocks"], dry_run=True,
                               from_version=from_version)
    except CaseflowError as exc:
        status, message, _errors = refusal(exc)
        return _workflows_page(status, form=form, refused=exc.message,
                               message=_("This migration would be refused; nothing was "
                                         "changed."))
    return _workflows_page(form=form, report=report,
                           states=_state_titles(form["key"], report, target))


def _state_titles(key: str, report: Any, target: Any) -> dict[tuple[int, str], str]:
    """The moved cases' old and new states by (version, state), titled in the page's
    language (the codes stay beside them: the mappings are typed in codes)."""
    definitions = {report.to_version: target}
    for version in {m.from_version for m in report.moves} - set(definitions):
        definitions[version] = definition_to_show(page_uow(), key, version)[0]
    return {(version, name): titled(state) for version, d in definitions.items()
            for name, state in d.states.items()}
