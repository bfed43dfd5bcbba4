"""The supervisor's pages: overdue and due-soon cases of the agency, the alert inbox, the
extension approvals, the handoffs sent and received, and the team's workload.

The extensions page is the approval queue: first the officers' pending extension requests
(``services.extension_requests``), each granted (as asked, or less) or refused with a reason
the officer reads; then the agency's running clocks whose rule still allows an extension,
which a supervisor may extend directly. Either way the engine refuses the case's assignee,
now or earlier, and whoever asked (separation of duties), and the page says so in the page's
language. An override of a period that binds is given when a step is fired (the steps area).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, Response, flash, redirect, request, url_for
from flask_babel import gettext as _

from caseflow.domain.errors import CaseflowError, NotFound, PermissionDenied
from caseflow.domain.limits import REASON_MAX
from caseflow.services.alerts import acknowledge, inbox, mark_read
from caseflow.services.clocks import extend_clock
from caseflow.services.extension_requests import approve_request, refuse_request
from caseflow.services.override_requests import approve_override, refuse_override
from caseflow.views.extension_requests import decided_request, queued_request, request_queue
from caseflow.views.handoffs import open_handoffs, refused_handoffs
from caseflow.views.override_requests import override_queue, queued_override
from caseflow.views.supervision import (
    SOON_DAYS,
    deadlines,
    extendable_clock,
    extendable_clocks,
    workload,
)
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

bp = Blueprint("supervisor", __name__, url_prefix="/supervision")

nav_entry("supervisor.index", N_("Overdue and due soon"), "supervisor")
nav_entry("supervisor.alerts", N_("Alerts"), "supervisor")
nav_entry("supervisor.approvals", N_("Extensions"), "supervisor")
nav_entry("supervisor.handoffs", N_("Handoff deadlines"), "supervisor")  # not /handoffs/
nav_entry("supervisor.team", N_("Team workload"), "supervisor")

ALERT_KINDS = {"warning": N_("Warning"), "overdue": N_("Overdue"),
               "escalation": N_("Escalation"), "handoff": N_("Handoff"),
               "expired": N_("Expired"), "approval": N_("Approval request"),
               "period_ended": N_("A party's period ended"),
               "calendar_missing": N_("Calendar not yet published")}
UNITS = {"days": N_("days"), "working_days": N_("working days"), "hours": N_("hours"),
         "months": N_("months")}
HANDOFF_STATUSES = {"sent": N_("Sent"), "received": N_("Received"),
                    "rejected": N_("Rejected"), "returned": N_("Returned")}
SEPARATION = N_("Separation of duties: you are or were the assignee of this case, or you "
                "asked for this extension, so you may not approve it. Another supervisor "
                "must decide.")
PARTICIPANTS_MAX = 20


def _refused_page(exc: CaseflowError) -> Response:
    status, message, _errors = refusal(exc)
    return render("pages/refused.html", status, title=_("Not allowed"), message=message)


@bp.get("/")
@roles_required("supervisor")
def index() -> Response:
    found = deadlines(page_uow(), actor())
    return render("supervision/index.html", title=_("Overdue and due soon"),
                  overdue=found.overdue, soon=found.soon, days=SOON_DAYS)


# --- alerts ----------------------------------------------------------------------------------

@bp.get("/alerts")
@roles_required("supervisor")
def alerts() -> Response:
    items = inbox(page_uow(), actor(), limit=200)
    items.sort(key=lambda i: i.read)  # unread first, newest first within each (stable)
    return render("supervision/alerts.html", title=_("Alerts"), items=items,
                  kinds=ALERT_KINDS)


def _alert_write(write: Any, notification_id: int, done: str) -> Response:
    try:
        write(page_uow(), actor(), notification_id)
    except NotFound as exc:
        return _refused_page(exc)
    flash(done, "success")
    return redirect(url_for("supervisor.alerts"), code=303)


@bp.post("/alerts/<int:notification_id>/read")
@roles_required("supervisor")
def alert_read(notification_id: int) -> Response:
    return _alert_write(mark_read, notification_id, _("Marked as read."))


@bp.post("/alerts/<int:notification_id>/acknowledge")
@roles_required("supervisor")
def alert_acknowledge(notification_id: int) -> Response:
    return _alert_write(acknowledge, notification_id, _("Alert acknowledged."))


# --- extensions ------------------------------------------------------------------------------

@bp.get("/approvals")
@roles_required("supervisor")
def approvals() -> Response:
    who = actor()
    return render("supervision/approvals.html", title=_("Extensions"),
                  queue=request_queue(page_uow(), who),
                  overrides=override_queue(page_uow(), who),
                  items=extendable_clocks(page_uow(), who), units=UNITS)


def _extend_page(item: Any, status: int = 200, *, form: dict[str, str] | None = None,
                 errors: dict[str, str] | None = None, message: str | None = None) -> Response:
    return render("supervision/extend.html", status, title=_("Approve an extension"),
                  item=item, units=UNITS, form=form or {}, errors=errors or {},
                  message=message)


def _checked(item: Any, form: dict[str, str]) -> tuple[dict[str, str], dict[str, Any]]:
    """Field errors of the extension form, and the service's arguments."""
    errors: dict[str, str] = {}
    args: dict[str, Any] = {}
    text = form.get("amount", "").strip()
    if not text.isdigit() or not 1 <= int(text) <= item.max_amount:
        errors["amount"] = _("Enter a whole number from 1 to %(most)s.", most=item.max_amount)
    else:
        args["by"] = f"{int(text)} {item.unit}"
    reason = form.get("reason", "").strip()
    if not reason:
        errors["reason"] = _("Required.")
    elif len(reason) > REASON_MAX:
        errors["reason"] = _("This is too long.")
    args["reason"] = reason
    if item.collective:
        try:
            args["decided_on"] = date.fromisoformat(form.get("decided_on", "").strip())
        except ValueError:
            errors["decided_on"] = _("Enter a date.")
        names = [n.strip() for n in form.get("participants", "").splitlines() if n.strip()]
        if not item.min_participants <= len(names) <= PARTICIPANTS_MAX:
            errors["participants"] = _("List at least %(count)s participants, one a line.",
                                       count=item.min_participants)
        args["participants"] = names
    return errors, args


