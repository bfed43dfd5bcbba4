"""The officer's approval requests: ask for a clock's next extension (from the case page's
clock) or for the override of a period that refuses a step (from the steps panel), see what
became of each (approved, refused and why, withdrawn, used), withdraw one.

The supervisor decides them from the queues on the extensions page (``web.pages.supervision``).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, redirect, request, url_for
from flask_babel import gettext as _

from caseflow.domain.errors import CaseflowError, NotFound
from caseflow.domain.limits import REASON_MAX
from caseflow.services.extension_requests import request_extension, withdraw_request
from caseflow.services.override_requests import request_override, withdraw_override
from caseflow.views.clock_timeline import people_names
from caseflow.views.extension_requests import my_requests, request_form
from caseflow.views.override_requests import my_overrides, override_form
from web.formatting import titled
from web.i18n import N_
from web.pages.common import (
    actor,
    nav_entry,
    page_uow,
    posted_version,
    refusal,
    render,
    roles_required,
)

bp = Blueprint("requests", __name__)

ASKING = ("officer", "mediator")
# who may have asked: a supervisor asks for overrides, and for an extension of a case
# assigned to them (services.extension_requests); 我的申请 is theirs too
ASKED = (*ASKING, "supervisor")

nav_entry("requests.mine", N_("My requests"), *ASKED)
STATUS_TITLES = {"pending": N_("Waiting for a decision"), "approved": N_("Approved"),
                 "refused": N_("Refused"), "withdrawn": N_("Withdrawn"),
                 "used": N_("Approved and used")}
WAITING = N_("An extension request for this clock is already waiting for a decision.")
NONE_LEFT = N_("No extension of this clock can be asked for now: none is left, or the "
               "period has ended.")
UNITS = {"days": N_("days"), "working_days": N_("working days"), "hours": N_("hours"),
         "months": N_("months")}


def _refused_page(exc: CaseflowError) -> Response:
    status, message, _errors = refusal(exc)
    return render("pages/refused.html", status, title=_("Not allowed"), message=message)


@bp.get("/extension-requests/")
@roles_required(*ASKED)
def mine() -> Response:
    who = actor()
    rows, overrides = my_requests(page_uow(), who), my_overrides(page_uow(), who)
    deciders = {r.request.decided_by for r in (*rows, *overrides) if r.request.decided_by}
    return render("requests/mine.html", title=_("My requests"), rows=rows, overrides=overrides,
                  statuses=STATUS_TITLES, names=people_names(page_uow(), deciders))


def _form_page(found: Any, status: int = 200, *, form: dict[str, str] | None = None,
               errors: dict[str, str] | None = None, message: str | None = None) -> Response:
    return render("requests/ask.html", status, title=_("Ask for an extension"),
                  found=found, item=found.clock, units=UNITS, form=form or {},
                  errors=errors or {}, message=message, statuses=STATUS_TITLES)


def checked_request(item: Any, form: dict[str, str]) -> tuple[dict[str, str], dict[str, Any]]:
    """Field errors of the request form, and the service's arguments (a blank length asks
    for the rule's)."""
    errors: dict[str, str] = {}
    args: dict[str, Any] = {"by": None}
    text = form.get("amount", "").strip()
    if text or item.by_amount is None:
        if not text.isdigit() or not 1 <= int(text) <= item.max_amount:
            errors["amount"] = _("Enter a whole number from 1 to %(most)s.",
                                 most=item.max_amount)
        else:
            args["by"] = f"{int(text)} {item.unit}"
    reason = form.get("reason", "").strip()
    if not reason:
        errors["reason"] = _("Required.")
    elif len(reason) > REASON_MAX:
        errors["reason"] = _("This is too long.")
    args["reason"] = reason
    return errors, args


