"""Handoffs: on the case page, the handoffs the case sent or received and the form sending a
new one; the inbox (``/handoffs/``) of the handoffs addressed to the user's agency, with
accept / reject / return, and those it sent with how they stand.

Sending is a write to the case: it carries the case's version and an idempotency key made
once per rendered form (a hidden field), so a form submitted twice sends once. Accepting,
rejecting and returning are the receiving agency's decisions; rejecting and returning need a
reason. A handoff of neither agency is as unknown as a missing one (404 page)."""

from __future__ import annotations

import secrets
from typing import Any

from flask import Blueprint, Response, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from markupsafe import Markup, escape

from caseflow.domain.errors import CaseflowError
from caseflow.domain.limits import ID_MAX
from caseflow.services import handoffs as service
from caseflow.views.handoff_desk import (
    field_kinds,
    handoff_desk,
    handoffs_of_case,
    sendable_kinds,
)
from web.formatting import titled
from web.i18n import N_
from web.pages.common import actor, nav_entry, page_uow, refusal, render, roles_required
from web.pages.steps import enum_options

bp = Blueprint("handoff_pages", __name__)

nav_entry("handoff_pages.inbox", N_("Handoffs"), "officer", "supervisor")

STATUS_TITLES = {
    "sent": N_("Sent, not yet received"),
    "received": N_("Waiting for acceptance"),
    "accepted": N_("Accepted"),
    "rejected": N_("Refused"),
    "returned": N_("Returned"),
}
URGENCY_TITLES = {
    "overdue": N_("Overdue"),
    "soon": N_("Due within a day"),
    "fine": N_("In time"),
    "paused": N_("Paused"),
    "none": N_("No deadline running"),
}
DECISIONS = ("accept", "reject", "return")
PREFIX = "p_"  # the fields of the step a send fires: p_<field name>


def status_title(status: str) -> str:
    return _(STATUS_TITLES[status]) if status in STATUS_TITLES else status


def urgency_title(urgency: str) -> str:
    return _(URGENCY_TITLES.get(urgency, urgency))


def new_key() -> str:
    return f"web-{secrets.token_urlsafe(18)}"


def _field(spec: Any) -> dict[str, Any]:
    return {"name": spec.name, "input": field_kinds(spec), "required": spec.required,
            "title_zh": spec.title_zh, "title_en": spec.title_en,
            "values": list(spec.values), "options": enum_options(spec.name, spec.values),
            "min": spec.min, "max": spec.max}


def panel_context(case_id: int, case: dict[str, Any],
                  state: dict[str, Any] | None = None) -> dict[str, Any]:
    """What this area's panel on the case page (``handoffs/_panel.html``) needs; ``state`` is a
    failed form of this area coming back (what was typed, the field errors), or None."""
    state = state or {}
    who = actor()
    try:
        rows = handoffs_of_case(page_uow(), case_id, who)
        kinds = (sendable_kinds(page_uow(), case_id, who)
                 if case.get("visibility", "full") == "full" and not case.get("closed")
                 else [])
    except CaseflowError:
        rows, kinds = [], []
    values = state.get("values") or {}
    forms = []
    for kind in kinds:
        mine = values.get("kind") == kind.kind
        forms.append({
            "kind": kind.kind, "title_zh": kind.title_zh, "title_en": kind.title_en,
            "targets": kind.targets, "fields": [_field(f) for f in kind.fields],
            "key": (values.get("idempotency_key") if mine else None) or new_key(),
            "typed": values if mine else {},
            "errors": (state.get("errors") or {}) if mine else {},
        })
    return {"case_id": case_id, "version": case.get("version"), "rows": rows,
            "forms": forms, "status_title": status_title, "urgency_title": urgency_title}


def _payload(specs: Any) -> dict[str, Any] | None:
    """The fields of the step the send fires, from the form, as the service takes them."""
    if not specs:
        return None
    payload: dict[str, Any] = {}
    for spec in specs:
        name = PREFIX + spec.name
        if spec.type == "boolean":
            payload[spec.name] = request.form.get(name) in ("on", "true", "1", "yes")
            continue
        raw = request.form.get(name, "")
        if spec.type == "list":
            items = [line.strip() for line in raw.splitlines() if line.strip()]
            if items:
                payload[spec.name] = items
            continue
        if raw.strip():
            payload[spec.name] = raw.strip() if spec.type != "text" else raw
    return payload


def _int(value: str | None) -> int | None:
    try:
        number = int(value or "")
    except ValueError:
        return None
    return number if 0 <= number <= ID_MAX else None


