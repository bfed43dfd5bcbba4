"""On the case page: the steps the user may fire now, as forms generated from the workflow's
field specs, and the case's evidence (upload, list, download)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import Blueprint, Response, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from caseflow import services
from caseflow.domain.errors import (
    CaseflowError,
    ConflictError,
    GuardRefused,
    InvalidTrigger,
    PeriodNotMet,
)
from caseflow.domain.field_values import value_titles
from caseflow.domain.moments import TZ
from caseflow.services.evidence import download_evidence
from caseflow.views.case_list import evidence_of
from caseflow.views.cases import case_for
from caseflow.views.clock_timeline import case_workflow
from caseflow.views.override_requests import overridable_steps
from web.formatting import titled
from web.pages.common import actor, page_uow, refusal
from web.pages.messages import say

bp = Blueprint("steps", __name__, url_prefix="/cases")

INPUT_TYPES = {"string": "text", "integer": "number", "number": "number", "date": "date",
               "datetime": "datetime-local"}


def _specs(case_id: int) -> dict[str, dict[str, Any]]:
    """trigger → field name → FieldSpec, from the case's workflow definition."""
    try:
        definition = case_workflow(page_uow(), case_id, actor()).definition
    except CaseflowError:
        return {}
    out: dict[str, dict[str, Any]] = {}
    for t in getattr(definition, "transitions", ()) or ():
        out.setdefault(t.trigger, {}).update({f.name: f for f in t.fields})
    if not out:
        for state in definition.states:
            for t in definition.triggers_from(state):
                out.setdefault(t.trigger, {}).update({f.name: f for f in t.fields})
    return out


def _bounds(spec: Any, kind: str) -> dict[str, Any]:
    """The input's ``min``/``max``: a number field's limits, or the dates a date field's
    plausible bounds allow today (Beijing), so the browser offers only dates the step takes."""
    low, high = getattr(spec, "min", None), getattr(spec, "max", None)
    bounds = getattr(spec, "bounds", None)
    if kind in ("date", "datetime") and bounds is not None:
        today = datetime.now(TZ).date()
        first = bounds.not_before.resolve(today).isoformat()
        last = bounds.not_after.resolve(today).isoformat()
        low, high = ((first, last) if kind == "date" else
                     (f"{first}T00:00", f"{last}T23:59"))
    return {"min": low, "max": high}


def enum_options(name: str, values: tuple[str, ...] | list[str]) -> list[dict[str, str]]:
    """An enum field's ``<option>``s: the code submitted as the value, its title shown in the
    page's language (a workflow's YAML names its choices by code only)."""
    return [{"value": t["value"], "title": titled({"title_zh": t["zh"], "title_en": t["en"]})}
            for t in value_titles(name, values)]


def panel_context(case_id: int, case: dict[str, Any],
                  state: dict[str, Any] | None = None) -> dict[str, Any]:
    """What ``steps/_panel.html`` needs; ``state`` is a failed form coming back."""
    state = state or {}
    try:
        options = services.available_triggers(page_uow(), case_id, actor())
    except CaseflowError:
        options = []
    specs = _specs(case_id) if options else {}
    triggers = []
    for opt in options:
        fields = []
        for f in opt.fields:
            spec = specs.get(opt.trigger, {}).get(f.name)
            fields.append({
                "name": f.name, "type": f.type, "required": f.required,
                "title": titled(f) or f.name, "values": list(f.values),
                "options": enum_options(f.name, f.values),
                "input": INPUT_TYPES.get(f.type, "text"),
                **_bounds(spec, f.type),
                "max_length": getattr(spec, "max_length", None),
                "step": "1" if f.type == "integer" else "any",
            })
        periods = [{"kind": p.kind, "met": p.met, "detail": say(p.detail),
                    "unless": list(p.unless_zh),
                    "overridable": bool(p.unless)} for p in opt.periods]
        triggers.append({"trigger": opt.trigger, "title": titled(opt) or opt.trigger,
                         "reason_required": opt.reason_required, "fields": fields,
                         "blocked_by": [say(b) for b in opt.blocked_by], "periods": periods,
                         "overridable": any(not p.met and p.unless for p in opt.periods)})
    try:
        evidence = list(evidence_of(page_uow(), case_id, actor()))
    except CaseflowError:
        evidence = []
    try:  # the steps a supervisor may let through a binding period, and their requests
        overrides = overridable_steps(page_uow(), actor(), case_id) if triggers else {}
    except CaseflowError:
        overrides = {}
    for t in triggers:
        t["override_asked"] = overrides.get(t["trigger"])
        t["override_askable"] = t["overridable"] and t["trigger"] in overrides
    return {"case_id": case_id, "version": case.get("version"), "triggers": triggers,
            "evidence": evidence, "open": state.get("trigger"),
            "values": state.get("values") or {}, "errors": state.get("errors") or {},
            "upload_error": state.get("upload_error"), "digest": state.get("digest"),
            "upload_description": state.get("upload_description") or ""}