@bp.route("/extension-requests/cases/<int:case_id>/<clock>", methods=["GET", "POST"])
@roles_required(*ASKING)
def ask(case_id: int, clock: str) -> Response:
    try:
        found = request_form(page_uow(), actor(), case_id, clock)
    except NotFound as exc:
        return _refused_page(exc)
    if request.method == "POST" and (found.clock is None or found.pending is not None):
        return _form_page(found, 409, message=_(WAITING if found.pending else NONE_LEFT))
    if request.method == "GET":
        return _form_page(found)
    form = {k: request.form.get(k, "") for k in ("amount", "reason", "version")}
    errors, args = checked_request(found.clock, form)
    if errors:
        return _form_page(found, 422, form=form, errors=errors,
                          message=_("Please correct the marked fields."))
    version = form["version"]
    try:
        request_extension(page_uow(), case_id, clock, actor=actor(),
                          expected_version=posted_version(version), **args)
    except CaseflowError as exc:
        status, message, raw = refusal(exc)
        errors = {("amount" if k == "by" else k): v for k, v in raw.items()}
        try:
            found = request_form(page_uow(), actor(), case_id, clock)
        except NotFound:
            pass
        return _form_page(found, status, form=form, errors=errors, message=message)
    flash(_("Extension requested: %(clock)s of case %(case)s. The supervisors have it in "
            "their queue.", clock=titled(found.clock), case=found.case_number), "success")
    return redirect(url_for("case_page.show", case_id=case_id) + f"#clock-{clock}", code=303)


@bp.post("/extension-requests/<int:request_id>/withdraw")
@roles_required(*ASKING)
def withdraw(request_id: int) -> Response:
    reason = request.form.get("reason", "").strip() or _("Withdrawn by the officer.")
    version = request.form.get("version", "")
    try:
        done = withdraw_request(page_uow(), request_id, actor=actor(), reason=reason,
                                expected_version=posted_version(version))
    except CaseflowError as exc:
        return _refused_page(exc)
    flash(_("Request withdrawn."), "success")
    return redirect(url_for("case_page.show", case_id=done.case_id), code=303)


# --- overrides -------------------------------------------------------------------------------

def _override_page(found: Any, status: int = 200, *, form: dict[str, str] | None = None,
                   errors: dict[str, str] | None = None,
                   message: str | None = None) -> Response:
    return render("requests/override.html", status, title=_("Ask for an override"),
                  found=found, form=form or {}, errors=errors or {}, message=message,
                  statuses=STATUS_TITLES)


@bp.route("/override-requests/cases/<int:case_id>/<trigger>", methods=["GET", "POST"])
@roles_required(*ASKING, "supervisor")
def ask_override(case_id: int, trigger: str) -> Response:
    try:
        found = override_form(page_uow(), actor(), case_id, trigger)
    except NotFound as exc:
        return _refused_page(exc)
    if request.method == "GET":
        return _override_page(found)
    form = {k: request.form.get(k, "") for k in ("reason", "version")}
    reason = form["reason"].strip()
    if not reason or len(reason) > REASON_MAX:
        return _override_page(found, 422, form=form, errors={
            "reason": _("Required.") if not reason else _("This is too long.")},
            message=_("Please correct the marked fields."))
    version = form["version"]
    try:
        request_override(page_uow(), case_id, trigger, actor=actor(), reason=reason,
                         expected_version=posted_version(version))
    except CaseflowError as exc:
        status, message, raw = refusal(exc)
        try:
            found = override_form(page_uow(), actor(), case_id, trigger)
        except NotFound:
            pass
        return _override_page(found, status, form=form, errors=raw, message=message)
    flash(_("Override requested: %(step)s of case %(case)s. A supervisor decides.",
            step=titled(found), case=found.case_number), "success")
    return redirect(url_for("case_page.show", case_id=case_id), code=303)


@bp.post("/override-requests/<int:request_id>/withdraw")
@roles_required(*ASKING, "supervisor")
def withdraw_override_request(request_id: int) -> Response:
    reason = request.form.get("reason", "").strip() or _("Withdrawn by the officer.")
    version = request.form.get("version", "")
    try:
        done = withdraw_override(page_uow(), request_id, actor=actor(), reason=reason,
                                 expected_version=posted_version(version))
    except CaseflowError as exc:
        return _refused_page(exc)
    flash(_("Request withdrawn."), "success")
    return redirect(url_for("case_page.show", case_id=done.case_id), code=303)