@bp.post("/cases/<int:case_id>/handoffs")
@login_required
def send(case_id: int) -> Response:
    """Send the case to another agency; once per form (its idempotency key)."""
    from web.pages.cases import render_case

    form = request.form
    kind = form.get("kind", "").strip()
    reason = form.get("reason", "")

    def failed(status: int, message: str, errors: dict[str, str]) -> Response:
        return render_case(case_id, status=status, message=message,
                           panel_state={"handoffs": {"values": form, "errors": errors}})

    errors = {}
    if not form.get("to_agency", "").strip():
        errors["to_agency"] = _("Choose the receiving agency.")
    if not reason.strip():
        errors["reason"] = _("Give the reason for the handoff.")
    if errors:
        return failed(422, _("Please correct the marked fields."), errors)
    try:
        chosen = next((k for k in sendable_kinds(page_uow(), case_id, actor())
                       if k.kind == kind), None)
    except CaseflowError as exc:
        status, message, _errors = refusal(exc)
        return failed(status, message, {})
    names = {t.code: t for t in (chosen.targets if chosen else ())}
    documents = [line.strip() for line in form.get("documents", "").splitlines()
                 if line.strip()]
    try:
        sent = service.hand_off(
            page_uow(), case_id, kind, actor=actor(), to_agency=form.get("to_agency", "").strip(),
            reason=reason, idempotency_key=form.get("idempotency_key", ""),
            documents=documents, payload=_payload(chosen.fields if chosen else ()),
            expected_version=_int(form.get("version")))
    except CaseflowError as exc:
        status, message, field_errors = refusal(exc)
        field_errors = {(k[len(PREFIX):] if k.startswith(PREFIX) else k): v
                        for k, v in field_errors.items()}
        return failed(status, message, field_errors)
    if sent.replayed:
        flash(_("This handoff was already sent (the form was submitted twice); it was sent "
                "once."), "success")
    else:
        target = names.get(sent.to_agency)
        flash(_("Handoff sent to %(agency)s.",
                agency=titled(target, "name") if target else sent.to_agency), "success")
    return redirect(url_for("case_page.show", case_id=case_id), code=303)


def _inbox(status: int = 200, message: str | None = None,
           failed: dict[str, Any] | None = None) -> Response:
    who = actor()
    inbound = handoff_desk(page_uow(), who, incoming=True, statuses=("sent", "received"))
    outbound = handoff_desk(page_uow(), who, incoming=False)
    decided = [h for h in handoff_desk(page_uow(), who, incoming=True)
               if h.status not in ("sent", "received")]
    return render("handoffs/inbox.html", status, title=_("Handoffs"), message=message,
                  inbound=inbound, outbound=list(reversed(outbound)),
                  decided=list(reversed(decided)), failed=failed or {},
                  status_title=status_title, urgency_title=urgency_title)


@bp.get("/handoffs/")
@login_required
@roles_required("officer", "supervisor")
def inbox() -> Response:
    """Inbound handoffs waiting for acceptance, and the ones this agency sent."""
    return _inbox()


def _decide(handoff_id: int, decision: str) -> Response:
    reason = request.form.get("reason", "")
    failed = {"id": handoff_id, "decision": decision, "reason": reason}
    if decision != "accept" and not reason.strip():
        failed["error"] = _("Give a reason: a handoff is refused or returned only with one.")
        return _inbox(422, _("Please correct the marked fields."), failed)
    try:
        if decision == "accept":
            done = service.accept(page_uow(), handoff_id, actor=actor(),
                                  reason=reason.strip() or None)
        elif decision == "reject":
            done = service.reject(page_uow(), handoff_id, actor=actor(), reason=reason)
        else:
            done = service.return_materials(page_uow(), handoff_id, actor=actor(),
                                            reason=reason)
    except CaseflowError as exc:
        status, message, errors = refusal(exc)
        if status in (403, 404):
            return render("pages/refused.html", status, title=_("Handoffs"), message=message)
        failed["error"] = errors.get("reason") or message
        return _inbox(status, message, failed)
    if decision == "accept" and done.linked_case_id:
        link = Markup('<a href="{url}">{number}</a>').format(
            url=url_for("case_page.show", case_id=done.linked_case_id),
            number=done.linked_case or done.linked_case_id)
        flash(Markup(escape(_("Handoff accepted; the case opened for it: "))) + link, "success")
    elif decision == "accept":
        flash(_("Handoff accepted."), "success")
    elif decision == "reject":
        flash(_("Handoff refused; the sender sees your reason."), "success")
    else:
        flash(_("Handoff returned with its materials; the sender sees your reason."), "success")
    return redirect(url_for("handoff_pages.inbox"), code=303)


@bp.post("/handoffs/<int:handoff_id>/accept")
@login_required
@roles_required("officer", "supervisor")
def accept(handoff_id: int) -> Response:
    return _decide(handoff_id, "accept")


@bp.post("/handoffs/<int:handoff_id>/reject")
@login_required
@roles_required("officer", "supervisor")
def reject(handoff_id: int) -> Response:
    return _decide(handoff_id, "reject")


@bp.post("/handoffs/<int:handoff_id>/return", endpoint="return")
@login_required
@roles_required("officer", "supervisor")
def return_(handoff_id: int) -> Response:
    return _decide(handoff_id, "return")
