"""Officers' pages: 待办 (my open cases), the agency's queue of unassigned cases (认领),
已办 (closed cases I was assigned) and 立案 (filing a new clue or case).

The lists read ``caseflow.views.worklist`` (``list_cases``'s filters, sorts, paging and
refusals, plus open / closed), sorted by what falls due first; a row's urgency: overdue,
``soon`` within three days of the most urgent running clock's due time, ``fine``, or
``none`` without a running clock. Claiming calls ``services.assign`` to oneself against the
case's version, as the API's claim does; filing calls ``services.open_case`` as POST /cases.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import Blueprint, Response, flash, redirect, request, url_for
from flask_babel import gettext as _

from caseflow import services
from caseflow.domain.errors import CaseflowError
from caseflow.domain.vocabulary import (
    INDUSTRIES,
    INDUSTRY_TITLES,
    IP_RIGHT_KINDS,
    PARTY_KINDS,
    PARTY_ORIGINS,
)
from caseflow.views.case_list import agency_state_choices
from caseflow.views.worklist import CaseFilters, list_work, opening_types
from web.i18n import N_, is_chinese
from web.pages.common import actor, nav_entry, page_uow, refusal, render, roles_required

bp = Blueprint("work", __name__, url_prefix="/work")

nav_entry("work.mine", N_("To do"), "officer")
nav_entry("work.queue", N_("Case queue"), "officer")
nav_entry("work.done", N_("Done"), "officer")
nav_entry("work.new", N_("File a case"), "officer")

PER_PAGE = 20
SOON = timedelta(days=3)  # the list gives no warning time: three days before due is "soon"

PARTY_KIND_TITLES = {"enterprise": N_("Enterprise"), "individual": N_("Individual"),
                     "other_organisation": N_("Other organisation")}
ORIGIN_TITLES = {"local": N_("Local (Ningbo)"), "other_city": N_("Other city"),
                 "overseas": N_("Overseas")}
IP_KIND_TITLES = {"invention_patent": N_("Invention patent"),
                  "utility_model": N_("Utility model"), "design_patent": N_("Design patent"),
                  "trademark": N_("Trademark"), "copyright": N_("Copyright"),
                  "geographical_indication": N_("Geographical indication"),
                  "trade_secret": N_("Trade secret"), "plant_variety": N_("Plant variety")}
FIRST_ROLES = {"complainant": N_("Complainant"), "rights_holder": N_("Rights holder"),
               "reporter": N_("Reporter"), "applicant": N_("Applicant")}
SECOND_ROLES = {"alleged_infringer": N_("Alleged infringer"), "respondent": N_("Respondent")}

FILTER_MESSAGES = {
    "type": N_("Unknown case type."),
    "state": N_("Unknown state."),
    "received_from": N_("The received-from date must not be after the received-to date."),
    "q": N_("The search text is too long or contains characters that are not allowed."),
}
LISTS = {
    "mine": (N_("To do"), N_("No open cases are assigned to you.")),
    "queue": (N_("Case queue"), N_("No unassigned open cases in your agency.")),
    "done": (N_("Done"), N_("No closed cases of yours yet.")),
}


def urgency(item: Any) -> str:
    if item.left is None:
        return "none"
    if item.overdue:
        return "overdue"
    return "soon" if item.left <= SOON else "fine"


def _day(text: str) -> date:
    return date.fromisoformat(text)


def _filters() -> tuple[dict[str, str], CaseFilters | None, dict[str, str]]:
    """What the filter form holds (as typed), the filters, and the errors by field."""
    typed = {name: request.args.get(name, "").strip()
             for name in ("q", "type", "state", "due_before", "received_from", "received_to")}
    if not typed["type"]:  # the API's and the new-case form's name for it: read, not ignored
        typed["type"] = request.args.get("case_type", "").strip()
    typed["overdue"] = "1" if request.args.get("overdue") else ""
    errors: dict[str, str] = {}
    days: dict[str, date | None] = {}
    for name in ("due_before", "received_from", "received_to"):
        days[name] = None
        if typed[name]:
            try:
                days[name] = _day(typed[name])
            except ValueError:
                errors[name] = _("Enter a valid date (year-month-day).")
    if errors:
        return typed, None, errors
    filters = CaseFilters(type=typed["type"] or None, state=typed["state"] or None,
                          overdue=True if typed["overdue"] else None,
                          due_before=days["due_before"], received_from=days["received_from"],
                          received_to=days["received_to"], q=typed["q"] or None)
    return typed, filters, errors


PAGE_MAX = 10**6  # past any real list; a bigger number would overflow the database's integer


def _page_number() -> int:
    try:
        return min(PAGE_MAX, max(1, int(request.args.get("page", "1"))))
    except ValueError:
        return 1


def _list(which: str, **scope: Any) -> Response:
    heading, empty = LISTS[which]
    typed, filters, errors = _filters()
    who = actor()
    status, message, result = 200, None, None
    # only the agency's case types and their states: another agency's are refused as unknown
    types = opening_types(page_uow(), who)
    if typed["type"] and typed["type"] not in {t.key for t in types}:
        errors["type"] = _(FILTER_MESSAGES["type"])
    states = agency_state_choices(page_uow(), who,
                                  typed["type"] or None if "type" not in errors else None)
    if typed["state"] and typed["state"] not in {c.name for c in states}:
        errors["state"] = _(FILTER_MESSAGES["state"])
    if errors:
        filters = None
    if filters is not None:
        filters = CaseFilters(**{**{f: getattr(filters, f) for f in filters.__dataclass_fields__},
                                 **scope.get("filters", {})})
        try:
            result = list_work(page_uow(), who, filters, closed=which == "done",
                               page=_page_number(), per_page=PER_PAGE)
        except CaseflowError as exc:
            _status, text, found = refusal(exc)
            for field in found or {"": ""}:
                if field in FILTER_MESSAGES:
                    errors[field] = _(FILTER_MESSAGES[field])
                elif field in ("due_before", "received_to"):
                    errors[field] = _("Enter a plausible date.")
                else:
                    errors[field or "q"] = text
            status = 422
    if errors:
        status = 422
        message = _("Please correct the filters: %(errors)s", errors="；".join(errors.values()))
    pages = 1
    if result is not None:
        pages = max(1, -(-result.total // PER_PAGE))
    args = {k: v for k, v in typed.items() if v}
    return render("work/list.html", status, title=_(heading), message=message, which=which,
                  typed=typed, errors=errors, result=result, empty=_(empty), pages=pages,
                  args=args, urgency=urgency, types=types, states=states)


@bp.get("/")
@roles_required("officer")
def mine() -> Response:
    """待办: open cases assigned to me."""
    return _list("mine", filters={"assignee": actor()})


@bp.get("/queue")
@roles_required("officer")
def queue() -> Response:
    """The agency's open unassigned cases, each with a claim button."""
    return _list("queue", filters={"unassigned": True})


