"""The mediator's pages: the mediation cases of the mediator's body, and one case's
mediation — sessions with their confidential notes, the settlement agreement with its
instalments, payments, the application for judicial confirmation (司法确认) and declaring a
conflict of interest.

Each write calls the same service as the API (``caseflow.services.mediation``,
``handoffs.hand_off`` for the application) with the case's version; a refusal re-renders the
page with what was typed and each field's error next to its field, in the page's language.

The agreement's ``parties`` are stored in order: the page records the paying party first and
the receiving party second, and shows them so (the service keeps no payer / payee roles).
"""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime
from typing import Any

from flask import Blueprint, Response, flash, redirect, request, url_for
from flask_babel import gettext as _

from caseflow.domain.errors import CaseflowError, ConflictError, ValidationFailed
from caseflow.domain.moments import TZ
from caseflow.domain.settlements import NON_MONETARY_TERMS
from caseflow.services import handoffs
from caseflow.services.mediation.conflicts import declare_conflict
from caseflow.services.mediation.sessions import record_session
from caseflow.services.mediation.settlements import record_payment, record_settlement
from caseflow.views.mediation import mediation_for
from caseflow.views.mediation_desk import mediation_case_facts, mediation_desk
from web.formatting import titled
from web.i18n import N_
from web.pages.common import actor, nav_entry, page_uow, refusal, render, roles_required
from web.pages.messages import HEADLINES, typed_date
from web.pages.work import FIRST_ROLES, SECOND_ROLES

bp = Blueprint("mediator", __name__, url_prefix="/mediation")

nav_entry("mediator.index", N_("Mediation cases"), "mediator")

INSTALMENT_ROWS = 6

TERM_TITLES = {
    "cease_infringing": N_("Cease the infringement"),
    "destroy_stock": N_("Destroy the infringing stock"),
    "withdraw_listings": N_("Withdraw the online listings"),
    "public_apology": N_("Public apology"),
    "recall_products": N_("Recall the products sold"),
    "decides_ip_ownership": N_("Decides who owns the IP right"),
    "decides_ip_validity": N_("Decides whether the IP right is valid"),
}
assert set(TERM_TITLES) == set(NON_MONETARY_TERMS)

CONFIRMATION_TITLES = {
    "not_requested": N_("Not applied for"),
    "requested": N_("Applied for, awaiting the court"),
    "pending": N_("Accepted by the court, awaiting its ruling"),
    "confirmed": N_("Confirmed by the court"),
    "not_confirmed": N_("Not confirmed by the court"),
}

INSTALMENT_TITLES = {"paid": N_("Paid"), "due": N_("Awaiting payment"), "late": N_("Overdue")}

# every role a party may have (a case handed over from a complaint keeps its rights holder
# and alleged infringer): a role is shown by its title, never by its code
PARTY_ROLES = {**FIRST_ROLES, **SECOND_ROLES, "applicant": N_("Applicant"),
               "respondent": N_("Respondent")}

_INDEX = re.compile(r"^(\w+)\[(\d+)\](?:\.(\w+))?$")


def _today() -> date:
    return datetime.now(TZ).date()


def _headline(exc: CaseflowError) -> str:
    for kind, headline in HEADLINES:
        if isinstance(exc, kind):
            return _(headline)
    return ""


def _refused(exc: CaseflowError, form: str, shown: set[str],
             rows: list[int] | None = None) -> tuple[int, str, dict[str, str]]:
    """The status, the page message and ``{form field: message}`` for a refusal of ``form``:
    the engine's field names mapped to the form's (``instalments[1].due_on`` → the row's
    ``due_on_<row>``), the messages in the page's language (the refusals' templates,
    translated by ``refusal``)."""
    status, message, raw = refusal(exc)
    errors: dict[str, str] = {}
    for field in raw:
        key = field
        found = _INDEX.match(field)
        if found:
            name, index, sub = found.group(1), int(found.group(2)), found.group(3)
            if name == "instalments" and sub and rows is not None and index < len(rows):
                key = f"{sub}_{rows[index]}"
            else:
                key = name
        if form == "confirmation" and key == "terms":
            key = "confirmation"
        errors[key] = raw[field]
    if errors and all(k in shown for k in errors):
        message = _headline(exc)
    elif errors:
        message = f"{_headline(exc)} {' '.join(errors.values())}"
    return status, message, errors