def _payload(fields: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    payload: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name, spec in fields.items():
        raw = request.form.get(name, "")
        kind = spec.type
        if kind == "boolean":
            payload[name] = name in request.form
            continue
        if not raw.strip():
            if spec.required:
                errors[name] = _("This field is required.")
            continue
        try:
            if kind == "integer":
                payload[name] = int(raw)
            elif kind == "number":
                payload[name] = float(raw)
            elif kind == "date":
                payload[name] = date.fromisoformat(raw).isoformat()
            elif kind == "datetime":
                payload[name] = datetime.fromisoformat(raw).isoformat()
            elif kind == "list":
                payload[name] = [line.strip() for line in raw.splitlines() if line.strip()]
            else:
                payload[name] = raw
        except ValueError:
            errors[name] = {"integer": _("Enter a whole number."),
                            "number": _("Enter a number."),
                            "date": _("Enter a date such as 2026-03-02."),
                            "datetime": _("Enter a date and time.")}.get(kind, _("Invalid value."))
    return payload, errors


def _titles(case_id: int, trigger: str, state: str) -> tuple[str, str]:
    """The step's and the state's titles in the page's language (their names if untitled)."""
    try:
        definition = case_workflow(page_uow(), case_id, actor()).definition
    except CaseflowError:
        return trigger, state
    step = next((titled(t) for t in definition.transitions
                 if t.trigger == trigger and (t.title_zh or t.title_en)), trigger)
    shown = definition.states.get(state)
    return step, (titled(shown) or state) if shown else state


STEP_REFUSALS = (InvalidTrigger, PeriodNotMet, GuardRefused)


def _moved_on(case_id: int, version: int) -> bool:
    """Whether the case is no longer at the version the form was made against."""
    try:
        return case_for(page_uow(), case_id, actor()).version != version
    except CaseflowError:
        return False


def _again(case_id: int, status: int, message: str | None, state: dict[str, Any]) -> Response:
    from web.pages.cases import render_case
    return render_case(case_id, status=status, message=message, panel_state={"steps": state})


@bp.post("/<int:case_id>/steps/<trigger>")
@login_required
def fire(case_id: int, trigger: str) -> Response:
    fields = _specs(case_id).get(trigger, {})
    payload, errors = _payload(fields)
    reason = request.form.get("reason", "").strip() or None
    override = request.form.get("override", "").strip() or None
    state = {"trigger": trigger, "values": request.form, "errors": errors}
    try:
        version = int(request.form.get("version", ""))
    except ValueError:
        return _again(case_id, 422, _("The form is incomplete; reload the page."), state)
    if errors:
        return _again(case_id, 422, _("Please correct the marked fields."), state)
    try:
        view = services.fire(page_uow(), case_id, trigger, actor=actor(), payload=payload,
                             reason=reason, expected_version=version, override=override)
    except ConflictError:
        return _again(case_id, 409, _("The case changed since you opened this page; "
                                      "here it is as it is now."), state)
    except CaseflowError as exc:
        # the engine judges the step before the version: a form from before the case moved
        # on (the same step sent again from a second tab) is told so, not "cannot 'x' …"
        if isinstance(exc, STEP_REFUSALS) and _moved_on(case_id, version):
            return _again(case_id, 409, _("The case changed since you opened this page; "
                                          "here it is as it is now."), state)
        status, message, field_errs = refusal(exc)
        state["errors"] = {**errors, **field_errs}
        return _again(case_id, status, message, state)
    step, now_in = _titles(case_id, trigger, getattr(view, "status", ""))
    flash(_("Step done: %(step)s. The case is now: %(state)s", step=step, state=now_in),
          "success")
    return redirect(url_for("case_page.show", case_id=case_id), 303)


UPLOAD_MESSAGES = {413: "The file is too large.",
                   415: "This type of file is not accepted as evidence."}


@bp.post("/<int:case_id>/evidence")
@login_required
def upload(case_id: int) -> Response:
    from web.uploads import checked_upload as _checked_upload
    try:
        version = int(request.form.get("version", ""))
        name, media_type, content = _checked_upload()
        record = services.attach_evidence(
            page_uow(), case_id, actor=actor(), filename=name, content=content,
            media_type=media_type, description=request.form.get("description", ""),
            expected_version=version)
    except ValueError:
        return _again(case_id, 422, _("The form is incomplete; reload the page."), {})
    except ConflictError:
        return _again(case_id, 409, _("The case changed since you opened this page; "
                                      "here it is as it is now."), {})
    except CaseflowError as exc:
        status, message, _errs = refusal(exc)
        if status == 413:
            from web.uploads import evidence_limit
            limit = evidence_limit()
            size = f"{limit // 2**20} MB" if limit >= 2**20 else f"{limit} B"
            message = _("The file is too large: at most %(size)s.", size=size)
        elif status == 415:
            message = _("This type of file is not accepted as evidence.")
        return _again(case_id, status, message, {
            "upload_error": message, "upload_description": request.form.get("description", "")})
    flash(_("Evidence stored. SHA-256: %(digest)s", digest=record.sha256), "success")
    return redirect(url_for("case_page.show", case_id=case_id), 303)


@bp.get("/<int:case_id>/evidence/<int:evidence_id>")
@login_required
def download(case_id: int, evidence_id: int) -> Response:
    from web.uploads import disposition as _disposition
    try:
        item = download_evidence(page_uow(), case_id, evidence_id, actor=actor())
    except CaseflowError as exc:
        return _again(case_id, refusal(exc)[0], refusal(exc)[1], {})
    response = Response(item.content, status=200, content_type=item.media_type)
    response.headers["Content-Disposition"] = _disposition(item.filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