@bp.get("/done")
@roles_required("officer")
def done() -> Response:
    """已办: closed cases assigned to me."""
    return _list("done", filters={"assignee": actor()})


@bp.post("/claim/<int:case_id>")
@roles_required("officer")
def claim(case_id: int) -> Response:
    """Take an unassigned case for myself, against the version the queue showed."""
    who = actor()
    back = url_for("work.queue", **{k: v for k, v in request.form.items()
                                    if k in ("q", "type", "state", "page")})
    try:
        expected = int(request.form.get("version", ""))
    except ValueError:
        flash(_("The form was incomplete; please reload the page and try again."), "error")
        return redirect(back, code=303)
    try:
        view = services.assign(page_uow(), case_id, who, actor=who,
                               expected_version=expected)
    except CaseflowError as exc:
        _status, message, _errors = refusal(exc)
        flash(message, "error")
        return redirect(back, code=303)
    flash(_("You took case %(number)s; it is now in your to-do list.", number=view.number),
          "success")
    return redirect(back, code=303)


# --- filing a new case -----------------------------------------------------------------------

FORM_FIELDS = ("case_type", "title", "received_on", "industry",
               "p1_role", "p1_name", "p1_kind", "p1_origin", "p1_region",
               "p2_role", "p2_name", "p2_kind", "p2_origin", "p2_region",
               "ip_kind", "ip_number", "ip_title")


def industry_titles() -> dict[str, str]:
    """Each industry's title in the page's language, in the vocabulary's order."""
    return {code: INDUSTRY_TITLES[code][0 if is_chinese() else 1] for code in INDUSTRIES}