def render_page(case_id: int, *, status: int = 200, message: str | None = None,
                form: str | None = None, values: dict[str, Any] | None = None,
                errors: dict[str, str] | None = None) -> Response:
    """The mediation page; ``form`` names the form that failed, with what was typed and its
    errors (the other forms start empty)."""
    try:
        facts = mediation_case_facts(page_uow(), case_id, actor())
        record, _version = mediation_for(page_uow(), case_id, actor())
    except CaseflowError as exc:
        code, text, _errors = refusal(exc)
        return render("pages/refused.html", code, title=_("Mediation"), message=text)
    today = _today().isoformat()
    forms: dict[str, dict[str, Any]] = {
        "session": {"values": {"held_on": today}, "errors": {}},
        "settlement": {"values": {"signed_on": today, "currency": "CNY", "terms": []},
                       "errors": {}},
        "payment": {"values": {"paid_on": today}, "errors": {}},
        "confirmation": {"values": {"applied_on": today, "key": uuid.uuid4().hex},
                         "errors": {}},
        "conflict": {"values": {}, "errors": {}},
    }
    if facts.courts:
        forms["confirmation"]["values"].update(
            to_agency=facts.courts[0]["code"], court=facts.courts[0]["name_zh"])
    if form is not None:
        forms[form] = {"values": {**forms[form]["values"], **(values or {})},
                       "errors": errors or {}}
    return render("mediation/show.html", status, title=_("Mediation · %(number)s",
                                                        number=facts.number),
                  message=message, facts=facts, record=record, forms=forms,
                  rows=range(1, INSTALMENT_ROWS + 1), terms=NON_MONETARY_TERMS,
                  term_titles=TERM_TITLES, confirmation_titles=CONFIRMATION_TITLES,
                  instalment_titles=INSTALMENT_TITLES, party_roles=PARTY_ROLES,
                  party_options=[(name, name) for name in  # a party under two roles once
                                 dict.fromkeys(p.name for p in facts.parties)],
                  courts=[(c["code"], titled(c, "name")) for c in facts.courts])


def _version() -> int:
    """The case version the form was rendered at: without a valid one the write is refused
    (a stale or doubled form must never go through unchecked)."""
    raw = request.form.get("version", "")
    if not raw.isdigit() or len(raw) > 9:
        raise ValidationFailed(N_("the form is incomplete; reload the page and try again"),
                               field="version")
    return int(raw)


def _done(case_id: int, text: str) -> Response:
    flash(text, "success")
    return redirect(url_for("mediator.show", case_id=case_id), code=303)


def _failed(case_id: int, exc: CaseflowError, form: str, shown: set[str],
            values: dict[str, Any], rows: list[int] | None = None) -> Response:
    if isinstance(exc, ConflictError):
        status, message, _errors = refusal(exc)
        return render_page(case_id, status=status, message=message)
    status, message, errors = _refused(exc, form, shown, rows)
    return render_page(case_id, status=status, message=message, form=form, values=values,
                       errors=errors)




@bp.get("/")
@roles_required("mediator")
def index() -> Response:
    """The mediation cases of the mediator's body: state, parties, sessions, instalments
    due or overdue, judicial confirmation."""
    items = mediation_desk(page_uow(), actor())
    return render("mediation/index.html", title=_("Mediation cases"), items=items,
                  confirmation_titles=CONFIRMATION_TITLES, instalment_titles=INSTALMENT_TITLES,
                  party_roles=PARTY_ROLES)


@bp.get("/<int:case_id>")
@roles_required("mediator")
def show(case_id: int) -> Response:
    return render_page(case_id)


@bp.post("/<int:case_id>/sessions")
@roles_required("mediator")
def add_session(case_id: int) -> Response:
    form = request.form
    values = {k: form.get(k, "") for k in ("held_on", "attendees", "outcome", "notes",
                                           "reason")}
    attendees = [line.strip() for line in values["attendees"].splitlines() if line.strip()]
    try:
        record_session(page_uow(), case_id, actor=actor(),
                       held_on=typed_date(values["held_on"], "held_on"),
                       attendees=attendees, outcome=values["outcome"], notes=values["notes"],
                       reason=values["reason"].strip() or None, expected_version=_version())
    except CaseflowError as exc:
        return _failed(case_id, exc, "session", set(values), values)
    return _done(case_id, _("The session was recorded."))