@bp.route("/approvals/<int:case_id>/<clock>", methods=["GET", "POST"])
@roles_required("supervisor")
def extend(case_id: int, clock: str) -> Response:
    try:
        item = extendable_clock(page_uow(), actor(), case_id, clock)
    except NotFound as exc:
        return _refused_page(exc)
    if request.method == "GET":
        return _extend_page(item, form={"amount": str(item.by_amount or "")})
    form = {k: request.form.get(k, "") for k in ("amount", "reason", "decided_on",
                                                  "participants", "version")}
    errors, args = _checked(item, form)
    if errors:
        return _extend_page(item, 422, form=form, errors=errors,
                            message=_("Please correct the marked fields."))
    version = form["version"]
    try:
        extend_clock(page_uow(), case_id, clock, actor=actor(),
                     expected_version=posted_version(version), **args)
    except CaseflowError as exc:
        status, message, raw = refusal(exc)
        message = _separation(exc, message)
        errors = {("amount" if k == "by" else k): v for k, v in raw.items()}
        try:
            item = extendable_clock(page_uow(), actor(), case_id, clock)
        except NotFound:
            pass
        return _extend_page(item, status, form=form, errors=errors, message=message)
    flash(_("Extension approved: %(clock)s of case %(case)s.", clock=titled(item),
            case=item.case_number), "success")
    return redirect(url_for("supervisor.approvals"), code=303)


# --- extension requests ----------------------------------------------------------------------

def _decide_page(queued: Any, status: int = 200, *, form: dict[str, str] | None = None,
                 errors: dict[str, str] | None = None, message: str | None = None) -> Response:
    return render("supervision/decide.html", status, title=_("Decide an extension request"),
                  queued=queued, item=queued.clock, units=UNITS, form=form or {},
                  errors=errors or {}, message=message)


def _separation(exc: CaseflowError, message: str) -> str:
    if isinstance(exc, PermissionDenied) and ("separation of duties" in exc.message
                                              or "who asked" in exc.message):
        return _(SEPARATION)
    return message


def _decided_or_refused(exc: CaseflowError, request_id: int, status: int = 200) -> Response:
    """A request no longer in the queue: what was decided, if it was (an old link, a second
    tab, a form sent again: 409 then); otherwise the refusal (another agency's, missing)."""
    from web.pages.approval_requests import STATUS_TITLES

    try:
        done = decided_request(page_uow(), actor(), request_id)
    except NotFound:
        return _refused_page(exc)
    return render("supervision/decided.html", status, title=_("Extension request decided"),
                  done=done, status_title=_(STATUS_TITLES.get(done.request.status,
                                                               done.request.status)),
                  units=UNITS,
                  message=_("This request was already decided: nothing was changed.")
                  if status == 409 else None)


@bp.get("/requests/<int:request_id>")
@roles_required("supervisor")
def decide(request_id: int) -> Response:
    try:
        queued = queued_request(page_uow(), actor(), request_id)
    except NotFound as exc:
        return _decided_or_refused(exc, request_id)
    asked = queued.request.by.split()[0] if queued.request.by else None
    default = asked or (str(queued.clock.by_amount) if queued.clock and queued.clock.by_amount
                        else "")
    return _decide_page(queued, form={"amount": default})