def _new_form(status: int = 200, typed: dict[str, str] | None = None,
              errors: dict[str, str] | None = None, message: str | None = None) -> Response:
    defaults = {"p1_role": "complainant", "p2_role": "alleged_infringer",
                "p1_kind": "enterprise", "p2_kind": "enterprise",
                "p1_origin": "local", "p2_origin": "local"}
    return render("work/new.html", status, title=_("File a case"), message=message,
                  typed={**defaults, **(typed or {})}, errors=errors or {},
                  types=opening_types(page_uow(), actor()),
                  party_kinds=PARTY_KIND_TITLES, origins=ORIGIN_TITLES,
                  ip_kinds=IP_KIND_TITLES, first_roles=FIRST_ROLES, second_roles=SECOND_ROLES,
                  industries=industry_titles())


@bp.get("/new")
@roles_required("officer")
def new() -> Response:
    """The form to file a new clue or case."""
    return _new_form()


def _check(typed: dict[str, str], type_keys: set[str]) -> tuple[dict[str, Any], dict[str, str]]:
    errors: dict[str, str] = {}
    required = _("Required.")
    if typed["case_type"] not in type_keys:
        errors["case_type"] = required if not typed["case_type"] else _("Unknown case type.")
    if not typed["title"]:
        errors["title"] = required
    received: date | None = None
    if typed["received_on"]:
        try:
            received = _day(typed["received_on"])
        except ValueError:
            errors["received_on"] = _("Enter a valid date (year-month-day).")
    parties = []
    for prefix, roles in (("p1", FIRST_ROLES), ("p2", SECOND_ROLES)):
        if typed[f"{prefix}_role"] not in roles:
            errors[f"{prefix}_role"] = _("Choose one of the listed values.")
        if typed[f"{prefix}_kind"] not in PARTY_KINDS:
            errors[f"{prefix}_kind"] = _("Choose one of the listed values.")
        if typed[f"{prefix}_origin"] not in PARTY_ORIGINS:
            errors[f"{prefix}_origin"] = _("Choose one of the listed values.")
        if not typed[f"{prefix}_name"]:
            if prefix == "p1":
                errors["p1_name"] = required
            continue
        parties.append({"role": typed[f"{prefix}_role"], "name": typed[f"{prefix}_name"],
                        "kind": typed[f"{prefix}_kind"], "origin": typed[f"{prefix}_origin"],
                        "region": typed[f"{prefix}_region"] or None})
    rights = []
    if typed["ip_number"] or typed["ip_title"]:
        if typed["ip_kind"] not in IP_RIGHT_KINDS:
            errors["ip_kind"] = _("Choose one of the listed values.")
        if not typed["ip_number"]:
            errors["ip_number"] = required
        rights.append({"kind": typed["ip_kind"], "number": typed["ip_number"],
                       "title": typed["ip_title"] or None})
    elif typed["ip_kind"] and typed["ip_kind"] not in IP_RIGHT_KINDS:
        errors["ip_kind"] = _("Choose one of the listed values.")
    if typed["industry"] and typed["industry"] not in INDUSTRIES:
        errors["industry"] = _("Choose one of the listed values.")
    body = {"case_type": typed["case_type"], "title": typed["title"], "received_on": received,
            "parties": parties, "ip_rights": rights, "industry": typed["industry"] or None}
    return body, errors


ENGINE_FIELDS = {"case_type": "case_type", "title": "title", "received_on": "received_on",
                 "industry": "industry"}


@bp.post("/new")
@roles_required("officer")
def create() -> Response:
    """File the case: success → its page; refusals → the form again, values kept."""
    typed = {name: request.form.get(name, "").strip() for name in FORM_FIELDS}
    who = actor()
    keys = {t.key for t in opening_types(page_uow(), who)}
    body, errors = _check(typed, keys)
    if errors:
        return _new_form(422, typed, errors, _("Please correct the marked fields."))
    try:
        view = services.open_case(page_uow(), actor=who, **body)
    except CaseflowError as exc:
        status, message, found = refusal(exc)
        errors = {ENGINE_FIELDS.get(k.split(".")[0].split("[")[0], ""): v
                  for k, v in found.items()}
        errors.pop("", None)
        return _new_form(status, typed, errors, message)
    flash(_("Case %(number)s filed.", number=view.number), "success")
    return redirect(url_for("case_page.show", case_id=view.id), code=303)