@bp.post("/<int:case_id>/settlement")
@roles_required("mediator")
def add_settlement(case_id: int) -> Response:
    form = request.form
    values: dict[str, Any] = {k: form.get(k, "") for k in (
        "payer", "payee", "amount", "currency", "signed_on", "reason")}
    values["terms"] = form.getlist("terms")
    typed, rows = [], []
    for row in range(1, INSTALMENT_ROWS + 1):
        amount, due = form.get(f"amount_{row}", "").strip(), form.get(f"due_on_{row}", "").strip()
        values[f"amount_{row}"], values[f"due_on_{row}"] = amount, due
        if not amount and not due:
            continue
        typed.append((row, due, amount))
        rows.append(row)
    shown = {"payer", "payee", "parties", "amount", "currency", "signed_on", "reason",
             "terms", "instalments"} | {f"{w}_{r}" for w in ("amount", "due_on") for r in rows}
    parties = [values["payer"], values["payee"]]
    try:
        if not all(parties):
            missing = "payer" if not values["payer"] else "payee"
            raise ValidationFailed(N_("is required"), field=missing, prefixed=True)
        signed_on = typed_date(values["signed_on"], "signed_on")
        # a due date left empty is the service's "is required" (it names the instalment)
        instalments = [{"due_on": typed_date(due, f"due_on_{row}") if due else None,
                        "amount": amount or None} for row, due, amount in typed]
        record_settlement(page_uow(), case_id, actor=actor(), parties=parties,
                          amount=values["amount"].strip().replace(",", ""),
                          currency=values["currency"].strip() or "CNY", terms=values["terms"],
                          signed_on=signed_on, instalments=instalments,
                          reason=values["reason"].strip() or None,
                          expected_version=_version())
    except CaseflowError as exc:
        if getattr(exc, "field", None) == "parties[1]":
            exc.field = "payee"  # type: ignore[attr-defined]
        elif getattr(exc, "field", None) == "parties[0]":
            exc.field = "payer"  # type: ignore[attr-defined]
        return _failed(case_id, exc, "settlement", shown, values, rows)
    return _done(case_id, _("The settlement agreement was recorded."))


@bp.post("/<int:case_id>/payments")
@roles_required("mediator")
def add_payment(case_id: int) -> Response:
    form = request.form
    seq = form.get("seq", "")
    values = {"seq": seq, "paid_on": form.get("paid_on", ""), "agreement_id":
              form.get("agreement_id", "")}
    try:
        record_payment(page_uow(), case_id, actor=actor(),
                       agreement_id=int(values["agreement_id"] or 0),
                       seq=int(seq) if seq.isdigit() else 0,
                       paid_on=typed_date(values["paid_on"], "paid_on"),
                       expected_version=_version())
    except (CaseflowError, ValueError) as exc:
        if isinstance(exc, ValueError):
            exc = ValidationFailed(N_("must be a number"), field="agreement_id",
                                   prefixed=True)
        return _failed(case_id, exc, "payment", {"paid_on", "seq"}, values)
    return _done(case_id, _("Instalment %(seq)s was recorded as paid.", seq=seq))


@bp.post("/<int:case_id>/confirmation")
@roles_required("mediator")
def apply_confirmation(case_id: int) -> Response:
    form = request.form
    values = {k: form.get(k, "") for k in ("to_agency", "court", "applied_on", "reason", "key")}
    try:
        if not values["court"].strip():
            raise ValidationFailed(N_("is required"), field="court", prefixed=True)
        applied = typed_date(values["applied_on"], "applied_on")
        handoffs.hand_off(
            page_uow(), case_id, "judicial_confirmation", actor=actor(),
            to_agency=values["to_agency"], reason=values["reason"],
            idempotency_key=values["key"] or uuid.uuid4().hex,
            payload={"court": values["court"].strip(), "applied_on": applied.isoformat()},
            expected_version=_version())
    except CaseflowError as exc:
        return _failed(case_id, exc, "confirmation",
                       {"to_agency", "court", "applied_on", "reason", "confirmation"}, values)
    return _done(case_id, _("The application for judicial confirmation was sent to the "
                            "court."))


@bp.post("/<int:case_id>/conflicts")
@roles_required("mediator")
def add_conflict(case_id: int) -> Response:
    form = request.form
    values = {k: form.get(k, "") for k in ("party_name", "conflict_reason")}
    try:
        declare_conflict(page_uow(), mediator=actor(), party_name=values["party_name"],
                         reason=values["conflict_reason"], actor=actor())
    except CaseflowError as exc:
        if getattr(exc, "field", None) == "reason":
            exc.field = "conflict_reason"  # type: ignore[attr-defined]
        return _failed(case_id, exc, "conflict", set(values), values)
    flash(_("Your conflict of interest was declared; a supervisor reassigns the case."),
          "success")
    return redirect(url_for("mediator.index"), code=303)