@bp.post("/requests/<int:request_id>/approve")
@roles_required("supervisor")
def approve(request_id: int) -> Response:
    try:
        queued = queued_request(page_uow(), actor(), request_id)
    except NotFound as exc:
        return _decided_or_refused(exc, request_id, 409)
    form = {k: request.form.get(k, "") for k in ("amount", "reason", "decided_on",
                                                  "participants", "version")}
    if queued.clock is None:
        return _decide_page(queued, 409, form=form, message=_(
            "The clock has stopped or its period has ended: refuse the request instead."))
    errors, args = _checked(queued.clock, form)
    if errors:
        return _decide_page(queued, 422, form=form, errors=errors,
                            message=_("Please correct the marked fields."))
    version = form["version"]
    try:
        approve_request(page_uow(), request_id, actor=actor(),
                        expected_version=posted_version(version), **args)
    except CaseflowError as exc:
        status, message, raw = refusal(exc)
        errors = {("amount" if k == "by" else k): v for k, v in raw.items()}
        try:
            queued = queued_request(page_uow(), actor(), request_id)
        except NotFound:
            return _refused_page(exc)
        return _decide_page(queued, status, form=form, errors=errors,
                            message=_separation(exc, message))
    flash(_("Extension approved: %(clock)s of case %(case)s.", clock=titled(queued.clock),
            case=queued.request.case_number), "success")
    return redirect(url_for("supervisor.approvals"), code=303)


@bp.post("/requests/<int:request_id>/refuse")
@roles_required("supervisor")
def refuse(request_id: int) -> Response:
    try:
        queued = queued_request(page_uow(), actor(), request_id)
    except NotFound as exc:
        return _decided_or_refused(exc, request_id, 409)
    form = {"refusal": request.form.get("refusal", ""), "version": request.form.get("version", "")}
    reason = form["refusal"].strip()
    if not reason or len(reason) > REASON_MAX:
        return _decide_page(queued, 422, form=form, errors={
            "refusal": _("Required.") if not reason else _("This is too long.")},
            message=_("Please correct the marked fields."))
    version = form["version"]
    try:
        refuse_request(page_uow(), request_id, actor=actor(), reason=reason,
                       expected_version=posted_version(version))
    except CaseflowError as exc:
        status, message, _raw = refusal(exc)
        try:
            queued = queued_request(page_uow(), actor(), request_id)
        except NotFound:
            return _refused_page(exc)
        return _decide_page(queued, status, form=form, message=_separation(exc, message))
    flash(_("Request refused: case %(case)s. The officer is told why.",
            case=queued.request.case_number), "success")
    return redirect(url_for("supervisor.approvals"), code=303)


# --- override requests -----------------------------------------------------------------------

def _override_page(row: Any, status: int = 200, *, form: dict[str, str] | None = None,
                   errors: dict[str, str] | None = None,
                   message: str | None = None) -> Response:
    return render("supervision/override.html", status, title=_("Decide an override request"),
                  row=row, form=form or {}, errors=errors or {}, message=message)


@bp.get("/overrides/<int:request_id>")
@roles_required("supervisor")
def override(request_id: int) -> Response:
    try:
        return _override_page(queued_override(page_uow(), actor(), request_id))
    except NotFound as exc:
        return _refused_page(exc)


@bp.post("/overrides/<int:request_id>/<any(approve, refuse):decision>")
@roles_required("supervisor")
def decide_override(request_id: int, decision: str) -> Response:
    try:
        row = queued_override(page_uow(), actor(), request_id)
    except NotFound as exc:
        return _refused_page(exc)
    field = "reason" if decision == "approve" else "refusal"
    form = {field: request.form.get(field, ""), "version": request.form.get("version", "")}
    reason = form[field].strip()
    if not reason or len(reason) > REASON_MAX:
        return _override_page(row, 422, form=form, errors={
            field: _("Required.") if not reason else _("This is too long.")},
            message=_("Please correct the marked fields."))
    version = form["version"]
    write = approve_override if decision == "approve" else refuse_override
    try:
        write(page_uow(), request_id, actor=actor(), reason=reason,
              expected_version=posted_version(version))
    except CaseflowError as exc:
        status, message, _raw = refusal(exc)
        try:
            row = queued_override(page_uow(), actor(), request_id)
        except NotFound:
            return _refused_page(exc)
        return _override_page(row, status, form=form, message=_separation(exc, message))
    flash(_("Override approved: %(step)s of case %(case)s. The officer may take the step.",
            step=titled(row), case=row.request.case_number) if decision == "approve" else
          _("Request refused: case %(case)s. The officer is told why.",
            case=row.request.case_number), "success")
    return redirect(url_for("supervisor.approvals"), code=303)


# --- handoffs, workload ----------------------------------------------------------------------

@bp.get("/handoffs")
@roles_required("supervisor")
def handoffs() -> Response:
    who = actor()
    return render("supervision/handoffs.html", title=_("Handoff deadlines"),
                  incoming=open_handoffs(page_uow(), who, incoming=True),
                  outgoing=open_handoffs(page_uow(), who, incoming=False),
                  refused=refused_handoffs(page_uow(), who), statuses=HANDOFF_STATUSES)


@bp.get("/workload")
@roles_required("supervisor")
def team() -> Response:
    return render("supervision/workload.html", title=_("Team workload"),
                  rows=workload(page_uow(), actor()), days=SOON_DAYS)
